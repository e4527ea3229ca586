"""URL normalisation and scope rules."""

from __future__ import annotations

import random
from collections.abc import Callable
from urllib.parse import urljoin

import pytest

from crawler.config import CrawlConfig
from crawler.fetch.scope import Scope
from crawler.fetch.sites import sites_from_urls
from crawler.urls import (
    _normalize_absolute,
    already_normal,
    fetchable_by_parts,
    forget_spellings,
    is_fetchable,
    normal_by_characters,
    normalize_url,
    normalized_by_parts,
    normalized_or_none,
    scope_key,
    site_by_parts,
    site_of,
)
from tests.support.store import PROJECT_SETTINGS

CRAWL = CrawlConfig.from_settings(PROJECT_SETTINGS)


@pytest.mark.parametrize(
    "variant",
    [
        "http://news.example.com/world/story.html",
        "HTTP://News.Example.COM/world/story.html",
        "http://news.example.com:80/world/story.html",
        "http://news.example.com/world/story.html#comments",
        "http://news.example.com/world/story.html?utm_source=popular&utm_medium=web",
        "http://news.example.com/world/story.html?fbclid=abc123",
        "http://news.example.com/world/story.html?gclid=xyz&utm_campaign=editors-choice#top",
        "http://news.example.com/world/./extra/../story.html",
        "http://news.example.com/world/story.html?ref=more-from-the-wire",
    ],
)
def test_variants_normalise_to_one_url(variant):
    assert normalize_url(variant) == "http://news.example.com/world/story.html"


def test_forgetting_the_spellings_works_the_next_ones_out_anew():
    url = "HTTP://News.Example.COM:80/world/story.html?utm_source=x#top"
    normalize_url(url)
    before = _normalize_absolute.cache_info()
    assert normalize_url(url) == "http://news.example.com/world/story.html"
    assert _normalize_absolute.cache_info().hits == before.hits + 1  # remembered

    forget_spellings()

    assert _normalize_absolute.cache_info().currsize == 0
    assert normalize_url(url) == "http://news.example.com/world/story.html"
    after = _normalize_absolute.cache_info()
    assert (after.hits, after.misses) == (0, 1)  # worked out anew, with the same result


def test_meaningful_query_is_kept_and_sorted():
    assert normalize_url("https://x.org/search?q=tunnel&page=2&utm_source=a") == "https://x.org/search?page=2&q=tunnel"


def test_relative_links_resolve_against_the_page():
    assert normalize_url("../b.html?utm_term=x", "http://x.org/a/c/d.html") == "http://x.org/a/b.html"
    assert normalize_url("https://x.org") == "https://x.org/"


def test_site_keeps_non_default_ports():
    assert site_of("http://127.0.0.1:8371/a") == "127.0.0.1:8371"
    assert site_of("https://Example.com:443/a") == "example.com"


def test_the_site_read_from_an_address_s_characters_is_the_one_its_parts_give():
    # The shortcut for plain hosts must never name another site, nor call fetchable what is not: hosts of
    # the characters it lets through and of others (a user, a bracket, a space, a tab), ports that are one,
    # that are none (too big, empty, not digits), what may follow the host.
    rng = random.Random(5)
    schemes = ["http://", "https://", "HTTP://", "ftp://", "", "http:/"]
    hosts = [
        "news.example", "News.Example", "x.org.", "...", "-", "a-b.c9", "u@h.example", "[::1]", "h .example",
        "h\t.example", "é.example", "", "h.example:8080@x.example",
    ]  # fmt: skip
    ports = ["", ":", ":0", ":80", ":443", ":08080", ":65535", ":65536", ":99999", ":123456", ":8a", ":-1"]
    tails = ["", "/", "/a/b.html", "?q=1", "#f", "\\x", "\t/a", "\n", " ", ":", "@x.example/", "/a b"]
    plain = 0
    for _ in range(20000):
        url = rng.choice(schemes) + rng.choice(hosts) + rng.choice(ports) + rng.choice(tails)
        assert site_of(url) == site_by_parts(url), url
        assert is_fetchable(url) == fetchable_by_parts(url), url
        plain += url.startswith(("http://news.example", "https://news.example"))
    assert plain > 300
    assert site_of("http://news.example:99999/a") == "news.example"  # no port at all, as urlsplit reads it
    assert site_of("https://News.Example.:8443/a") == "news.example:8443"
    assert not is_fetchable("http://news.example:99999/a") and is_fetchable("http://news.example:65535/a")


