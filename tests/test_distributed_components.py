"""The shared crawl's parts on a real Redis server and real SQLite files, without crawling: mirror, writer, queue."""

from __future__ import annotations

import itertools
import json
import os
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.config import TEASER_SCHEME, SettingError, StoreConfig
from crawler.demo.spider import LOOPBACK_SETTINGS
from crawler.distributed.config import RedisConfig
from crawler.distributed.consumer import GROUP, StreamStore, WriterInUse, WriterLock, non_retrying
from crawler.distributed.coordination import CrawlCoordinator, SeedOnce
from crawler.distributed.handoff import StreamHandoff
from crawler.distributed.history import RedisHistory, RedisMirror
from crawler.distributed.record_codec import encode_record
from crawler.distributed.scheduler import SharedScheduler
from crawler.extract.results import Article, PageAnalysis, PageExtraction, Teaser
from crawler.extract.signing import sign_text
from crawler.handoff import SiteRevisits
from crawler.records import AnalysedPage, PageOutcome, Record, SeenAgain
from crawler.spiders.news import NewsSpider
from crawler.store.pipeline import StorePipeline
from dedup import SignatureScheme
from tests.support.crawl import query
from tests.support.news_site import paragraphs
from tests.support.redis_server import RedisServer
from tests.support.shared_crawl import snapshot
from tests.support.store import PROJECT_SETTINGS, open_writer, store_config

SCHEME = SignatureScheme()
SITE = "http://127.0.0.1:8371"
OTHER = "http://127.0.0.1:8372"
_prefixes = itertools.count()


@pytest.fixture(scope="module")
def server():
    with RedisServer() as running:
        yield running


@pytest.fixture
def config(server) -> RedisConfig:
    """A crawl of its own on the shared server: its own key prefix."""
    config = RedisConfig.from_settings(
        {**PROJECT_SETTINGS, "REDIS_URL": server.url, "CRAWL_REDIS_KEY": f"test{next(_prefixes)}"}
    )
    assert config is not None
    return config


def article(url: str, text: str, title: str = "A title", canonical: str | None = None, teasers=()) -> AnalysedPage:
    extraction = PageExtraction("article", article=Article(text, title=title, canonical_url=canonical))
    extraction.teasers = list(teasers)
    analysis = PageAnalysis(extraction, sign_text(text, SCHEME), TEASER_SCHEME.signatures(t.text for t in teasers))
    return AnalysedPage(url, 200, analysis, etag=f'"{abs(hash(url)) % 1000}"')


def text(seed: str) -> str:
    return "\n\n".join(paragraphs(seed))


def every_kind_of_record() -> list[Record]:
    """Records of every kind the writer takes, in the order a crawl could hand them over."""
    teasers = [Teaser(f"{SITE}/b", "Second story of the day here", "The blurb of the second story.", "Popular")]
    listing = PageAnalysis(
        PageExtraction("listing", "listing", teasers=teasers),
        None,
        TEASER_SCHEME.signatures(["The blurb of the second story."]),
    )
    original = text("one")
    return [
        PageOutcome(f"{SITE}/robots.txt", 200, "robots", None, '"r1"', body=b"User-agent: *\nAllow: /\n"),
        AnalysedPage(f"{SITE}/", 200, listing),
        article(f"{SITE}/a", original, canonical=f"{SITE}/a-canonical", teasers=teasers),
        article(f"{SITE}/b", text("two")),
        article(f"{OTHER}/copy", original.replace("harbour", "port", 2), title="Copy"),  # a near-duplicate
        article(f"{SITE}/c", text("three")),
        PageOutcome(f"{SITE}/old", 301, "redirect", "redirected", target=f"{SITE}/a"),
        PageOutcome(f"{SITE}/c", 410, "error", "http_410"),  # gone
        PageOutcome(f"{SITE}/b", 301, "redirect", "redirected", target=f"{SITE}/b-moved"),  # moved
        PageOutcome(f"{SITE}/a", 304, "article", "not_modified", '"a2"'),
        PageOutcome(f"{SITE}/missing", 404, "error", "http_404"),
        SeenAgain(f"{SITE}/a"),
        article(f"{SITE}/a", original + "\n\nA correction was added to the end of this story.", title="A title"),
    ]


