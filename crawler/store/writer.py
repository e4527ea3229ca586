"""The Writer: takes the crawl side's records, makes every decision that needs the whole database, writes them."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from crawler.config import StoreConfig
from crawler.extract.chrome import CHROME
from crawler.extract.results import Article
from crawler.extract.signing import SignedText, sign_text
from crawler.records import AnalysedPage, PageOutcome, Record, SeenAgain
from crawler.store.articles import ArticleRow, Articles
from crawler.store.blocks import RemovedBlocks, SiteBlocks
from crawler.store.chrome import SiteChrome
from crawler.store.database import Database, StorageError
from crawler.store.duplicates import Deduplicator
from crawler.store.history import StoredPages
from crawler.store.index import open_index
from crawler.store.lock import DatabaseLock
from crawler.store.pages import Pages
from crawler.store.runs import Runs
from crawler.store.summary import Totals, figures, summarise
from crawler.store.teasers import Teasers
from crawler.store.titles import SiteTitles
from crawler.urls import site_of

logger = logging.getLogger(__name__)

GONE = (404, 410)  # a stored article answered so is gone (kept, with gone_at)
PERMANENT = (301, 308)  # a stored article redirected so has moved


class Stats(Protocol):
    """The counters the writer keeps (Scrapy's stats collector has them)."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...

    def set_value(self, key: str, value: Any) -> None: ...

    def get_value(self, key: str, default: Any = None) -> Any: ...

    def get_stats(self) -> dict[str, Any]: ...


class CommitListener(Protocol):
    """Told, after each commit, which pages the committed batch changed (to mirror what the crawl side asks)."""

    def committed(self, urls: set[str]) -> None: ...


class Writer:
    """The writer side of a crawl: the only code that opens the database.

    Takes the lock, opens (or creates) the database, and writes each record's rows inside one open
    transaction that is committed every ``batch_size`` records and whenever :meth:`commit` is called.
    A write that fails (disk full, read-only, I/O error) raises :class:`StorageError`; the batch is
    dropped, what was committed before stays intact, and nothing more is written.
    """

    def __init__(self, config: StoreConfig, stats: Stats):
        self.config = config
        self.stats = stats
        self.path = config.path
        self.lock = DatabaseLock(config.path).acquire()
        try:
            self.db = self._open(config)
            self.runs = Runs(self.db)
            self.pages = Pages(self.db)
            self.articles = Articles(self.db)
            self.teasers = Teasers(self.db)
            self.article_index = open_index(self.db, "article", config.articles)
            self.teaser_index = open_index(self.db, "teaser", config.teasers)
            self.dedup = Deduplicator(self.articles, self.teasers, self.article_index, self.teaser_index)
            self.removed = RemovedBlocks(self.db)
            self.titles = SiteTitles(self.db)
            self.chrome: SiteChrome | None = None
            if config.chrome is not None:
                self.chrome = SiteChrome(
                    SiteBlocks(self.db),
                    self.removed,
                    self.articles,
                    self.teasers,
                    self.article_index,
                    config.chrome.min_stories,
                    config.chrome.max_chars,
                    config.chrome.min_words,
                )
            self.db.commit()
        except BaseException:
            self.lock.release()
            raise
        self.run_id: int | None = None
        self.failure: str | None = None  # why writing stopped, once a write failed
        self._records_pending = 0
        self._started = time.monotonic()
        # Temporary redirects from a stored article's URL: a move if the same text turns up at the target.
        self._moves_if_same: dict[str, int] = {}
        # The pages the open batch changed, and who is told once it is committed.
        self._touched: set[str] = set()
        self.listeners: list[CommitListener] = []
        self.history = StoredPages(self.db, self.pages, lambda: self.run_id, self.chrome)

    def _open(self, config: StoreConfig) -> Database:
        """The database, checked to be writable: a read-only one fails the start, not the first write."""
        try:
            db = Database(config.path, busy_timeout=config.busy_timeout)
            db.check_writable()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write to the database {config.path}: {exc}") from exc
        return db

    # -- the run ------------------------------------------------------------------------------
    def start_run(self, spider: str, args: dict[str, Any]) -> int:
        """Record a new run; earlier runs that never recorded their end were killed: mark them aborted."""
        try:
            aborted = self.runs.mark_unfinished("aborted")  # we hold the lock: nobody else is running
            self.run_id = self.runs.start(spider, args)
            self._started = time.monotonic()
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc
        if aborted:
            logger.warning("%d earlier run(s) on %s ended without recording it; marked 'aborted'", aborted, self.path)
        return self.run_id

    def finish(self, reason: str, what: str = "Crawl", close: bool = True) -> str:
        """Commit the batch, record the run's end with its stats, close the database (or leave it open for
        reading, with its lock held, until the process ends); returns the summary."""
        with contextlib.suppress(StorageError):  # a failed last commit is recorded as the run's end below
            self.commit()
        recorded = "storage_error" if self.failure else reason
        stats = {**self.stats.get_stats(), "finish_reason": recorded}
        elapsed = time.monotonic() - self._started
        try:
            stats["summary"] = figures(stats, self.totals(), elapsed)
            if self.run_id is not None:
                self.runs.finish(self.run_id, recorded, stats)
            summary = summarise(stats["summary"], self.path, what)
        except sqlite3.Error as exc:
            self._failed(exc)
            summary = f"{what} stopped ({recorded}): {self.failure}"
        if close:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.lock.release()
        return summary

    def totals(self) -> Totals:
        articles = self.articles
        return Totals(
            articles.count(),
            articles.count_unique(),
            articles.count_live(),
            self.teasers.count(),
            self.teasers.count_sightings(),
        )

    # -- batches ------------------------------------------------------------------------------
    def commit(self) -> None:
        self._records_pending = 0
        if self.failure is None and self.db.pending_writes:
            started, cpu_started = time.perf_counter(), time.thread_time()
            try:
                self.db.commit()
            except sqlite3.Error as exc:
                raise self._failed(exc) from exc
            self.stats.inc_value("store/commits")
            self._lap("store/commit_s", started)
            self._lap("store/commit_cpu_s", cpu_started, time.thread_time)
            touched, self._touched = self._touched, set()
            for listener in self.listeners:
                listener.committed(touched)

    def _failed(self, exc: sqlite3.Error) -> StorageError:
        """A write failed: drop the batch (earlier commits stay) and refuse every later write."""
        if self.failure is None:
            self.failure = f"cannot write to the database {self.path}: {exc}"
            logger.error("%s. Stopping the crawl; everything committed before stays intact.", self.failure)
            self.stats.set_value("store/failed", self.failure)
            self.stats.set_value("store/failed_batch_writes", self.db.pending_writes)
            self._touched = set()
            with contextlib.suppress(sqlite3.Error):
                self.db.rollback()
                if self.run_id is not None:  # the stats counted the dropped batch too: count what was kept
                    self.stats.set_value("store/articles/new", self.articles.count_stored_by(self.run_id))
        return StorageError(self.failure)

    # -- records ------------------------------------------------------------------------------
    def write(self, record: Record) -> int | None:
        """Write one record's rows inside the open batch; commit when the batch is full.

        Returns the id of the article the record stored or gave a new version, else None.
        """
        if self.failure is not None:
            return None  # the crawl is stopping: nothing more can be written
        started, cpu_started = time.perf_counter(), time.thread_time()
        stored = None
        try:
            if isinstance(record, AnalysedPage):
                stored = self._write_page(record)
            elif isinstance(record, PageOutcome):
                self._write_outcome(record)
            elif isinstance(record, SeenAgain):
                article_id = self.articles.find(record.url)
                if article_id is not None:
                    self.articles.touch(article_id)
                    self.stats.inc_value("store/articles/listed_again")
            else:
                raise TypeError(f"the writer takes AnalysedPage, PageOutcome or SeenAgain records, got {record!r}")
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc
        self._lap("store_s", started)
        # Its CPU too: in a crawl the wall time includes waiting for a core the extraction workers hold.
        self._lap("store_cpu_s", cpu_started, time.thread_time)
        self._records_pending += 1
        if self._records_pending >= self.config.batch_size:
            self.commit()
        return stored

    def reextracted(self, page: AnalysedPage) -> bool:
        """A stored article page extracted again from its kept bytes (``scrapy reextract``): a new version if
        its text or title came out differently. Nothing was fetched: its page row and teasers stay. Returns
        whether the article changed."""
        if self.failure is not None or page.analysis.extraction.article is None or page.analysis.article_text is None:
            return False
        try:
            _, changed = self._write_article(page, fetched=False)
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc
        self._records_pending += 1
        if self._records_pending >= self.config.batch_size:
            self.commit()
        return changed

    def _lap(self, step: str, started: float, clock: Callable[[], float] = time.perf_counter) -> float:
        """Add the time since ``started`` to the stat ``timing/<step>``; returns now, to start the next lap."""
        now = clock()
        key = f"timing/{step}"
        self.stats.set_value(key, self.stats.get_value(key, 0.0) + now - started)
        return now

    def _count(self, key: str, site: str, count: int = 1) -> None:
        """A stat for the run, and the same for the site (``site/<name>/<key>``)."""
        self.stats.inc_value(key, count)
        self.stats.inc_value(f"site/{site}/{key}", count)

    def _write_outcome(self, outcome: PageOutcome) -> None:
        site = outcome.site or site_of(outcome.url)
        if outcome.reason == "not_modified":
            self._not_modified(outcome, site)
            return
        article_id = None
        if outcome.kind == "redirect" and outcome.target:
            article_id = self._follow_redirect(outcome.url, outcome.target, outcome.status, site)
        elif outcome.status in GONE:
            article_id = self.articles.find(outcome.url)
            if article_id is not None and self.articles.set_gone(article_id, gone=True):
                self._count("articles/gone", site)
        if outcome.body is not None:
            self.pages.keep_body(outcome.url, outcome.body)
        self._record_page(
            outcome.url,
            outcome.status,
            outcome.kind,
            outcome.reason,
            site,
            outcome.etag,
            outcome.last_modified,
            article_id,
            outcome.target,
        )

    def _not_modified(self, outcome: PageOutcome, site: str) -> None:
        """A 304: nothing changed. The page keeps its kind and validators; its article is seen, and there."""
        self.pages.not_modified(outcome.url, outcome.kind, self.run_id, outcome.etag, outcome.last_modified)
        self._touched.add(outcome.url)
        article_id = self.articles.find(outcome.url)
        if article_id is not None:
            self.articles.touch(article_id)
            self.articles.set_gone(article_id, gone=False)
        self._count("requests/not_modified", site)
        self.stats.inc_value(f"pages/{outcome.kind}")
        self.stats.inc_value(f"pages/{outcome.kind}/not_modified")

    def _follow_redirect(self, url: str, target: str, status: int | None, site: str) -> int | None:
        """A URL that redirected: an article that moved, or one more URL of the article it leads to.

        A permanent redirect (301, 308) from a stored article's URL moves the article to the target.
        A temporary one moves it only if the same text is found there. A redirect to a stored article
        makes ``url`` one of its other URLs (``alias``); to one stored later, it becomes one then.
        """
        moving = self.articles.find(url)
        if moving is not None and self.articles.stored_version(moving).url == url:
            if status in PERMANENT and self.articles.find(target) is None:
                self._touched.add(self.articles.move(moving, target, "moved"))
                self.teasers.link_article(moving, {target})
                self._count("articles/moved", site)
            else:
                self._moves_if_same[target] = moving
            return moving
        if moving is not None:
            return moving  # an URL the article already had
        led_to = self.articles.find(target)
        if led_to is not None:
            self.articles.add_url(url, led_to, "alias")
        return led_to

    def _write_page(self, page: AnalysedPage) -> int | None:
        """The page's article, teasers and row; returns the article's id if it was stored or changed."""
        extraction = page.analysis.extraction
        article_id = stored = None
        if extraction.article is not None and page.analysis.article_text is not None:
            article_id, stored = self._write_article(page)
        started = time.perf_counter()
        new_teasers, new_sightings = self.dedup.store_teasers(
            page.url, extraction.teasers, page.analysis.teaser_signatures
        )
        self.stats.inc_value("teasers/new", new_teasers)
        self.stats.inc_value("teasers/sightings", new_sightings)
        self.stats.inc_value("teasers/merged", new_sightings - new_teasers)
        if extraction.teasers_over_limit:  # counted here too: a writer on Redis has no crawler's stats
            self.stats.inc_value("teasers/over_limit", extraction.teasers_over_limit)
            self.stats.inc_value("teasers/pages_over_limit")
        started = self._lap("store/teasers_s", started)
        site = page.site or site_of(page.url)
        etag, last_modified = page.etag, page.last_modified
        if article_id is None and self.articles.find(page.url) is not None:
            # A stored article that yielded none this time (its extraction failed or found too little):
            # the stored text is still the old version's, and so must be the validators sent next time.
            last = self.pages.last_fetch(page.url)
            etag, last_modified = (last[1], last[2]) if last else (None, None)
        self._record_page(
            page.url,
            page.status,
            extraction.kind,
            extraction.reason,
            site,
            etag,
            last_modified,
            article_id,
            teasers_over_limit=extraction.teasers_over_limit or None,
        )
        if page.html is not None and article_id is not None:
            self.pages.keep_html(page.url, article_id, page.content_type, page.html, page.listed_published)
        self._lap("store/pages_s", started)
        return article_id if stored else None

    def _write_article(self, page: AnalysedPage, fetched: bool = True) -> tuple[int, bool]:
        """Cut the site's chrome, then: a new version of a stored article, or a new article.

        Returns its id, and whether anything of it was stored (new, or a new version). ``fetched``
        is False for a page extracted again from kept bytes: it says nothing of the page being there.
        """
        article = page.analysis.extraction.article
        text = page.analysis.article_text
        assert article is not None and text is not None
        site = page.site or site_of(page.url)
        extracted_title = article.title
        article = replace(article, title=self.titles.bare(site, article.title))
        chrome_removed: list[tuple[str, str]] = []
        started = time.perf_counter()
        if self.chrome is not None:
            cut, chrome_removed = self.chrome.strip(page.url, text.text, text.hashes())
            if chrome_removed:  # dedup must compare the text that will be stored
                text = sign_text(cut, self.article_index.scheme)
                self.stats.inc_value("chrome/pages_cleaned")
            elif any(reason == CHROME for _, reason in page.analysis.extraction.removed):
                self.stats.inc_value("chrome/pages_cleaned")
                self.stats.inc_value("chrome/pages_cleaned_before_signing")  # by the crawl side: no signing here
            started = self._lap("store/chrome_s", started)
        stored = self._stored_article_at(page.url, text, site)
        if stored is not None:
            changed = self._revisited(stored, page, article, text, chrome_removed, site, fetched)
            self._lap("store/article_s", started)
            return stored, changed
        decision = self.dedup.decide_article(page.url, article.canonical_url, text)
        self.stats.inc_value(f"dedup/{decision.match}")
        if decision.merge_roots:
            self.stats.inc_value("dedup/cluster_merges", len(decision.merge_roots))
        started = self._lap("store/dedup_s", started)
        if decision.existing_id is not None:  # another spelling of a stored page: its canonical URL says so
            self.articles.add_url(page.url, decision.existing_id, "canonical")
            self.articles.touch(decision.existing_id)
            self._count("store/articles/seen_again", site)
            return decision.existing_id, False
        article_id = self.dedup.store_article(page.url, article, text, decision, self.run_id)
        if article.canonical_url:
            self._touched.add(article.canonical_url)  # may now be another URL of it
        for source in self.pages.redirects_to(page.url):  # URLs that redirected here before it was stored
            self.pages.set_article(source, article_id)
            self.articles.add_url(source, article_id, "alias")
            self._touched.add(source)
        cleaned = self.titles.learn(site, extracted_title)
        if cleaned:
            self.stats.inc_value("store/titles_cleaned", cleaned)
        started = self._lap("store/article_s", started)
        self._count("store/articles/new", site)
        self._record_removed(article_id, page.analysis.extraction.removed + chrome_removed)
        if self.chrome is not None:
            story = decision.root_id or article_id  # copies of one story count once
            self.stats.inc_value(
                "chrome/blocks_learned", self.chrome.learn(page.url, article_id, story, text.text, text.hashes())
            )
            self._lap("store/learn_s", started)
        return article_id, True

    def _stored_article_at(self, url: str, text: SignedText, site: str) -> int | None:
        """The stored article this page is a download of: stored under ``url``, under a canonical URL
        that ``url`` is (it then takes ``url``), or moved here by a temporary redirect with the same text."""
        article_id = self.articles.find(url)
        if article_id is None:
            moving = self._moves_if_same.pop(url, None)
            if moving is not None and self.articles.stored_version(moving).content_hash == text.content_hash:
                self._touched.add(self.articles.move(moving, url, "moved"))
                self._count("articles/moved", site)
                return moving
            return None
        if self.articles.stored_version(article_id).url != url:
            if self.articles.reason_for(url) != "canonical":
                return article_id  # an old URL of it, asked for directly: the article, under its URL
            self._touched.add(self.articles.move(article_id, url, "canonical"))  # it declared this URL canonical
        return article_id

    def _revisited(
        self,
        article_id: int,
        page: AnalysedPage,
        article: Article,
        text: SignedText,
        chrome_removed: list[tuple[str, str]],
        site: str,
        fetched: bool = True,
    ) -> bool:
        """A stored article downloaded (or, ``fetched`` False, extracted) again: a new version when its text
        or title changed (returns True); downloaded, it is there, and seen now."""
        stored = self.articles.stored_version(article_id)
        if fetched and stored.gone_at is not None:
            self.articles.set_gone(article_id, gone=False)
        row = ArticleRow.of(page.url, article, text, None, None)
        if stored.url != page.url or (stored.content_hash == text.content_hash and stored.title == article.title):
            if fetched:
                self.articles.touch(article_id)
            if stored.url == page.url and self.articles.refresh_metadata(article_id, row):
                self._count("articles/metadata_updated", site)  # same story, new tags or image: no new version
            self._count("store/articles/seen_again", site)
            return False
        last_fetch = self.pages.last_fetch(stored.url)
        self.articles.new_version(article_id, row, stored, last_fetch[3] if last_fetch else None)
        self.article_index.remove(article_id)
        if text.signature is not None:
            self.article_index.add(article_id, text.signature)
        self.dedup.recluster(article_id)  # an edit may join the article to a cluster or take it out of one
        self._record_removed(article_id, page.analysis.extraction.removed + chrome_removed)
        self._count("articles/updated", site)
        return True

    def _record_removed(self, article_id: int, removed: list[tuple[str, str]]) -> None:
        recorded = self.removed.recorded(article_id)
        new = [block for block in removed if block not in recorded]
        if new:
            self.removed.record(article_id, new)
            self.stats.inc_value("chrome/blocks_removed", len(new))

    def _record_page(
        self,
        url: str,
        status: int | None,
        kind: str,
        reason: str | None,
        site: str,
        etag: str | None = None,
        last_modified: str | None = None,
        article_id: int | None = None,
        redirect_to: str | None = None,
        teasers_over_limit: int | None = None,
    ) -> None:
        self.pages.record(
            url, status, kind, reason, self.run_id, etag, last_modified, article_id, redirect_to, teasers_over_limit
        )
        self._touched.add(url)
        self.stats.inc_value(f"pages/{kind}")
        if reason:
            self.stats.inc_value(f"pages/{kind}/{reason}")
        self.stats.inc_value(f"site/{site}/pages")


class CountingStats(dict):
    """Counters for a writer that runs outside a Scrapy crawl (tests, commands): a dict of stat -> value."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self[key] = self.get(key, start) + count

    def set_value(self, key: str, value: Any) -> None:
        self[key] = value

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.get(key, default)

    def get_stats(self) -> dict[str, Any]:
        return dict(self)