def test_scope_is_the_start_sites_with_or_without_www():
    scope = Scope(sites_from_urls("https://www.example.com/news/,http://127.0.0.1:8371/", 1, CRAWL))
    assert "https://example.com/a.html" in scope
    assert "https://www.example.com/a.html" in scope
    assert "http://127.0.0.1:8371/x" in scope
    assert "http://127.0.0.1:8372/x" not in scope
    assert "https://cdn.example.com/a.html" not in scope
    assert "ftp://example.com/a" not in scope
    assert scope_key("www.example.com") == "example.com"


def test_only_http_and_https_are_fetchable():
    assert is_fetchable("https://a.org/") and is_fetchable("http://a.org/x")
    assert not is_fetchable("file:///etc/passwd")
    assert not is_fetchable("javascript:alert(1)")
    assert not is_fetchable("http:///nohost")
    assert not is_fetchable("http://exa mple.com/a") and not is_fetchable("http://example.com /a")  # no such host
    assert not is_fetchable("http://[::1") and not is_fetchable("http://[::1/a")  # no URL: an unclosed bracket
    assert not is_fetchable("http://x.org:99999/") and not is_fetchable("http://a:b:c/")  # no port


def test_a_url_whose_port_is_no_port_keeps_it():
    # Dropped, it would name the host's default port: another page, fetched in its place.
    assert normalize_url("http://X.org:99999/a") == "http://x.org:99999/a"
    assert normalize_url("http://user@a:b:c/") == "http://a:b:c/"
    assert normalize_url("HTTP://X.org:8080/a") == "http://x.org:8080/a"  # a port that is one, as before


def random_addresses(
    seed: int, count: int, hosts: list[str], after_the_host: Callable[[random.Random], str]
) -> list[str]:
    """``count`` addresses drawn with ``seed``: one of ``hosts``, what ``after_the_host`` draws, http or https."""
    rng = random.Random(seed)
    urls = []
    for _ in range(count):
        host = rng.choice(hosts)
        rest = after_the_host(rng)
        urls.append(f"{rng.choice(['http', 'https'])}://{host}{rest}")
    return urls


def spelt_as_by_parts(shortcut: Callable[[str], str | None], urls: list[str]) -> int:
    """How many of ``urls`` ``shortcut`` spells (asserting each as :func:`normalized_by_parts` spells it)."""
    taken = 0
    for url in urls:
        spelt = shortcut(url)
        if spelt is not None:
            taken += 1
            assert spelt == normalized_by_parts(url), url
    return taken


def test_a_url_taken_as_already_normal_is_what_normalising_it_part_by_part_gives():
    # The shortcut must never spell a page otherwise than the full normalisation: random paths of the
    # characters it lets through, and ones it must not (";", "%", "?", "#", dot and empty segments).
    characters = "abcXYZ09._~!$&'()*+,=:@-/;%?#"
    urls = random_addresses(
        11,
        20000,
        ["news.example", "a-b.example.org", "x1.y2", "localhost", "News.example", "x.org."],
        lambda rng: "/" + "".join(rng.choice(characters) for _ in range(rng.randrange(14))),
    )
    assert spelt_as_by_parts(lambda url: url if already_normal(url) else None, urls) > 5000
    for not_normal in [
        "http://news.example/a;", "http://news.example/./a", "http://news.example/a/..", "http://news.example//a",
        "http://News.example/a", "http://news.example./a", "http://news.example:80/a", "http://news.example",
        "http://news.example/a%7e", "http://news.example/a?b=1", "http://news.example/a#b", "HTTP://news.example/",
        "http://2130706433/a", "http://127.1/a",  # an address: w3lib 2.6 writes it as a dotted quad
    ]:  # fmt: skip
        assert not already_normal(not_normal), not_normal
        assert normalize_url(not_normal) == normalized_by_parts(not_normal)


