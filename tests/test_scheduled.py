"""Scheduled crawls of a site that changes between runs: conditional requests, revisits, versions, gone, moved."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from tests.support.changing_site import ChangingSite, story
from tests.support.crawl import CrawlProcess, crawl, scrapy
from tests.support.texts import hindi_story, thai_story

pytestmark = pytest.mark.e2e

EVERY_RUN = {"CRAWL_REVISIT_AFTER": 0}  # revisit young stored articles on every run


def news_site(site: ChangingSite) -> None:
    """A home page linking three stories, all listed in the sitemap."""
    for slug in ("alpha", "beta", "gamma"):
        site.article(f"/news/{slug}.html", f"The {slug} story", story(slug))
    teasers = "".join(
        f'<li><h3><a href="/news/{s}.html">The {s} story from the harbour</a></h3>'
        f"<p>What happened in the {s} story, told in a short blurb for the front page.</p></li>"
        for s in ("alpha", "beta", "gamma")
    )
    site.put("/", f"<html><body><h1>News</h1><ul>{teasers}</ul></body></html>")


def run(site: ChangingSite, db: Path, settings: dict | None = None, **args: object) -> CrawlProcess:
    site.served.clear()
    arguments = {"urls": f"{site.url('/')},{site.url('/sitemap.xml')}", "depth": 1, **args}
    result = crawl("news", db, arguments, settings)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def article(result: CrawlProcess, path_end: str) -> dict:
    columns = ["id", "url", "title", "text", "version", "updated_at", "gone_at", "duplicate_of", "similarity"]
    rows = result.rows(f"SELECT {', '.join(columns)} FROM articles WHERE url LIKE ?", (f"%{path_end}",))
    assert len(rows) == 1, rows
    return dict(zip(columns, rows[0], strict=True))


def test_an_unchanged_site_costs_only_conditional_requests_for_its_hubs(tmp_path):
    db = tmp_path / "crawl.db"
    with ChangingSite() as site:
        news_site(site)
        first = run(site, db)
        assert first.rows("SELECT count(*) FROM articles") == [(3,)]
        second = run(site, db)
    assert set(site.requested()) == {"/robots.txt", "/", "/sitemap.xml"}  # no article downloaded again
    assert all(s.status == 304 and s.conditional for s in site.served)
    pages = second.pages()
    assert pages[site.url("/")] == (304, "listing", "not_modified")
    assert pages[site.url("/sitemap.xml")] == (304, "sitemap", "not_modified")
    assert pages[site.url("/robots.txt")] == (304, "robots", "not_modified")
    stats = second.stats()
    assert stats["requests/not_modified"] == 3 and stats.get("store/articles/new", 0) == 0
    assert "3 requests answered 'not modified'" in second.stdout
    # robots.txt answered 304 keeps its stored rules: /private/ stays refused.
    assert second.rows("SELECT count(*) FROM pages WHERE reason = 'robots_missing'") == [(0,)]


def test_an_edit_dated_by_the_sitemap_becomes_a_new_version(tmp_path):
    db = tmp_path / "crawl.db"
    with ChangingSite() as site:
        news_site(site)
        first = run(site, db)
        before = article(first, "/news/alpha.html")
        site.next_second()
        corrected = [*story("alpha")[:-1], "Correction: the council vote was held on Tuesday, not Monday."]
        site.article("/news/alpha.html", "The alpha story, corrected", corrected)
        second = run(site, db)
        after = article(second, "/news/alpha.html")
        etag = next(s for s in site.served if s.path == "/news/alpha.html" and s.status == 200)
        third = run(site, db)
    assert etag and "/news/alpha.html" not in site.requested()  # run 3: dated before our last download
    assert after["id"] == before["id"] and after["version"] == 2
    assert after["title"] == "The alpha story, corrected" and "Correction:" in after["text"]
    assert after["updated_at"] >= before["updated_at"]
    versions = second.rows("SELECT article_id, version, title, text FROM article_versions")
    assert versions == [(before["id"], 1, "The alpha story", before["text"])]
    hits = second.rows("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'correction'")
    assert hits == [(before["id"],)]
    assert second.stats()["articles/updated"] == 1
    assert third.rows("SELECT count(*) FROM article_versions") == [(1,)]


# A correction of one sign, by script: the story, its title, and the word corrected.
CORRECTED_SIGNS = {
    # "की" and "के" differ by a vowel sign: read as one word, the correction changed no hash, and the database
    # kept the text as it was first stored.
    "hindi": (hindi_story("correction"), "सरकार की नई नीति", " की ", " के "),
    # "ข้าว" (rice) and "ข่าว" (news) differ by a tone mark, which a word of Thai left out: read as one word.
    "thai": (thai_story("correction"), "ราคาข้าวสูงขึ้น", "ข้าว", "ข่าว"),
}


@pytest.mark.parametrize("script", CORRECTED_SIGNS)
def test_a_correction_of_one_vowel_sign_or_tone_mark_is_a_new_version(tmp_path, script):
    db = tmp_path / "crawl.db"
    paragraphs, title, written, corrected_to = CORRECTED_SIGNS[script]
    corrected = [paragraphs[0].replace(written, corrected_to, 1), *paragraphs[1:]]
    with ChangingSite() as site:
        news_site(site)
        site.article("/news/story.html", title, paragraphs)
        first = run(site, db)
        before = article(first, "/news/story.html")
        site.next_second()
        site.article("/news/story.html", title, corrected)
        second = run(site, db)
    after = article(second, "/news/story.html")
    assert before["version"] == 1 and paragraphs[0] in before["text"]
    assert after["version"] == 2 and corrected[0] in after["text"] and paragraphs[0] not in after["text"]
    assert second.rows("SELECT article_id, text FROM article_versions") == [(before["id"], before["text"])]
    assert second.stats()["articles/updated"] == 1


def test_an_edit_without_a_new_lastmod_is_found_by_a_revisit(tmp_path):
    db = tmp_path / "crawl.db"
    with ChangingSite() as site:
        news_site(site)
        run(site, db)
        site.next_second()
        old_lastmod = site.resources["/news/beta.html"].modified
        site.article("/news/beta.html", "The beta story", [*story("beta"), "An added paragraph about the harbour."])
        site.stale_lastmod["/news/beta.html"] = old_lastmod
        not_due = run(site, db)  # the default CRAWL_REVISIT_AFTER of 6 hours has not passed
        assert "/news/beta.html" not in site.requested()
        assert article(not_due, "/news/beta.html")["version"] == 1
        revisit = run(site, db, EVERY_RUN)
    assert article(revisit, "/news/beta.html")["version"] == 2
    # The unchanged stories cost one 304 each on a revisit, and stay at version 1.
    assert sorted(s.path for s in site.served if s.status == 304 and s.path.startswith("/news/")) == [
        "/news/alpha.html",
        "/news/gamma.html",
    ]
    stats = revisit.stats()
    assert stats["revisits"] == 3 and stats["articles/updated"] == 1


def test_a_correction_moves_a_story_into_a_cluster_and_another_takes_it_out(tmp_path):
    db = tmp_path / "crawl.db"
    wire = story("wire", 40)
    with ChangingSite() as site:
        news_site(site)
        site.article("/news/original.html", "Port strike ends", wire)
        site.article("/news/copy.html", "Port strike: an unrelated first draft", story("draft", 40))
        first = run(site, db)
        original = article(first, "/news/original.html")
        assert article(first, "/news/copy.html")["duplicate_of"] is None
        site.next_second()
        site.article("/news/copy.html", "Port strike ends, agency copy", [*wire[:-1], "Reporting by the agency."])
        joined = run(site, db)
        pair = [article(joined, "/news/original.html"), article(joined, "/news/copy.html")]
        site.next_second()
        site.article("/news/copy.html", "Port strike: a new story", story("replacement", 40))
        left = run(site, db)
    # Now one cluster, rooted at whichever of the two was stored first.
    root, member = sorted(pair, key=lambda row: row["id"])
    assert root["duplicate_of"] is None and member["duplicate_of"] == root["id"]
    assert 0.6 <= member["similarity"] < 1.0 and original["id"] in (root["id"], member["id"])
    assert article(left, "/news/copy.html")["duplicate_of"] is None
    assert article(left, "/news/original.html")["duplicate_of"] is None
    assert article(left, "/news/copy.html")["version"] == 3
    # Stars, never chains, through all of it.
    assert left.rows(
        "SELECT count(*) FROM articles d JOIN articles r ON r.id = d.duplicate_of WHERE r.duplicate_of IS NOT NULL"
    ) == [(0,)]


def test_a_story_gone_then_back(tmp_path):
    db = tmp_path / "crawl.db"
    with ChangingSite() as site:
        news_site(site)
        run(site, db)
        site.next_second()
        site.status("/news/gamma.html", 410)
        gone = run(site, db, EVERY_RUN)
        gamma = article(gone, "/news/gamma.html")
        assert gamma["gone_at"] is not None
        assert gone.rows("SELECT count(*) FROM unique_articles WHERE id = ?", (gamma["id"],)) == [(1,)]
        assert gone.rows("SELECT count(*) FROM live_articles WHERE id = ?", (gamma["id"],)) == [(0,)]
        assert gone.stats()["articles/gone"] == 1
        site.next_second()
        site.article("/news/gamma.html", "The gamma story", story("gamma"))
        back = run(site, db, EVERY_RUN)
    assert article(back, "/news/gamma.html")["gone_at"] is None
    assert back.rows("SELECT count(*) FROM live_articles WHERE id = ?", (gamma["id"],)) == [(1,)]


def test_a_story_moved_with_a_301_keeps_its_row_under_the_new_url(tmp_path):
    db = tmp_path / "crawl.db"
    with ChangingSite() as site:
        news_site(site)
        first = run(site, db)
        before = article(first, "/news/beta.html")
        site.next_second()
        site.article("/2026/11/beta-story.html", "The beta story", story("beta"), listed=False)
        site.status("/news/beta.html", 301, "/2026/11/beta-story.html")
        moved = run(site, db, EVERY_RUN)
        after_move = site.requested()
        # Links and sitemap entries to the old URL now mean the article: it is not asked for again.
        again = run(site, db)
    row = article(moved, "/2026/11/beta-story.html")
    assert row["id"] == before["id"] and row["version"] == 1
    assert moved.rows("SELECT count(*) FROM articles") == [(3,)]  # no "exact copy" row for a move
    assert moved.rows("SELECT url, article_id, reason FROM article_urls WHERE reason = 'moved'") == [
        (site.url("/news/beta.html"), before["id"], "moved")
    ]
    assert moved.pages()[site.url("/news/beta.html")] == (301, "redirect", "redirected")
    assert moved.stats()["articles/moved"] == 1
    assert "/2026/11/beta-story.html" in after_move
    assert "/news/beta.html" not in site.requested() and again.rows("SELECT count(*) FROM articles") == [(3,)]


def test_a_sites_file_gives_each_site_its_depth_and_deny_rules(tmp_path):
    with ChangingSite("shallow") as shallow, ChangingSite("deep") as deep:
        for site in (shallow, deep):
            news_site(site)
            site.article("/private/memo.html", "A memo", story("memo"), listed=False)
            site.article("/opinion/column.html", "A column", story("column"), listed=False)
            links = '<a href="/news/alpha.html">The alpha story</a> <a href="/opinion/column.html">A column</a>'
            site.put("/", f"<html><body><h1>News</h1>{links}</body></html>")
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(
            f'[[site]]\nname = "shallow"\nurls = ["{shallow.url("/")}"]\ndepth = 0\n\n'
            f'[[site]]\nname = "deep"\nurls = ["{deep.url("/")}"]\ndepth = 1\ndeny = ["/opinion/"]\n'
            "delay = 0\nconcurrency = 2\n"
        )
        result = crawl("news", tmp_path / "crawl.db", {"sites": str(sites_file)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(shallow.requested()) == {"/robots.txt", "/"}  # depth 0: the start page only
    assert set(deep.requested()) == {"/robots.txt", "/", "/news/alpha.html"}  # /opinion/ denied
    stats = result.stats()
    assert stats["site/deep/store/articles/new"] == 1 and "site/shallow/store/articles/new" not in stats
    assert stats["site/shallow/pages"] >= 1 and stats["scope/denied"] == 1
    assert result.rows("SELECT args FROM runs")[0][0].count('"shallow"') == 1


def test_start_urls_from_a_file(tmp_path):
    with ChangingSite() as site:
        news_site(site)
        listing = tmp_path / "urls.txt"
        listing.write_text(f"# start pages\n{site.url('/news/alpha.html')}\n\n{site.url('/news/beta.html')}\n")
        result = crawl("news", tmp_path / "crawl.db", {"urls": f"@{listing}", "depth": 0})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.rows("SELECT count(*) FROM articles") == [(2,)]


def test_a_symlinked_database_takes_the_lock_of_the_file_it_names(tmp_path):
    real = tmp_path / "data" / "crawl.db"
    real.parent.mkdir()
    link = tmp_path / "link.db"
    os.symlink(real, link)
    with open(f"{real}.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a crawl on the real path holds it
        result = crawl("news", link, {"urls": "http://127.0.0.1:9/"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"Cannot start the crawl: {link} is being written")


def test_a_cron_job_runs_from_any_directory_with_the_settings_module(tmp_path):
    with ChangingSite() as site:
        news_site(site)
        result = CrawlProcess(
            "news",
            tmp_path / "crawl.db",
            {"urls": site.url("/"), "depth": 1},
            {"LOG_LEVEL": "WARNING"},
            cwd=tmp_path,
            env={"SCRAPY_SETTINGS_MODULE": "crawler.settings"},
        ).wait()
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.rows("SELECT count(*) FROM articles") == [(3,)]
    assert result.stderr.strip() == ""  # a quiet cron job mails nothing but its summary
    assert result.stdout.startswith("Crawl finished (finished): 3 new articles stored")


def titled_page(headline: str, paragraphs: list[str], tags: str) -> str:
    """An article that states its headline only in ``<title>``, decorated with the site's name."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html lang="en"><head><title>{headline} | The Harbour Post</title>'
        f'<meta property="article:tag" content="{tags}"><meta property="og:image" content="/img/lead.jpg">'
        f"</head><body><article>{body}</article></body></html>"
    )


