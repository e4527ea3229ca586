"""Every URL asked for ends in the database, the schema appears whole, a stopped crawl resumes, no open ports."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlite_utils

from crawler.store.database import apply_migrations
from crawler.store.schema import MIGRATIONS, migrations
from crawler.urls import normalize_url
from tests.support.crawl import CrawlProcess, crawl, wait_for
from tests.support.faults import FaultServer

pytestmark = pytest.mark.e2e


def test_redirects_loops_and_links_to_other_sites_leave_a_trace(tmp_path):
    with FaultServer() as site, FaultServer() as elsewhere:
        site.index_links = [
            "/loop/a",
            "/loop/b",  # redirects back to /loop/a: each redirect is dropped as a duplicate of the other link
            "/article/target",
            "/redirect?to=/article/target",  # leads to a page another link fetches anyway
            "/redirect?to=/article/only-by-redirect",
            elsewhere.url("/article/outside"),
            elsewhere.url("/article/outside-too"),
        ]
        result = crawl("news", tmp_path / "crawl.db", {"urls": site.url("/"), "depth": 1})
    assert result.returncode == 0, result.stderr[-3000:]
    pages = result.pages()
    assert pages[site.url("/loop/a")][1:] == ("skipped", "redirect_loop")
    assert pages[site.url("/loop/b")][1:] == ("skipped", "redirect_loop")
    assert pages[site.url("/article/target")] == (200, "article", None)
    for start, target in (
        ("/redirect?to=/article/target", "/article/target"),
        ("/redirect?to=/article/only-by-redirect", "/article/only-by-redirect"),
    ):
        url = normalize_url(site.url(start))
        redirect = result.rows("SELECT status, kind, reason, redirect_to FROM pages WHERE url = ?", (url,))
        assert redirect == [(302, "redirect", "redirected", site.url(target))]
    assert pages[site.url("/article/only-by-redirect")] == (200, "article", None)
    # Links to another site are not fetched and not recorded one by one: counted per site in the run's stats.
    assert not [url for url in pages if url.startswith(elsewhere.base_url)]
    assert elsewhere.log.paths() == []
    stats = result.stats()
    assert stats["scope/links_out_of_scope"] == 2 and stats["scope/links_out_of_scope_sites"] == 1
    assert stats["scope/links_out_of_scope_top"] == {f"127.0.0.1:{elsewhere.port}": 2}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_meta_refresh_is_followed_in_any_encoding(tmp_path, encoding):
    """A page that sends on with <meta http-equiv="Refresh"> is a redirect to the page it names, also when
    it is written in an encoding whose bytes do not spell the tag out in ASCII."""
    with FaultServer() as site:
        result = crawl("news", tmp_path / "crawl.db", {"urls": site.url(f"/refresh/{encoding}"), "depth": 0})
    assert result.returncode == 0, result.stderr[-3000:]
    target = site.url(f"/article/refreshed-{encoding}")
    assert result.rows("SELECT kind, redirect_to FROM pages WHERE url = ?", (site.url(f"/refresh/{encoding}"),)) == [
        ("redirect", target)
    ]
    assert result.pages()[target] == (200, "article", None)


def test_a_reader_never_sees_part_of_the_schema(tmp_path):
    db = tmp_path / "new" / "crawl.db"
    observed: list[str] = []
    partial: list[set[str]] = []
    expected = {"articles", "pages", "runs", "teasers", "teaser_sightings", "articles_fts", "unique_articles"}
    with FaultServer(article_delay=0.05) as server:
        process = CrawlProcess("news", db, {"urls": server.url("/many/5"), "depth": 1})

        def poll() -> None:
            while process.running() or not observed:
                try:
                    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0)
                    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
                    conn.close()
                except sqlite3.OperationalError:
                    observed.append("no database")
                    continue
                observed.append("database")
                if not expected <= names:
                    partial.append(names)

        reader = threading.Thread(target=poll)
        reader.start()
        process.wait()
        reader.join()
    assert process.returncode == 0, process.stderr[-3000:]
    assert "no database" in observed and "database" in observed
    assert partial == []
    assert "created the folder" in process.stderr  # tmp_path/new did not exist: it is made, and said


def test_later_migrations_apply_in_one_transaction(tmp_path):
    db = sqlite3.connect(tmp_path / "crawl.db")
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    apply_migrations(db)
    begins = [s for s in statements if s.strip().upper().startswith("BEGIN")]
    commits = [s for s in statements if s.strip().upper() == "COMMIT"]
    assert len(begins) == 1 and len(commits) == 1  # one transaction for all migrations
    assert len(migrations().applied(sqlite_utils.Database(db))) == len(MIGRATIONS)


def test_a_crawl_stopped_with_jobdir_resumes_and_fetches_each_page_once(tmp_path):
    db, jobdir = tmp_path / "crawl.db", tmp_path / "job"
    with FaultServer(article_delay=0.2) as server:
        args = {"urls": server.url("/many/40")}
        settings = {"JOBDIR": str(jobdir), "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
        first = CrawlProcess("news", db, args, settings)
        wait_for(lambda: server.log.count_prefix("/article/") >= 8, message=lambda: first.stderr[-2000:])
        first.signal(signal.SIGINT)
        first.wait()
        assert first.returncode == 3, first.stderr[-3000:]
        assert (jobdir / "resume.json").exists()
        fetched_first = server.log.count_prefix("/article/")
        resumed = crawl("news", db, args, settings)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        paths = server.log.paths()
        # Over both runs, every page was requested once: the start page too, and no article twice.
        assert paths.count("/many/40") == 1
        articles = [p for p in paths if p.startswith("/article/")]
        assert sorted(articles) == sorted(f"/article/story-{i}" for i in range(40)), fetched_first
        assert resumed.rows("SELECT count(*) FROM articles") == [(40,)]
        stats = resumed.stats()
        assert stats.get("pages/listing", 0) == 0 and stats.get("store/articles/listed_again", 0) == 0
        # The job is done: the next run is an ordinary scheduled run again, from the start page.
        assert not (jobdir / "resume.json").exists() and not (jobdir / "requests.seen").exists()
        server.log.clear()
        again = crawl("news", db, args, settings)
        assert again.returncode == 0
        assert server.log.paths().count("/many/40") == 1 and server.log.count_prefix("/article/") == 0


def listening_ports(pid: int) -> set[int]:
    """TCP ports the process listens on, read from /proc (its sockets' inodes in its net tables)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # state LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def test_a_crawl_opens_no_control_port_and_names_its_operator(tmp_path):
    with FaultServer() as server:
        args = {"urls": server.url("/held/story")}
        process = CrawlProcess("news", tmp_path / "crawl.db", args, {"CRAWL_CONTACT": "mailto:ops@example.org"})
        wait_for(lambda: server.log.count("/held/story") > 0, message=lambda: process.stderr[-2000:])
        ports = listening_ports(process.pid)
        server.release()
        process.wait()
    assert process.returncode == 0, process.stderr[-3000:]
    assert ports == set()  # neither the telnet console nor the remote-control endpoint
    agent = next(h.headers["User-Agent"] for h in server.log.hits if h.path == "/held/story")
    assert agent == "storyonce/0.1 (news crawler; +mailto:ops@example.org)"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/proc/nonexistent/crawl.db", "cannot create the folder /proc/nonexistent for the database"),
        ("/proc/self/crawl.db", "cannot"),  # a folder that exists but takes no files
    ],
)
def test_a_database_path_that_cannot_be_used_is_one_line(tmp_path, path, message):
    result = crawl("news", Path(path), {"urls": "http://127.0.0.1:9/"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"Cannot start the crawl: {message}")
    assert "Traceback" not in result.stderr


def test_the_demo_takes_any_free_port_and_refuses_a_busy_one_in_one_line(tmp_path):
    result = crawl("demo", tmp_path / "demo.db", settings={"DEMO_PORTS": "0"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "20 new articles stored" in result.stdout
    with FaultServer() as busy:
        result = crawl("demo", tmp_path / "again.db", settings={"DEMO_PORTS": f"{busy.port},0"})
    assert result.returncode == 1
    assert f"ports {busy.port} and 0" in result.stderr.strip().splitlines()[-1]
    assert "Traceback" not in result.stderr
