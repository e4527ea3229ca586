"""A site is sent no more requests at once than its concurrency allows, and none sooner than its delay allows."""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.settings import Settings

from crawler.demo.spider import LOOPBACK_SETTINGS
from crawler.spiders.news import NewsSpider
from tests.support.crawl import CrawlProcess, crawl, wait_for
from tests.support.faults import FaultServer
from tests.support.store import PROJECT_SETTINGS

STORIES = 8
# Once the allowed requests are held at the server, a crawl that kept no limit would have sent the others in
# the same instant (one listing's links wait in the downloader together): this long is ample to see them.
GRACE_S = 1.0


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
    arrivals = [hit.at for hit in server.log.hits]  # robots.txt, the listing, its five stories
    gaps = [later - earlier for earlier, later in pairwise(arrivals)]
    assert len(gaps) == 6
    # Scrapy waits the delay from one request leaving to the next; the server sees each a thread switch later,
    # which on a loaded machine may shorten a gap by that switch. Without the floor the gaps fell to 0.2 s
    # after the first answer and to 0.01 s soon after: well under these bounds.
    assert min(gaps) >= 0.5 * DELAY_S, gaps
    assert arrivals[-1] - arrivals[0] >= 5 * DELAY_S, gaps
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
