"""Item pipelines: ExtractPipeline (trafilatura), ChromePipeline, DedupPipeline (dedup/), SQLitePipeline."""

from __future__ import annotations

import logging
import os
from concurrent.futures import Future

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.analysis import PageAnalysis, analyse_page
from crawler.deduplication import Deduplicator
from crawler.extraction import ExtractOptions, PageExtraction
from crawler.items import FetchedPage
from crawler.chrome import SiteChrome
from crawler.session import CrawlSession
from crawler.workers import WorkerCrashed, WorkerPool, WorkerTimeout
from dedup import SignatureScheme, content_hash

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """Turns each fetched page into an article (or the reason there is none) plus its teasers.

    With more than one worker, extraction runs in a pool of processes (see crawler.workers), so the
    reactor keeps downloading while pages are parsed and every core is used; with one, it runs
    in-process, which is easier to debug but blocks the crawl while a page is parsed.
    """

    def __init__(
        self,
        options: ExtractOptions,
        article_scheme: SignatureScheme,
        teaser_scheme: SignatureScheme,
        stats: StatsCollector,
        workers: int = 1,
        timeout: float = 20.0,
        max_tasks: int = 500,
        max_memory_mb: float = 1024.0,
    ):
        self.options = options
        self.article_scheme = article_scheme
        self.teaser_scheme = teaser_scheme
        self.stats = stats
        self.workers = workers
        self.timeout = timeout
        self.max_tasks = max_tasks
        self.max_memory_mb = max_memory_mb
        self.pool: WorkerPool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        session = CrawlSession.of(crawler)
        settings = crawler.settings
        workers = settings.getint("EXTRACT_WORKERS", 0) or len(os.sched_getaffinity(0))
        return cls(
            session.extract_options,
            session.article_scheme,
            session.teaser_scheme,
            crawler.stats,
            workers=workers,
            timeout=settings.getfloat("EXTRACT_TIMEOUT", 20.0),
            max_tasks=settings.getint("EXTRACT_WORKER_MAX_TASKS", 2000),
            max_memory_mb=settings.getfloat("EXTRACT_WORKER_MAX_MEMORY_MB", 1024.0),
        )

    def open_spider(self) -> None:
        if self.workers > 1:
            self.pool = WorkerPool(
                analyse_page,
                (self.options, self.article_scheme, self.teaser_scheme),
                workers=self.workers,
                timeout=self.timeout,
                max_tasks=self.max_tasks,
                max_memory_mb=self.max_memory_mb,
            )

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()
            for name in ("started", "crashes", "timeouts", "recycled"):
                self.stats.set_value(f"extract/workers/{name}", getattr(self.pool, name))

    async def process_item(self, item):
        if not isinstance(item, FetchedPage):
            return item
        try:
            if self.pool is None:
                item.analysis = analyse_page(
                    item.body, item.url, item.content_type, self.options, self.article_scheme, self.teaser_scheme
                )
            else:
                item.analysis = await _result_of(self.pool.submit(item.body, item.url, item.content_type))
        except WorkerTimeout:
            logger.warning("extraction of %s took longer than %g s; its worker was replaced", item.url, self.timeout)
            item.analysis = PageAnalysis(PageExtraction("skipped", "extraction_timeout"))
        except WorkerCrashed as error:
            logger.error("extraction of %s crashed its worker: %s", item.url, error)
            item.analysis = PageAnalysis(PageExtraction("skipped", "extraction_crashed"))
        except Exception:  # a page that breaks the extractor must not break the crawl
            logger.exception("extraction failed for %s", item.url)
            item.analysis = PageAnalysis(PageExtraction("skipped", "extraction_failed"))
        extraction = item.analysis.extraction
        self.stats.inc_value(f"extract/{extraction.kind}" + (f"/{extraction.reason}" if extraction.reason else ""))
        item.body = b""  # the bytes are no longer needed; don't carry them through the other pipelines
        return item


async def _result_of(future: Future):
    """Await a concurrent Future from the reactor, whichever reactor Scrapy runs."""
    deferred: Deferred = Deferred()

    def done(finished: Future) -> None:
        error = finished.exception()
        if error is not None:
            reactor.callFromThread(deferred.errback, Failure(error))
        else:
            reactor.callFromThread(deferred.callback, finished.result())

    future.add_done_callback(done)
    return await maybe_deferred_to_future(deferred)


class ChromePipeline:
    """Cuts what the crawl has learned to be its site's chrome out of each article (see crawler.chrome)."""

    def __init__(self, chrome: SiteChrome, scheme: SignatureScheme, stats: StatsCollector):
        self.chrome = chrome
        self.scheme = scheme
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChromePipeline:
        session = CrawlSession.of(crawler)
        if session.chrome is None:
            raise NotConfigured("CHROME_ENABLED is off")
        return cls(session.chrome, session.article_scheme, crawler.stats)

    def process_item(self, item):
        analysis = item.analysis if isinstance(item, FetchedPage) else None
        if analysis is None or analysis.extraction.article is None:
            return item
        article = analysis.extraction.article
        text, removed = self.chrome.strip(item.url, article.text)
        if removed:
            # The dedup step must see the text that will be stored.
            article.text = text
            analysis.content_hash = content_hash(text)
            analysis.signature = self.scheme.signature(text)
            analysis.chrome_removed = removed
            self.stats.inc_value("chrome/pages_cleaned")
        return item


class DedupPipeline:
    """Decides, for each extracted article, whether it is stored already or whose near-duplicate it is."""

    def __init__(self, dedup: Deduplicator, stats: StatsCollector):
        self.dedup = dedup
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(CrawlSession.of(crawler).dedup, crawler.stats)

    def process_item(self, item):
        # Synchronous on purpose: the decision and the write in SQLitePipeline run in one reactor turn,
        # so no other item can be stored between them and the decision cannot go stale.
        if isinstance(item, FetchedPage) and item.analysis and item.analysis.extraction.article is not None:
            item.decision = self.dedup.decide_article(item.url, item.analysis)
            self.stats.inc_value(f"dedup/{item.decision.match}")
            if item.decision.merge_roots:
                self.stats.inc_value("dedup/cluster_merges", len(item.decision.merge_roots))
        return item


class SQLitePipeline:
    """Writes every item's rows in batched transactions (see CrawlSession)."""

    def __init__(self, session: CrawlSession):
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLitePipeline:
        return cls(CrawlSession.of(crawler))

    def process_item(self, item):
        self.session.store(item)
        return item
