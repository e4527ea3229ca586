"""End to end: real `scrapy crawl news` runs against the sample site served on 127.0.0.1."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from urllib.parse import urlsplit

import lxml.html
import pytest

from crawler.demo.server import DEMO_SITE, SiteGroup
from crawler.urls import normalize_url
from tests.support.crawl import crawl as run_crawl
from tests.support.sites import site_url

pytestmark = pytest.mark.e2e

BLOCK_LABELS = ("Editor's choice", "Popular", "Related articles")


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """Two runs of the same crawl on one database, with the requests the sites saw in each."""
    db = tmp_path_factory.mktemp("e2e") / "crawl.db"
    with SiteGroup(DEMO_SITE) as sites:
        herald, wire = sites.base_url("herald"), sites.base_url("wire")
        urls = f"{herald}/,{herald}/robots.txt,{herald}/feed.rss,{wire}/"
        first = run_crawl("news", db, {"urls": urls})
        first_requests = sites.log.requests()
        sites.log.clear()
        snapshot = {
            table: first.rows(f"SELECT count(*) FROM {table}")[0][0]
            for table in ("articles", "teasers", "teaser_sightings", "pages")
        }
        last_seen = dict(first.rows("SELECT url, last_seen FROM articles"))
        second = run_crawl("news", db, {"urls": urls})
        second_requests = sites.log.requests()
        yield {
            "sites": sites,
            "first": first,
            "second": second,
            "first_requests": first_requests,
            "second_requests": second_requests,
            "snapshot": snapshot,
            "last_seen": last_seen,
        }


def urls_of(sites: SiteGroup, refs: dict[str, list[str]]) -> set[str]:
    return {normalize_url(sites.base_url(name) + path) for name, paths in refs.items() for path in paths}


def test_crawl_succeeds_and_prints_summary(crawl):
    first = crawl["first"]
    assert first.returncode == 0, first.stderr[-3000:]
    assert "new articles stored" in first.stdout
    assert first.rows("SELECT finish_reason FROM runs") == [("finished",), ("finished",)]


def test_every_article_stored_once(crawl, manifest):
    stored = [url for (url,) in crawl["first"].rows("SELECT url FROM articles")]
    assert len(stored) == len(set(stored))
    assert set(stored) == urls_of(crawl["sites"], manifest["articles"])


def test_no_chrome_in_any_article_text(crawl, manifest):
    sites = crawl["sites"]
    texts = dict(crawl["first"].rows("SELECT url, text FROM articles"))
    blurbs = shown_blurbs()
    for url, text in texts.items():
        paragraphs = {p.strip() for p in text.split("\n\n")}
        assert not paragraphs & set(BLOCK_LABELS), url
        assert "Subscribe to our newsletter" not in text, url
        assert "© 2026 The Northbridge Herald" not in text, url
        leaked = [b for b in blurbs if b in text]
        assert not leaked, (url, leaked[:3])
    for ref, phrases in manifest["phrases"].items():
        text = texts[normalize_url(site_url(sites, ref))]
        for phrase in phrases["must"]:
            assert phrase in text, (ref, phrase)
        for phrase in phrases["must_not"]:
            assert phrase not in text, (ref, phrase)


def test_paragraphs_are_separated_by_blank_lines(crawl):
    for (text,) in crawl["first"].rows("SELECT text FROM articles"):
        assert "\n\n" in text and "\n\n\n" not in text


def test_metadata_extracted(crawl):
    rows = crawl["first"].rows("SELECT url, title, author, published, language, site FROM articles")
    for url, title, author, published, language, site in rows:
        assert title and author and site == urlsplit(url).netloc, url
        assert re.match(r"^\d{4}-\d{2}-\d{2}", published or ""), (url, published)
        assert language == ("ru" if "regional-bulletin" in url else "en"), (url, language)


def shown_blurbs() -> set[str]:
    """Every teaser blurb sentence the sample site shows (first sentence of each, 40+ characters)."""
    blurbs = set()
    for file in DEMO_SITE.rglob("*.html"):
        if b"data-story" not in file.read_bytes():
            continue
        tree = lxml.html.fromstring(file.read_bytes())
        for item in tree.xpath("//*[@data-story]"):
            for p in item.xpath(".//p|.//*[contains(@class, 'sum')]"):
                sentence = re.split(r"(?<=[.!?…])\s", " ".join(p.text_content().split()))[0]
                if len(sentence) >= 40:
                    blurbs.add(sentence.rstrip("…"))
    return blurbs


def expected_sightings(sites: SiteGroup, page_urls: list[str]) -> Counter:
    """Ground truth from the site's data-story marks: story URL -> number of (page, block) showings."""
    counts: Counter = Counter()
    for page_url in page_urls:
        parts = urlsplit(page_url)
        site = next(name for name in sites.sites if sites.base_url(name).endswith(f":{parts.port}"))
        path = parts.path if not parts.path.endswith("/") else parts.path + "index.html"
        file = DEMO_SITE / site / path.lstrip("/")
        if not file.is_file() or b"data-story" not in file.read_bytes():
            continue
        tree = lxml.html.fromstring(file.read_bytes())
        blocks = defaultdict(set)
        for item in tree.xpath("//*[@data-story]"):
            block = item.getparent()
            while not block.xpath("./h1|./h2|./h3|./h4|./*[contains(@class, 'title')]"):
                block = block.getparent()
            story_url = normalize_url(item.xpath(".//a/@href")[-1].replace("{{BASE}}", ""), page_url)
            blocks[story_url].add(block)
        for story_url, containers in blocks.items():
            counts[story_url] += len(containers)
    return counts


