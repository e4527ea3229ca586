"""Fault suite, stops and concurrent use: signals to real crawl processes, readers, a second crawl, a full disk."""

from __future__ import annotations

import ctypes
import itertools
import json
import os
import resource
import signal
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.crawl import CrawlProcess, committed_articles, crawl, wait_for
from tests.support.faults import FaultServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LIBC = ctypes.CDLL(None, use_errno=True)  # loaded before any fork: a child may not load libraries safely
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER = 1, 2, 3
ARTICLES = 60


def article_urls(server: FaultServer, n: int = ARTICLES) -> set[str]:
    return {server.url(f"/article/story-{i}") for i in range(n)}


def assert_each_article_once(result: CrawlProcess, expected: set[str]) -> None:
    urls = [url for (url,) in result.rows("SELECT url FROM articles WHERE url LIKE '%/article/%'")]
    assert len(urls) == len(set(urls)) and set(urls) == expected


def test_sigterm_commits_the_pending_batch_and_the_next_run_completes(tmp_path):
    db = tmp_path / "crawl.db"
    with FaultServer(article_delay=0.1) as server:
        args = {"urls": server.url(f"/many/{ARTICLES}")}
        # No commit before the end: whatever is stored was committed by the shutdown itself.
        first = CrawlProcess("news", db, args, {"SQLITE_COMMIT_INTERVAL": 3600, "SQLITE_BATCH_SIZE": 100000})
        wait_for(lambda: server.log.count_prefix("/article/") >= 10, message=lambda: first.stderr[-2000:])
        first.signal(signal.SIGTERM)
        first.wait(60)
        fetched_first = {p for p in server.log.paths() if p.startswith("/article/")}
        server.log.clear()
        second = crawl("news", db, args)
    assert first.returncode == 3, first.stderr[-3000:]
    assert "Crawl finished (interrupted)" in first.stdout
    assert first.rows("SELECT id, finish_reason, finished IS NOT NULL FROM runs") == [
        (1, "interrupted", 1),
        (2, "finished", 1),
    ]
    ((stored_first,),) = first.rows("SELECT count(*) FROM articles WHERE run_id = 1")
    assert 0 < stored_first < ARTICLES
    stats = json.loads(first.rows("SELECT stats FROM runs WHERE id = 1")[0][0])
    assert stats["store/commits"] == 1 and stats["store/articles/new"] == stored_first
    assert second.returncode == 0, second.stderr[-3000:]
    assert_each_article_once(second, article_urls(server))
    # The second run downloaded only what the first did not store.
    stored_paths = {urlsplit(u).path for (u,) in first.rows("SELECT url FROM articles WHERE run_id = 1")}
    assert stored_paths <= fetched_first
    assert not stored_paths & {p for p in server.log.paths() if p.startswith("/article/")}


def test_a_second_ctrl_c_stops_at_once_and_keeps_what_was_stored(tmp_path):
    """Ctrl-C twice: the crawl stops without waiting for the pages still downloading, but commits what it wrote,
    records the run as interrupted and says so; the next run fetches only what it had not stored."""
    db = tmp_path / "crawl.db"
    stored = 10
    with FaultServer() as server:
        server.index_links = [f"/article/story-{i}" for i in range(stored)] + ["/held/last"]
        args = {"urls": server.url("/")}
        # No commit before the end, and the graceful stop waits for /held/last as long as the test likes.
        settings = {"SQLITE_COMMIT_INTERVAL": 3600, "SQLITE_BATCH_SIZE": 100000, "DOWNLOAD_TIMEOUT": 3600}
        first = CrawlProcess("news", db, args, {**settings, "LOG_LEVEL": "DEBUG"})
        # Each "Scraped from" line is logged once the page's article was written (not yet committed).
        wait_for(
            lambda: (
                first.stderr.count("Scraped from <200 " + server.url("/article/")) == stored
                and server.log.count("/held/last") > 0
            ),
            message=lambda: first.stderr[-2000:],
        )
        first.signal(signal.SIGINT)
        wait_for(lambda: "shutting down gracefully" in first.stderr, message=lambda: first.stderr[-2000:])
        first.signal(signal.SIGINT)
        first.wait(60)
        server.release()
        server.log.clear()
        second = crawl("news", db, args)
    assert first.returncode == 3, first.stderr[-3000:]
    assert "Crawl finished (interrupted)" in first.stdout
    assert "forcing unclean shutdown" in first.stderr and "Stopped at once" in first.stderr
    assert "Traceback" not in first.stderr, first.stderr[-3000:]
    assert first.rows("SELECT id, finish_reason, finished IS NOT NULL FROM runs") == [
        (1, "interrupted", 1),
        (2, "finished", 1),
    ]
    assert first.rows("SELECT count(*) FROM articles WHERE run_id = 1") == [(stored,)]
    assert json.loads(first.rows("SELECT stats FROM runs WHERE id = 1")[0][0])["store/articles/new"] == stored
    assert second.returncode == 0, second.stderr[-3000:]
    assert_each_article_once(second, article_urls(server, stored))
    assert second.rows("SELECT run_id FROM articles WHERE url = ?", (server.url("/held/last"),)) == [(2,)]
    # The second run downloaded only the page the first dropped.
    assert sorted(p for p in server.log.paths() if p.startswith(("/article/", "/held/"))) == ["/held/last"]


