"""A pool of extraction worker processes: every core busy, and a page that crashes or hangs costs only itself."""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import queue
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from types import ModuleType
from typing import Any

logger = logging.getLogger(__name__)

_STOP = None  # sent to a worker (and to a slot's thread) to end it
IN_FLIGHT = 2  # tasks each worker holds: the one it is on and the next
FILL_SLICE_S = 0.005  # with room for a task, look for new ones this often while waiting for a result
FORK_SERVER_STARTS = 3  # how often a slot asks for its worker when the fork server ends before forking it
# A slot whose worker could not be started asks again after this long, twice as long each time it fails: each
# ask may start a fork server, whose warm-up costs a core for half a second.
WORKER_RETRY_S = (5.0, 80.0)
REFUSING_POLL_S = 0.1  # how often a slot without a worker looks whether another slot still serves
# A task this large, or smaller, is written to the worker's pipe at once even while the worker is on a page: the pipe
# (a Unix socket) holds it whole, its other tasks read already (a quarter of Linux's default socket buffer).
PIPE_HOLDS_BYTES = 64 * 1024


class _MainScriptHidden:
    """While workers start, the main module names no file, so that they do not run the main script again.

    multiprocessing runs the parent's main module again in every new worker (functions defined there
    must be found by name) when it was started as a file, as the ``scrapy`` console script is: each
    worker then imported Scrapy, 0.15 to 0.25 s of a core before its first page, again whenever one was
    recycled (``python -m scrapy`` names a module, which it skips). A worker's function is one of a module it
    imports by name, never of the main script. The file is what multiprocessing decides by, and nothing else
    of the crawl reads it: hidden from the first of the workers starting at once to the last (each may wait
    for the fork server's warm-up), then put back.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._starting = 0
        self._hidden: tuple[ModuleType, str] | None = None  # the main module, and the file it names

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            main = sys.modules.get("__main__")
            if self._starting == 0 and main is not None and main.__spec__ is None:  # a spec: run as a module
                path = main.__dict__.pop("__file__", None)
                self._hidden = (main, path) if path is not None else None
            self._starting += 1
        try:
            yield
        finally:
            with self._lock:
                self._starting -= 1
                if self._starting == 0 and self._hidden is not None:
                    main, path = self._hidden
                    main.__file__ = path
                    self._hidden = None


_main_script_not_run_by_workers = _MainScriptHidden()


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
    # The fork server's warm-up turns the collector off until its end; a warm-up cut short must not leave
    # the workers without it.
    gc.enable()
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
    """One worker process and the parent thread that feeds it tasks and watches its time.

    The thread keeps ``IN_FLIGHT`` tasks with the worker: when the worker finishes a page, the next
    one is already in its pipe. Handing over one page at a time left the worker idle while this
    thread waited for the interpreter lock, which the reactor thread holds most of the time (5 ms
    or more per hand-over, as long as a whole page takes to extract).
    """

    def __init__(self, pool: WorkerPool, number: int):
        self.pool = pool
        self.number = number
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: Connection | None = None
        self.tasks_sent = 0  # to the current process
        self.in_flight: deque[tuple[Future, tuple]] = deque()
        self.retry: deque[tuple[Future, tuple]] = deque()  # sent to a worker that failed on another task
        self.head_since = 0.0  # when the oldest task in flight became the one the worker is on
        self.retiring = False  # the process has done its share: send no more, recycle when drained
        # Large tasks for the writer thread to write to a worker's pipe (see _send), with the worker's end of it.
        self.outbox: queue.Queue[tuple[Connection, memoryview] | None] = queue.Queue()
        self.stopping = False
        self.refusing = False  # no worker could be started: pages are left to the other slots
        self.ask_again_after_s = WORKER_RETRY_S[0]  # while refusing: how long until it asks for a worker again
        self.thread = threading.Thread(target=self._run, name=f"extract-slot-{number}", daemon=True)
        self.writer = threading.Thread(target=self._write, name=f"extract-writer-{number}", daemon=True)

    def _start_process(self) -> None:
        """Start this slot's worker. A fork server that ended while the slot waited for it (killed in its warm-up,
        by the OOM killer or a signal) is started again as the slot asks again, twice at most; closing the pool
        stops it on purpose, and that is not retried."""
        for attempt in range(1, FORK_SERVER_STARTS + 1):
            try:
                self._fork_worker()
                return
            except (EOFError, OSError):
                if self.pool.closed_unused or attempt == FORK_SERVER_STARTS:
                    raise
                logger.warning("the workers' fork server ended before forking worker %d: starting it anew", self.number)
                time.sleep(0.1 * attempt)  # multiprocessing starts another once it finds this one gone (reaped)

    def _fork_worker(self) -> None:
        parent_end, child_end = self.pool.context.Pipe()
        self.process = self.pool.context.Process(
            target=_worker_main,
            args=(child_end, self.pool.function, self.pool.fixed_args),
            name=f"extract-worker-{self.number}",
            daemon=True,
        )
        with _main_script_not_run_by_workers():
            self.process.start()
        child_end.close()
        self.conn = parent_end
        self.tasks_sent = 0
        self.retiring = False
        self.pool.started += 1

    def _stop_process(self, kill: bool) -> None:
        if self.process is None:
            return
        if not kill and self.conn is not None:
            self._finish_sending()  # every task it was sent has come back: written whole already
            with contextlib.suppress(OSError, ValueError):  # a worker that died cannot be told to stop
                self.conn.send(_STOP)
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self._finish_sending()  # the worker gone, a task being written fails at once: then its pipe can close
        if self.conn is not None:
            self.conn.close()
        self.process, self.conn = None, None

    @property
    def serving(self) -> bool:
        """Whether this slot takes pages to a worker (or will, once its first worker has started)."""
        return self.thread.is_alive() and not self.refusing

    def _run(self) -> None:
        self.writer.start()
        try:
            self._feed()
        finally:
            self.outbox.put(None)  # the writer thread ends with this one

    def _feed(self) -> None:
        # Closed with nothing done (before this thread ran, or while the fork server warmed up): starting a worker
        # would start a fork server again.
        while not self.pool.closed_unused:
            try:
                self._serve()
                return
            except (EOFError, OSError) as error:
                if self.pool.closed_unused or not self._refuse_tasks(error):
                    return

    def _serve(self) -> None:
        """Start the worker (now, not with the first page: it is ready by the time pages arrive) and feed it pages
        until the pool closes."""
        self._start_process()
        if self.refusing:
            logger.warning("extraction worker %d started again: it takes pages again", self.number)
            self.refusing = False
        while not (self.stopping and not self.in_flight and not self.retry):
            self._fill()
            if self.in_flight:
                self._collect()
        self._stop_process(kill=False)

    def _refuse_tasks(self, error: BaseException) -> bool:
        """No worker can be started (the fork server died each time it was asked for one). Fail the pages this slot
        holds; leave the next ones to the slots that still have a worker, and fail those it takes while none has
        (rather than leave them waiting for ever), until it is time to ask for a worker again: less often each time
        the asking fails.

        Returns True when it is time to ask again, False when the pool closes first.
        """
        if self.refusing:
            self.ask_again_after_s = min(2 * self.ask_again_after_s, WORKER_RETRY_S[1])
            logger.warning(
                "extraction worker %d still cannot be started (%s): again in %g s",
                self.number,
                error,
                self.ask_again_after_s,
            )
        else:
            self.ask_again_after_s = WORKER_RETRY_S[0]
            logger.error(
                "extraction worker %d could not be started (%s): its pages go to the other workers (fail while none "
                "has started), and it is asked for again in %g s",
                self.number,
                error,
                self.ask_again_after_s,
            )
        self.refusing = True
        self._stop_process(kill=True)
        crashed = WorkerCrashed(f"no worker could be started: {type(error).__name__}: {error}")
        for future, _task in [*self.retry, *self.in_flight]:
            self._fail_as_crashed(future, crashed)
        self.retry.clear()
        self.in_flight.clear()
        ask_at = time.monotonic() + self.ask_again_after_s
        while not self.stopping and not self.pool.closed_unused:
            if time.monotonic() >= ask_at:
                return True
            if any(slot.serving for slot in self.pool.slots):
                time.sleep(REFUSING_POLL_S)  # they take the pages meanwhile (and the pool's stop, when it closes)
                continue
            try:
                item = self.pool.tasks.get(timeout=REFUSING_POLL_S)
            except queue.Empty:
                continue
            if item is _STOP:
                self.stopping = True
            elif item[0].set_running_or_notify_cancel():
                self._fail_as_crashed(item[0], crashed)
        return False

    def _fail_as_crashed(self, future: Future, error: WorkerCrashed) -> None:
        """Fail a page no worker could take, counted as a crashed extraction (as a worker dying on it is)."""
        self.pool.crashes += 1
        future.set_exception(error)

    def _fill(self) -> None:
        """Send tasks until IN_FLIGHT are with the worker; wait for one only when none is."""
        while len(self.in_flight) < IN_FLIGHT and not self.retiring:
            if self.retry:
                future, task = self.retry.popleft()
            elif self.stopping:
                return
            else:
                try:
                    item = self.pool.tasks.get(block=not self.in_flight)
                except queue.Empty:
                    return
                if item is _STOP:
                    self.stopping = True
                    continue
                future, task = item
                if not future.set_running_or_notify_cancel():
                    continue
            if self.process is None:
                self._start_process()
            try:
                self._send(task)
            except (OSError, ValueError) as error:
                if self.in_flight:
                    # The worker died on the page it was working on, and reading that page's result
                    # reports how. This page never reached it: it goes to the next worker.
                    self.retry.appendleft((future, task))
                    return
                self._fail_head(future, task, WorkerCrashed(f"worker pipe failed: {error}"))
                continue
            if not self.in_flight:
                self.head_since = time.monotonic()
            self.in_flight.append((future, task))
            self.tasks_sent += 1
            self.retiring = self.tasks_sent >= self.pool.max_tasks

    def _send(self, task: tuple) -> None:
        """Write ``task`` to the worker's pipe.

        A task sent while the worker is on a page waits in the pipe until the worker has sent that page's result:
        one larger than the pipe holds kept this thread writing, so that it read no result, and when the result
        was larger than the pipe holds too (a page's text, its links) the worker waited on it as it waited on the
        worker, for good (a crawl of broken pages stopped so); behind a page that hung, it kept this thread from
        seeing the page's time run out. Such a task is written by the slot's writer thread: this one goes on
        reading results and watching the time, and kills a worker past it, which ends the writing too.
        """
        assert self.conn is not None
        self._finish_sending()  # one writer at a time: two tasks' bytes must not interleave
        data = ForkingPickler.dumps(task)
        if len(data) <= PIPE_HOLDS_BYTES or not self.in_flight:
            self.conn.send_bytes(data)
            return
        self.outbox.put((self.conn, data))

    def _finish_sending(self) -> None:
        """Wait for the task being written to the worker's pipe, if one is (quick: the worker reads it, or is dead)."""
        self.outbox.join()

    def _write(self) -> None:
        """The writer thread: write each large task to its worker's pipe, until the slot's thread ends. A worker
        that died meanwhile is found by the slot, as its result never comes: the task goes to the next worker."""
        while (item := self.outbox.get()) is not None:
            with contextlib.suppress(OSError, ValueError):
                item[0].send_bytes(item[1])
            self.outbox.task_done()

    def _fail_head(self, future: Future, task: tuple, error: BaseException) -> None:
        """The worker failed on ``task``: fail it, and give the tasks sent behind it to a fresh worker."""
        self._stop_process(kill=True)
        future.set_exception(error)
        self.retry.extendleft(reversed(self.in_flight))
        self.in_flight.clear()
        if self.retry or not self.stopping:
            self._start_process()

    def _collect(self) -> None:
        """Wait for the oldest task's result (a slice of its time while a task could still be sent)."""
        assert self.conn is not None and self.process is not None
        remaining = self.head_since + self.pool.timeout - time.monotonic()
        could_send = len(self.in_flight) < IN_FLIGHT and not self.retiring and not (self.stopping and not self.retry)
        try:
            ready = self.conn.poll(max(0.0, min(remaining, FILL_SLICE_S) if could_send else remaining))
        except (OSError, ValueError) as error:
            self._fail_head(*self.in_flight.popleft(), WorkerCrashed(f"worker pipe failed: {error}"))
            return
        if not ready:
            if time.monotonic() - self.head_since >= self.pool.timeout:
                self.pool.timeouts += 1
                self._fail_head(*self.in_flight.popleft(), WorkerTimeout(f"no result within {self.pool.timeout:g} s"))
            return
        future, task = self.in_flight.popleft()
        try:
            (status, value), rss_mb = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(timeout=2)  # reap it, to report how it died
            exitcode = self.process.exitcode
            self.pool.crashes += 1
            self._fail_head(future, task, WorkerCrashed(f"worker died (exit code {exitcode})"))
            return
        self.head_since = time.monotonic()
        # Recycle a worker that has grown or done many pages: parsers leak, and memory must stay bounded.
        if rss_mb > self.pool.max_memory_mb:
            self.retiring = True
        if self.retiring and not self.in_flight:
            self._stop_process(kill=False)
            self.pool.recycled += 1
            if not self.stopping or self.retry:
                self._start_process()
        if status == "ok":
            future.set_result(value)
        else:
            future.set_exception(RuntimeError(value))


def stop_fork_server() -> None:
    """Stop the workers' fork server now, even in the middle of its warm-up (asked to stop, it finishes the
    warm-up first); the next pool starts a new one. Workers forked before go on until they are stopped."""
    server: Any = getattr(multiprocessing.forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    if pid is None or not hasattr(server, "_stop"):
        return  # none running, or a Python whose fork server is kept otherwise: it ends with this process
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):  # reaped already: only what it leaves behind is cleared
        server._stop()  # reaps it, and forgets it: ensure_running starts a new one


def start_fork_server(
    function: Callable[..., Any], preload: Sequence[str] = ()
) -> multiprocessing.context.ForkServerContext:
    """Start the process that workers running ``function`` fork from, if it is not running yet; its context.

    forkserver: workers fork from a clean process, not from one running a reactor and threads. It
    imports ``function``'s module and ``preload`` once, so every worker starts with them loaded (and
    warm). It starts in the background: a caller that knows early that workers will be needed calls
    this first, and the pool made later forks from the same server.
    """
    context = multiprocessing.get_context("forkserver")
    # ``preload`` first: a module that prepares the process for the rest (crawler.extract.warm_start) does so
    # before ``function``'s module loads too.
    context.set_forkserver_preload([*preload, function.__module__])
    multiprocessing.forkserver.ensure_running()
    return context


class WorkerPool:
    """``workers`` processes running ``function(*task, *fixed_args)``; ``submit`` returns a Future.

    A task that runs longer than ``timeout`` seconds has its worker killed and fails with
    :class:`WorkerTimeout`; a worker that dies fails its task with :class:`WorkerCrashed`. Either way
    a fresh worker takes the next task. Workers are replaced after ``max_tasks`` tasks or when they
    grow past ``max_memory_mb``. ``fixed_args`` are sent once per worker, not with every task.
    The workers start at once, in the background: modules named in ``preload`` are imported
    meanwhile, once, by the process they fork from.
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
        preload: Sequence[str] = (),
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
        self.context = start_fork_server(function, preload)
        self.tasks: queue.Queue = queue.Queue()
        self.started = self.crashes = self.timeouts = self.recycled = 0
        self.submitted = 0
        self.closed_unused = False  # closed before any task was submitted
        self.slots = [_Slot(self, n) for n in range(workers)]
        for slot in self.slots:
            slot.thread.start()

    @property
    def serving(self) -> int:
        """How many of the slots take pages to a worker (those whose worker could not be started do not)."""
        return sum(slot.serving for slot in self.slots)

    def submit(self, *task: Any) -> Future:
        future: Future = Future()
        self.submitted += 1
        self.tasks.put((future, task))
        return future

    def close(self) -> None:
        """Finish the queued tasks, then stop the workers.

        A pool never given a task (a run that found nothing new to extract) does not wait for its workers
        to start: their fork server may still be warming up, a second or more. It is stopped instead.
        """
        for _ in self.slots:
            self.tasks.put(_STOP)
        if not self.submitted:
            self.closed_unused = True
            stop_fork_server()
        for slot in self.slots:
            slot.thread.join(timeout=self.timeout + 10)