def test_each_teaser_stored_once_with_its_sightings(crawl):
    first, sites = crawl["first"], crawl["sites"]
    # The pages fetched: with a 200 in the first run (the second one answers 304 for the unchanged hubs).
    fetched = [u for (u,) in first.rows("SELECT url FROM pages WHERE status IN (200, 304)")]
    expected = expected_sightings(sites, fetched)
    assert len(expected) >= 15
    rows = first.rows("SELECT url, seen_count FROM teasers")
    by_url = defaultdict(list)
    for url, seen in rows:
        by_url[url].append(seen)
    for story_url, count in expected.items():
        assert by_url[story_url] == [count], story_url
    sightings = first.rows("SELECT teaser_id, count(*) FROM teaser_sightings GROUP BY teaser_id")
    assert dict(sightings) == dict(first.rows("SELECT id, seen_count FROM teasers"))


def test_teasers_point_at_stored_articles(crawl):
    rows = crawl["first"].rows("SELECT t.url, a.url FROM teasers t JOIN articles a ON a.id = t.article_id")
    assert len(rows) >= 15
    assert all(t == a for t, a in rows)
    unlinked = crawl["first"].rows(
        "SELECT t.url FROM teasers t JOIN articles a ON a.url = t.url WHERE t.article_id IS NULL"
    )
    assert unlinked == []


def test_republished_copies_are_linked_to_originals(crawl, manifest):
    first, sites = crawl["first"], crawl["sites"]
    ids = dict(first.rows("SELECT url, id FROM articles"))
    roots = dict(first.rows("SELECT id, COALESCE(duplicate_of, id) FROM articles"))
    for copy in manifest["copies"]:
        copy_id = ids[normalize_url(site_url(sites, copy["copy"]))]
        original_id = ids[normalize_url(site_url(sites, copy["original"]))]
        assert roots[copy_id] == roots[original_id], copy
    for a, b in manifest["same_byline_pairs"]:
        assert roots[ids[normalize_url(site_url(sites, a))]] != roots[ids[normalize_url(site_url(sites, b))]]
    # Star clusters: every duplicate points at a root, never at another duplicate.
    assert (
        first.rows(
            "SELECT d.id FROM articles d JOIN articles r ON r.id = d.duplicate_of WHERE r.duplicate_of IS NOT NULL"
        )
        == []
    )
    linked = first.rows("SELECT similarity FROM articles WHERE duplicate_of IS NOT NULL")
    assert len(linked) == len(manifest["copies"])
    assert all(0.5 < s <= 1.0 for (s,) in linked)
    assert first.rows("SELECT count(*) FROM unique_articles")[0][0] == len(ids) - len(manifest["copies"])


def test_bad_pages_recorded_with_reasons(crawl, manifest):
    first, sites = crawl["first"], crawl["sites"]
    pages = {url: (kind, reason) for url, kind, reason in first.rows("SELECT url, kind, reason FROM pages")}
    for name, paths in manifest["not_articles"].items():
        for path, reason in paths.items():
            url = normalize_url(sites.base_url(name) + path)
            assert url in pages, url
            assert pages[url][1] == reason, (url, pages[url])
    for name, paths in manifest["robots_disallowed"].items():
        for path in paths:
            assert pages[normalize_url(sites.base_url(name) + path)] == ("skipped", "robots")
            assert (name, "GET", path) not in crawl["first_requests"]
    stats = first.stats()
    assert stats["pages/error/http_404"] == 1
    assert stats["pages/skipped/not_html"] == 2
    assert stats["pages/skipped/empty"] == 1


def test_second_run_adds_nothing_and_downloads_no_stored_article(crawl, manifest):
    second = crawl["second"]
    assert second.returncode == 0, second.stderr[-3000:]
    for table, count in crawl["snapshot"].items():
        assert second.rows(f"SELECT count(*) FROM {table}")[0][0] == count, table
    requested = {(site, path.split("?")[0]) for site, _, path in crawl["second_requests"]}
    for name, paths in manifest["articles"].items():
        for path in paths:
            assert (name, path) not in requested, path
    # Start pages, the sitemap and the feed are asked for again (they are where new stories appear),
    # conditionally: the unchanged sample site answers 304 and nothing on them is looked at again.
    hubs = {("herald", "/"), ("herald", "/robots.txt"), ("herald", "/sitemap.xml"), ("herald", "/feed.rss")}
    assert hubs <= requested
    hub_paths = {path for _, path in hubs}
    asked = [h for h in crawl["sites"].log.hits if h.site == "herald" and h.path in hub_paths]
    assert asked and all("If-None-Match" in h.headers for h in asked)
    for url, last_seen in second.rows("SELECT url, last_seen FROM articles"):
        assert last_seen >= crawl["last_seen"][url]
    stats = second.stats()
    assert stats.get("store/articles/new", 0) == 0
    assert stats["requests/not_modified"] >= len(hubs)  # every hub unchanged: a handful of 304s
    assert "0 new articles stored" in second.stdout
    assert second.rows("SELECT count(DISTINCT run_id) FROM articles") == [(1,)]