def a_crawl_stopped_as_it_starts(tmp_path: Path, server: FaultServer) -> tuple[CrawlProcess, Path, dict[str, str]]:
    """A crawl of ``server``'s sixty articles, held as it starts (tests.support.held_start) until the returned
    gate exists, sent Ctrl-C there and having said so; with its arguments, for the next run."""
    gate = tmp_path / "gate"
    settings = {"EXTENSIONS": json.dumps({"tests.support.held_start.HeldStart": 0}), "HELD_START_GATE": str(gate)}
    server.index_links = [f"/article/story-{i}" for i in range(ARTICLES)]
    args = {"urls": server.url("/")}
    crawl = CrawlProcess("news", tmp_path / "crawl.db", args, settings)
    wait_for(gate.with_suffix(".reached").exists, message=lambda: crawl.stderr[-2000:])
    crawl.signal(signal.SIGINT)
    wait_for(lambda: "Stopping: the crawl is still starting" in crawl.stderr, message=lambda: crawl.stderr[-2000:])
    return crawl, gate, args


def test_a_ctrl_c_while_the_crawl_starts_stops_it_once_started(tmp_path):
    """Ctrl-C before Scrapy handles signals (its reactor not running yet) was Python's KeyboardInterrupt traceback
    from wherever the start was; it is kept, and the crawl stops gracefully once its engine runs."""
    with FaultServer() as server:
        first, gate, args = a_crawl_stopped_as_it_starts(tmp_path, server)
        gate.touch()
        first.wait(120)
        second = crawl("news", first.db, args)
    assert first.returncode == 3, first.stderr[-3000:]
    assert "Traceback" not in first.stderr and "KeyboardInterrupt" not in first.stderr, first.stderr[-3000:]
    assert "Received SIGINT, shutting down gracefully" in first.stderr
    assert "Crawl finished (interrupted)" in first.stdout
    # Stopped as the engine began: the pages on their way at most (the default concurrency), not the site.
    assert first.rows("SELECT count(*) FROM articles WHERE run_id = 1")[0][0] < ARTICLES / 2
    assert first.rows("SELECT id, finish_reason FROM runs") == [(1, "interrupted"), (2, "finished")]
    assert second.returncode == 0, second.stderr[-3000:]
    assert_each_article_once(second, article_urls(server))


def test_a_second_ctrl_c_while_the_crawl_starts_stops_it_at_once(tmp_path):
    """Ctrl-C twice before the crawl has started: it ends there, with one line and the interrupted status; the
    next run starts as if nothing had happened."""
    with FaultServer() as server:
        first, _, args = a_crawl_stopped_as_it_starts(tmp_path, server)
        first.signal(signal.SIGINT)
        first.wait(60)  # the gate is still closed: it ended on the signal
        nothing_fetched = server.log.paths()
        second = crawl("news", first.db, args)
    assert first.returncode == 3, first.stderr[-3000:]
    assert first.stderr.rstrip().endswith("Stopped at once while the crawl was starting: nothing was stored")
    assert "Traceback" not in first.stderr and "KeyboardInterrupt" not in first.stderr, first.stderr[-3000:]
    assert nothing_fetched == []
    assert second.returncode == 0, second.stderr[-3000:]
    assert_each_article_once(second, article_urls(server))


