"""End to end: discovery from robots.txt, sitemap indexes, gzip sitemaps and feeds; depth; the demo; refusals."""

from __future__ import annotations

import fcntl
import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest

from crawler import settings as project_settings
from crawler.demo.server import DEMO_SITE, Override, SiteGroup
from crawler.spiders import news
from crawler.urls import normalize_url
from tests.support.crawl import crawl as run_crawl

pytestmark = pytest.mark.e2e

ARTICLES = [
    "harbour-tunnel-vote",
    "saltmere-wind-auction",
    "tervel-ice-core",
    "carrow-cup-rowing",
    "measles-vaccination-drive",
]
SITEMAP_INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{{BASE}}/maps/part-1</loc></sitemap>
</sitemapindex>"""
URLSET = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
%s
</urlset>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Updates</title>
%s
</feed>"""


def discovery_site(root):
    """A site whose sitemap index, gzipped sitemap and Atom feed have URLs that don't say what they are."""
    site = root / "herald"
    (site / "articles").mkdir(parents=True)
    for slug in ARTICLES:
        shutil.copy(DEMO_SITE / "herald" / "articles" / f"{slug}.html", site / "articles")
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\nSitemap: {{BASE}}/maps/index\n")
    (site / "maps").mkdir()
    (site / "maps" / "index").write_text(SITEMAP_INDEX)
    entries = "\n".join(f"<url><loc>{{{{BASE}}}}/articles/{s}.html</loc></url>" for s in ARTICLES[:3])
    (site / "maps" / "part-1").write_text(URLSET % entries)
    links = "\n".join(f'<entry><link href="{{{{BASE}}}}/articles/{s}.html"/></entry>' for s in ARTICLES[3:])
    (site / "updates").write_text(ATOM % links)
    routes = {
        "herald": {
            "/maps/index": Override(content_type="application/octet-stream"),
            "/maps/part-1": Override(content_type="application/octet-stream", gzip_file=True),
            "/updates": Override(content_type="application/octet-stream"),
        }
    }
    return SiteGroup(root, routes)


def test_robots_sitemap_index_gzip_sitemap_and_atom_feed(tmp_path):
    with discovery_site(tmp_path / "site") as sites:
        base = sites.base_url("herald")
        result = run_crawl("news", tmp_path / "crawl.db", {"urls": f"{base}/robots.txt,{base}/updates", "depth": 0})
        requested = set(sites.log.paths())
    assert result.returncode == 0, result.stderr[-2000:]
    stored = {url for (url,) in result.rows("SELECT url FROM articles")}
    assert stored == {normalize_url(f"{base}/articles/{slug}.html") for slug in ARTICLES}
    kinds = dict(result.rows("SELECT url, kind FROM pages WHERE kind != 'article'"))
    assert kinds == {
        f"{base}/robots.txt": "robots",
        f"{base}/maps/index": "sitemap",
        f"{base}/maps/part-1": "sitemap",
        f"{base}/updates": "feed",
    }
    # depth=0: what the sitemaps and the feed list, nothing their pages link to.
    assert not any(p.startswith("/articles/") and p[10:-5] not in ARTICLES for p in requested)


def test_depth_limits_link_following(tmp_path):
    section = "/section/science.html"
    linked = {
        urlsplit(normalize_url(href.replace("{{BASE}}", ""), "http://h" + section)).path
        for href in lxml.html.fromstring((DEMO_SITE / "herald" / section[1:]).read_bytes()).xpath("//a/@href")
    }
    with SiteGroup(DEMO_SITE) as sites:
        start = sites.base_url("herald") + section
        shallow = run_crawl("news", tmp_path / "d0.db", {"urls": start, "depth": 0})
        sites.log.clear()
        deep = run_crawl("news", tmp_path / "d1.db", {"urls": start, "depth": 1})
        requested = {urlsplit(path).path for path in sites.log.paths()}
    assert shallow.rows("SELECT count(*) FROM articles") == [(0,)]
    assert shallow.rows("SELECT kind FROM pages WHERE kind != 'robots'") == [("listing",)]
    assert 3 <= deep.rows("SELECT count(*) FROM articles")[0][0] < 16  # what the section links to
    # One level of links: the start page, robots.txt and what the start page links to, nothing further.
    assert requested <= linked | {section, "/robots.txt"}
    assert "/articles/skylark-satellite-delay.html" in requested


