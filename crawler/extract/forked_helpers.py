"""multiprocessing's helpers (the workers' fork server, the resource tracker) forked from the starting crawl."""

from __future__ import annotations

import contextlib
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import multiprocessing.util
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

# multiprocessing starts its fork server and resource tracker as new interpreters (`python -c "...main(...)"`):
# each imports again what the crawl process has loaded by the time the crawl command warms the workers up (the
# standard library's email, http and json, lxml, and the rest under Scrapy), and the tracker is an interpreter
# of its own. Forked from the crawl process, they start with all of it loaded, and run the very code the new
# interpreter would have run; the workers fork from the fork server as before. Measured by process in 226-page
# crawls (/proc, 8 and 10 alternating crawls): the fork server 0.245 and 0.29 s of a core instead of 0.365 and
# 0.405 s, the tracker 0.03 s less; a 20-page crawl's wall 0.90x (the fork server is on the way to the first
# extracted page). Over whole crawls of 226 and 990 pages the difference is within the rounds' spread.
# Only a process with one thread is forked (before the reactor, the log and the database): a thread holding a
# lock at the fork would leave it held for good in the child.

FORK_SERVER = "multiprocessing.forkserver"
RESOURCE_TRACKER = "multiprocessing.resource_tracker"
# What each helper is called in /proc/<pid>/comm (what top and ps -o comm show; 15 bytes at most): its command
# line is the crawl's own, which a fork keeps.
NAMES = {FORK_SERVER: "forkserver", RESOURCE_TRACKER: "resourcetracker"}

STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}

Spawn = Callable[[Any, Sequence[Any], Sequence[int]], int]  # path, arguments, descriptors passed; the pid


@contextlib.contextmanager
def helpers_forked_from_here() -> Iterator[bool]:
    """While open, the helper processes multiprocessing starts are forked from this process instead of being
    new interpreters, when that is safe: on Linux, with this process running one thread. Yields whether."""
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        yield False
        return
    spawn: Spawn = multiprocessing.util.spawnv_passfds
    multiprocessing.util.spawnv_passfds = _forking_instead_of(spawn)  # type: ignore[assignment]
    try:
        yield True
    finally:
        multiprocessing.util.spawnv_passfds = spawn  # type: ignore[assignment]


def _forking_instead_of(spawn: Spawn) -> Spawn:
    """``multiprocessing.util.spawnv_passfds`` (start ``args``, passing it ``passfds``; its pid), which forks
    this process and runs the ``-c`` code of ``args`` in the child, as the new interpreter would."""

    def fork(path: Any, args: Sequence[Any], passfds: Sequence[int]) -> int:
        arguments = list(args)
        if "-c" not in arguments[:-1]:
            return spawn(path, args, passfds)  # not a helper run as code: started as multiprocessing does
        code = arguments[arguments.index("-c") + 1]
        for stream in (sys.stdout, sys.stderr):  # what the child inherits unwritten, it would write again
            with contextlib.suppress(Exception):
                stream.flush()
        # The crawl's handlers for these (crawler.commands.stop_while_starting) are not the helper's: held over
        # the fork, a signal reaches the crawl after it or the helper once it has a new interpreter's handlers.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:
                _run_as_helper(code, passfds)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        return pid

    return fork


def _run_as_helper(code: str, passfds: Sequence[int]) -> None:
    """In the forked child: become the process ``code`` makes of a new interpreter, then exit. Never returns."""
    status = 1
    try:
        # A new interpreter inherits only these: any other descriptor kept here would outlive the crawl in the
        # helper (the fork server ends when the write end of its "alive" pipe, which the crawl holds, closes).
        _close_descriptors_except({0, 1, 2, *map(int, passfds)})
        _fresh_helper_locks()
        # Not the crawl's handlers (see fork above). Ctrl-C ignored, as both helpers ignore it once they run (the
        # fork server after its first preload, crawler.extract.warm_start): the crawl decides when to stop.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        _name_this_process(code)
        exec(compile(code, "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
        status = 0
    except SystemExit as stopped:
        status = _exit_status(stopped.code)
    except BaseException:  # noqa: BLE001 -- told on stderr, as the new interpreter would; nothing above to catch it
        sys.excepthook(*sys.exc_info())  # the interpreter's way, and the helper's own if it set one
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(status)  # not the crawl's exit: none of its atexit handlers, nor its buffers, are for this process


def _exit_status(code: Any) -> int:
    """The exit status of ``sys.exit(code)``, as the interpreter makes it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _close_descriptors_except(kept: set[int]) -> None:
    """Close every descriptor of this process but ``kept``.

    Not ``multiprocessing.util.close_all_fds_except``: it closes the ranges between the kept descriptors with
    ``os.closerange``, and with 0 kept its first range is ``closerange(0, 0)``, which on Python 3.11.7 here closes
    every descriptor (the forked child then dies with status 1, stderr gone). Only those open are closed here.
    """
    for descriptor in sorted(int(name) for name in os.listdir("/proc/self/fd")):
        if descriptor not in kept:
            with contextlib.suppress(OSError):  # the listing's own, closed once listed
                os.close(descriptor)


def _fresh_helper_locks() -> None:
    """The child was forked inside multiprocessing's ``ensure_running``, which holds its helper's lock: its copy
    here would stay held, with no thread to release it."""
    for helper in (
        getattr(multiprocessing.forkserver, "_forkserver", None),
        getattr(multiprocessing.resource_tracker, "_resource_tracker", None),
    ):
        lock = getattr(helper, "_lock", None)
        if lock is not None:
            helper._lock = threading.Lock() if isinstance(lock, type(threading.Lock())) else threading.RLock()  # type: ignore[union-attr]


def helper_of(pid: int) -> str | None:
    """Which of multiprocessing's helpers (:data:`FORK_SERVER`, :data:`RESOURCE_TRACKER`) process ``pid`` is,
    forked (named in its ``comm``) or started as a new interpreter (named in its command line); None for
    any other process, or one that has ended."""
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return None
    return next((module for module, named in NAMES.items() if name == named or module in command), None)


def _name_this_process(code: str) -> None:
    for module, name in NAMES.items():
        if module in code:
            with contextlib.suppress(OSError):
                Path("/proc/self/comm").write_text(name)
            return
