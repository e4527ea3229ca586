"""``scrapy crawl`` with an exit status that tells cron and CI how the run ended."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import os
import sys
from types import FrameType, ModuleType
from typing import Any

from scrapy import signals
from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.reactor import install_reactor, is_reactor_installed
from twisted.internet.defer import Deferred

from crawler.collector import freeze_what_is_loaded
from crawler.commands.stop_while_starting import StopWhileStarting
from crawler.config import CannotStart, SettingError, Settings, preflight
from crawler.distributed.addon import Distributed
from crawler.extract.forked_helpers import helpers_forked_from_here
from crawler.extract.pipeline import warm_up_early
from dedup import ParameterMismatch

logger = logging.getLogger(__name__)

EXIT_FINISHED = 0
EXIT_FAILED = 1  # the crawl could not start, or could not write its database
EXIT_INTERRUPTED = 3  # stopped by a signal before the end; the next run does the rest
EXIT_NOTHING_FETCHED = 4  # no site answered at all: every start URL refused, unreachable or its robots.txt unavailable


def missing_database(path: str | os.PathLike[str]) -> str | None:
    """Why a command that reads a crawl's database cannot (there is none at ``path``), or None."""
    if os.path.exists(path):
        return None
    return f"there is no database at {path}: crawl first, or name it with -s SQLITE_PATH=..."


# Scrapy's finish reasons that mean the run did not get to the end of its work.
INTERRUPTED_REASONS = {"shutdown", None}


def exit_status(finish_reason: str | None, storage_failed: bool, responses: int = 1, shared: bool = False) -> int:
    """The process exit status for a crawl that started and ended with ``finish_reason`` after receiving
    ``responses`` responses (robots.txt files not counted). ``shared``: one of several crawlers on Redis,
    which may find the shared queue empty because its peers took every request: not a failure."""
    if storage_failed or finish_reason == "storage_error":
        return EXIT_FAILED
    if finish_reason in INTERRUPTED_REASONS:
        return EXIT_INTERRUPTED
    if responses <= 0 and not shared:
        return EXIT_NOTHING_FETCHED
    return EXIT_FINISHED  # "finished", or a limit the user set (CLOSESPIDER_*)


def check_before_start(settings: BaseSettings | None, spider_name: str, arguments: dict[str, Any]) -> BaseSettings:
    """Raise ``CannotStart`` for an unknown spider, a bad setting or a bad ``-a`` argument (with the
    spider's own settings applied), before anything is started or written; the settings the crawl will have."""
    assert settings is not None
    loader = get_spider_loader(settings)
    try:
        spider_class = loader.load(spider_name)
    except KeyError:
        raise CannotStart(f"no spider named {spider_name!r} (there are: {', '.join(sorted(loader.list()))})") from None
    settings = settings.copy()
    spider_class.update_settings(settings)
    preflight(settings)
    Distributed.check(settings)
    _check_job_dir(settings)
    check_arguments = getattr(spider_class, "check_arguments", None)
    if check_arguments is not None:
        check_arguments(settings, **arguments)
    return settings


def _check_job_dir(settings: BaseSettings) -> None:
    """A ``JOBDIR`` that cannot be a folder is one line, not Scrapy's traceback as its scheduler starts.

    Made here, as Scrapy makes it a moment later: whether a path can be made a folder (``/proc/x``, a path
    through a file) is only known by trying, whoever runs the crawl (root may write where it cannot).
    """
    job_dir = str(settings.get("JOBDIR") or "")
    if job_dir:
        try:
            os.makedirs(job_dir, exist_ok=True)
        except OSError as exc:
            raise SettingError("JOBDIR", job_dir, f"a folder that can be made ({exc.strerror or exc})") from None


