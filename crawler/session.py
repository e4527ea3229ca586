"""The state one crawl shares between its components: database, dedup indexes, run record, commits."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
from pathlib import Path
from weakref import WeakKeyDictionary

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.chrome import SiteChrome
from crawler.deduplication import Deduplicator
from crawler.extraction import ExtractOptions
from crawler.items import FetchedPage, PageOutcome, SeenAgain
from crawler.storage import Storage
from crawler.summary import summarise
from dedup import NearDuplicateIndex, SignatureScheme

logger = logging.getLogger(__name__)

# Teaser blurbs are short and shown cut at varying lengths: many small bands find a cut copy
# (Jaccard ~0.3 to the full blurb) as a candidate, and containment confirms it.
TEASER_SCHEME = SignatureScheme(num_perm=64, seed=1, shingle_size=3, shingle_kind="word", min_shingles=5)
TEASER_BANDS, TEASER_ROWS = 32, 2
TEASER_CONTAINMENT = 0.8


# How a Scrapy finish reason is recorded in runs.finish_reason when it says more plainly what happened.
RECORDED_REASONS = {"shutdown": "interrupted"}  # SIGTERM / SIGINT: pending writes committed, run cut short


class DatabaseInUse(RuntimeError):
    """Another crawl is writing to the same database."""


class StorageError(RuntimeError):
    """The database cannot be written: read-only, disk full, I/O error."""


class CrawlSession:
    """Created once per crawler (``CrawlSession.of(crawler)``); opens the database when created.

    Writes go into one open transaction that is committed every ``SQLITE_BATCH_SIZE`` writes, every
    ``SQLITE_COMMIT_INTERVAL`` seconds and when the spider closes, whatever the reason. A write that
    fails (disk full, read-only, I/O error) stops the crawl with finish reason ``storage_error``;
    what was committed before stays intact.
    """

    _sessions: WeakKeyDictionary[Crawler, CrawlSession] = WeakKeyDictionary()

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlSession:
        if crawler not in cls._sessions:
            cls._sessions[crawler] = cls(crawler)
        return cls._sessions[crawler]

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.path = settings.get("SQLITE_PATH", "crawl.db")
        self.batch_size = settings.getint("SQLITE_BATCH_SIZE", 500)  # items (pages) per transaction
        self._items_pending = 0
        self.commit_interval = settings.getfloat("SQLITE_COMMIT_INTERVAL", 2.0)
        self.print_summary = settings.getbool("CRAWL_SUMMARY", True)
        self.extract_options = ExtractOptions(
            min_words=settings.getint("EXTRACT_MIN_WORDS", 25),
            favor_precision=settings.getbool("EXTRACT_FAVOR_PRECISION", False),
            favor_recall=settings.getbool("EXTRACT_FAVOR_RECALL", False),
            include_tables=settings.getbool("EXTRACT_INCLUDE_TABLES", True),
        )
        self.article_scheme = SignatureScheme(
            num_perm=settings.getint("DEDUP_NUM_PERM", 128),
            seed=settings.getint("DEDUP_SEED", 1),
            shingle_size=settings.getint("DEDUP_SHINGLE_SIZE", 3),
            shingle_kind=settings.get("DEDUP_SHINGLE_KIND", "word"),
            min_shingles=settings.getint("DEDUP_MIN_SHINGLES", 10),
        )
        self.teaser_scheme = TEASER_SCHEME
        self._lock = self._acquire_lock(self.path)
        self.storage = self._open_storage(settings.getfloat("SQLITE_BUSY_TIMEOUT", 5.0))
        threshold = settings.getfloat("DEDUP_THRESHOLD", 0.6)
        bands = settings.getint("DEDUP_BANDS", 0) or None
        rows = settings.getint("DEDUP_ROWS", 0) or None
        self.dedup = Deduplicator(
            self.storage,
            self._open_index(
                "article",
                self.article_scheme,
                threshold,
                bands,
                rows,
                containment=settings.getfloat("DEDUP_CONTAINMENT", 0.8) or None,
                lsh_threshold=settings.getfloat("DEDUP_LSH_THRESHOLD", 0.5),
            ),
            self._open_index(
                "teaser",
                self.teaser_scheme,
                0.6,
                TEASER_BANDS,
                TEASER_ROWS,
                containment=TEASER_CONTAINMENT,
                min_size_ratio=0.0,  # a blurb cut to one sentence of three is still the same blurb
            ),
        )
        self.chrome: SiteChrome | None = None
        if settings.getbool("CHROME_ENABLED", True):
            self.chrome = SiteChrome(
                self.storage,
                self.dedup.articles,
                min_stories=settings.getint("CHROME_MIN_STORIES", 3),
                max_chars=settings.getint("CHROME_MAX_CHARS", 300),
                min_words=self.extract_options.min_words,
            )
        self.storage.commit()
        self.run_id: int | None = None
        self.failure: str | None = None  # why writing stopped, once a write failed
        self._closing = False
        self._committer = task.LoopingCall(self.commit)
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @staticmethod
    def _acquire_lock(path: str):
        """Hold an exclusive lock beside the database for the whole crawl; the OS drops it if we die."""
        lock_path = Path(f"{path}.lock")
        if lock_path.parent and not lock_path.parent.exists():
            lock_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle = open(lock_path, "a+")  # noqa: SIM115 -- held open until the process ends
        except OSError as exc:
            raise StorageError(f"cannot open the lock file {lock_path} beside the database: {exc}") from exc
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise DatabaseInUse(
                f"{path} is being written by another crawl (lock {lock_path} is held); "
                "wait for it to finish or choose another database with -s SQLITE_PATH=..."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        return handle

    def _open_storage(self, busy_timeout: float) -> Storage:
        """The database, checked to be writable: a read-only one fails the start, not the first write."""
        try:
            storage = Storage(self.path, busy_timeout=busy_timeout)
            storage.check_writable()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write to the database {self.path}: {exc}") from exc
        return storage

    def _open_index(
        self,
        namespace: str,
        scheme: SignatureScheme,
        threshold: float,
        bands: int | None,
        rows: int | None,
        containment: float | None,
        min_size_ratio: float = 0.5,
        lsh_threshold: float | None = None,
    ) -> NearDuplicateIndex:
        """An index over the stored band keys; its banding is the stored one unless the settings differ."""
        store = self.storage.band_store(namespace)
        stored = self.storage.load_dedup_params(namespace)
        if stored is not None:
            scheme.check_stored(stored)  # before anything else: other params make other band keys
        if stored is not None and bands is None:
            bands, rows = int(stored["bands"]), int(stored["rows"])
        index = NearDuplicateIndex(
            scheme,
            threshold,
            bands,
            rows,
            store,
            containment_threshold=containment,
            min_size_ratio=min_size_ratio,
            lsh_threshold=lsh_threshold,
        )
        if stored is None:
            self.storage.save_dedup_params(namespace, index.params())
        else:
            index.check_stored(stored)
        return index

    # -- lifecycle ----------------------------------------------------------------------------
    def spider_opened(self, spider: Spider) -> None:
        args = {k: v for k, v in vars(spider).items() if k in ("urls", "depth", "start_urls")}
        try:
            # We hold the lock: a run still without an end was killed (SIGKILL, OOM, power loss).
            aborted = self.storage.mark_unfinished_runs("aborted")
            self.run_id = self.storage.start_run(spider.name, args)
        except sqlite3.Error as exc:
            self._failed(exc)
            return
        if aborted:
            logger.warning("%d earlier run(s) on %s ended without recording it; marked 'aborted'", aborted, self.path)
        self._committer.start(self.commit_interval, now=False)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self._closing = True
        if self._committer.running:
            self._committer.stop()
        self.commit()  # the pending batch, whatever the reason: a SIGTERM loses nothing already processed
        recorded = "storage_error" if self.failure else RECORDED_REASONS.get(reason, reason)
        stats = dict(self.stats.get_stats())
        stats["finish_reason"] = recorded
        try:
            if self.run_id is not None:
                self.storage.finish_run(self.run_id, recorded, stats)
            summary = summarise(stats, self.storage, self.path)
        except sqlite3.Error as exc:
            self._failed(exc)
            summary = f"Crawl stopped ({recorded}): {self.failure}"
        with contextlib.suppress(sqlite3.Error):
            self.storage.close()
        self._lock.close()
        logger.info(summary)
        if self.print_summary:
            print(summary, flush=True)

    def commit(self) -> None:
        self._items_pending = 0
        if self.failure is None and self.storage.pending_writes:
            try:
                self.storage.commit()
            except sqlite3.Error as exc:
                self._failed(exc)
                return
            self.stats.inc_value("store/commits")

    def _failed(self, exc: sqlite3.Error) -> None:
        """A write failed: stop the crawl with a clear error; the batch is lost, earlier commits are not."""
        if self.failure is not None:
            return
        self.failure = f"cannot write to the database {self.path}: {exc}"
        logger.error("%s. Stopping the crawl; everything committed before stays intact.", self.failure)
        self.stats.set_value("store/failed", self.failure)
        self.stats.set_value("store/failed_batch_writes", self.storage.pending_writes)
        with contextlib.suppress(sqlite3.Error):
            self.storage.rollback()
            if self.run_id is not None:  # the stats counted the dropped batch too: count what was kept
                self.stats.set_value("store/articles/new", self.storage.count("articles", f"run_id = {self.run_id:d}"))
        engine = self.crawler.engine
        if not self._closing and engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="storage_error"))

    def maybe_commit(self) -> None:
        self._items_pending += 1
        if self._items_pending >= self.batch_size:
            self.commit()

    # -- storing ------------------------------------------------------------------------------
    def store(self, item: FetchedPage | PageOutcome | SeenAgain) -> None:
        """Write one item's rows inside the open batch."""
        if self.failure is not None:
            return  # the crawl is stopping: nothing more can be written
        try:
            if isinstance(item, SeenAgain):
                if self.storage.touch_article_url(item.url):
                    self.stats.inc_value("store/articles/listed_again")
            elif isinstance(item, PageOutcome):
                self._record_page(item.url, item.status, item.kind, item.reason, item.etag, item.last_modified)
            else:
                self._store_page(item)
        except sqlite3.Error as exc:
            self._failed(exc)
            return
        self.maybe_commit()

    def _store_page(self, page: FetchedPage) -> None:
        assert page.analysis is not None
        extraction = page.analysis.extraction
        article_id = None
        if page.decision is not None:
            article_id = self.dedup.store_article(page.url, page.analysis, page.decision, self.run_id)
            self.stats.inc_value(f"store/articles/{'seen_again' if page.decision.existing_id else 'new'}")
            if page.decision.existing_id is None:
                self._after_new_article(page, article_id)
        new_teasers, new_sightings = self.dedup.store_teasers(page.url, page.analysis)
        self.stats.inc_value("teasers/new", new_teasers)
        self.stats.inc_value("teasers/sightings", new_sightings)
        self.stats.inc_value("teasers/merged", new_sightings - new_teasers)
        self._record_page(
            page.url, page.status, extraction.kind, extraction.reason, page.etag, page.last_modified, article_id
        )

    def _after_new_article(self, page: FetchedPage, article_id: int) -> None:
        removed = page.analysis.removed()
        if removed:
            self.storage.record_removed(article_id, removed)
            self.stats.inc_value("chrome/blocks_removed", len(removed))
        if self.chrome is not None:
            story = page.decision.root_id or article_id
            turned = self.chrome.learn(page.url, article_id, story, page.analysis.extraction.article.text)
            self.stats.inc_value("chrome/blocks_learned", turned)

    def _record_page(
        self,
        url: str,
        status: int | None,
        kind: str,
        reason: str | None,
        etag: str | None = None,
        last_modified: str | None = None,
        article_id: int | None = None,
    ) -> None:
        self.storage.record_page(url, status, kind, reason, self.run_id, etag, last_modified, article_id)
        self.stats.inc_value(f"pages/{kind}")
        if reason:
            self.stats.inc_value(f"pages/{kind}/{reason}")
