"""Records held for a moment while extraction keeps the cores busy, then written together, in the order they came."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.handoff import KnownChrome, KnownPage, PageHistory, SiteRevisits
from crawler.records import Record

logger = logging.getLogger(__name__)

# In a crawl that keeps the cores busy, a record written the moment it comes finds the writer's working set
# (SQLite's pages and indexes, the writer's own objects) gone from the CPU's caches: the extraction workers and
# Scrapy ran in between. The same records written in runs cost the writer a fifth less CPU: 0.26-0.28 -> 0.21-0.22
# s over a 226-page crawl, 1.64-1.69 -> 1.44 s over 990 (and the whole crawl 0.974x the CPU, 0.975x the wall
# time, each less in 10 of 12 paired rounds). A record is held only while more items are on their way through
# the item pipelines (being extracted) than are held: a crawl that fetches one page at a time writes each at
# once, and so does the last of a crawl. (Held until every item in the pipelines was, the runs grew to 24 and
# the wall time did not fall: 1.02x.)
WRITE_RUN = 16  # records written together at most
WRITE_WAIT_S = 0.25  # the longest a record waits for others (a held item keeps its response in Scrapy's scraper)


class WriteQueue:
    """Holds records and hands them to ``write`` in order, in runs; see the module's comment.

    ``items_in_pipelines`` says how many items the item pipelines hold now, those held here among them: the
    others are on their way (being extracted), and records are held while they are more than those held.
    """

    def __init__(
        self,
        write: Callable[[Record], int | None],
        items_in_pipelines: Callable[[], int],
        clock: Any = None,  # a reactor (IReactorTime); Scrapy's when None
    ):
        self.write = write
        self.items_in_pipelines = items_in_pipelines
        self._clock = clock
        self._held: list[tuple[Record, Deferred[int | None]]] = []  # (record, its result), in the order they came
        self._held_items = 0  # of them, the pipelines' items (the others are page outcomes)
        self._timer: Any = None  # the delayed call that writes the held records (IDelayedCall)

    def put(self, record: Record, item: bool = True) -> Deferred[int | None]:
        """Hold ``record`` (an item of the pipelines, or not: a page outcome) until its run is written; its
        Deferred fires with what ``write`` returned for it (at once, when the record is written at once)."""
        result: Deferred[int | None] = Deferred()
        if not item:
            result.addErrback(_log_failure, record)  # nobody awaits an outcome: its failure is logged
        self._held.append((record, result))
        self._held_items += item
        # Written once as many items are held as are on their way (the pipelines hold both).
        if len(self._held) >= WRITE_RUN or self.items_in_pipelines() <= 2 * self._held_items:
            self.flush()
        elif self._timer is None:
            self._timer = self._reactor().callLater(WRITE_WAIT_S, self.flush)
        return result

    def flush(self) -> None:
        """Write every record held, in the order they came."""
        if self._timer is not None:
            if self._timer.active():
                self._timer.cancel()
            self._timer = None
        # Taken first: a write that stops the crawl closes the spider, whose handler flushes again.
        held, self._held, self._held_items = self._held, [], 0
        done: list[tuple[Deferred[int | None], int | Failure | None]] = []
        for record, result in held:
            try:
                done.append((result, self.write(record)))
            except Exception:  # noqa: BLE001 -- handed to the record's Deferred: it fails alone, as written by itself
                done.append((result, Failure()))
        # Fired once all are written: an awaiting item's pipeline code runs after the run, not inside it.
        for result, outcome in done:
            if isinstance(outcome, Failure):
                result.errback(outcome)
            else:
                result.callback(outcome)

    @property
    def held(self) -> int:
        return len(self._held)

    def _reactor(self) -> Any:
        if self._clock is None:
            from twisted.internet import reactor  # the one Scrapy installed; importing it earlier would install another

            self._clock = reactor
        return self._clock


def _log_failure(failure: Failure, record: Record) -> None:
    logger.error("could not store %s", getattr(record, "url", record), exc_info=failure.value)


class WrittenFirst:
    """The writer side's :class:`~crawler.handoff.PageHistory`, answering after the records held are written:
    the crawl side never asks about a page it fetched and finds it unknown.

    A site's chrome is read without: chrome learned a moment later is cut from an article by the writer
    (``SiteChrome.strip``) instead of before signing, as for a page already on its way when it was learned.
    """

    def __init__(self, history: PageHistory, queue: WriteQueue):
        self.history = history
        self.queue = queue

    def known(self, url: str) -> KnownPage | None:
        self._written()
        return self.history.known(url)

    def due_for_revisit(self, site: SiteRevisits) -> list[str]:
        self._written()
        return self.history.due_for_revisit(site)

    def kept_body(self, url: str) -> bytes | None:
        self._written()
        return self.history.kept_body(url)

    def site_chrome(self, site: str) -> KnownChrome | None:
        return self.history.site_chrome(site)

    def _written(self) -> None:
        if self.queue.held:
            self.queue.flush()