def add_entries(client, config: RedisConfig, records: list[Record], run: str = "run-1", crawler: str = "c1") -> None:
    """The stream as crawlers write it: the run's start, records, a crawler's stats, the run's end."""
    stream = config.keys.stream
    client.xadd(stream, {"type": "start", "run": run, "spider": "news", "args": json.dumps({"urls": [SITE]})})
    for n, record in enumerate(records, 1):
        data = encode_record(record, SCHEME)
        client.xadd(stream, {"type": "record", "run": run, "crawler": crawler, "seq": n, "data": data})
    stats = {"downloader/request_count": len(records), "start_time": "2026-11-30 10:00:00+00:00"}
    client.xadd(
        stream, {"type": "closed", "run": run, "crawler": crawler, "reason": "finished", "stats": json.dumps(stats)}
    )
    client.xadd(stream, {"type": "end", "run": run, "reason": "finished"})


def test_the_writers_stream_reads_are_never_retried_but_its_other_commands_are(config):
    """A retried XREADGROUP would read past entries whose reply was lost; redis-py retries with the
    connection's own settings, so the reader needs connections of its own."""
    client = config.connect()
    reader = non_retrying(client)
    assert reader.ping()  # the same server
    retries = []
    for pool in (reader.connection_pool, client.connection_pool):
        connection = pool.get_connection()
        retries.append(connection.retry.get_retries())
        pool.release(connection)
    assert retries[0] == 0 and retries[1] > 0
    reader.connection_pool.disconnect()


def stream_store(config: RedisConfig, db: Path, follow: bool = False, **settings: Any) -> StreamStore:
    return StreamStore(config.connect(), config, store_config(db, **settings), follow, lambda summary: None)


def dump(db: Path, without: tuple[str, ...] = ("runs", "stream_positions", "_sqlite_migrations")) -> dict[str, list]:
    """Every row of every table, times included."""
    with sqlite3.connect(db) as conn:
        tables = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'")
            if name not in without
        ]
        return {table: sorted(map(repr, conn.execute(f"SELECT * FROM {table}"))) for table in tables}


def counts(db: Path) -> dict[str, Any]:
    """The run's stats without timings (the summary's too), commits and the stream's own bookkeeping."""
    with sqlite3.connect(db) as conn:
        (raw,) = conn.execute("SELECT stats FROM runs").fetchone()
    stats = {
        k: v for k, v in json.loads(raw).items() if not k.startswith(("timing/", "store/commits", "store/stream/"))
    }
    for timing in ("elapsed_s", "pages_per_s"):
        stats.get("summary", {}).pop(timing, None)
    return stats


# -- the page history crawlers read ------------------------------------------------------------------
def test_the_mirror_answers_every_question_as_the_database_does(tmp_path, server, config):
    writer = open_writer(tmp_path / "crawl.db")
    client = config.connect()
    mirror = RedisMirror(client, config.keys, writer.history, writer.db, lambda: "run-1")
    writer.listeners.append(mirror)
    for record in every_kind_of_record():
        writer.write(record)
    writer.commit()
    history = RedisHistory(client, config.keys, lambda: "run-1", failed=pytest.fail)
    urls = {r.url for r in every_kind_of_record()} | {f"{SITE}/a-canonical", f"{SITE}/b-moved", f"{SITE}/never"}
    for url in sorted(urls):
        assert history.known(url) == writer.history.known(url), url
        assert history.kept_body(url) == writer.history.kept_body(url), url
    assert history.known(f"{SITE}/old").article.url == f"{SITE}/a"  # an alias leads to its article
    site = SiteRevisits(("127.0.0.1:8371", "127.0.0.1:8372"), after_hours=0, within_days=2)
    assert history.due_for_revisit(site) == writer.history.due_for_revisit(site)
    assert len(history.due_for_revisit(site)) == 3  # a, c (gone: asked again), copy; b-moved was never fetched
    # Crawlers of the next run see the articles as stored before: they may be listed again.
    later = RedisHistory(client, config.keys, lambda: "run-2", failed=pytest.fail)
    assert not later.known(f"{SITE}/a").article.stored_this_run
    assert history.known(f"{SITE}/a").article.stored_this_run
    # A copy made from scratch (a database crawled on one machine before) answers the same.
    fresh = RedisConfig(config.url, type(config.keys)(config.keys.prefix + "-copy"), 60, 0)
    copy = RedisMirror(client, fresh.keys, writer.history, writer.db, lambda: "run-1")
    known = [u for u in urls if writer.history.known(u) is not None]
    assert copy.copy_all(str(tmp_path / "crawl.db"), 1) == len(known)
    copied = RedisHistory(client, fresh.keys, lambda: "run-1", failed=pytest.fail)
    assert [copied.known(u) for u in sorted(urls)] == [history.known(u) for u in sorted(urls)]
    assert copy.is_current(str(tmp_path / "crawl.db"), 1) and not copy.is_current(str(tmp_path / "crawl.db"), 2)
    writer.finish("finished")


