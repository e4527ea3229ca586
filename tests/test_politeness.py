"""A site is sent no more requests at once than its concurrency allows, and none sooner than its delay (or its
robots.txt's Crawl-delay) allows."""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.settings import Settings

from crawler.demo.server import Hit
from crawler.demo.spider import LOOPBACK_SETTINGS
from crawler.fetch.crawl_delay import asked_delay
from crawler.spiders.news import NewsSpider
from tests.support.changing_site import ChangingSite, story
from tests.support.crawl import CrawlProcess, crawl, wait_for
from tests.support.faults import FaultServer, listing_html
from tests.support.store import PROJECT_SETTINGS

STORIES = 8
# Once the allowed requests are held at the server, a crawl that kept no limit would have sent the others in
# the same instant (one listing's links wait in the downloader together): this long is ample to see them.
GRACE_S = 1.0


def _gaps(hits: list[Hit]) -> list[float]:
    """The time between one request's arrival at the server and the next's."""
    return [later.at - earlier.at for earlier, later in pairwise(hits)]


def _crawl_held_stories(tmp_path: Path, server: FaultServer, args: dict, settings: dict, allowed: int) -> None:
    """Crawl the server's listing of held stories: once ``allowed`` of them wait at the server, and no more
    came meanwhile, answer them all and let the crawl finish."""
    server.index_links = [f"/held/story-{n}" for n in range(STORIES)]
    run = CrawlProcess("news", tmp_path / "crawl.db", args, settings)
    try:
        wait_for(lambda: server.in_flight >= allowed, message=lambda: run.stderr[-2000:])
        time.sleep(GRACE_S)
    finally:
        server.release()
    run.wait()
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.rows("SELECT count(*) FROM articles") == [(STORIES,)]


def test_a_site_is_sent_no_more_requests_at_once_than_the_concurrency_setting(tmp_path):
    # Politeness off (no AutoThrottle, no delay), as the tests run: the concurrency is all that holds the pace.
    with FaultServer() as server:
        _crawl_held_stories(tmp_path, server, {"urls": server.url("/")}, {"CONCURRENT_REQUESTS_PER_DOMAIN": 2}, 2)
    assert server.most_in_flight == 2


def test_a_sites_file_concurrency_holds_without_a_delay(tmp_path):
    with FaultServer() as server:
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[[site]]\nname = "held"\nurls = ["{server.url("/")}"]\ndelay = 0\nconcurrency = 1\n')
        _crawl_held_stories(tmp_path, server, {"sites": str(sites)}, {}, 1)
    assert server.most_in_flight == 1


DELAY_S = 0.4


def test_a_sites_file_delay_is_the_least_time_between_requests_with_autothrottle(tmp_path):
    # AutoThrottle on, as the project ships: it moved the site's delay towards the loopback server's latency
    # (milliseconds), 0.2 s after the first answer and 0.01 s soon after.
    with FaultServer() as server:
        server.index_links = [f"/article/story-{n}" for n in range(5)]
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[[site]]\nname = "slow"\nurls = ["{server.url("/")}"]\ndelay = {DELAY_S}\n')
        result = crawl("news", tmp_path / "crawl.db", {"sites": str(sites)}, {"AUTOTHROTTLE_ENABLED": True})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.rows("SELECT count(*) FROM articles") == [(5,)]
    hits = server.log.hits  # robots.txt, the listing, its five stories
    gaps = _gaps(hits)
    assert len(gaps) == 6
    # Scrapy waits the delay from one request leaving to the next; the server sees each a thread switch later,
    # which on a loaded machine may shorten a gap by that switch. Without the floor the gaps fell to 0.2 s
    # after the first answer and to 0.01 s soon after: well under these bounds.
    assert min(gaps) >= 0.5 * DELAY_S, gaps
    assert hits[-1].at - hits[0].at >= 5 * DELAY_S, gaps
    assert "deprecated" not in result.stderr