def test_what_the_characters_of_an_address_say_is_what_normalising_it_part_by_part_gives():
    # Fragments, a missing path and plain queries (tracking parameters among them) are spelt from the
    # characters; anything else (encoded, ";", "+", a port, an upper-case host) is left to the full way.
    characters = "abXY09._~-=&%+;#?/:@ "

    def after_the_host(rng: random.Random) -> str:
        path = rng.choice(["", "/", "/a", "/a/b.html", "/A;b", "/./x", "/a%7e"])
        tail = rng.choice(["", "?", "#", "?utm_source=x&", "?ref=1&b=2&"])
        return path + tail + "".join(rng.choice(characters) for _ in range(rng.randrange(12)))

    hosts = ["news.example", "News.example", "x.org.", "a-b.example", "h.example:80", "h.example:8080"]
    urls = random_addresses(5, 50000, hosts, after_the_host)
    assert spelt_as_by_parts(normal_by_characters, urls) > 2000
    assert (
        normal_by_characters("https://news.example/a?z=1&utm_source=x&b=&a#top") == "https://news.example/a?a=&b=&z=1"
    )
    assert normal_by_characters("https://news.example") == "https://news.example/"


def test_any_address_a_page_may_hold_is_normalised_or_refused_without_an_error():
    # Links are whatever a page's author typed: brackets, ports that are none, encodings, controls, other
    # scripts. normalized_or_none answers None for what is no address; what it answers, the crawl asks the
    # site and the fetchability of without a second thought, and an http(s) address normalises again (a
    # redirect's hops, a response's address) to the same spelling.
    pieces = [
        "http://", "https://", "//", "/", "..", ".", "?", "#", "&", "=", ";", ":", "@", "[", "]", "::1", "%", "%zz",
        "%2F", "\x00", " ", "\t", "\n", "é", "\u200b", "\ud800", "ß", "ｆ", "xn--", "-", "99999", ":0", ":65536",
        "javascript:", "\\", "\uff0e", "localhost", "1.2.3.4", "[v1.x]", "utm_source=1", "€", "www.", "\u2028",
    ]  # fmt: skip
    bases = [None, "http://a.example/x/y.html", "https://user:pw@host.example:443/p;q?a=1#f", "http://[::1]:8080/a"]
    rng = random.Random(7)
    normalised = 0
    for _ in range(20000):
        typed = rng.choice(["", "http://", "https://"]) + "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        url = normalized_or_none(typed, rng.choice(bases))
        if url is not None:
            normalised += 1
            site_of(url)
            is_fetchable(url)
            if url.startswith(("http://", "https://")):  # one spelling: normalising it again changes nothing
                assert normalize_url(url) == url, typed
    assert normalised > 5000
    # Found by longer runs of the same pieces: each was normalised to an address that could not be read
    # again, or that normalised to another.
    for typed in [
        "https://..\\/:-1]http://", "http:///\\_::1=&=", "http://? #!ß%", "http://javascript:http://éjavascript:?\u2028#!?",
        "http://%\uff0e/%2F%2F\n:0", "https://[v1.x]@h.example:0]]",
    ]:  # fmt: skip
        url = normalized_or_none(typed)
        if url is not None:
            assert site_of(url) is not None and normalize_url(url) == url, typed


def test_a_path_on_the_page_s_host_joins_as_urljoin_joins_it():
    rng = random.Random(3)
    bases = [
        "http://h.example", "https://h.example/a/b.html", "http://h.example?x=1", "http://h.example#f",
        "https://u@h.example:8080/a;p?q#f", "http://h.example/a/b/", "HTTP://H.example/x", "xhttps://h.example/a",
    ]  # fmt: skip
    for _ in range(20000):
        base = rng.choice(bases)
        href = "/" + "".join(rng.choice("ab/.?#;=&%:@ ") for _ in range(rng.randrange(10)))
        try:
            expected = normalized_by_parts(urljoin(base, href.strip()))  # normalize_url strips, then joins
        except ValueError:
            continue
        assert normalize_url(href, base) == expected, (base, href)