def spare_blas_threads() -> None:
    """One OpenBLAS thread in this process and in those it starts, unless the user chose otherwise; called before
    numpy is first imported (by the MinHash signatures), and before the workers' fork server, which inherits it.

    numpy's OpenBLAS starts a thread per core when it loads, and they spin waiting for work that never comes:
    nothing here multiplies matrices, and the crawl's own processes keep every core busy. Measured over 226
    corpus pages (``/proc`` of each thread): 0.07 s of the crawl process and 0.09 s of the fork server were
    those threads, and a whole crawl's CPU fell by 0.19 s without them (the median of 8 paired rounds)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _spare_the_collector() -> None:
    """What is loaded by now (Scrapy, the project, its settings) lives as long as the crawl: frozen, the
    garbage collector's full collections no longer walk it. A request and its response make thousands of
    short-lived objects, nearly all freed by reference counting before a young collection would find
    them: collecting the young generation ten times less often costs little memory and saves the
    crawl process about 0.3 ms of CPU a page (0.43 -> 0.12 s of collection over the evaluation corpus)."""
    freeze_what_is_loaded()


class _ModuleOfTheCaller:
    """``inspect`` as Scrapy's ``create_deprecated_class`` uses it, without its cost: Scrapy names the module
    a deprecated alias is made in with ``inspect.stack()[1]`` and ``inspect.getmodule``, which read the
    source of every frame on the stack and then resolve the file of every module loaded so far. The
    caller's frame knows its module: its globals' ``__name__``."""

    def stack(self, context: int = 1) -> list[tuple[FrameType | None]]:
        caller = sys._getframe(1)  # create_deprecated_class
        return [(caller,), (caller.f_back,)]

    def getmodule(self, frame: FrameType) -> ModuleType | None:
        return sys.modules.get(frame.f_globals.get("__name__", ""))

    def __getattr__(self, name: str) -> Any:  # isclass and the rest, as inspect has them
        return getattr(inspect, name)


def _import_tls_context_factories() -> None:
    """Import Scrapy's TLS context factories now, rather than when the engine builds its downloader, with
    the module of their three deprecated aliases found as :class:`_ModuleOfTheCaller` finds it. With the
    project loaded, the import took 128 ms of a core the way Scrapy finds it (inspect.stack: 102), 27 so."""
    import scrapy.utils.deprecate

    scrapy.utils.deprecate.inspect = _ModuleOfTheCaller()  # type: ignore[assignment]
    try:
        import scrapy.core.downloader.contextfactory
    finally:
        scrapy.utils.deprecate.inspect = inspect


class Command(ScrapyCrawlCommand):
    """Scrapy's ``crawl``; exits 0 when the run finished, 1 when it could not start or could not store
    what it fetched (disk full, read-only database), 3 when a signal stopped it early."""

    def __init__(self) -> None:
        super().__init__()
        self._stop_while_starting = StopWhileStarting(EXIT_INTERRUPTED)

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        self._stop_while_starting.install()  # first: the earliest moment this project's code runs
        spare_blas_threads()
        super().process_options(args, opts)
        if len(args) == 1:
            # Checked before Scrapy sets up its logging and prints its banner, so that a mistake on the
            # command line is the only line printed. The crawl checks all of it again as it starts.
            try:
                settings = check_before_start(self.settings, args[0], opts.spargs)
            except CannotStart as exc:
                print(f"Cannot start the crawl: {exc}", file=sys.stderr, flush=True)
                sys.exit(EXIT_FAILED)
            # Still one thread, before Scrapy's reactor and log: the fork server forks from here (with
            # what is loaded so far) rather than starting as a new interpreter.
            with helpers_forked_from_here():
                warm_up_early(settings)
            _import_tls_context_factories()

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])  # its settings were checked in process_options
        self._hand_over_stops_once_running(crawler)
        started = self.crawler_process.crawl(crawler, **opts.spargs)
        if isinstance(started, Deferred):
            started.addErrback(lambda failure: self._failed_to_start(failure.value))
        elif isinstance(started, asyncio.Task):
            started.add_done_callback(self._task_done)
        _spare_the_collector()
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = EXIT_FAILED
            return
        stats = crawler.stats
        responses = stats.get_value("response_received_count", 0) - stats.get_value("robotstxt/response_count", 0)
        shared = bool(Settings(crawler.settings).text("REDIS_URL").strip())
        self.exitcode = exit_status(
            stats.get_value("finish_reason"), bool(stats.get_value("store/failed")), responses, shared
        )
        if self.exitcode == EXIT_NOTHING_FETCHED:
            print("Nothing could be fetched: every start URL was refused or unreachable (see pages)", file=sys.stderr)

    def _hand_over_stops_once_running(self, crawler: Crawler) -> None:
        """A stop asked for while the crawl starts is acted on once its engine runs (see StopWhileStarting)."""
        stop = self._stop_while_starting
        # Always a reactor: a crawl without one is refused before it starts (crawler.scrapy_settings). Scrapy
        # installs the asyncio one (its default) when it makes its crawler process, any other only as the crawl
        # starts: imported before that, Twisted's default would be installed and Scrapy refuse the crawl, so it
        # is installed here as Scrapy would install it (Scrapy then finds it in place).
        reactor_path = crawler.settings.get("TWISTED_REACTOR")
        if reactor_path and not is_reactor_installed():
            install_reactor(reactor_path, crawler.settings.get("ASYNCIO_EVENT_LOOP"))
        from twisted.internet import reactor

        engine_started: list[bool] = []  # the engine exists once this is said; it runs a moment after
        crawler.signals.connect(lambda: engine_started.append(True), signals.engine_started, weak=False)
        # Or already done: a short crawl may end between two looks.
        stop.hand_over_when(reactor, lambda: bool(engine_started) and (crawler.engine.running or not crawler.crawling))

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:  # retrieved here: asyncio does not log it
            self._failed_to_start(task.exception())

    def _failed_to_start(self, error: BaseException | None) -> None:
        """A person's mistake (a bad argument, a database in use) is one line; anything else a traceback."""
        self.exitcode = EXIT_FAILED
        if isinstance(error, (CannotStart, ParameterMismatch)):
            self._cannot_start(error)
        elif error is not None:
            logger.error("the crawl could not run", exc_info=(type(error), error, error.__traceback__))

    def _cannot_start(self, error: BaseException) -> None:
        self.exitcode = EXIT_FAILED
        print(f"Cannot start the crawl: {error}", file=sys.stderr, flush=True)
