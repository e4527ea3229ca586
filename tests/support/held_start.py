"""An extension that holds the crawl's start, as a busy machine does, until the test opens its gate."""

from __future__ import annotations

import time
from pathlib import Path

from scrapy.crawler import Crawler

HELD_AT_MOST_S = 300  # a test that failed before opening the gate leaves no crawl waiting for ever


class HeldStart:
    """Built with the crawler's components, as the crawl starts: says so in ``<gate>.reached``, then waits for the
    file ``HELD_START_GATE`` to exist (a signal's handler runs meanwhile; the wait goes on after it)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HeldStart:
        gate = Path(crawler.settings["HELD_START_GATE"])
        gate.with_suffix(".reached").touch()
        given_up = time.monotonic() + HELD_AT_MOST_S
        while not gate.exists() and time.monotonic() < given_up:
            time.sleep(0.01)
        return cls()
