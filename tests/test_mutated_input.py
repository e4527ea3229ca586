"""Pages, sitemaps and feeds mangled at random (a fixed seed): reading them never raises, whatever they hold."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest

from crawler.config import ExtractConfig
from crawler.demo.server import DEMO_SITE
from crawler.extract.analysis import analyse_page
from crawler.fetch import discovery
from tests.support.sites import FIXTURES
from tests.support.store import PROJECT_SETTINGS

PAGES = sorted(DEMO_SITE.rglob("*.html")) + sorted(FIXTURES.glob("*.html"))
# What broken and hostile pages hold: stray markup, bytes of no encoding, references to nothing, markup
# nested far deeper than any template (unclosed tags), structured data and dates that cannot be read.
PAGE_PIECES = [
    b"\x00",
    b"\xff\xfe",
    b"\xc3\x28",
    b"<",
    b">",
    b"&",
    b"&#0;",
    b"&#xD800;",
    b"<!--",
    b"<![CDATA[",
    b"<script>",
    b"</script>",
    b"<p>" * 50,
    b"</div>" * 50,
    b"<div>" * 1500,
    b"<span>" * 1500,
    b"<ul><li>" * 800,
    b"<table>" * 500,
    b"<h1>" + b"<b>" * 1500 + b"A headline of several words" + b"</b>" * 1500 + b"</h1>",
    b"<h2><a href='/x'>" + b"<i>" * 1500 + b"A teaser headline of words" + b"</i>" * 1500 + b"</a></h2>",
    b"<title>" + b"Kicker: " * 2000 + b"the story</title>",
    b"<meta property='og:title' content='" + b"A | " * 2000 + b"'>",
    b"<div class='byline author'>" + b"<span>" * 1500 + b"By Jo Doe" + b"</span>" * 1500 + b"</div>",
    b"<a href='http://[::1\xc3\xa9/'>a link to nowhere at all</a>",
    b"<base href='http://[::1'>",
    b"<meta charset='x-unknown'>",
    b"<meta http-equiv='refresh' content='0;url=javascript:x'>",
    b"<time datetime='9999-99-99'>",
    b"<meta property='article:published_time' content='2099-13-45T99:99'>",
    b"<script type='application/ld+json'>" + b"[" * 5000 + b"]" * 5000 + b"</script>",
    b'<script type=\'application/ld+json\'>{"@type":"NewsArticle","author":{"name":null}}</script>',
    b"<link rel='canonical' href='::::'>",
    b"<div class='" + b"x" * 100_000 + b"'>",
]
LISTINGS = [
    (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>http://a.example/x</loc>'
        b"<lastmod>2020-01-02T03:04:05+01:00</lastmod><news:news><news:publication_date>2020-01-01"
        b"</news:publication_date></news:news></url></urlset>"
    ),
    (
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
        b"<loc>http://a.example/s1.xml</loc><lastmod>2021-01-01</lastmod></sitemap></sitemapindex>"
    ),
    (
        b'<?xml version="1.0"?><rss version="2.0"><channel><item><link>http://a.example/1</link>'
        b"<pubDate>Mon, 06 Sep 2021 16:45:00 +0000</pubDate></item></channel></rss>"
    ),
    (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="http://a.example/3"/>'
        b"<updated>2003-12-13T18:30:02Z</updated><published>2003-12-13</published></entry></feed>"
    ),
    (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><item><link>http://a.example/4</link>'
        b"<dc:date>2002-09-01T00:00:00Z</dc:date></item></rdf:RDF>"
    ),
    b"User-agent: *\nDisallow: /private\nSitemap: http://a.example/sitemap.xml\nCrawl-delay: x\n",
]
LISTING_PIECES = [
    b"\x00",
    b"\xff",
    b"<",
    b"&",
    b"&#xD800;",
    b"&#55296;",
    b"<!DOCTYPE x [<!ENTITY a 'b'>]>&a;",
    b"<loc>http://[::1</loc>",
    b"<url>" * 2000,
    b"<item>" * 2000,
    b"9999-99-99T99:99:99+99:99",
    b"2020-02-30",
    b"<?xml version='1.0' encoding='bogus'?>",
    b' xmlns:rdf="x"',
    b"rdf:",
    b"dc:",
    b"Sitemap: http://[::1]/\n",
]


def mangled(data: bytes, pieces: list[bytes], rng: random.Random) -> bytes:
    """``data`` with a few random cuts, insertions of ``pieces`` and random bytes, repeats and truncation."""
    mangling = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        at, choice = rng.randint(0, len(mangling)), rng.random()
        if choice < 0.45:
            mangling[at:at] = rng.choice(pieces)
        elif choice < 0.6:
            del mangling[at : at + rng.randint(1, 2000)]
        elif choice < 0.75:
            mangling[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 30)))
        elif choice < 0.85:
            del mangling[at:]
        else:
            start = rng.randint(0, len(mangling))
            mangling[at:at] = mangling[start : start + rng.randint(1, 3000)]
    return bytes(mangling)


@pytest.mark.parametrize("seed", range(4))
def test_mangled_pages_are_analysed_without_an_error(seed):
    # The workers' function itself, in this process: a page it raises on is stored as extraction_failed,
    # its article lost. (Pieces like the nesting and the kickers above raised RecursionError in five places.)
    config = ExtractConfig.from_settings(PROJECT_SETTINGS)
    rng = random.Random(seed)
    for _ in range(25):
        path: Path = rng.choice(PAGES)
        body = mangled(path.read_bytes(), PAGE_PIECES, rng)
        content_type = rng.choice([None, "text/html", "text/html; charset=utf-16", "text/html; charset=bogus"])
        analysis = analyse_page(
            body,
            "http://127.0.0.1:8371/" + path.name,
            content_type,
            None,
            rng.choice([None, "2020-01-01", "not a date"]),
            rng.random() < 0.5,
            config.options,
            config.article_scheme,
            config.teaser_scheme,
        )
        assert analysis.extraction.kind in ("article", "listing", "skipped")


def test_mangled_sitemaps_feeds_and_robots_files_are_read_without_an_error():
    rng = random.Random(0)
    for _ in range(1500):
        body = mangled(rng.choice(LISTINGS), LISTING_PIECES, rng)
        if rng.random() < 0.1:
            body = gzip.compress(body)[: rng.randint(5, 400)]  # a .xml.gz cut short
        try:
            body = discovery.unpack(body, 1_000_000)
        except (discovery.TooLarge, discovery.BadCompression):
            continue  # recorded as such by the spider
        discovery.classify(body)
        discovery.sitemap_entries(body)
        discovery.feed_entries(body)
        discovery.robots_sitemaps(body)