def test_a_sites_title_decoration_is_learned_and_cut_and_a_metadata_change_is_no_new_version(tmp_path):
    db = tmp_path / "crawl.db"
    headlines = [f"Story {n} of the harbour council" for n in range(12)]
    with ChangingSite() as site:
        for n, headline in enumerate(headlines):
            site.article(f"/news/{n}.html", "unused", [])
            site.put(f"/news/{n}.html", titled_page(headline, story(f"s{n}"), "Harbour"))
        first = run(site, db, urls=site.url("/sitemap.xml"))
        titles = sorted(row[0] for row in first.rows("SELECT title FROM articles"))
        assert titles == sorted(headlines)  # learned after ten titles, then cut from all twelve
        assert first.rows("SELECT prefix, suffix FROM site_titles") == [("", " | The Harbour Post")]
        assert first.stats()["store/titles_cleaned"] >= 10
        site.next_second()
        site.put("/news/3.html", titled_page(headlines[3], story("s3"), "Harbour, Tunnel"))
        second = run(site, db, EVERY_RUN, urls=site.url("/sitemap.xml"))
    row = second.rows("SELECT title, version, tags, image FROM articles WHERE url LIKE '%/news/3.html'")
    assert row == [(headlines[3], 1, '["Harbour", "Tunnel"]', site.url("/img/lead.jpg"))]
    stats = second.stats()
    assert stats["articles/metadata_updated"] == 1 and stats.get("articles/updated", 0) == 0


NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{}</urlset>"""


def news_entry(url: str, published: str) -> str:
    return (
        f"<url><loc>{url}</loc><news:news><news:publication_date>{published}</news:publication_date></news:news></url>"
    )


def test_a_news_sitemaps_or_feeds_publication_date_dates_a_story_whose_page_states_none(tmp_path):
    db = tmp_path / "crawl.db"
    with ChangingSite() as site:
        # A page without a date in its markup, whose footer shows one htmldate would take; another page
        # that states its own (2026-11-28T09:00:00+00:00).
        for slug in ("undated", "fed"):
            paragraphs = "".join(f"<p>{p}</p>" for p in story(slug))
            site.put(
                f"/news/{slug}.html",
                f"<html><head><title>The {slug} story</title></head><body><article><h1>The {slug} story</h1>"
                f"{paragraphs}</article><footer><p>Updated 12 January 2023</p></footer></body></html>",
            )
        site.article("/news/dated.html", "The dated story", story("dated"), listed=False)
        entries = news_entry(site.url("/news/undated.html"), "2025-05-03T22:30:00-05:00")
        entries += news_entry(site.url("/news/dated.html"), "2025-05-01")
        site.put("/news-sitemap.xml", NEWS_SITEMAP.format(entries), "application/xml")
        item = (
            f"<item><link>{site.url('/news/fed.html')}</link><pubDate>Sat, 03 May 2025 10:00:00 +0200</pubDate></item>"
        )
        site.put(
            "/feed.xml", f'<rss version="2.0"><channel><title>News</title>{item}</channel></rss>', "application/rss+xml"
        )
        urls = f"{site.url('/news-sitemap.xml')},{site.url('/feed.xml')}"
        result = crawl("news", db, {"urls": urls}, {"STORE_HTML": True})
        assert result.returncode == 0, result.stderr[-3000:]
    published = "SELECT url, published FROM articles ORDER BY url"
    expected = [
        (site.url("/news/dated.html"), "2026-11-28T09:00:00+00:00"),  # the page's own statement first
        (site.url("/news/fed.html"), "2025-05-03T10:00:00+02:00"),  # a feed item's date is its publication
        (site.url("/news/undated.html"), "2025-05-03T22:30:00-05:00"),  # the publisher's day, not UTC's
    ]
    assert result.rows(published) == expected
    # Extracted again from the kept bytes, the page reads the listing's date as it did when fetched.
    again = scrapy("reextract", "-s", f"SQLITE_PATH={db}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert result.rows(published) == expected
