"""End to end: a page that hangs or crashes its extraction worker costs only that page."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
from pathlib import Path

import pytest

from crawler.commands.crawl import spare_blas_threads
from crawler.demo.server import DEMO_SITE, Override, SiteGroup
from tests.support.crawl import CrawlProcess, committed_articles, wait_for
from tests.support.crawl import crawl as run_crawl
from tests.support.faults import WORDS
from tests.support.fork_servers import children_of, fork_servers

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ARTICLES = ["harbour-tunnel-vote", "tervel-ice-core", "carrow-cup-rowing"]


def slow_page(then: str = "") -> str:
    """A page of 60,000 one-line paragraphs: trafilatura's work grows with their square, some 17 s of a core for
    it here (4 s for 30,000), eight times the tests' time limit; and 7 MB with a comment, so that its download
    ends after those of the demo's small pages (they are stored first). ``then``: markup after the paragraphs.

    (Before, 40,000 linked blocks made the 7 MB and "well over ten seconds"; with the extraction's faster forms
    they took 1.9 s, and a test that needed the page past a 2 s limit failed on a quiet machine.)"""
    lines = "".join(f"<p>Line {i}.</p>" for i in range(60000))
    return f"<html><body><main>{lines}</main>{then}<!--{' ' * 6_000_000}--></body></html>"


def article_list() -> str:
    """A page listing the three stories, by links relative to a page at the site's root."""
    anchors = "".join(f'<li><a href="articles/{slug}.html">{slug}</a></li>' for slug in ARTICLES)
    return f"<html><body><ul>{anchors}</ul></body></html>"


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site" / "herald"
    (root / "articles").mkdir(parents=True)
    for slug in ARTICLES:
        shutil.copy(DEMO_SITE / "herald" / "articles" / f"{slug}.html", root / "articles")
    (root / "slow.html").write_text(slow_page())
    with SiteGroup(tmp_path / "site") as sites:
        base = sites.base_url("herald")
        yield sites, [f"{base}/slow.html"] + [f"{base}/articles/{s}.html" for s in ARTICLES]


def test_a_page_over_the_time_limit_is_recorded_and_the_crawl_goes_on(tmp_path, site):
    _, urls = site
    settings = {"EXTRACT_WORKERS": 2, "EXTRACT_TIMEOUT": 2}
    result = run_crawl("news", tmp_path / "crawl.db", {"urls": ",".join(urls), "depth": 0}, settings)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.rows("SELECT reason FROM pages WHERE url = ?", (urls[0],)) == [("extraction_timeout",)]
    assert result.rows("SELECT count(*) FROM articles") == [(len(ARTICLES),)]
    stats = result.stats()
    assert stats["extract/workers/timeouts"] == 1 and stats["extract/skipped/extraction_timeout"] == 1


