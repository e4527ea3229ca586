"""Fault suite, security: scope, no SSRF (spelling and resolved address), robots.txt per RFC 9309, URL variants."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.support.crawl import crawl
from tests.support.faults import FaultServer

pytestmark = pytest.mark.e2e

RESOLVE = "news.test=127.0.0.1,www.news.test=127.0.0.1,elsewhere.test=127.0.0.1"


def redirect(target: str) -> str:
    return "/redirect?to=" + quote(target, safe="")


@pytest.fixture(scope="module")
def security(tmp_path_factory):
    """One crawl of four sites: a news site whose pages lead everywhere they should not, an internal
    service that must never be reached, and two sites whose robots.txt is unavailable (503) or missing (404)."""
    with (
        FaultServer(robots="User-agent: *\nDisallow: /article/private\n") as site,
        FaultServer() as internal,
        FaultServer(robots=503) as down,
        FaultServer(robots=404) as missing,
        FaultServer(robots="redirect:/robots.txt") as looping,
        FaultServer(robots="redirect:http://169.254.169.254/robots.txt") as metadata,
    ):
        port, other = site.port, internal.port
        forbidden = {
            # Another port of the start host, private and metadata addresses, every spelling of loopback.
            "other_port": f"http://127.0.0.1:{other}/article/secret",
            "private": "http://10.0.0.1/admin",
            "metadata": "http://169.254.169.254/latest/meta-data/",
            "decimal": f"http://2130706433:{other}/article/secret",
            "hex": f"http://0x7f.0.0.1:{other}/article/secret",
            "octal": f"http://0177.0.0.1:{other}/",
            "short": f"http://127.1:{other}/",
            "ipv6_loopback": f"http://[::1]:{other}/",
            "ipv4_mapped": f"http://[::ffff:127.0.0.1]:{other}/",
            "unique_local": f"http://[fd00::1]:{other}/",
            # In scope (the www. variant of the start host) but resolving to loopback: refused by address.
            "resolves_to_loopback": f"http://www.news.test:{port}/article/www-variant",
        }
        elsewhere = {
            "offsite_name": f"http://elsewhere.test:{other}/article/secret",
            "localhost": f"http://localhost:{other}/",
            "file": "file:///etc/passwd",
            "gopher": f"gopher://127.0.0.1:{other}/",
        }
        site.index_links = [redirect(t) for t in {**forbidden, **elsewhere}.values()] + [
            f"http://www.news.test:{port}/article/linked-www",  # a link, not a redirect, to the same
            "/article/private-notes",  # disallowed by robots.txt
            "/article/public",
        ]
        start = {
            "home": f"http://news.test:{port}/",
            "tracking": f"http://news.test:{port}/tracking",
            # A start URL that redirects off-site: Scrapy alone would fetch it.
            "offsite_start": f"http://news.test:{port}" + redirect(f"http://elsewhere.test:{other}/article/secret"),
            "down": down.url("/article/down"),
            "missing": missing.url("/article/missing"),
            "looping": looping.url("/article/looping"),
            "metadata": metadata.url("/article/metadata"),
        }
        result = crawl(
            "news",
            tmp_path_factory.mktemp("security") / "crawl.db",
            {"urls": ",".join(start.values()), "depth": 1},
            {"CRAWL_RESOLVE": RESOLVE, "RETRY_TIMES": 1, "DOWNLOAD_TIMEOUT": 5},
        )
        yield {
            "result": result,
            "site": site,
            "internal": internal,
            "down": down,
            "missing": missing,
            "looping": looping,
            "metadata": metadata,
            "forbidden": forbidden,
            "elsewhere": elsewhere,
            "start": start,
            "port": port,
        }


def test_security_crawl_finishes(security):
    assert security["result"].returncode == 0, security["result"].stderr[-3000:]


def test_the_internal_service_is_never_reached(security):
    assert security["internal"].log.paths() == []


@pytest.mark.parametrize(
    "name",
    [
        "other_port",
        "private",
        "metadata",
        "decimal",
        "hex",
        "octal",
        "short",
        "ipv6_loopback",
        "ipv4_mapped",
        "unique_local",
        "resolves_to_loopback",
    ],
)
def test_redirect_to_a_non_public_address_is_refused(security, name):
    page = f"http://news.test:{security['port']}" + redirect(security["forbidden"][name])
    assert security["result"].pages()[page] == (None, "skipped", "forbidden_address")


def test_a_name_resolving_to_loopback_is_refused_when_linked(security):
    pages, port = security["result"].pages(), security["port"]
    assert pages[f"http://www.news.test:{port}/article/linked-www"] == (None, "skipped", "forbidden_address")
    assert not [h for h in security["site"].log.hits if h.host.startswith("www.")]


@pytest.mark.parametrize(
    "name, reason",
    [
        ("offsite_name", "redirect_out_of_scope"),
        ("localhost", "redirect_out_of_scope"),
        ("file", "unsupported_scheme"),
        ("gopher", "unsupported_scheme"),
    ],
)
def test_redirect_off_site_or_to_another_scheme_is_refused(security, name, reason):
    page = f"http://news.test:{security['port']}" + redirect(security["elsewhere"][name])
    assert security["result"].pages()[page] == (None, "skipped", reason)


def test_a_start_url_redirecting_off_site_is_not_followed(security):
    assert security["result"].pages()[security["start"]["offsite_start"]] == (None, "skipped", "redirect_out_of_scope")


def test_the_named_start_host_is_crawled_although_it_is_loopback(security):
    pages, port = security["result"].pages(), security["port"]
    assert pages[f"http://news.test:{port}/article/public"] == (200, "article", None)
    assert pages[f"http://news.test:{port}/article/private-notes"] == (None, "skipped", "robots")
    assert "/article/private-notes" not in security["site"].log.paths()


def test_robots_txt_answered_5xx_disallows_the_whole_host(security):
    down, pages = security["down"], security["result"].pages()
    assert down.log.paths() == ["/robots.txt", "/robots.txt"]  # retried once, then nothing else
    assert pages[down.url("/robots.txt")] == (503, "robots", "robots_unavailable")
    assert pages[security["start"]["down"]] == (None, "skipped", "robots_unavailable")
    assert security["result"].stats()["robotstxt/decision/disallow_all"] == 2  # this one and the metadata one


def test_robots_txt_answered_4xx_allows_everything(security):
    missing, pages = security["missing"], security["result"].pages()
    assert pages[missing.url("/robots.txt")] == (404, "robots", "robots_missing")
    assert pages[security["start"]["missing"]] == (200, "article", None)
    assert security["result"].stats()["robotstxt/decision/allow_all"] == 2  # this one and the looping one


def test_url_variants_make_one_row_and_one_download(security):
    result, port = security["result"], security["port"]
    assert result.rows("SELECT url FROM articles WHERE url LIKE '%tracked%'") == [
        (f"http://news.test:{port}/article/tracked",)
    ]
    assert [p for p in security["site"].log.paths() if "tracked" in p] == ["/article/tracked"]
    ((total, distinct),) = result.rows("SELECT count(*), count(DISTINCT url) FROM articles")
    assert total == distinct


def test_robots_txt_redirecting_for_ever_allows_and_off_limits_disallows(security):
    pages = security["result"].pages()
    looping, metadata = security["looping"], security["metadata"]
    assert pages[looping.url("/robots.txt")] == (None, "robots", "robots_missing")  # RFC 9309 2.3.1.2
    assert pages[security["start"]["looping"]] == (200, "article", None)
    assert pages[metadata.url("/robots.txt")] == (None, "robots", "robots_unavailable")  # not followed there
    assert pages[security["start"]["metadata"]] == (None, "skipped", "robots_unavailable")
    assert metadata.log.paths() == ["/robots.txt"]