def test_a_sites_file_delay_is_kept_exactly_not_randomised(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[[site]]\nname = "slow"\nurls = ["https://slow.example/"]\ndelay = 2\n\n'
        '[[site]]\nname = "quick"\nurls = ["https://quick.example/"]\nconcurrency = 8\n'
    )
    crawler = Crawler(NewsSpider, Settings({**PROJECT_SETTINGS, **LOOPBACK_SETTINGS}))  # not started: settings open
    NewsSpider.from_crawler(crawler, sites=str(sites))
    slots = crawler.settings.getdict("DOWNLOAD_SLOTS")
    # Scrapy's jitter waits from half the delay to one and a half times it: a site's delay is the least.
    assert slots["slow.example"] == {"delay": 2.0, "jitter": 0.0, "randomize_delay": False}
    assert slots["quick.example"] == {"concurrency": 8}


ROBOTS_DELAY_S = 0.4


def test_asked_delay_reads_crawl_delay_and_request_rate_for_the_crawls_user_agent():
    agent = "storyonce/0.1 (news crawler; +mailto:desk@example.org)"
    assert asked_delay(b"User-agent: *\nCrawl-delay: 2.5\n", agent) == 2.5
    assert asked_delay(b"User-agent: *\nRequest-rate: 3/1m\n", agent) == 20.0  # 60 s for 3 requests
    assert asked_delay(b"User-agent: *\nCrawl-delay: 5\nRequest-rate: 1/10s\n", agent) == 10.0  # the larger
    # The group naming the crawl is the one that applies, as for its rules.
    both = b"User-agent: storyonce\nCrawl-delay: 1\n\nUser-agent: *\nCrawl-delay: 9\n"
    assert asked_delay(both, agent) == 1.0
    assert asked_delay(b"User-agent: otherbot\nCrawl-delay: 9\n", agent) is None
    for nonsense in (b"-3", b"nan", b"x", b"inf", b"0"):
        assert asked_delay(b"User-agent: *\nCrawl-delay: " + nonsense + b"\n", agent) is None, nonsense
    assert asked_delay(b"User-agent: *\nCrawl-delay: nan\nRequest-rate: 1/5\n", agent) == 5.0
    assert asked_delay(b"\xff\xfeUser-agent: *\nCrawl-delay: 3\n", agent) == 3.0  # bytes not UTF-8 left out


def test_a_robots_txt_crawl_delay_is_the_least_time_between_requests(tmp_path):
    # Politeness otherwise off (no AutoThrottle, no DOWNLOAD_DELAY, as the tests run), and a sites file asking
    # less: only robots.txt spaces the requests. Its group for the crawl's own user agent is the one obeyed.
    robots = f"User-agent: storyonce\nCrawl-delay: {ROBOTS_DELAY_S}\n\nUser-agent: *\nCrawl-delay: 3600\n"
    with FaultServer(robots=robots) as server:
        server.index_links = [f"/article/story-{n}" for n in range(5)]
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[[site]]\nname = "asks"\nurls = ["{server.url("/")}"]\ndelay = 0.1\n')
        # Held to 2 s at most: were the other group read, the crawl would still end, and its log say so.
        result = crawl("news", tmp_path / "crawl.db", {"sites": str(sites)}, {"CRAWL_ROBOTS_DELAY_MAX": 2})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.rows("SELECT count(*) FROM articles") == [(5,)]
    assert f"asks for {ROBOTS_DELAY_S:g} s between requests: kept" in result.stderr
    gaps = _gaps(server.log.hits)  # robots.txt, the listing, its five stories
    assert len(gaps) == 6
    # As for a sites file's delay: the server may see a gap shortened by a thread switch on a loaded machine.
    assert min(gaps) >= 0.5 * ROBOTS_DELAY_S, gaps
    assert sum(gaps) >= 5 * ROBOTS_DELAY_S, gaps
    assert result.stats()["robotstxt/crawl_delay/hosts"] == 1