def test_the_workers_list_a_page_s_links_and_the_crawl_follows_them(tmp_path, site):
    sites, urls = site
    base = urls[0].rsplit("/", 1)[0]
    (tmp_path / "site" / "herald" / "index.html").write_text(article_list())
    result = run_crawl(
        "news", tmp_path / "crawl.db", {"urls": f"{base}/index.html", "depth": 1}, {"EXTRACT_WORKERS": 2}
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.rows("SELECT count(*) FROM articles") == [(len(ARTICLES),)]
    linked = [hit for hit in sites.log.hits if hit.path.startswith("/articles/")]
    assert len(linked) == len(ARTICLES)
    assert {hit.headers.get("Referer") for hit in linked} == {f"{base}/index.html"}  # as for links a callback yields
    stats = result.stats()
    assert stats["timing/extract/links_cpu_s"] > 0 and "crawl/links_listed_by_crawl_process" not in stats


@pytest.mark.parametrize(
    ("policy_header", "settings", "referer"),
    [
        (None, {"REFERRER_POLICY": "no-referrer"}, None),
        (None, {"REFERRER_POLICY": "origin"}, "{base}/"),
        ("origin", {}, "{base}/"),  # the page's own header rules over the setting, as in Scrapy
        ("unsafe-url", {"REFERRER_POLICY": "no-referrer"}, "{base}/index.html"),
        (None, {"REFERER_ENABLED": False}, None),
    ],
)
def test_links_the_workers_list_get_the_referer_scrapy_s_policy_gives(tmp_path, site, policy_header, settings, referer):
    sites, urls = site
    base = urls[0].rsplit("/", 1)[0]
    (tmp_path / "site" / "herald" / "index.html").write_text(article_list())
    if policy_header:
        sites.files["herald"].overrides["/index.html"] = Override(headers={"Referrer-Policy": policy_header})
    crawl_settings = {"EXTRACT_WORKERS": 2, **settings}
    result = run_crawl("news", tmp_path / "crawl.db", {"urls": f"{base}/index.html", "depth": 1}, crawl_settings)
    assert result.returncode == 0, result.stderr[-2000:]
    linked = [hit for hit in sites.log.hits if hit.path.startswith("/articles/")]
    assert len(linked) == len(ARTICLES)
    expected = referer.format(base=base) if referer else None
    assert {hit.headers.get("Referer") for hit in linked} == {expected}


@pytest.mark.parametrize("workers", [1, 2])  # extraction in the crawl process, in worker processes: both list links
@pytest.mark.parametrize(("depth_limit", "articles"), [(0, len(ARTICLES)), (1, 0)])
def test_links_the_workers_list_obey_scrapy_s_depth_middleware_where_it_is_on(
    tmp_path, site, workers, depth_limit, articles
):
    # The project switches it off (the spider counts its own depth); a project that switches it back on gets
    # the same depth, priority and limit for the links an extraction lists as for those a callback yields.
    sites, urls = site
    base = urls[0].rsplit("/", 1)[0]
    herald = tmp_path / "site" / "herald"
    (herald / "index.html").write_text('<html><body><a href="section.html">The section</a></body></html>')
    (herald / "section.html").write_text(article_list())
    middlewares = json.dumps({"scrapy.spidermiddlewares.depth.DepthMiddleware": 900})
    settings = {"EXTRACT_WORKERS": workers, "DEPTH_LIMIT": depth_limit, "SPIDER_MIDDLEWARES": middlewares}
    result = run_crawl("news", tmp_path / "crawl.db", {"urls": f"{base}/index.html", "depth": 2}, settings)
    assert result.returncode == 0, result.stderr[-2000:]
    assert sites.log.count("/section.html") == 1
    assert sum(sites.log.count(f"/articles/{slug}.html") for slug in ARTICLES) == articles
    stats = result.stats()
    assert stats["request_depth_max"] == (2 if articles else 1)
    assert stats.get("depth/request_ignored_count", 0) == len(ARTICLES) - articles


@pytest.mark.parametrize("workers", [1, 2])
def test_links_the_workers_list_go_through_a_project_s_own_spider_middleware(tmp_path, site, workers):
    # Written on BaseSpiderMiddleware.get_processed_request, as Scrapy asks: the very instance the crawl runs sees
    # the links an extraction lists as it sees those a callback yields, and may change or drop them.
    sites, urls = site
    base = urls[0].rsplit("/", 1)[0]
    herald = tmp_path / "site" / "herald"
    (herald / "drafts").mkdir()
    shutil.copy(herald / "articles" / f"{ARTICLES[0]}.html", herald / "drafts" / "unpublished.html")
    draft = '<li><a href="drafts/unpublished.html">A draft</a></li></ul>'
    (herald / "index.html").write_text(article_list().replace("</ul>", draft))
    middlewares = json.dumps({"tests.support.middlewares.SkipDrafts": 950})
    settings = {"EXTRACT_WORKERS": workers, "SPIDER_MIDDLEWARES": middlewares}
    result = run_crawl("news", tmp_path / "crawl.db", {"urls": f"{base}/index.html", "depth": 1}, settings)
    assert result.returncode == 0, result.stderr[-2000:]
    assert sites.log.count("/drafts/unpublished.html") == 0
    linked = [hit for hit in sites.log.hits if hit.path.startswith("/articles/")]
    assert len(linked) == len(ARTICLES)
    assert {hit.headers.get("X-Shaped") for hit in linked} == {"yes"}
    assert {hit.headers.get("Referer") for hit in linked} == {f"{base}/index.html"}  # Scrapy's own still apply
    assert result.stats()["skip_drafts/dropped"] == 1


def test_the_links_of_a_page_whose_extraction_timed_out_are_still_followed(tmp_path, site):
    _, urls = site
    anchors = "".join(f'<a href="articles/{slug}.html">{slug}</a>' for slug in ARTICLES)
    (tmp_path / "site" / "herald" / "slow.html").write_text(slow_page(then=anchors))
    settings = {"EXTRACT_WORKERS": 2, "EXTRACT_TIMEOUT": 2}
    result = run_crawl("news", tmp_path / "crawl.db", {"urls": urls[0], "depth": 1}, settings)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.rows("SELECT reason FROM pages WHERE url = ?", (urls[0],)) == [("extraction_timeout",)]
    assert result.rows("SELECT count(*) FROM articles") == [(len(ARTICLES),)]  # reached only through its links
    assert result.stats()["crawl/links_listed_by_crawl_process"] == 1


def archive_page(stories: int) -> str:
    """A listing of ``stories`` teasers, each a headline and a blurb of words of its own (none merge)."""
    rng = random.Random(7)
    drawn = [rng.sample(WORDS, 12) for _ in range(stories)]
    items = "".join(
        f'<li><h3><a href="/archive/story-{n}.html">{" ".join(words[:5]).capitalize()}</a></h3>'
        f"<p>{' '.join(words[5:]).capitalize()}.</p></li>"
        for n, words in enumerate(drawn)
    )
    return f"<html><body><h1>Archive</h1><section><h2>Every story</h2><ul>{items}</ul></section></body></html>"


def test_a_page_showing_more_teasers_than_the_limit_stores_its_first_ones(tmp_path, site):
    _, urls = site
    (tmp_path / "site" / "herald" / "archive.html").write_text(archive_page(30))
    archive = urls[0].replace("/slow.html", "/archive.html")
    settings = {"EXTRACT_WORKERS": 2, "EXTRACT_MAX_TEASERS": 10}
    result = run_crawl("news", tmp_path / "crawl.db", {"urls": archive, "depth": 0}, settings)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.pages()[archive][1:] == ("listing", "listing")
    shown = result.rows(
        "SELECT t.url FROM teaser_sightings s JOIN teasers t ON t.id = s.teaser_id WHERE s.page_url = ?", (archive,)
    )
    base = archive.rsplit("/", 1)[0]
    assert sorted(url for (url,) in shown) == sorted(f"{base}/archive/story-{n}.html" for n in range(10))
    stats = result.stats()
    assert stats["extract/teasers_over_limit"] == 20 and stats["extract/pages_over_teaser_limit"] == 1
    assert stats["teasers/over_limit"] == 20 and stats["teasers/pages_over_limit"] == 1  # the writer's count
    assert f"{archive} shows 30 teasers: only the first 10 are stored (EXTRACT_MAX_TEASERS)" in result.stderr
    over_limit = "SELECT teasers_over_limit FROM pages WHERE url = ?"
    assert result.rows(over_limit, (archive,)) == [(20,)]  # found by a query too
    assert "20 more not stored: 1 page showed more than EXTRACT_MAX_TEASERS" in result.stdout
    # The page changed (unchanged, it is answered 304 and not read again), and the next run, with room for its
    # teasers, stores them all and clears the mark: the row says what is stored.
    (tmp_path / "site" / "herald" / "archive.html").write_text(archive_page(30).replace("Archive", "The archive"))
    settings["EXTRACT_MAX_TEASERS"] = 50
    again = run_crawl("news", tmp_path / "crawl.db", {"urls": archive, "depth": 0}, settings)
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.rows(over_limit, (archive,)) == [(None,)]
    assert "not stored" not in again.stdout
    assert again.rows("SELECT count(*) FROM teaser_sightings WHERE page_url = ?", (archive,)) == [(30,)]


def extraction_workers(crawl_pid: int) -> list[int]:
    """The worker processes: children of the crawl's multiprocessing fork server."""
    return [worker for server in fork_servers(crawl_pid) for worker in children_of(server)]


def test_a_worker_killed_mid_page_costs_only_that_page(tmp_path, site):
    sites, urls = site
    db = tmp_path / "crawl.db"
    settings = {"EXTRACT_WORKERS": 2, "EXTRACT_TIMEOUT": 600, "SQLITE_COMMIT_INTERVAL": 0.1}
    process = CrawlProcess("news", db, {"urls": ",".join(urls), "depth": 0}, settings)
    # The small pages are stored; the slow one, downloaded with them, takes its worker far longer.
    wait_for(
        lambda: "/slow.html" in sites.log.paths() and committed_articles(db) == len(ARTICLES),
        message=lambda: process.stderr[-2000:],
    )
    workers = extraction_workers(process.pid)
    assert workers, "no extraction worker processes found"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)  # as the OOM killer would
    result = process.wait()
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.rows("SELECT reason FROM pages WHERE url = ?", (urls[0],)) == [("extraction_crashed",)]
    assert result.rows("SELECT count(*) FROM articles") == [(len(ARTICLES),)]
    assert result.stats()["extract/workers/crashes"] >= 1
    # The next run tries the crashed page again (and would store it); stored articles are not refetched.
    sites.log.clear()
    again = run_crawl("news", db, {"urls": ",".join(urls), "depth": 0}, {"EXTRACT_WORKERS": 2, "EXTRACT_TIMEOUT": 1})
    assert again.returncode == 0
    assert ("herald", "GET", "/slow.html") in sites.log.requests()


