"""ExtractPipeline: each fetched page becomes an analysed page (article or reason, teasers, signatures)."""

from __future__ import annotations

import contextlib
import logging
import zlib
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.conf import build_component_list
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import load_object
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.config import ExtractConfig, Settings
from crawler.extract.analysis import analyse_page, analysis_pool, warm_up_workers
from crawler.extract.results import PageAnalysis, PageExtraction
from crawler.extract.workers import WorkerCrashed, WorkerPool, WorkerTimeout
from crawler.fetch.links import page_links, pages_among
from crawler.handoff import NoHistory, PageHistory, page_history
from crawler.records import AnalysedPage, FetchedPage, links_listed
from crawler.urls import site_of

logger = logging.getLogger(__name__)
T = TypeVar("T")


def warm_up_early(settings: BaseSettings) -> None:
    """Start the extraction workers warming up now, when a crawl with ``settings`` will extract in workers.

    The crawl command calls this as soon as it has checked its settings: the workers' fork server then
    imports on a core that Scrapy's own start leaves idle, and is ready about when the first pages are.
    """
    # In the crawl's order, and no further than this pipeline: the ones after it (the writer's, with the
    # database library) load while the fork server starts, not before.
    pipelines = (load_object(p) for p in build_component_list(settings.getwithbase("ITEM_PIPELINES")))
    try:
        extracting = any(isinstance(p, type) and issubclass(p, ExtractPipeline) for p in pipelines)
    except (ImportError, NameError, ValueError):
        return  # a pipeline that cannot be loaded: Scrapy says so as the crawl starts
    if extracting:
        warm_up_workers(ExtractConfig.from_settings(settings))


class ExtractPipeline:
    """Turns each :class:`FetchedPage` into an :class:`AnalysedPage`; other records pass through.

    With more than one worker, extraction runs in a pool of processes (see crawler.extract.workers),
    so the reactor keeps downloading while pages are parsed and every core is used; with one, it
    runs in-process, which is easier to debug but blocks the crawl while a page is parsed.
    """

    def __init__(
        self, config: ExtractConfig, stats: StatsCollector, keep_html: bool = False, crawler: Crawler | None = None
    ):
        self.config = config
        self.stats = stats
        self.keep_html = keep_html  # hand an article page's bytes on, compressed, to be stored for re-extraction
        self.crawler = crawler
        self.pool: WorkerPool | None = None
        self._history: PageHistory | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        keep_html = Settings(crawler.settings).flag("STORE_HTML")
        return cls(ExtractConfig.from_settings(crawler.settings), crawler.stats, keep_html, crawler)

    def open_spider(self) -> None:
        self.pool = analysis_pool(self.config)

    @property
    def history(self) -> PageHistory:
        """The writer side's history, for each site's chrome (cut before signing); found once the crawl runs."""
        if self._history is None:
            self._history = NoHistory()
            if self.crawler is not None:
                with contextlib.suppress(RuntimeError):  # Scrapy's: no engine, the pipeline is used on its own
                    self._history = page_history(self.crawler)
        return self._history

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
        if item.links_depth is not None:
            await self._hand_links(item, extraction)
        self.stats.inc_value(f"extract/{extraction.kind}" + (f"/{extraction.reason}" if extraction.reason else ""))
        if extraction.teasers_over_limit:
            self._count_teasers_over_limit(item.url, extraction)
        if extraction.thorough is not None:  # what trafilatura's second, dearer run was paid for, and what it gave
            self.stats.inc_value(f"extract/thorough/{extraction.thorough}")
            if extraction.thorough_kept:
                self.stats.inc_value("extract/thorough/kept")
        for key, seconds in (
            ("timing/extract_cpu_s", analysis.extract_cpu_s),
            ("timing/sign_cpu_s", analysis.sign_cpu_s),
            *((f"timing/extract/{part}_cpu_s", part_s) for part, part_s in extraction.cpu_s.items()),
        ):
            self.stats.set_value(key, self.stats.get_value(key, 0.0) + seconds)
        html = zlib.compress(item.body, 6) if self.keep_html and extraction.article is not None else None
        return AnalysedPage(
            item.url,
            item.status,
            analysis,
            item.etag,
            item.last_modified,
            item.site,
            html,
            item.content_type,
            item.listed_published,
        )

    def _count_teasers_over_limit(self, url: str, extraction: PageExtraction) -> None:
        kept, over_limit = len(extraction.teasers), extraction.teasers_over_limit
        logger.warning(
            "%s shows %d teasers: only the first %d are stored (EXTRACT_MAX_TEASERS)", url, kept + over_limit, kept
        )
        self.stats.inc_value("extract/pages_over_teaser_limit")
        self.stats.inc_value("extract/teasers_over_limit", over_limit)

    async def _hand_links(self, page: FetchedPage, extraction: PageExtraction) -> None:
        """The page's links to the spider, which follows them; listed here only when no worker could."""
        listed, extraction.links = extraction.links, None  # followed now: the writer side has no use for them
        if listed is not None:
            links = pages_among(listed)
        else:  # its extraction crashed or timed out: the page is still a page to follow
            response = HtmlResponse(page.url, body=page.body, headers=_content_type(page))
            # In a thread: such a page is often a huge one (7 MB of 40,000 links take a second to parse and
            # list), and the reactor goes on downloading meanwhile instead of waiting for it.
            links = await _in_thread(page_links, response)
            self.stats.inc_value("crawl/links_listed_by_crawl_process")
        if self.crawler is not None:
            self.crawler.signals.send_catch_log(links_listed, page=page, links=links)

    async def _analyse(self, page: FetchedPage) -> PageAnalysis:
        """The page's analysis; a page that breaks the extractor gets a reason, never breaks the crawl."""
        config = self.config
        chrome = self.history.site_chrome(site_of(page.url))
        list_links = page.links_depth is not None
        try:
            if self.pool is None:
                return analyse_page(
                    page.body,
                    page.url,
                    page.content_type,
                    chrome,
                    page.listed_published,
                    list_links,
                    config.options,
                    config.article_scheme,
                    config.teaser_scheme,
                )
            task = (page.body, page.url, page.content_type, chrome, page.listed_published, list_links)
            return await _result_of(self.pool.submit(*task))
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


def _content_type(page: FetchedPage) -> dict[str, str]:
    return {"Content-Type": page.content_type} if page.content_type else {}


async def _in_thread(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in the reactor's thread pool, awaited from the reactor."""
    from twisted.internet.threads import deferToThread  # it finds the reactor Scrapy installed when called

    return await maybe_deferred_to_future(deferToThread(function, *args))


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
