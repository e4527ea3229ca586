"""Records wait only while other items are on their way, are written in the order they came, and fail alone."""

from __future__ import annotations

import logging

from twisted.internet.task import Clock

from crawler.extract.results import Article, PageAnalysis, PageExtraction
from crawler.extract.signing import sign_text
from crawler.records import AnalysedPage, PageOutcome, SeenAgain
from crawler.store.write_queue import WRITE_RUN, WRITE_WAIT_S, WriteQueue, WrittenFirst
from dedup import SignatureScheme
from tests.support.store import open_writer

SITE = "http://127.0.0.1:8371"


class Recorder:
    """A write function that records what it was given, in order, and answers with its position."""

    def __init__(self, fails_on: set[str] = frozenset()):
        self.written: list[str] = []
        self.fails_on = fails_on

    def __call__(self, record) -> int:
        if record.url in self.fails_on:
            raise ValueError(f"cannot store {record.url}")
        self.written.append(record.url)
        return len(self.written)


def results_of(deferreds) -> list:
    found = []
    for deferred in deferreds:
        deferred.addBoth(found.append)
    return found


def test_records_wait_while_more_items_are_on_their_way_then_go_in_the_order_they_came():
    write, in_pipelines = Recorder(), [6]
    queue = WriteQueue(write, lambda: in_pipelines[0], Clock())
    first = queue.put(SeenAgain(f"{SITE}/a"))
    queue.put(PageOutcome(f"{SITE}/robots.txt", 404, "robots", "x"), item=False)  # no item: not one on its way
    second = queue.put(SeenAgain(f"{SITE}/b"))
    assert write.written == [] and queue.held == 3  # 6 items in the pipelines, 2 of them here: 4 on their way
    results = results_of([first, second])
    assert results == []  # nothing fired before its record is written
    # Now as many items are held here (3) as are on their way (3): the pages waiting for extraction get the room.
    third = queue.put(SeenAgain(f"{SITE}/c"))
    assert write.written == [f"{SITE}/a", f"{SITE}/robots.txt", f"{SITE}/b", f"{SITE}/c"]
    assert results == [1, 3] and results_of([third]) == [4] and queue.held == 0
    in_pipelines[0] = 1  # the last item of a crawl: nothing else on its way
    queue.put(SeenAgain(f"{SITE}/d"))
    assert write.written[-1] == f"{SITE}/d" and queue.held == 0


def test_a_record_with_nothing_else_on_its_way_is_written_at_once():
    write = Recorder()
    queue = WriteQueue(write, lambda: 1, Clock())  # the one item in the pipelines is this record
    assert results_of([queue.put(SeenAgain(f"{SITE}/a"))]) == [1] and queue.held == 0
    queue = WriteQueue(write, lambda: 0, Clock())  # the pipelines do not say: written at once too
    queue.put(PageOutcome(f"{SITE}/b", 500, "error", "http_500"), item=False)
    assert write.written == [f"{SITE}/a", f"{SITE}/b"]


def test_a_full_run_is_written_whatever_is_on_its_way():
    write = Recorder()
    queue = WriteQueue(write, lambda: 1000, Clock())
    for number in range(WRITE_RUN - 1):
        queue.put(SeenAgain(f"{SITE}/{number}"))
    assert write.written == []
    queue.put(SeenAgain(f"{SITE}/last"))
    assert len(write.written) == WRITE_RUN and write.written[-1] == f"{SITE}/last"


def test_no_record_waits_longer_than_the_longest_wait():
    write, clock = Recorder(), Clock()
    queue = WriteQueue(write, lambda: 1000, clock)
    queue.put(SeenAgain(f"{SITE}/a"))
    clock.advance(WRITE_WAIT_S / 2)
    queue.put(SeenAgain(f"{SITE}/b"))  # waits as long as the first: the run goes together
    clock.advance(WRITE_WAIT_S / 2 - 0.001)
    assert write.written == []
    clock.advance(0.001)
    assert write.written == [f"{SITE}/a", f"{SITE}/b"] and not clock.getDelayedCalls()
    queue.put(SeenAgain(f"{SITE}/c"))  # a new run, with a wait of its own
    clock.advance(WRITE_WAIT_S)
    assert write.written[-1] == f"{SITE}/c"
    queue.put(SeenAgain(f"{SITE}/d"))
    queue.flush()  # written before its time (the spider closing): its wait is cancelled
    assert write.written[-1] == f"{SITE}/d" and not clock.getDelayedCalls()


def test_a_record_that_breaks_the_writer_fails_alone(caplog):
    write = Recorder(fails_on={f"{SITE}/b", f"{SITE}/robots.txt"})
    queue = WriteQueue(write, lambda: 1000, Clock())
    deferreds = [queue.put(SeenAgain(f"{SITE}/{name}")) for name in "ab"]
    with caplog.at_level(logging.ERROR, logger="crawler.store.write_queue"):
        queue.put(PageOutcome(f"{SITE}/robots.txt", 404, "robots", "x"), item=False)
        deferreds.append(queue.put(SeenAgain(f"{SITE}/c")))
        queue.flush()
    results = results_of(deferreds)
    assert write.written == [f"{SITE}/a", f"{SITE}/c"]
    assert results[0] == 1 and results[2] == 2
    assert results[1].check(ValueError) and "cannot store" in str(results[1].value)  # the item's own failure
    assert "could not store http://127.0.0.1:8371/robots.txt" in caplog.text  # an outcome's: logged


def test_the_history_answers_after_the_records_held_are_written(tmp_path):
    writer = open_writer(tmp_path / "crawl.db")
    queue = WriteQueue(writer.write, lambda: 1000, Clock())
    history = WrittenFirst(writer.history, queue)
    text = "The harbour tunnel vote passed after a long night of debate in the council chamber. " * 5
    analysis = PageAnalysis(
        PageExtraction("article", article=Article(text, title="Vote")), sign_text(text, SignatureScheme())
    )
    queue.put(AnalysedPage(f"{SITE}/a", 200, analysis, etag='"e1"'))
    queue.put(PageOutcome(f"{SITE}/sitemap.xml", 200, "sitemap", body=b"<urlset/>"), item=False)
    assert writer.history.known(f"{SITE}/a") is None  # held: not written yet
    assert history.site_chrome("127.0.0.1:8371") is None and queue.held == 2  # chrome is read without writing
    known = history.known(f"{SITE}/a")
    assert known is not None and known.etag == '"e1"' and known.article is not None and queue.held == 0
    queue.put(PageOutcome(f"{SITE}/robots.txt", 200, "robots", body=b"User-agent: *"), item=False)
    assert history.kept_body(f"{SITE}/robots.txt") == b"User-agent: *"
    writer.finish("finished")