def _threads_once_blas_loaded(pid: int) -> int | None:
    """How many threads the process runs, once OpenBLAS (numpy's) is loaded in it; None before, or once it ended."""
    try:
        if "openblas" not in Path(f"/proc/{pid}/maps").read_text():
            return None
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return int(status.split("Threads:", 1)[1].split()[0])


def test_the_workers_fork_server_runs_no_idle_blas_threads(tmp_path, site, monkeypatch):
    """numpy's OpenBLAS starts a thread per core as it loads, spinning for work that never comes: the crawl asks
    for one, so the fork server (numpy loaded by the warm-up, until the workers fork) runs its own thread alone."""
    import numpy  # noqa: F401 -- loaded here to see which BLAS this numpy is built with

    if "openblas" not in Path("/proc/self/maps").read_text():
        pytest.skip("this numpy is not built with OpenBLAS (the wheels on PyPI are): no OpenBLAS threads to count")
    _, urls = site
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)  # as a user has it: the crawl's own choice
    process = CrawlProcess("news", tmp_path / "crawl.db", {"urls": ",".join(urls[1:]), "depth": 0})
    seen: list[int] = []

    def workers_forked() -> bool:
        for server in fork_servers(process.pid):
            threads = _threads_once_blas_loaded(server)
            seen.extend([threads] if threads is not None else [])
            if children_of(server):
                return True
        return not process.running()

    wait_for(workers_forked, message=lambda: process.stderr[-2000:])
    result = process.wait()
    assert result.returncode == 0, result.stderr[-2000:]
    assert seen, "the fork server was never seen with numpy loaded"
    assert set(seen) == {1}


def test_a_blas_thread_count_the_user_set_is_kept(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    spare_blas_threads()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    spare_blas_threads()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