def test_entries_and_links_that_are_no_address_cost_nothing_else(tmp_path):
    # "http://[::1" (an unclosed bracket) is no address: urlsplit refuses it. As the first entry of a
    # sitemap, a feed or robots.txt it must not cost the entries after it; in a page, not its article.
    site = tmp_path / "site" / "herald"
    (site / "articles").mkdir(parents=True)
    for slug in ARTICLES:
        shutil.copy(DEMO_SITE / "herald" / "articles" / f"{slug}.html", site / "articles")
    page = site / "articles" / f"{ARTICLES[0]}.html"
    broken_head = '<link rel="canonical" href="http://[::1"><meta property="og:url" content="http://[::1/a">'
    broken_body = '<h2><a href="http://[::1/">Herald</a></h2><p><a href="http://[::1/q">A link to no address</a></p>'
    own = f'href="{{{{BASE}}}}/articles/{ARTICLES[0]}.html"'  # its own canonical and og:url go: only the broken ones
    html = page.read_text().replace(f'<link rel="canonical" {own}>', "").replace(own.replace("href", "content"), "")
    html = html.replace("</head>", broken_head + "</head>", 1).replace("</body>", broken_body + "</body>")
    assert "canonical" in html and f'rel="canonical" {own}' not in html
    page.write_text(html)
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\nSitemap: http://[::1\nSitemap: {{BASE}}/maps/part-1\n")
    (site / "maps").mkdir()
    entries = [f"<url><loc>{{{{BASE}}}}/articles/{s}.html</loc></url>" for s in ARTICLES[:3]]
    (site / "maps" / "part-1").write_text(URLSET % "\n".join(["<url><loc>http://[::1</loc></url>", *entries]))
    links = [f'<entry><link href="{{{{BASE}}}}/articles/{s}.html"/></entry>' for s in ARTICLES[3:]]
    (site / "updates").write_text(ATOM % "\n".join(['<entry><link href="http://[::1/x"/></entry>', *links]))
    with SiteGroup(tmp_path / "site", {}) as sites:
        base = sites.base_url("herald")
        result = run_crawl("news", tmp_path / "crawl.db", {"urls": f"{base}/robots.txt,{base}/updates", "depth": 0})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "ERROR" not in result.stderr, result.stderr[-2000:]
    stored = dict(result.rows("SELECT url, canonical_url FROM articles"))
    assert set(stored) == {normalize_url(f"{base}/articles/{slug}.html") for slug in ARTICLES}
    assert stored[normalize_url(f"{base}/articles/{ARTICLES[0]}.html")] is None  # its canonical is no address
    assert result.stats()["crawl/unreadable_listed_urls"] == 3


