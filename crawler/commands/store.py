"""``scrapy store``: the one writer of a crawl shared through Redis; the only process that opens the SQLite file."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.log import configure_logging

from crawler.commands.crawl import EXIT_FAILED, EXIT_FINISHED, EXIT_INTERRUPTED, spare_blas_threads
from crawler.config import CannotStart, Settings, StoreConfig
from dedup import ParameterMismatch

if TYPE_CHECKING:  # the optional redis extra: imported when the command runs
    from crawler.distributed.consumer import StreamStore

logger = logging.getLogger(__name__)


class Command(ScrapyCommand):
    """Stores what the crawlers of a shared crawl hand over (``REDIS_URL``) into ``SQLITE_PATH``.

    Exits 0 once a run has ended and everything it handed over is stored (with ``STORE_FOLLOW=True``
    it waits for the next run instead), 1 when it cannot start or cannot store (another writer, the
    database in use or read-only, Redis unreachable), 3 when a signal stopped it: the crawl goes on,
    and the next ``scrapy store`` continues where this one stopped.
    """

    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "-s REDIS_URL=redis://... [-s SQLITE_PATH=crawl.db] [-s STORE_FOLLOW=True]"

    def short_desc(self) -> str:
        return "Store what the crawlers sharing REDIS_URL fetch into SQLITE_PATH (the one writer)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("scrapy store takes no arguments, only settings (-s NAME=value)")
        assert self.settings is not None
        settings = self.settings
        configure_logging(settings)
        spare_blas_threads()  # before the writer loads numpy
        try:
            store = self._store()
        except (CannotStart, ParameterMismatch) as exc:
            self._fail("Cannot start the writer", exc)
            return
        from redis import RedisError

        def stop(signum: int, frame: FrameType | None) -> None:
            logger.info("stopping after the batch in hand (again to stop at once)")
            store.stop()
            for name in (signal.SIGINT, signal.SIGTERM):
                signal.signal(name, signal.SIG_DFL)

        for name in (signal.SIGINT, signal.SIGTERM):
            signal.signal(name, stop)
        try:
            finished = store.run()
        except (CannotStart, ParameterMismatch) as exc:
            self._fail("The writer stopped" if store.writer is not None else "Cannot start the writer", exc)
            return
        except RedisError as exc:
            self._fail("The writer stopped", f"Redis is unavailable: {exc}")
            return
        self.exitcode = EXIT_FINISHED if finished else EXIT_INTERRUPTED

    def _store(self) -> StreamStore:
        settings = self.settings
        read = Settings(settings)
        try:
            from crawler.distributed.config import RedisConfig
            from crawler.distributed.consumer import StreamStore
        except ImportError as exc:
            raise CannotStart(
                f"scrapy store needs scrapy-redis and redis (pip install 'storyonce[redis]'): {exc}"
            ) from None
        config = RedisConfig.from_settings(settings)
        if config is None:
            raise CannotStart("scrapy store needs -s REDIS_URL=redis://host:port/db: the Redis the crawlers share")
        store_config = StoreConfig.from_settings(settings)
        follow = read.flag("STORE_FOLLOW")
        summary = store_config.summary

        def report(text: str) -> None:
            if summary:
                print(text, flush=True)

        return StreamStore(config.connect(), config, store_config, follow, report)

    def _fail(self, what: str, error: object) -> None:
        self.exitcode = EXIT_FAILED
        print(f"{what}: {error}", file=sys.stderr, flush=True)
