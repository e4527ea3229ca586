"""The add-on that turns ``scrapy crawl`` into one of N crawlers when ``REDIS_URL`` is set."""

from __future__ import annotations

import logging

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler.config import CannotStart, Settings
from crawler.store.pipeline import StorePipeline

logger = logging.getLogger(__name__)

HANDOFF_ORDER = 300  # where StorePipeline sits: after extraction
SEED_ORDER = 0  # nearest the engine: the start requests are dropped after every other middleware
COORDINATOR_ORDER = 0
EXTRA = "pip install 'storyonce[redis]'"
ADDON_PRIORITY = SETTINGS_PRIORITIES["addon"]


class Distributed:
    """Add-on: with ``REDIS_URL`` set, this crawler shares its run with every crawler on the same Redis.

    It swaps the scheduler for :class:`~crawler.distributed.scheduler.SharedScheduler` (queue and
    duplicate filter in Redis, requests as JSON), the handoff for
    :class:`~crawler.distributed.handoff.StreamHandoff` (records to the writer's stream, page
    history from Redis), and adds :class:`~crawler.distributed.coordination.CrawlCoordinator` (who
    seeds, who is busy, who ends the run) and :class:`~crawler.distributed.coordination.SeedOnce`.
    A bad ``REDIS_URL`` stops the crawl with one line. Without ``REDIS_URL`` nothing changes and
    nothing of Redis is imported: scrapy-redis and redis are an optional extra.
    """

    @staticmethod
    def check(settings: BaseSettings) -> None:
        """Raise :class:`CannotStart` when ``REDIS_URL`` is set and the shared crawl cannot be: the extra not
        installed, or a setting of it not allowed. Called by the crawl command before Scrapy starts (its log's
        banner), so that the mistake is the only line printed, and again as the crawler is made."""
        if not Settings(settings).text("REDIS_URL").strip():
            return
        try:  # every module of the shared crawl: each needs the extra
            from crawler.distributed import coordination, handoff, scheduler  # noqa: F401
            from crawler.distributed.config import RedisConfig
        except ImportError as exc:
            raise CannotStart(f"REDIS_URL needs scrapy-redis and redis ({EXTRA}): {exc}") from None
        RedisConfig.from_settings(settings)

    def update_settings(self, settings: BaseSettings) -> None:
        if not Settings(settings).text("REDIS_URL").strip():
            return
        self.check(settings)
        # Loaded by the check: the extra is there.
        from crawler.distributed.coordination import CrawlCoordinator, SeedOnce
        from crawler.distributed.handoff import StreamHandoff
        from crawler.distributed.scheduler import SharedScheduler

        # The project's settings name the single-machine scheduler: the shared one replaces it at their priority.
        for name, value in (
            ("SCHEDULER", SharedScheduler),
            ("SCHEDULER_PERSIST", True),
        ):
            settings.set(name, value, priority=max(settings.getpriority(name) or 0, ADDON_PRIORITY))
        try:
            settings.replace_in_component_priority_dict("ITEM_PIPELINES", StorePipeline, StreamHandoff, HANDOFF_ORDER)
        except KeyError:
            logger.warning("ITEM_PIPELINES has no StorePipeline: this crawler hands nothing to the writer")
        settings.set_in_component_priority_dict("EXTENSIONS", CrawlCoordinator, COORDINATOR_ORDER)
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", SeedOnce, SEED_ORDER)
        if settings.get("JOBDIR"):
            logger.warning("JOBDIR is ignored in a shared run: the queue and the requests seen are in Redis")
