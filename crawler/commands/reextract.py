"""``scrapy reextract``: the stored articles extracted again from their kept pages with the current code."""

from __future__ import annotations

import argparse
import sys
import zlib
from collections import deque
from concurrent.futures import Future
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand

from crawler.commands.crawl import EXIT_FAILED, missing_database, spare_blas_threads
from crawler.config import CannotStart, ExtractConfig, StoreConfig, preflight
from crawler.extract.analysis import analyse_page, analysis_pool
from crawler.extract.results import PageAnalysis
from crawler.extract.workers import WorkerPool
from crawler.records import AnalysedPage
from crawler.urls import site_of
from dedup import ParameterMismatch

if TYPE_CHECKING:
    from crawler.store.writer import Writer


class Command(ScrapyCommand):
    """Re-extract every article page kept with ``STORE_HTML=True``, without fetching anything.

    After an upgrade of trafilatura or of the cleaning rules: each page's article is extracted again
    from its kept bytes, and an article whose text or title comes out differently gets a new version
    (the old one in ``article_versions``), with its signature, full-text entry and cluster following
    it. The run is recorded in ``runs`` (spider ``reextract``) and ends with a summary.
    """

    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Extract the stored articles again from their kept pages (STORE_HTML), fetching nothing"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        spare_blas_threads()  # before the writer loads numpy, and before the workers' fork server starts
        # Imported here: Scrapy imports every command to run one, and `scrapy crawl` should reach
        # its workers' warm-up without loading the database library first.
        from crawler.store.writer import CountingStats, Writer

        try:
            preflight(self.settings)
            store = StoreConfig.from_settings(self.settings)
            missing = missing_database(store.path)
            if missing:  # the writer would make a new, empty one
                raise CannotStart(missing)
            writer = Writer(store, CountingStats())
        except (CannotStart, ParameterMismatch) as exc:
            print(f"Cannot re-extract: {exc}", file=sys.stderr, flush=True)
            self.exitcode = EXIT_FAILED
            return
        writer.start_run("reextract", {"sqlite_path": writer.path})
        config = ExtractConfig.from_settings(self.settings)
        pool = analysis_pool(config)
        try:
            self._reextract(writer, config, pool)
        finally:
            if pool is not None:
                pool.close()
        summary = writer.finish("finished", "Re-extraction")
        print(summary, flush=True)
        if writer.failure:
            self.exitcode = EXIT_FAILED

    def _reextract(self, writer: Writer, config: ExtractConfig, pool: WorkerPool | None) -> None:
        stats = writer.stats
        pending: deque[tuple[str, str | None, str | None, Future | PageAnalysis]] = deque()
        window = 4 * ((pool and len(pool.slots)) or 1)  # pages in the workers at once: memory stays bounded
        for url, content_type, compressed, etag, last_modified, listed in writer.pages.kept_html_pages():
            html = zlib.decompress(compressed)
            chrome = writer.history.site_chrome(site_of(url))
            if pool is not None:
                pending.append((url, etag, last_modified, pool.submit(html, url, content_type, chrome, listed, False)))
            else:
                analysis = analyse_page(
                    html,
                    url,
                    content_type,
                    chrome,
                    listed,
                    False,
                    config.options,
                    config.article_scheme,
                    config.teaser_scheme,
                )
                pending.append((url, etag, last_modified, analysis))
            while len(pending) >= window or (pending and pool is None):
                self._store(writer, pending.popleft())
            stats.inc_value("reextract/pages")
        while pending:
            self._store(writer, pending.popleft())

    @staticmethod
    def _store(writer: Writer, done: tuple[str, str | None, str | None, Future | PageAnalysis]) -> None:
        url, etag, last_modified, result = done
        try:
            analysis = result.result() if isinstance(result, Future) else result
        except Exception:  # noqa: BLE001 -- a page that breaks the extractor keeps its stored article
            writer.stats.inc_value("reextract/failed")
            return
        if analysis.extraction.article is None:
            writer.stats.inc_value("reextract/no_article_now")  # kept as stored: nothing is deleted
            return
        writer.reextracted(AnalysedPage(url, 200, analysis, etag, last_modified))
