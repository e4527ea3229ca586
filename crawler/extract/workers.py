"""A pool of extraction worker processes: every core busy, and a page that crashes or hangs costs only itself."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any

logger = logging.getLogger(__name__)

_STOP = None  # sent to a worker (and to a slot's thread) to end it


class WorkerCrashed(RuntimeError):
    """The worker process died while handling the page (segfault, OOM kill, ...)."""


class WorkerTimeout(TimeoutError):
    """The page took longer than the time limit; its worker was killed."""


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _worker_main(conn: Connection, function: Callable[..., Any], fixed_args: tuple) -> None:
    """Run ``function(*task, *fixed_args)`` for each task received until told to stop or orphaned."""
    # The parent decides when to stop: Ctrl-C must not kill the pages in flight.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if task is _STOP:
            return
        try:
            outcome = ("ok", function(*task, *fixed_args))
        except Exception as error:  # noqa: BLE001 -- reported to the parent, which records the page as failed
            outcome = ("error", f"{type(error).__name__}: {error}")
        try:
            conn.send((outcome, _rss_mb()))
        except (EOFError, OSError):
            return


class _Slot:
    """One worker process and the parent thread that feeds it tasks and watches its time."""

    def __init__(self, pool: WorkerPool, number: int):
        self.pool = pool
        self.number = number
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: Connection | None = None
        self.tasks_done = 0
        self.thread = threading.Thread(target=self._run, name=f"extract-slot-{number}", daemon=True)

    def _start_process(self) -> None:
        parent_end, child_end = self.pool.context.Pipe()
        self.process = self.pool.context.Process(
            target=_worker_main,
            args=(child_end, self.pool.function, self.pool.fixed_args),
            name=f"extract-worker-{self.number}",
            daemon=True,
        )
        self.process.start()
        child_end.close()
        self.conn = parent_end
        self.tasks_done = 0
        self.pool.started += 1

    def _stop_process(self, kill: bool) -> None:
        if self.process is None:
            return
        if not kill and self.conn is not None:
            with contextlib.suppress(OSError, ValueError):  # a worker that died cannot be told to stop
                self.conn.send(_STOP)
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        if self.conn is not None:
            self.conn.close()
        self.process, self.conn = None, None

    def _run(self) -> None:
        while True:
            item = self.pool.tasks.get()
            if item is _STOP:
                self._stop_process(kill=False)
                return
            future, task = item
            if not future.set_running_or_notify_cancel():
                continue
            if self.process is None:
                self._start_process()
            future_result = self._handle(task)
            if isinstance(future_result, BaseException):
                future.set_exception(future_result)
            else:
                future.set_result(future_result)

    def _handle(self, task: tuple) -> Any:
        assert self.conn is not None and self.process is not None
        try:
            self.conn.send(task)
            ready = self.conn.poll(self.pool.timeout)
        except (OSError, ValueError) as error:
            self._stop_process(kill=True)
            return WorkerCrashed(f"worker pipe failed: {error}")
        if not ready:
            self._stop_process(kill=True)
            self.pool.timeouts += 1
            return WorkerTimeout(f"no result within {self.pool.timeout:g} s")
        try:
            (status, value), rss_mb = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(timeout=2)  # reap it, to report how it died
            exitcode = self.process.exitcode
            self._stop_process(kill=True)
            self.pool.crashes += 1
            return WorkerCrashed(f"worker died (exit code {exitcode})")
        self.tasks_done += 1
        # Recycle a worker that has grown or done many pages: parsers leak, and memory must stay bounded.
        if self.tasks_done >= self.pool.max_tasks or rss_mb > self.pool.max_memory_mb:
            self._stop_process(kill=False)
            self.pool.recycled += 1
        return value if status == "ok" else RuntimeError(value)


class WorkerPool:
    """``workers`` processes running ``function(*task, *fixed_args)``; ``submit`` returns a Future.

    A task that runs longer than ``timeout`` seconds has its worker killed and fails with
    :class:`WorkerTimeout`; a worker that dies fails its task with :class:`WorkerCrashed`. Either way
    a fresh worker takes the next task. Workers are replaced after ``max_tasks`` tasks or when they
    grow past ``max_memory_mb``. ``fixed_args`` are sent once per worker, not with every task.
    """

    def __init__(
        self,
        function: Callable[..., Any],
        fixed_args: tuple = (),
        *,
        workers: int,
        timeout: float,
        max_tasks: int,
        max_memory_mb: float,
    ):
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers!r}")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout!r}")
        if max_tasks < 1:
            raise ValueError(f"max_tasks must be at least 1, got {max_tasks!r}")
        self.function = function
        self.fixed_args = fixed_args
        self.timeout = timeout
        self.max_tasks = max_tasks
        self.max_memory_mb = max_memory_mb
        # forkserver: workers fork from a clean process, not from one running a reactor and threads.
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["crawler.extract.analysis", "crawler.extract.warmup"])
        self.tasks: queue.Queue = queue.Queue()
        self.started = self.crashes = self.timeouts = self.recycled = 0
        self.slots = [_Slot(self, n) for n in range(workers)]
        for slot in self.slots:
            slot.thread.start()

    def submit(self, *task: Any) -> Future:
        future: Future = Future()
        self.tasks.put((future, task))
        return future

    def close(self) -> None:
        """Finish the queued tasks, then stop the workers."""
        for _ in self.slots:
            self.tasks.put(_STOP)
        for slot in self.slots:
            slot.thread.join(timeout=self.timeout + 10)
