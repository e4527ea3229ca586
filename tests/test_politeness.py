"""A site is sent no more requests at once than its concurrency allows, with or without a delay between them."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.crawl import CrawlProcess, wait_for
from tests.support.faults import FaultServer

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