@pytest.mark.parametrize("jobdir", [False, True], ids=["no-jobdir", "jobdir"])
def test_sigkill_leaves_an_intact_database_and_the_next_run_completes(tmp_path, jobdir):
    db = tmp_path / "crawl.db"
    settings = {"SQLITE_COMMIT_INTERVAL": 0.2, "SQLITE_BATCH_SIZE": 5}
    if jobdir:
        # Enough requests that Scrapy's requests.seen reaches the disk before the kill: the trap.
        settings["JOBDIR"] = str(tmp_path / "job")
        start, pictures, articles = "/mixed/30/380", 380, 30
    else:
        start, pictures, articles = f"/many/{ARTICLES}", 0, ARTICLES
    with FaultServer(article_delay=0.05) as server:
        args = {"urls": server.url(start)}
        first = CrawlProcess("news", db, args, settings)
        wait_for(lambda: committed_articles(db) >= 3, message=lambda: first.stderr[-2000:])
        first.signal(signal.SIGKILL)
        first.wait(30)
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            stored_first = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        second = crawl("news", db, args, settings)
    assert first.returncode == -signal.SIGKILL
    assert 0 < stored_first < articles
    assert second.returncode == 0, second.stderr[-3000:]
    assert_each_article_once(second, article_urls(server, articles))
    assert second.rows("SELECT count(*) FROM pages WHERE url LIKE '%/png?n=%'") == [(pictures,)]
    # The killed run never recorded its end; the next one marks it.
    assert second.rows("SELECT id, finish_reason, finished FROM runs ORDER BY id")[0] == (1, "aborted", None)
    assert second.rows("PRAGMA integrity_check") == [("ok",)]


READER_CHECK = """
SELECT
  (SELECT count(*) FROM articles),
  (SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM pages p WHERE p.article_id = a.id)),
  (SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_signatures s WHERE s.doc_id = a.id)),
  (SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_bands b WHERE b.doc_id = a.id)),
  (SELECT count(*) FROM articles_fts)
"""


def test_a_reader_is_never_blocked_and_never_sees_half_an_article(tmp_path):
    db = tmp_path / "crawl.db"
    blocked: list[str] = []
    counts: list[int] = []
    partial: list[tuple] = []
    with FaultServer(article_delay=0.02) as server:
        writer = CrawlProcess(
            "news",
            db,
            {"urls": server.url(f"/many/{ARTICLES}")},
            {"SQLITE_COMMIT_INTERVAL": 0.1, "SQLITE_BATCH_SIZE": 3},
        )

        def read() -> None:
            wait_for(lambda: committed_articles(db) > 0 or not writer.running())
            # As Datasette does: a read-only connection, its own transaction per query. No busy wait:
            # a query that had to wait for the writer would fail at once with "database is locked".
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0)
            while writer.running():
                try:
                    total, no_page, no_signature, no_bands, fts = conn.execute(READER_CHECK).fetchone()
                except sqlite3.OperationalError as exc:
                    blocked.append(str(exc))
                    continue
                counts.append(total)
                if no_page or no_signature or no_bands or fts != total:
                    partial.append((total, no_page, no_signature, no_bands, fts))
                time.sleep(0.005)
            conn.close()

        reader = threading.Thread(target=read)
        reader.start()
        writer.wait(120)
        reader.join()
    assert writer.returncode == 0, writer.stderr[-3000:]
    assert partial == []
    assert len(set(counts)) >= 3, counts  # the reader saw the crawl progress, batch by batch
    assert blocked == []
    assert writer.rows("SELECT count(*) FROM articles WHERE url LIKE '%/article/%'") == [(ARTICLES,)]


def test_a_second_crawl_on_a_database_being_written_refuses_and_the_first_is_unharmed(tmp_path):
    db = tmp_path / "crawl.db"
    with FaultServer() as server:
        args = {"urls": server.url("/many/40") + "," + server.url("/held/last")}
        # The first crawl cannot end before the test releases its last page, however slow the machine.
        first = CrawlProcess("news", db, args, {"DOWNLOAD_TIMEOUT": 3600})
        wait_for(lambda: server.log.count("/held/last") > 0, message=lambda: first.stderr[-2000:])  # it is crawling
        second = crawl("news", db, args)
        still_running = first.running()
        server.release()
        first.wait()
    assert still_running
    assert second.returncode == 1
    assert "is being written by another crawl" in second.stderr
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.rows("SELECT count(*) FROM runs") == [(1,)]
    assert_each_article_once(first, article_urls(server, 40))
    assert first.rows("PRAGMA integrity_check") == [("ok",)]