def test_the_mirror_hands_crawlers_the_chrome_the_writer_learned(tmp_path, server, config):
    """Crawlers on other machines cut a site's known chrome before signing, as a single-machine crawl does."""
    writer = open_writer(tmp_path / "crawl.db")
    client = config.connect()
    mirror = RedisMirror(client, config.keys, writer.history, writer.db, lambda: "run-1")
    writer.listeners.append(mirror)
    history = RedisHistory(client, config.keys, lambda: "run-1", failed=pytest.fail)
    pitch = "Sign up for the Morning Brief: the day's stories in five minutes, every weekday."
    for n in range(3):  # CHROME_MIN_STORIES different stories
        text = "\n\n".join([*paragraphs(f"story-{n}", 3), pitch])
        page = PageAnalysis(
            PageExtraction("article", article=Article(text, title=f"Story {n}")), sign_text(text, SCHEME)
        )
        writer.write(AnalysedPage(f"{SITE}/story-{n}", 200, page))
    assert history.site_chrome("127.0.0.1:8371") is None  # mirrored once committed
    writer.commit()
    learned = writer.history.site_chrome("127.0.0.1:8371")
    assert learned is not None and len(learned.blocks) == 1
    assert history.site_chrome("127.0.0.1:8371") is None  # a crawler asks Redis again after CHROME_FRESH_S
    crawler = RedisHistory(client, config.keys, lambda: "run-1", failed=pytest.fail)
    assert crawler.site_chrome("127.0.0.1:8371") == learned
    assert crawler.site_chrome("127.0.0.1:8372") is None
    # A copy made from scratch holds it too.
    fresh = RedisConfig(config.url, type(config.keys)(config.keys.prefix + "-chrome"), 60, 0)
    RedisMirror(client, fresh.keys, writer.history, writer.db, lambda: "run-1").copy_all(str(tmp_path / "crawl.db"), 1)
    assert (
        RedisHistory(client, fresh.keys, lambda: "run-1", failed=pytest.fail).site_chrome("127.0.0.1:8371") == learned
    )
    writer.finish("finished")


# -- the writer ----------------------------------------------------------------------------------------
def test_the_writer_stores_a_run_from_the_stream_like_a_crawl_and_empties_it(tmp_path, config):
    client = config.connect()
    add_entries(client, config, every_kind_of_record())
    store = stream_store(config, tmp_path / "shared.db")
    assert store.run() is True
    reference = open_writer(tmp_path / "one.db")
    for record in every_kind_of_record():
        reference.write(record)
    reference.finish("finished")
    assert snapshot(tmp_path / "shared.db") == snapshot(tmp_path / "one.db")
    with sqlite3.connect(tmp_path / "shared.db") as conn:
        run = conn.execute("SELECT spider, args, finish_reason, stats FROM runs").fetchall()
    assert [(spider, json.loads(args), reason) for spider, args, reason, _ in run] == [
        ("news", {"urls": [SITE]}, "finished")
    ]
    stats = json.loads(run[0][3])
    assert stats["distributed/crawlers"] == 1 and stats["downloader/request_count"] == len(every_kind_of_record())
    assert stats["store/articles/new"] == 4 and stats["articles/updated"] == 1 and stats["articles/gone"] == 1
    assert client.xlen(config.keys.stream) == 0
    assert client.xpending(config.keys.stream, GROUP)["pending"] == 0