def test_a_crawl_delay_holds_with_autothrottle(tmp_path):
    # AutoThrottle on, as the project ships: it would move the host's delay towards the loopback server's
    # latency (milliseconds) after the first answers, were the Crawl-delay not the host's least delay.
    with FaultServer(robots=f"User-agent: *\nCrawl-delay: {ROBOTS_DELAY_S}\n") as server:
        server.index_links = [f"/article/story-{n}" for n in range(5)]
        result = crawl("news", tmp_path / "crawl.db", {"urls": server.url("/")}, {"AUTOTHROTTLE_ENABLED": True})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.rows("SELECT count(*) FROM articles") == [(5,)]
    gaps = _gaps(server.log.hits)
    assert len(gaps) == 6 and min(gaps) >= 0.5 * ROBOTS_DELAY_S, gaps
    assert sum(gaps) >= 5 * ROBOTS_DELAY_S, gaps


def test_a_crawl_delay_longer_than_the_setting_is_held_to_it(tmp_path):
    with FaultServer(robots="User-agent: *\nCrawl-delay: 3600\n") as server:
        server.index_links = [f"/article/story-{n}" for n in range(3)]
        run = CrawlProcess(
            "news", tmp_path / "crawl.db", {"urls": server.url("/")}, {"CRAWL_ROBOTS_DELAY_MAX": ROBOTS_DELAY_S}
        )
        run.wait(timeout=120)  # an hour between requests would not end
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.rows("SELECT count(*) FROM articles") == [(3,)]
    assert f"asks for 3600 s between requests: held to {ROBOTS_DELAY_S:g} s (CRAWL_ROBOTS_DELAY_MAX)" in run.stderr
    gaps = _gaps(server.log.hits)
    assert len(gaps) == 4 and min(gaps) >= 0.5 * ROBOTS_DELAY_S, gaps
    stats = run.stats()
    assert stats["robotstxt/crawl_delay/hosts"] == 1 and stats["robotstxt/crawl_delay/capped"] == 1


def test_a_crawl_delay_is_not_obeyed_when_the_setting_is_0(tmp_path):
    with FaultServer(robots="User-agent: *\nCrawl-delay: 3600\n") as server:
        server.index_links = [f"/article/story-{n}" for n in range(3)]
        run = CrawlProcess("news", tmp_path / "crawl.db", {"urls": server.url("/")}, {"CRAWL_ROBOTS_DELAY_MAX": 0})
        run.wait(timeout=120)  # obeyed, or held to the default 30 s, it would not end by then
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.rows("SELECT count(*) FROM articles") == [(3,)]
    assert "robotstxt/crawl_delay/hosts" not in run.stats()
    assert "between requests" not in run.stderr


def test_a_crawl_delay_holds_when_a_later_run_finds_robots_txt_unchanged(tmp_path):
    with ChangingSite() as site:
        site.put("/robots.txt", f"User-agent: *\nCrawl-delay: {ROBOTS_DELAY_S}\n", "text/plain")
        site.put("/", listing_html(["/news/a.html"]))
        site.article("/news/a.html", "The harbour tunnel", story("tunnel"))
        arguments = {"urls": f"{site.url('/')},{site.url('/sitemap.xml')}"}
        first = crawl("news", tmp_path / "crawl.db", arguments)
        assert first.returncode == 0, first.stderr[-3000:]
        site.server.log.clear()
        second = crawl("news", tmp_path / "crawl.db", arguments)
        hits = site.server.log.hits
    assert second.returncode == 0, second.stderr[-3000:]
    assert second.pages()[site.url("/robots.txt")] == (304, "robots", "not_modified")  # its stored rules
    assert len(hits) >= 3 and hits[0].path == "/robots.txt", hits
    gaps = _gaps(hits)
    assert min(gaps) >= 0.5 * ROBOTS_DELAY_S, gaps
    assert second.stats()["robotstxt/crawl_delay/hosts"] == 1