def test_two_crawls_started_at_once_never_write_together(tmp_path):
    db = tmp_path / "crawl.db"
    with FaultServer(article_delay=0.1) as server:
        args = {"urls": server.url("/many/20")}
        crawls = [CrawlProcess("news", db, args), CrawlProcess("news", db, args)]
        for process in crawls:
            process.wait(120)
    refused = [c for c in crawls if c.returncode != 0]
    # Whichever takes the lock first crawls; the other refuses, unless it started after the first ended.
    assert sorted(c.returncode for c in crawls) in ([0, 0], [0, 1]), [c.stderr[-2000:] for c in crawls]
    assert all("is being written by another crawl" in c.stderr for c in refused)
    runs = crawls[0].rows("SELECT started, finished FROM runs ORDER BY id")
    assert len(runs) == 2 - len(refused)
    assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(runs))  # never at the same time
    assert_each_article_once(crawls[0], article_urls(server, 20))
    assert crawls[0].rows("PRAGMA integrity_check") == [("ok",)]


def file_size_limit(limit: int):
    """preexec_fn: writes beyond ``limit`` bytes fail with EFBIG, as on a full disk (SIGXFSZ ignored)."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_stops_the_crawl_with_an_error_and_keeps_what_was_committed(tmp_path):
    db = tmp_path / "crawl.db"
    with FaultServer() as server:
        first = crawl("news", db, {"urls": server.url("/many/10")})
        assert first.returncode == 0
        before = first.rows("SELECT id, url, text FROM articles ORDER BY id")
        # Room for a few batches more than the database holds now, not for sixty articles.
        limit = db.stat().st_size + 150_000
        full = crawl(
            "news",
            db,
            {"urls": server.url(f"/many/{ARTICLES}")},
            {"SQLITE_BATCH_SIZE": 10},
            preexec_fn=file_size_limit(limit),
        )
        after_full = full.rows("SELECT id, url, text FROM articles ORDER BY id")
        third = crawl("news", db, {"urls": server.url(f"/many/{ARTICLES}")})
    assert full.returncode == 1, full.stderr[-3000:]
    assert "cannot write to the database" in full.stderr
    assert "Stopping the crawl; everything committed before stays intact" in full.stderr
    assert full.rows("PRAGMA integrity_check") == [("ok",)]
    assert after_full[: len(before)] == before and len(before) < len(after_full) < ARTICLES
    # The run's own row is written last; whether it still fits on the full disk depends on how far
    # the last batch got. Recorded, the summary counts what was stored; not, it says why and the next
    # run marks the run aborted.
    (finish_reason,) = full.rows("SELECT finish_reason FROM runs WHERE id = 2")[0]
    if finish_reason == "storage_error":
        assert f"Crawl finished (storage_error): {len(after_full) - len(before)} new articles stored" in full.stdout
    else:
        assert finish_reason == "aborted"
        assert "Crawl stopped (storage_error): cannot write to the database" in full.stdout
    assert third.returncode == 0, third.stderr[-3000:]
    assert_each_article_once(third, article_urls(server))


def without_root_file_access() -> None:
    """preexec_fn: as root, give up the capabilities that let root write files it has no permission for."""
    if os.geteuid() != 0:
        return
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER):
        if LIBC.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


@pytest.mark.parametrize("what", ["file", "everything"])
def test_a_read_only_database_is_refused_at_start_and_left_intact(tmp_path, what):
    """A database file without write permission, or a folder where nothing may be written (as on a
    read-only mount). Root ignores permissions, so as root the crawl runs without that privilege."""
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "crawl.db"
    with FaultServer() as server:
        assert crawl("news", db, {"urls": server.url("/many/5")}).returncode == 0
        before = read_all(db)
        requests_before = len(server.log.paths())
        read_only = [db] if what == "file" else [*folder.iterdir(), folder]
        for path in read_only:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            result = crawl("news", db, {"urls": server.url("/many/10")}, preexec_fn=without_root_file_access)
        finally:
            for path in read_only:
                path.chmod(0o755 if path.is_dir() else 0o644)
        requests_after = len(server.log.paths())
    assert result.returncode == 1
    expected = f"cannot write to the database {db}" if what == "file" else f"cannot open the lock file {db}.lock"
    assert expected in result.stderr
    assert requests_after == requests_before  # refused before fetching anything
    assert read_all(db) == before


def read_all(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return conn.execute("SELECT * FROM articles ORDER BY id").fetchall()
    finally:
        conn.close()