@pytest.mark.parametrize("stored_before_dying", [True, False], ids=["stored-not-acknowledged", "read-not-stored"])
def test_entries_a_writer_read_before_it_died_are_stored_once_whatever_their_kind(
    tmp_path, server, config, stored_before_dying
):
    client = config.connect()
    records = every_kind_of_record()
    add_entries(client, config, records)
    # The reference: one writer that never stopped.
    other = RedisConfig(config.url, type(config.keys)(config.keys.prefix + "-ref"), 60, 0)
    add_entries(client, other, records)
    assert stream_store(other, tmp_path / "reference.db").run()

    first = stream_store(config, tmp_path / "shared.db")
    first.open()
    entries = []
    while len(entries) < len(records) + 1:  # the start and every record; not the crawler's stats, not the end
        entries += first.read()
    for entry_id, fields in entries[: len(records) + 1]:
        first.handle(entry_id, fields)
    if stored_before_dying:
        first.store_batch()  # committed with its stream position, and dies before acknowledging
        stored = dump(tmp_path / "shared.db")
    first.close()  # as a killed writer leaves it: nothing acknowledged
    assert client.xpending(config.keys.stream, GROUP)["pending"] == len(records) + 3  # read, not acknowledged

    second = stream_store(config, tmp_path / "shared.db")
    second.open()  # claims the entries the first one read, stores them, and the run's end after them
    if stored_before_dying:
        assert dump(tmp_path / "shared.db") == stored  # delivered again, they changed nothing (times included)
    while second.step():
        pass
    second.close()
    assert snapshot(tmp_path / "shared.db") == snapshot(tmp_path / "reference.db")
    assert counts(tmp_path / "shared.db") == counts(tmp_path / "reference.db")
    with sqlite3.connect(tmp_path / "shared.db") as conn:
        assert conn.execute("SELECT count(*), min(finish_reason) FROM runs").fetchone() == (1, "finished")
        redelivered = json.loads(conn.execute("SELECT stats FROM runs").fetchone()[0]).get("store/stream/redelivered")
    # The run's start was committed at once, with its runs row: it is no more stored than the records were.
    assert redelivered == (len(records) + 1 if stored_before_dying else 1)
    assert client.xlen(config.keys.stream) == 0


def test_a_record_added_twice_is_stored_once(tmp_path, config):
    client = config.connect()
    stream = config.keys.stream
    client.xadd(stream, {"type": "start", "run": "r", "spider": "news", "args": "{}"})
    data = encode_record(article(f"{SITE}/a", text("one")), SCHEME)
    for _ in range(2):  # Redis went away before it answered the first XADD: the crawler added it again
        client.xadd(stream, {"type": "record", "run": "r", "crawler": "c1", "seq": 1, "data": data})
    client.xadd(stream, {"type": "end", "run": "r", "reason": "finished"})
    assert stream_store(config, tmp_path / "crawl.db").run()
    stats = json.loads(query(tmp_path / "crawl.db", "SELECT stats FROM runs")[0][0])
    assert stats["store/stream/duplicates"] == 1
    assert "store/articles/seen_again" not in stats and stats["store/articles/new"] == 1


def test_an_entry_that_is_no_record_is_logged_and_skipped(tmp_path, config, caplog):
    client = config.connect()
    stream = config.keys.stream
    client.xadd(stream, {"type": "start", "run": "r", "spider": "news", "args": "{}"})
    client.xadd(stream, {"type": "record", "run": "r", "crawler": "c1", "seq": 1, "data": pickle.dumps({"x": 1})})
    client.xadd(stream, {"type": "end", "run": "r", "reason": "finished"})
    assert stream_store(config, tmp_path / "crawl.db").run()
    assert "is not stored: not JSON" in caplog.text
    stats = json.loads(query(tmp_path / "crawl.db", "SELECT stats FROM runs")[0][0])
    assert stats["store/stream/rejected"] == 1


def test_a_page_signed_with_other_parameters_is_stored_signed_again_and_said_once(tmp_path, config, caplog):
    client = config.connect()
    stream = config.keys.stream
    client.xadd(stream, {"type": "start", "run": "r", "spider": "news", "args": "{}"})
    other = SignatureScheme(num_perm=64)
    for seq, slug in enumerate(("one", "two"), start=1):
        analysis = PageAnalysis(PageExtraction("article", article=Article(text(slug))), sign_text(text(slug), other))
        data = encode_record(AnalysedPage(f"{SITE}/{slug}", 200, analysis), other)
        client.xadd(stream, {"type": "record", "run": "r", "crawler": "c1", "seq": seq, "data": data})
    client.xadd(stream, {"type": "end", "run": "r", "reason": "finished"})
    assert stream_store(config, tmp_path / "crawl.db").run()
    stats = json.loads(query(tmp_path / "crawl.db", "SELECT stats FROM runs")[0][0])
    assert stats["store/stream/signed_again"] == 2 and stats["store/articles/new"] == 2
    assert "store/stream/rejected" not in stats
    assert caplog.text.count("signed again here: signatures made with DEDUP_* parameters 64/") == 1
    signatures = query(tmp_path / "crawl.db", "SELECT size, length(minhash) FROM article_signatures")
    assert len(signatures) == 2 and all(length == 4 * SCHEME.num_perm for _, length in signatures)


