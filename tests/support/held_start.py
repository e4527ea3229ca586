"""An extension that holds the crawl's start, as a busy machine does, until the test opens its gate."""

from __future__ import annotations

import time
from pathlib import Path

from scrapy.crawler import Crawler


class HeldStart:
    """Built with the crawler's components, before its reactor runs: says so in ``<gate>.reached``, then waits for
    the file ``HELD_START_GATE`` to exist (a signal's handler runs meanwhile; the wait goes on after it)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HeldStart:
        gate = Path(crawler.settings["HELD_START_GATE"])
        gate.with_suffix(".reached").touch()
        while not gate.exists():
            time.sleep(0.01)
        return cls()
