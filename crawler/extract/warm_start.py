"""First in the workers' fork server: Ctrl-C ignored, quiet once the crawl is gone, kept patterns, late collection."""

from __future__ import annotations

import gc

# The collector waits until the warm-up's end (crawler.extract.warmup), as Python's documentation of gc.freeze
# advises for a process that forks: loading trafilatura, numpy and the rest and analysing the sample pages makes
# some 90,000 objects that live as long as the workers, and about 500 of garbage. Collecting as they came
# (115 young, 10 middle and 1 full collection, each walking more of them) cost 0.1 s of the fork server's
# 0.5 s, on the way to the first extracted page. Off before this module's own imports, which are the first.
gc.disable()

import signal  # noqa: E402
import sys  # noqa: E402
from types import TracebackType  # noqa: E402

from crawler.extract.kept_patterns import KeptPatterns  # noqa: E402

# Ctrl-C in a terminal reaches every process of the crawl's group. multiprocessing's fork server ignores it once
# its preloads are done, and each worker ignores it: the crawl decides when to stop. During the warm-up it killed
# the fork server, and the crawl, stopping, then waited for ever for workers that could not start.
signal.signal(signal.SIGINT, signal.SIG_IGN)

# The crawl gone while it asked for a worker or handed one its task (it ended, or was stopped at once by a second
# Ctrl-C): the fork server, or the worker being started, reads the end of its pipe. The crawl says how it ended;
# a traceback from a helper after it would only look like a crash.
_CRAWL_GONE = (EOFError, BrokenPipeError, ConnectionResetError)
_report = sys.excepthook


def _quiet_when_the_crawl_is_gone(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    if not issubclass(kind, _CRAWL_GONE):
        _report(kind, error, trace)


sys.excepthook = _quiet_when_the_crawl_is_gone

KEPT_PATTERNS = KeptPatterns()
KEPT_PATTERNS.install()  # kept again, with what the warm-up adds, at the warm-up's end (crawler.extract.warmup)
