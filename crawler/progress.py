"""A progress line every CRAWL_PROGRESS_INTERVAL seconds: what the crawl has done so far, in words."""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from crawler.config import Settings

logger = logging.getLogger(__name__)
TOP_REASONS = 3  # why pages held no article, the most frequent first


class Progress:
    """Extension (replacing Scrapy's LogStats): pages per minute, articles stored, near-duplicates,
    teasers, pages without an article by their top reasons, requests still queued."""

    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.task: Any = None
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        interval = Settings(crawler.settings).number("CRAWL_PROGRESS_INTERVAL", minimum=0)
        if not interval:
            raise NotConfigured("CRAWL_PROGRESS_INTERVAL is 0")
        return cls(crawler, interval)

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        self.task = create_looping_call(self.log)
        self.task.start(self.interval, now=False)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()

    def log(self) -> None:
        logger.info(progress_line(self.crawler.stats.get_stats(), time.monotonic() - self.started, self._queued()))

    def _queued(self) -> int | None:
        scheduler = self.crawler.engine.scheduler if self.crawler.engine is not None else None
        try:
            return len(scheduler)  # type: ignore[arg-type]
        except TypeError:
            return None  # a scheduler that cannot say


def progress_line(stats: dict[str, Any], elapsed: float, queued: int | None) -> str:
    pages = pages_recorded(stats)
    per_minute = 60 * pages / elapsed if elapsed > 0 else 0.0
    near = near_duplicates(stats)
    skipped = sorted(without_article(stats).items(), key=lambda kv: -kv[1])[:TOP_REASONS]
    skipped_text = ", ".join(f"{reason} {n}" for reason, n in skipped) or "none"
    queue = f"; {queued} requests queued" if queued is not None else ""
    return (
        f"Progress: {pages} pages ({per_minute:.0f}/min), {stats.get('store/articles/new', 0)} articles stored "
        f"({near} near-duplicates), {stats.get('articles/updated', 0)} updated, "
        f"{stats.get('teasers/new', 0)} teasers; without an article: {skipped_text}{queue}"
    )


def pages_recorded(stats: dict[str, Any]) -> int:
    """Pages recorded by the run, whatever their kind (``pages/<kind>``)."""
    return sum(v for k, v in stats.items() if k.startswith("pages/") and k.count("/") == 1)


def near_duplicates(stats: dict[str, Any]) -> int:
    """Articles linked as near-duplicates, cut copies (contained in another) included."""
    return stats.get("dedup/near", 0) + stats.get("dedup/contained", 0)


def without_article(stats: dict[str, Any]) -> dict[str, int]:
    """Pages recorded without an article, by reason (``pages/<kind>/<reason>``, every kind but article)."""
    reasons: dict[str, int] = {}
    for key, value in stats.items():
        parts = key.split("/")
        if len(parts) == 3 and parts[0] == "pages" and parts[1] != "article" and value:
            reasons[parts[2]] = reasons.get(parts[2], 0) + value
    return reasons
