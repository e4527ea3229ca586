"""StorePipeline: the writer side in the crawl's own process, fed by the item pipeline."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import task

from crawler.config import StoreConfig
from crawler.handoff import Handoff, PageHistory, outcome_recorded
from crawler.records import AnalysedPage, PageOutcome, SeenAgain
from crawler.store.database import StorageError
from crawler.store.write_queue import WriteQueue, WrittenFirst
from crawler.store.writer import Writer

logger = logging.getLogger(__name__)

# How a Scrapy finish reason is recorded in runs.finish_reason when it says more plainly what happened.
RECORDED_REASONS = {"shutdown": "interrupted"}  # SIGTERM / SIGINT: pending writes committed, run cut short


class StorePipeline(Handoff):
    """Hands every record to a :class:`Writer` and runs it for the crawl.

    The writer opens the database when the crawl starts (so a database in use or read-only stops it
    before anything is fetched), records the run when the spider opens, commits every
    ``SQLITE_COMMIT_INTERVAL`` seconds, and finishes the run when the spider closes, whatever the
    reason. A failed write stops the crawl with finish reason ``storage_error``. While other pages are
    being extracted, records are written in runs (see crawler.store.write_queue).
    """

    def __init__(self, crawler: Crawler, writer: Writer, config: StoreConfig):
        self.crawler = crawler
        self.writer = writer
        self.config = config
        self.queue = WriteQueue(self._write, self._items_in_pipelines)
        self.history: PageHistory = WrittenFirst(writer.history, self.queue)
        self._closed = False  # the run is being finished, or was: the spider closed, or the crawl stopped at once
        self._ended = False  # the run's end is recorded: what is handed over later is dropped
        self._at_shutdown: Any = None  # the reactor's trigger for a stop at once (see _stopped_at_once)
        self._committer = task.LoopingCall(self._commit)
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)
        crawler.signals.connect(self.record_outcome, outcome_recorded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        config = StoreConfig.from_settings(crawler.settings)
        return cls(crawler, Writer(config, crawler.stats), config)

    # -- signals ------------------------------------------------------------------------------
    def spider_opened(self, spider: Spider) -> None:
        args = getattr(spider, "run_args", {})
        try:
            self.writer.start_run(spider.name, args)
        except StorageError:
            self._stop()
            return
        self._committer.start(self.config.commit_interval, now=False)
        self._at_shutdown = _reactor().addSystemEventTrigger("before", "shutdown", self._stopped_at_once)

    def spider_closed(self, spider: Spider | None, reason: str) -> None:
        self._finish_run(reason, close=True)

    def _finish_run(self, reason: str, close: bool) -> None:
        if self._closed:
            return
        self._closed = True
        if self._at_shutdown is not None:
            _reactor().removeSystemEventTrigger(self._at_shutdown)
            self._at_shutdown = None
        self.queue.flush()
        if self._committer.running:
            self._committer.stop()
        summary = self.writer.finish(RECORDED_REASONS.get(reason, reason), close=close)
        self._ended = True
        if self.config.summary:
            print(summary, flush=True)
        # Once on a terminal: the log (on stderr) repeats it only when it goes to a file.
        if not self.config.summary or self.crawler.settings.get("LOG_FILE"):
            logger.info(summary)

    def _stopped_at_once(self) -> None:
        """The reactor stops before the spider closed: a second Ctrl-C or SIGTERM, Scrapy's stop at once. The pages
        still downloading or being extracted are dropped (the next run fetches them again); the records already
        here are written, the batch committed and the run recorded as ``interrupted``, as in a graceful stop.

        The database stays open for reading until the process ends: the reactor runs the spider's callbacks a
        while longer (its stop waits on Scrapy's stop of the crawl), and they ask what is stored. What they
        hand over from now on is dropped."""
        self._at_shutdown = None  # the reactor is running its triggers: this one is no longer to be removed
        if not self._closed:
            logger.warning("Stopped at once: pages downloaded but not yet stored will be fetched by the next run")
            self._finish_run("shutdown", close=False)

    def record_outcome(self, outcome: PageOutcome) -> None:
        self.queue.put(outcome, item=False)

    # -- items --------------------------------------------------------------------------------
    async def process_item(self, item: Any) -> Any:
        """The article a record stored (for Scrapy's feed exports); a record that stored none ends here."""
        if not isinstance(item, (AnalysedPage, PageOutcome, SeenAgain)):
            return item
        stored = await maybe_deferred_to_future(self.queue.put(item))
        if stored is None:
            raise DropItem("stored no article", log_level="DEBUG")
        if self._closed:  # written as the run ended (the last flush): the database may be closed by now
            raise DropItem("stored as the crawl stopped", log_level="DEBUG")
        return self.writer.articles.item(stored)

    def _write(self, record: AnalysedPage | PageOutcome | SeenAgain) -> int | None:
        if self.writer.run_id is None:
            return None  # the run could not be recorded: the crawl is stopping
        if self._ended:
            return None  # handed over after the run ended (stopped at once): the next run fetches it again
        try:
            return self.writer.write(record)
        except StorageError:
            self._stop()
            return None

    def _items_in_pipelines(self) -> int:
        """The items Scrapy's item pipelines hold now (being extracted, or held here); 0 when it does not say."""
        try:
            engine = self.crawler.engine
        except RuntimeError:  # Scrapy's: no engine, the pipeline is used on its own
            return 0
        slot = getattr(getattr(engine, "scraper", None), "slot", None)
        held = getattr(slot, "itemproc_size", 0)
        return held if isinstance(held, int) else 0

    def _commit(self) -> None:
        try:
            self.writer.commit()
        except StorageError:
            self._stop()

    def _stop(self) -> None:
        """End the crawl after a failed write; the writer has logged why and dropped the batch."""
        engine = self.crawler.engine
        if not self._closed and engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="storage_error"))


def _reactor() -> Any:
    """The reactor Scrapy installed (imported when needed: importing it earlier would install another)."""
    from twisted.internet import reactor

    return reactor