def test_one_writer_per_stream_and_a_dead_one_on_this_machine_is_taken_over(config):
    client = config.connect()
    first = WriterLock(client, config)
    first.acquire()
    with pytest.raises(
        WriterInUse, match=rf"another writer \(pid {os.getpid()} on .*\) is storing {config.keys.stream}"
    ):
        WriterLock(client, config).acquire()
    first.release()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    host = json.loads(first.value)["host"]
    client.set(config.keys.writer, json.dumps({"host": host, "pid": int(dead.stdout), "since": "earlier"}))
    WriterLock(client, config).acquire()  # its pid is not running: taken over at once
    client.set(config.keys.writer, json.dumps({"host": "elsewhere", "pid": 1, "since": "earlier"}))
    with pytest.raises(WriterInUse, match="on elsewhere"):
        WriterLock(client, config).acquire()  # another machine's writer: only time tells it is gone


# -- the crawl side --------------------------------------------------------------------------------------
def shared_crawler(server, config: RedisConfig, **settings: Any):
    values = {
        **PROJECT_SETTINGS,
        **LOOPBACK_SETTINGS,
        "REDIS_URL": server.url,
        "CRAWL_REDIS_KEY": config.keys.prefix,
        **settings,
    }
    crawler = get_crawler(NewsSpider, values)
    spider = NewsSpider.from_crawler(crawler, urls=f"{SITE}/")
    crawler.spider = spider
    return crawler, spider


def test_the_addon_shares_the_crawl_only_when_redis_url_is_set(server, config):
    alone = get_crawler(NewsSpider, {**PROJECT_SETTINGS})
    assert alone.settings["SCHEDULER"] == "crawler.fetch.scheduler.JobScheduler"
    assert "crawler.store.pipeline.StorePipeline" in alone.settings.getdict("ITEM_PIPELINES")
    assert StorePipeline not in alone.settings.getdict("ITEM_PIPELINES")  # named, as settings.py names it
    crawler, _ = shared_crawler(server, config)
    assert crawler.settings["SCHEDULER"] is SharedScheduler and crawler.settings.getbool("SCHEDULER_PERSIST")
    pipelines = crawler.settings.getdict("ITEM_PIPELINES")
    assert pipelines[StreamHandoff] == 300 and "crawler.store.pipeline.StorePipeline" not in pipelines
    assert CrawlCoordinator in crawler.settings.getdict("EXTENSIONS")
    assert SeedOnce in crawler.settings.getdict("SPIDER_MIDDLEWARES")
    with pytest.raises(SettingError, match="REDIS_URL='http://x/' is not allowed"):
        get_crawler(NewsSpider, {**PROJECT_SETTINGS, "REDIS_URL": "http://x/"})


def test_the_shared_queue_holds_json_and_a_pickle_put_there_runs_nothing(tmp_path, server, config):
    crawler, spider = shared_crawler(server, config)
    coordinator = crawler.get_extension(CrawlCoordinator)
    coordinator.spider_opened(spider)  # joins (starts) the run
    try:
        scheduler = SharedScheduler.from_crawler(crawler)
        scheduler.open(spider)
        assert scheduler.enqueue_request(Request(f"{SITE}/a", callback=spider.parse, meta={"link_depth": 1}))
        assert not scheduler.enqueue_request(Request(f"{SITE}/a", callback=spider.parse))  # seen in this run
        client = config.connect()
        (entry,) = client.zrange(config.keys.requests, 0, -1)
        assert json.loads(entry)["url"] == f"{SITE}/a"
        marker = tmp_path / "ran"

        class Payload:
            def __reduce__(self):
                return (os.system, (f"touch {marker}",))

        client.zadd(config.keys.requests, {pickle.dumps(Payload()): -10})  # first in the queue
        request = scheduler.next_request()
        assert request is not None and request.url == f"{SITE}/a" and request.meta["link_depth"] == 1
        assert not marker.exists()
        assert crawler.stats.get_value("scheduler/redis/rejected") == 1
        assert scheduler.next_request() is None
    finally:
        coordinator.spider_closed(spider, "finished")  # the last to leave: the run ends
    client = config.connect()
    assert not client.exists(config.keys.run, config.keys.requests, config.keys.seen)
    kinds = [fields[b"type"] for _, fields in client.xrange(config.keys.stream)]
    assert kinds == [b"start", b"closed", b"end"]


def test_a_store_config_without_redis_is_a_single_machine():
    assert RedisConfig.from_settings({**PROJECT_SETTINGS}) is None
    assert StoreConfig.from_settings({**PROJECT_SETTINGS}).path == "crawl.db"
