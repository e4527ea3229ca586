"""What the commands that look at pages (shell, fetch, view, parse, check, bench) share: nothing kept."""

from __future__ import annotations

import argparse
from typing import Any

from crawler.fetch.addresses import POLICY
from crawler.urls import is_fetchable

EXTRACT_PIPELINE = "crawler.extract.pipeline.ExtractPipeline"


class LooksOnly:
    """Mixin for Scrapy commands that look at a page rather than crawl: no writer side at all.

    They never open ``SQLITE_PATH`` nor take its lock, record no run and print no summary, and never
    join a shared crawl on ``REDIS_URL`` (its queue, duplicate filter and run): a scheduled crawl runs
    undisturbed while someone has ``scrapy shell`` open. Extraction stays (so
    ``scrapy parse --pipelines`` shows what would be stored), in-process. A URL given on the command
    line counts as named by the user, so a page on loopback or a private address can be looked at.
    """

    settings: Any

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # type: ignore[misc]
        self.settings.set("ITEM_PIPELINES", {EXTRACT_PIPELINE: 100}, priority="cmdline")
        self.settings.set("EXTRACT_WORKERS", 1, priority="cmdline")
        self.settings.set("REDIS_URL", "", priority="cmdline")
        POLICY.name(arg for arg in args if is_fetchable(arg))
