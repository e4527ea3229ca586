"""ExtractPipeline: each fetched page becomes an analysed page (article or reason, teasers, signatures)."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.config import ExtractConfig
from crawler.extract.analysis import analyse_page
from crawler.extract.results import PageAnalysis, PageExtraction
from crawler.extract.workers import WorkerCrashed, WorkerPool, WorkerTimeout
from crawler.records import AnalysedPage, FetchedPage

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """Turns each :class:`FetchedPage` into an :class:`AnalysedPage`; other records pass through.

    With more than one worker, extraction runs in a pool of processes (see crawler.extract.workers),
    so the reactor keeps downloading while pages are parsed and every core is used; with one, it
    runs in-process, which is easier to debug but blocks the crawl while a page is parsed.
    """

    def __init__(self, config: ExtractConfig, stats: StatsCollector):
        self.config = config
        self.stats = stats
        self.pool: WorkerPool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(ExtractConfig.from_settings(crawler.settings), crawler.stats)

    def open_spider(self) -> None:
        config = self.config
        if config.workers > 1:
            self.pool = WorkerPool(
                analyse_page,
                (config.options, config.article_scheme, config.teaser_scheme),
                workers=config.workers,
                timeout=config.timeout,
                max_tasks=config.max_tasks,
                max_memory_mb=config.max_memory_mb,
                preload=["crawler.extract.warmup"],
            )

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()
            for name in ("started", "crashes", "timeouts", "recycled"):
                self.stats.set_value(f"extract/workers/{name}", getattr(self.pool, name))

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        analysis = await self._analyse(item)
        extraction = analysis.extraction
        self.stats.inc_value(f"extract/{extraction.kind}" + (f"/{extraction.reason}" if extraction.reason else ""))
        for key, seconds in (
            ("timing/extract_cpu_s", analysis.extract_cpu_s),
            ("timing/sign_cpu_s", analysis.sign_cpu_s),
        ):
            self.stats.set_value(key, self.stats.get_value(key, 0.0) + seconds)
        return AnalysedPage(item.url, item.status, analysis, item.etag, item.last_modified)

    async def _analyse(self, page: FetchedPage) -> PageAnalysis:
        """The page's analysis; a page that breaks the extractor gets a reason, never breaks the crawl."""
        config = self.config
        try:
            if self.pool is None:
                return analyse_page(
                    page.body, page.url, page.content_type, config.options, config.article_scheme, config.teaser_scheme
                )
            return await _result_of(self.pool.submit(page.body, page.url, page.content_type))
        except WorkerTimeout:
            logger.warning("extraction of %s took longer than %g s; its worker was replaced", page.url, config.timeout)
            reason = "extraction_timeout"
        except WorkerCrashed as error:
            logger.error("extraction of %s crashed its worker: %s", page.url, error)
            reason = "extraction_crashed"
        except Exception:
            logger.exception("extraction failed for %s", page.url)
            reason = "extraction_failed"
        return PageAnalysis(PageExtraction("skipped", reason))


async def _result_of(future: Future) -> Any:
    """Await a concurrent Future from the reactor, whichever reactor Scrapy runs."""
    from twisted.internet import reactor  # the one Scrapy installed; importing it earlier would install another

    deferred: Deferred = Deferred()

    def done(finished: Future) -> None:
        error = finished.exception()
        if error is not None:
            reactor.callFromThread(deferred.errback, Failure(error))
        else:
            reactor.callFromThread(deferred.callback, finished.result())

    future.add_done_callback(done)
    return await maybe_deferred_to_future(deferred)