def test_scrapy_crawl_demo(tmp_path):
    result = run_crawl("demo", tmp_path / "demo.db", settings={"DEMO_PORTS": "0,0"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "20 new articles stored (4 linked as near-duplicates" in result.stdout
    assert "Pages without an article: empty 1, http_404 1, http_500 1, listing 8" in result.stdout
    assert result.rows("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL") == [(4,)]


def test_bad_arguments_fail_with_one_line_and_write_nothing(tmp_path):
    db = tmp_path / "x.db"
    result = run_crawl("news", db, {"urls": "not-a-url"})
    assert result.returncode == 1 and "absolute http(s) URLs" in only_line(result.stderr)
    result = run_crawl("news", db, {"urls": "http://[::1"})
    assert result.returncode == 1 and "absolute http(s) URLs" in only_line(result.stderr)
    result = run_crawl("news", db, {"urls": "http://127.0.0.1:99999/"})  # not http://127.0.0.1/ instead
    assert result.returncode == 1 and "a valid port" in only_line(result.stderr)
    result = run_crawl("news", db, {"urls": "http://127.0.0.1:9/"}, {"JOBDIR": "/proc/no-such/job"})
    assert result.returncode == 1
    assert only_line(result.stderr).startswith("Cannot start the crawl: JOBDIR='/proc/no-such/job' is not allowed: ")
    result = run_crawl("news", db, {"urls": "http://127.0.0.1:9/", "depth": "-1"})
    assert result.returncode == 1
    assert (
        only_line(result.stderr) == "Cannot start the crawl: -a depth='-1' is not allowed: a whole number of at least 0"
    )
    result = run_crawl("news", db, {"urls": "http://127.0.0.1:9/"}, {"EXTRACT_WORKERS": -1})
    assert result.returncode == 1 and "EXTRACT_WORKERS=" in only_line(result.stderr)
    assert "Traceback" not in result.stderr
    result = run_crawl("nosuch", db)
    assert result.returncode == 1
    assert only_line(result.stderr) == "Cannot start the crawl: no spider named 'nosuch' (there are: demo, news)"
    assert not db.exists() and not Path(f"{db}.lock").exists()


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("CONCURRENT_REQUESTS_PER_DOMAIN", "abc", "a whole number"),
        ("CONCURRENT_REQUESTS", "4.5", "a whole number"),  # Scrapy's getint: int('4.5') fails
        ("DOWNLOAD_DELAY", "slow", "a number"),
        ("DOWNLOAD_TIMEOUT", "", "a number"),
        ("ROBOTSTXT_OBEY", "maybe", "a flag: 0 or 1, true or false"),
        ("RETRY_HTTP_CODES", "500,bad", "HTTP status codes, separated by commas: 500,502,503"),
        ("LOG_LEVEL", "info", "DEBUG, INFO, WARNING, ERROR or CRITICAL"),  # Scrapy's logging set-up: a traceback
        ("LOG_FORMAT", "%(when)s %(message)s", "a logging format (Formatting field not found in record: 'when')"),
        ("LOG_ENCODING", "utf-99", "an encoding Python knows, such as utf-8"),
        ("LOG_FILE", "/proc/no-such/crawl.log", "a file that can be written (No such file or directory)"),
        ("SCHEDULER", "no_such.Sched", "a class or function that can be imported (no module named 'no_such')"),
        # Read by Scrapy without a bound: no request at once waits for good (a stop too), no record at once
        # stores nothing and says it finished, a negative timeout is a traceback per request.
        ("CONCURRENT_REQUESTS_PER_DOMAIN", "0", "a whole number of at least 1"),
        ("CONCURRENT_ITEMS", "0", "a whole number of at least 1"),
        ("DOWNLOAD_TIMEOUT", "-1", "a number of at least 0"),
        ("DNS_TIMEOUT", "0", "a number above 0"),
        # Read only by Scrapy's depth middleware, which the project leaves out: ignored without a word.
        ("DEPTH_LIMIT", "2", "unset: the crawl's link depth is -a depth=N, or depth = N for a site in a sites file"),
        # Scrapy's crawl without a reactor forbids importing it: a traceback as the pipelines start.
        ("TWISTED_REACTOR_ENABLED", "False", "True (this crawl runs on Twisted's reactor)"),
    ],
)  # fmt: skip
def test_a_bad_value_of_a_scrapy_setting_is_one_line_and_writes_nothing(tmp_path, name, value, allowed):
    # Scrapy reads these only as its logging, downloader and middlewares start: unchecked, a traceback
    # from there (LOG_FORMAT: a logging error for every line of a crawl that goes on).
    db = tmp_path / "x.db"
    result = run_crawl("news", db, {"urls": "http://127.0.0.1:9/"}, {name: value})
    assert result.returncode == 1
    assert only_line(result.stderr) == f"Cannot start the crawl: {name}={value!r} is not allowed: {allowed}"
    assert not db.exists() and not Path(f"{db}.lock").exists()


def test_a_component_that_cannot_be_loaded_is_one_line(tmp_path):
    # A pipeline, middleware or extension of one's own, misspelt: Scrapy's traceback from importing it.
    db = tmp_path / "x.db"
    pipelines = {**project_settings.ITEM_PIPELINES, "crawler.store.pipeline.StorePipelin": 900}
    result = run_crawl("news", db, {"urls": "http://127.0.0.1:9/"}, {"ITEM_PIPELINES": json.dumps(pipelines)})
    assert result.returncode == 1
    assert only_line(result.stderr) == (
        "Cannot start the crawl: ITEM_PIPELINES='crawler.store.pipeline.StorePipelin' is not allowed: a class or "
        "function that can be imported (Module 'crawler.store.pipeline' doesn't define any object named "
        "'StorePipelin')"
    )
    middlewares = json.dumps({"crawler.fetch.retry.NoSuch": "early"})
    result = run_crawl("news", db, {"urls": "http://127.0.0.1:9/"}, {"DOWNLOADER_MIDDLEWARES": middlewares})
    assert result.returncode == 1
    assert only_line(result.stderr) == (
        "Cannot start the crawl: DOWNLOADER_MIDDLEWARES={'crawler.fetch.retry.NoSuch': 'early'} is not allowed: "
        "a number (its order), or None to leave the class out"
    )
    assert not db.exists() and not Path(f"{db}.lock").exists()


