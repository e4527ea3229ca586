"""A Ctrl-C or SIGTERM while the crawl is still starting: kept until the crawl can stop cleanly, then acted on."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
RETRY_S = 0.02  # how soon to look again whether the crawl can stop gracefully


class StopWhileStarting:
    """Scrapy handles a stop signal once its reactor has started, and its graceful stop works once the engine
    runs: a stop asked for in between stopped the reactor under the starting engine, whose first requests then
    read a closed database. Before the reactor (the crawl command's checks, the workers' fork server) Ctrl-C was
    Python's ``KeyboardInterrupt`` traceback from wherever the process was. Starting takes half a second, a few
    on a busy machine: long enough for a user to change their mind.

    Until the engine runs, the first signal is kept; then Scrapy's handlers get the signals back and the kept
    one is sent again: the crawl stops gracefully, as it would have a moment later (exit status 3, the run
    recorded as interrupted). A second one stops at once: nothing has been stored yet, the database's lock goes
    with the process, and the next run ends the run left open (recorded as aborted).
    """

    def __init__(self, exit_status: int):
        self.exit_status = exit_status
        self.received: int | None = None

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._receive)

    def _receive(self, signum: int, frame: FrameType | None) -> None:
        # Only os.write here: the signal may have interrupted a write to the same stream (see Scrapy's shutdown).
        if self.received is not None:
            os.write(2, b"Stopped at once while the crawl was starting: nothing was stored\n")
            os._exit(self.exit_status)
        self.received = signum
        os.write(2, b"Stopping: the crawl is still starting and stops once it has (send it again to stop at once)\n")

    def hand_over_when(self, reactor: Any, ready: Callable[[], bool]) -> None:
        """Once ``ready()`` (the engine runs), give the signals to the handlers Scrapy installs as its reactor starts
        and send the kept one again for them to act on. Until then those handlers are held back: they are taken
        as soon as Scrapy installs them (a startup trigger after Scrapy's own, which are all added by then)."""
        reactor.addSystemEventTrigger(
            "during", "startup", reactor.addSystemEventTrigger, "after", "startup", self._hold_back, reactor, ready
        )

    def _hold_back(self, reactor: Any, ready: Callable[[], bool]) -> None:
        scrapys = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
        self.install()
        self._hand_over(reactor, ready, scrapys)

    def _hand_over(self, reactor: Any, ready: Callable[[], bool], scrapys: dict[signal.Signals, Any]) -> None:
        """``scrapys``: the handlers Scrapy installed, held back until then."""
        if not ready():
            reactor.callLater(RETRY_S, self._hand_over, reactor, ready, scrapys)
            return
        for signum, handler in scrapys.items():
            signal.signal(signum, handler)
        if self.received is not None:
            os.kill(os.getpid(), self.received)


__all__ = ["StopWhileStarting"]