def only_line(stderr: str) -> str:
    """The one line a person's mistake prints: checked before Scrapy starts, so no banner or log."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr[-2000:]
    return lines[0]


def test_a_reactor_scrapy_installs_only_as_the_crawl_starts_is_the_one_it_runs_on(tmp_path):
    # Scrapy installs any reactor but the asyncio one as the crawl starts, and refuses to run on another
    # (verify_installed_reactor): one imported before would be Twisted's default, and the crawl a traceback.
    db = tmp_path / "crawl.db"
    select = {"TWISTED_REACTOR": "twisted.internet.selectreactor.SelectReactor"}
    with SiteGroup(DEMO_SITE) as sites:
        url = sites.base_url("herald") + "/articles/tervel-ice-core.html"
        result = run_crawl("news", db, {"urls": url, "depth": 0}, select)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert result.rows("SELECT count(*) FROM articles") == [(1,)]


def test_changed_dedup_parameters_are_a_clear_error(tmp_path):
    db = tmp_path / "crawl.db"
    with SiteGroup(DEMO_SITE) as sites:
        url = sites.base_url("herald") + "/articles/tervel-ice-core.html"
        assert run_crawl("news", db, {"urls": url, "depth": 0}).returncode == 0
        result = run_crawl("news", db, {"urls": url, "depth": 0}, settings={"DEDUP_NUM_PERM": 64})
    assert result.returncode == 1
    # Found when the database is opened, after Scrapy has started: the last line, no traceback.
    assert "num_perm: stored 128, asked 64" in result.stderr.strip().splitlines()[-1]
    assert "Traceback" not in result.stderr
    assert result.rows("SELECT count(*) FROM runs") == [(1,)]


def test_a_second_crawl_on_the_same_database_is_refused(tmp_path):
    db = tmp_path / "crawl.db"
    with open(f"{db}.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running crawl holds it
        result = run_crawl("news", db, {"urls": "http://127.0.0.1:9/"})
    assert result.returncode != 0
    assert "is being written by another crawl" in result.stderr


def test_a_page_linked_from_many_is_asked_for_once(tmp_path):
    # Every page of the demo site links to the same sections and stories: each link after the first to
    # a page already asked for is dropped by the spider, not made a request for the dupefilter to drop.
    with SiteGroup(DEMO_SITE) as sites:
        result = run_crawl("news", tmp_path / "deep.db", {"urls": sites.base_url("herald") + "/", "depth": 2})
        requested = sites.log.paths()
    assert result.returncode == 0, result.stderr[-2000:]
    repeated = {path for path in requested if requested.count(path) > 1}
    assert len(set(requested)) > 10 and repeated == {"/server-error.html"}  # a server error is tried again
    stats = result.stats()
    assert stats.get("dupefilter/filtered", 0) == 0 and stats["crawl/links_to_pages_asked_for"] > 100
    assert result.rows("SELECT count(*) FROM articles")[0][0] >= 10


def test_the_spider_forgets_pages_asked_for_in_bulk_past_its_limit(monkeypatch):
    # Only memory: a page forgotten and linked again is asked for again, and the dupefilter drops it.
    monkeypatch.setattr(news, "MAX_ASKED_REMEMBERED", 3)
    spider = news.NewsSpider(urls="https://news.example/")
    for n in range(3):
        spider._remember_asked(f"https://news.example/{n}.html")
    assert len(spider._asked) == 3
    spider._remember_asked("https://news.example/3.html", "https://news.example/3b.html")
    assert spider._asked == {"https://news.example/3.html", "https://news.example/3b.html"}
