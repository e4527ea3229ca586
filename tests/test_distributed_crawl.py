"""End to end: three `scrapy crawl` crawlers and one `scrapy store` writer around a real Redis server.

The site is generated (tests/support/news_site.py): a few hundred pages with near-duplicates,
syndicated copies and repeated teasers. The reference is a single-machine crawl of the same site.
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.distributed.consumer import GROUP
from crawler.extract.chrome import CHROME
from tests.support.crawl import CrawlProcess, committed_articles, crawl, query, wait_for
from tests.support.news_site import NewsSite
from tests.support.redis_server import RedisServer, free_port
from tests.support.shared_crawl import (
    SHORT_PEER_TIMEOUT,
    StoreProcess,
    integrity,
    snapshot,
    start_crawlers,
    wait_all,
)
from tests.support.tls_front import TlsFront

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PREFIX = "storyonce"  # CRAWL_REDIS_KEY's default
ROBOTS = ("daily:/robots.txt", "wire:/robots.txt")


@pytest.fixture(scope="module")
def site():
    with NewsSite() as running:
        yield running


@pytest.fixture(scope="module")
def reference(site, tmp_path_factory) -> dict[str, Any]:
    """The same site crawled on one machine: what every shared crawl must store."""
    db = tmp_path_factory.mktemp("single") / "single.db"
    site.log.clear()
    result = crawl("news", db, {"urls": site.start_urls, "depth": 2})
    assert result.returncode == 0, result.stderr[-3000:]
    return {
        "db": db,
        "snapshot": snapshot(db),
        "chrome": chrome_cut(db),
        "fetched": site.fetched(),
        "stats": result.stats(),
    }


@pytest.fixture
def server():
    with RedisServer() as running:
        yield running


def args(site: NewsSite) -> dict[str, Any]:
    return {"urls": site.start_urls, "depth": 2}


def joined(client: redis.Redis, count: int) -> bool:
    return client.hlen(f"{PREFIX}:crawlers") == count


def start_together(site: NewsSite, server: RedisServer, folder: Path, count: int = 3, **settings: Any):
    """``count`` crawlers that all joined the run before any page is served (none may find it over)."""
    site.log.clear()
    site.hold_back()
    crawlers = start_crawlers(count, server.url, args(site), folder, settings)
    wait_for(lambda: joined(server.client(), count), message="the crawlers did not all join the run")
    site.release()
    return crawlers


def stored_run(db: Path) -> list[tuple]:
    return query(db, "SELECT spider, args, finish_reason FROM runs ORDER BY id")


def drained(client: redis.Redis) -> None:
    """Nothing left of the run in Redis but the page history: the stream is empty, nothing is pending."""
    stream = f"{PREFIX}:stream"
    assert client.xlen(stream) == 0
    assert client.xpending(stream, GROUP)["pending"] == 0
    assert not client.exists(f"{PREFIX}:run", f"{PREFIX}:requests", f"{PREFIX}:seen")
    assert client.hlen(f"{PREFIX}:crawlers") == 0


def test_three_crawlers_and_one_writer_store_what_one_machine_stores_fetching_each_page_once(
    site, reference, server, tmp_path
):
    db = tmp_path / "shared.db"
    writer = StoreProcess(server.url, db)
    crawlers = start_together(site, server, tmp_path)
    wait_all([*crawlers, writer])
    assert [c.returncode for c in crawlers] == [0, 0, 0], crawlers[0].stderr[-3000:]
    assert writer.returncode == 0, writer.stderr[-3000:]

    fetched = site.fetched()
    assert set(fetched) == set(reference["fetched"])
    pages = {path: n for path, n in fetched.items() if path not in ROBOTS}
    assert set(pages.values()) == {1}, [path for path, n in pages.items() if n > 1]  # each page once in total
    for robots in ROBOTS:  # every crawler reads a host's robots.txt itself; the daily's is a start URL too
        assert fetched[robots] <= 4
    shares = [site.asked_by(f"crawler-{i}") for i in range(3)]
    assert all(shares), (shares, [c.stderr[-2500:] for c in crawlers])  # the work was shared

    assert snapshot(db) == reference["snapshot"]
    assert integrity(db) == "ok"
    ((spider, run_args, reason),) = stored_run(db)
    assert (spider, reason) == ("news", "finished")
    assert json.loads(run_args) == json.loads(query(reference["db"], "SELECT args FROM runs")[0][0])
    stats = json.loads(query(db, "SELECT stats FROM runs")[0][0])
    assert stats["distributed/crawlers"] == 3
    for key in ("store/articles/new", "dedup/near", "dedup/exact", "teasers/new", "teasers/sightings", "pages/article"):
        assert stats[key] == reference["stats"][key], key
    assert "Crawl finished (finished): 238 new articles stored" in writer.stdout
    drained(server.client())
    assert not any(Path(c.db).exists() for c in crawlers)  # no crawler opened a database


def test_crawlers_and_the_writer_on_a_redis_behind_tls_store_what_one_machine_stores(site, reference, server, tmp_path):
    """rediss:// (a managed Redis, or stunnel in front of one): the same run, every command through TLS."""
    with TlsFront(server.socket, tmp_path) as front:
        db = tmp_path / "tls.db"
        writer = StoreProcess(front.url, db)
        site.log.clear()
        site.hold_back()
        crawlers = start_crawlers(2, front.url, args(site), tmp_path)
        wait_for(lambda: joined(server.client(), 2), message=lambda: crawlers[0].stderr[-2000:])
        site.release()
        wait_all([*crawlers, writer])
        assert [c.returncode for c in crawlers] == [0, 0], crawlers[0].stderr[-3000:]
        assert writer.returncode == 0, writer.stderr[-3000:]
        assert front.connections >= 3  # each crawler and the writer came through the front
    assert snapshot(db) == reference["snapshot"]
    assert integrity(db) == "ok"
    drained(server.client())


def test_a_writer_stopped_then_killed_mid_crawl_and_started_again_stores_the_same_database(
    site, reference, server, tmp_path
):
    db = tmp_path / "shared.db"
    client = server.client()
    stream = f"{PREFIX}:stream"
    site.log.clear()
    site.hold_back(site="wire")  # the run cannot end before the writers below are stopped
    crawlers = start_crawlers(3, server.url, args(site), tmp_path)
    # The first writer commits every 40 records; stopped by a signal, it commits what it has first.
    first = StoreProcess(server.url, db, {"SQLITE_BATCH_SIZE": 40})
    wait_for(lambda: committed_articles(db) > 0, message=lambda: first.stderr[-3000:])
    first.process.send_signal(signal.SIGTERM)
    assert first.wait().returncode == 3, first.stderr[-3000:]
    # The second goes on with the run and commits nothing (no batch fills, no interval passes) until
    # it has read a while without anything new: killed before, it leaves its entries pending.
    second = StoreProcess(server.url, db, {"SQLITE_BATCH_SIZE": 100_000, "SQLITE_COMMIT_INTERVAL": 600})
    wait_for(lambda: client.xpending(stream, GROUP)["pending"] >= 10, message=lambda: second.stderr[-3000:])
    second.kill()  # SIGKILL: no commit, no acknowledgement, its claim on the stream stays
    assert "going on with the shared run" in second.stderr
    assert client.xpending(stream, GROUP)["pending"] >= 10  # read by the dead writer, not stored
    third = StoreProcess(server.url, db)
    site.release()
    wait_all([*crawlers, third])
    assert [c.returncode for c in crawlers] == [0, 0, 0]
    assert third.returncode == 0, third.stderr[-3000:]
    assert "claimed" in third.stderr and "going on with the shared run" in third.stderr
    assert snapshot(db) == reference["snapshot"]
    assert [reason for *_, reason in stored_run(db)] == ["finished"]  # one run, continued twice
    stats = json.loads(query(db, "SELECT stats FROM runs")[0][0])
    assert stats["store/articles/new"] == reference["stats"]["store/articles/new"]  # counted once
    assert integrity(db) == "ok"
    drained(client)


def test_a_crawler_killed_mid_crawl_loses_only_its_requests_in_flight_which_the_next_run_fetches(
    site, reference, server, tmp_path
):
    db = tmp_path / "shared.db"
    short = {"CRAWL_PEER_TIMEOUT": SHORT_PEER_TIMEOUT}  # the others wait this long for the dead crawler
    writer = StoreProcess(server.url, db, short)
    site.log.clear()
    site.hold_back(agent="crawler-2")  # its requests wait: it dies with the requests it took from the queue
    crawlers = start_crawlers(3, server.url, args(site), tmp_path, short)
    victim = crawlers[2]
    wait_for(lambda: site.asked_by("crawler-2") > 0, message=lambda: victim.stderr[-3000:])
    victim.signal(signal.SIGKILL)
    victim.wait()
    site.release()
    wait_all([*crawlers[:2], writer])
    assert [c.returncode for c in crawlers] == [0, 0, -signal.SIGKILL]
    assert writer.returncode == 0, writer.stderr[-3000:]

    first = snapshot(db)
    expected = reference["snapshot"]
    lost = set(expected["pages"]) - set(first["pages"])
    assert lost  # the requests it had taken, and the pages only they would have led to
    stored_right(first, reference)
    stats = json.loads(query(db, "SELECT stats FROM runs")[0][0])
    assert stats["distributed/crawlers"] == 2  # a killed crawler hands over no stats
    drained(server.client())

    # The next run (one crawler is enough) fetches what was lost; what was stored is not fetched again.
    site.log.clear()
    again = StoreProcess(server.url, db)
    rerun = start_crawlers(1, server.url, args(site), tmp_path)
    wait_all([*rerun, again])
    assert rerun[0].returncode == 0 and again.returncode == 0, again.stderr[-3000:]
    assert snapshot(db) == expected
    # Stored articles are not downloaded again, unless a lost old URL that redirects to one leads there.
    refetched = Counter(site.fetched())
    redirected = {row[3] for url, row in expected["pages"].items() if url in lost and row[1] == "redirect"}
    again_fetched = {url for url in first["articles"] if refetched[_path(site, url)]}
    assert again_fetched <= redirected, again_fetched - redirected
    assert [reason for *_, reason in stored_run(db)] == ["finished", "finished"]


def test_redis_restarted_mid_crawl_corrupts_nothing(site, reference, server, tmp_path):
    db = tmp_path / "shared.db"
    writer = StoreProcess(server.url, db)
    crawlers = start_together(site, server, tmp_path, count=2)
    site.hold_back(site="wire")  # the crawl is still going on when Redis goes away
    wait_for(lambda: sum(site.fetched().values()) > 60)
    server.restart()  # shut down (the append-only file is flushed) and started again on the same socket
    site.release()
    wait_all([*crawlers, writer])
    assert [c.returncode for c in crawlers] == [0, 0], crawlers[0].stderr[-3000:]
    assert writer.returncode == 0, writer.stderr[-3000:]
    assert integrity(db) == "ok"
    first = snapshot(db)
    expected = reference["snapshot"]
    stored_right(first, reference)
    drained(server.client())
    # Whatever a request in flight at that moment missed, the next run fetches.
    again = StoreProcess(server.url, db)
    rerun = start_crawlers(1, server.url, args(site), tmp_path)
    wait_all([*rerun, again])
    assert rerun[0].returncode == 0 and again.returncode == 0, again.stderr[-3000:]
    assert snapshot(db) == expected


def stored_right(first: dict[str, Any], reference: dict[str, Any]) -> None:
    """What a crawl that lost some requests stored is what the reference stored for the same URLs.

    Only a link to an article not stored yet may be missing: an old URL that redirects to a page
    that was lost has no article until the next run stores the page and links it. And an article may
    still hold a line the reference cut as the site's chrome: the lost pages can be the stories that
    would have made it chrome ("Distributed by the Wire service." in too few of the wire's stored
    stories); the next run, which stores them, cuts it.
    """
    expected = reference["snapshot"]
    lost = set(expected["pages"]) - set(first["pages"])
    differ = {
        url: (row, expected["articles"][url])
        for url, row in first["articles"].items()
        if not _same_but_chrome(row, expected["articles"][url], reference["chrome"].get(url, set()))
    }
    assert not differ, differ
    differ = {
        url: (row, expected["pages"][url])
        for url, row in first["pages"].items()
        if row[:4] != expected["pages"][url][:4]
    }
    assert not differ, differ
    unlinked = [url for url, row in first["pages"].items() if row != expected["pages"][url]]
    assert all(expected["pages"][url][4] in lost for url in unlinked), unlinked


def chrome_cut(db: Path) -> dict[str, set[str]]:
    """The lines cut from each article as its site's chrome, by the article's URL."""
    cut: dict[str, set[str]] = {}
    sql = "SELECT a.url, r.text FROM removed_blocks r JOIN articles a ON a.id = r.article_id WHERE r.reason = ?"
    for url, text in query(db, sql, (CHROME,)):
        cut.setdefault(url, set()).add(text)
    return cut


def _same_but_chrome(row: list[Any], expected: list[Any], chrome: set[str]) -> bool:
    """The same article row, but for lines of ``chrome`` still in its text (snapshot's column order)."""
    if row == expected:
        return True
    canonical, site, title, text, _words, _hash, version, live = row
    paragraphs = text.split("\n\n")
    kept = [p for p in paragraphs if p not in chrome]
    same_fields = [canonical, site, title, version, live] == [*expected[:3], *expected[6:]]
    return same_fields and len(kept) < len(paragraphs) and kept == expected[3].split("\n\n")


def _path(site: NewsSite, url: str) -> str:
    for name, server in (("daily", site.daily), ("wire", site.wire)):
        if url.startswith(server.base_url):
            return f"{name}:{url.removeprefix(server.base_url)}"
    return url


# -- refusals ----------------------------------------------------------------------------------------
def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def guarded():
    """A Redis that asks for a password, on a loopback port."""
    with RedisServer(tcp=True, password="s3cret") as running:
        yield running


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:6379/0", "REDIS_URL='http://127.0.0.1:6379/0' is not allowed: redis://[:password@]host"),
        ("redis://127.0.0.1:99999/0", "REDIS_URL='redis://127.0.0.1:99999/0' is not allowed"),
        ("redis://127.0.0.1:{free}/0", "cannot reach Redis at redis://127.0.0.1:{free}/0: Error 111 connecting"),
        ("unix:///nonexistent/redis.sock", "cannot reach Redis at unix:///nonexistent/redis.sock: Error 2"),
        ("redis://127.0.0.1:{guarded}/0", "Redis at redis://127.0.0.1:{guarded}/0 asks for a password: give it in"),
        ("redis://:wrong@127.0.0.1:{guarded}/0", "Redis at redis://:***@127.0.0.1:{guarded}/0 refused the password"),
    ],
)
def test_a_bad_or_unreachable_redis_is_one_line_and_exit_status_1(tmp_path, guarded, url, message):
    values = {"free": free_port(), "guarded": guarded.port}
    url, message = url.format(**values), message.format(**values)
    crawler = CrawlProcess("news", tmp_path / "never.db", {"urls": "http://127.0.0.1:9/"}, {"REDIS_URL": url}).wait()
    assert crawler.returncode == 1
    assert last_line(crawler.stderr).startswith(f"Cannot start the crawl: {message}"), crawler.stderr[-2000:]
    assert "Traceback" not in crawler.stderr and "wrong" not in crawler.stderr
    if "is not allowed" in message:  # checked before Scrapy starts: its log's banner is not printed either
        assert len(crawler.stderr.strip().splitlines()) == 1, crawler.stderr[-2000:]
    writer = StoreProcess(url, tmp_path / "never.db").wait()
    assert writer.returncode == 1
    assert last_line(writer.stderr).startswith(f"Cannot start the writer: {message}"), writer.stderr[-2000:]
    assert "Traceback" not in writer.stderr and "wrong" not in writer.stderr
    assert not (tmp_path / "never.db").exists()


def test_a_password_in_the_url_opens_the_door(tmp_path, guarded):
    url = f"redis://:s3cret@127.0.0.1:{guarded.port}/0"
    writer = StoreProcess(url, tmp_path / "crawl.db", {"STORE_FOLLOW": True})
    wait_for(lambda: guarded.client().exists(f"{PREFIX}:writer") == 1, message=lambda: writer.stderr[-2000:])
    writer.process.send_signal(signal.SIGTERM)
    writer.wait()
    assert writer.returncode == 3, writer.stderr[-2000:]


def test_a_redis_behind_tls_whose_certificate_is_not_trusted_is_one_line(server, tmp_path):
    with TlsFront(server.socket, tmp_path) as front:
        untrusted = front.url.split("?")[0]  # without ssl_ca_certs: the self-signed certificate is unknown
        crawler = CrawlProcess("news", tmp_path / "never.db", {"urls": "http://127.0.0.1:9/"}, {"REDIS_URL": untrusted})
        crawler.wait()
    assert crawler.returncode == 1
    line = last_line(crawler.stderr)
    assert line.startswith(f"Cannot start the crawl: cannot reach Redis at {untrusted}: "), crawler.stderr[-2000:]
    assert "certificate verify failed" in line
    assert "Traceback" not in crawler.stderr


def test_a_second_writer_refuses_in_one_line_and_the_first_goes_on(site, server, tmp_path):
    first = StoreProcess(server.url, tmp_path / "first.db", {"STORE_FOLLOW": True})
    client = server.client()
    wait_for(lambda: client.exists(f"{PREFIX}:writer") == 1, message=lambda: first.stderr[-2000:])
    second = StoreProcess(server.url, tmp_path / "second.db").wait()
    assert second.returncode == 1
    assert last_line(second.stderr).startswith(f"Cannot start the writer: another writer (pid {first.pid} on "), (
        second.stderr[-2000:]
    )
    assert "is storing storyonce:stream: there is one writer per crawl" in second.stderr
    assert first.running()
    # The first stores a crawl, and with STORE_FOLLOW waits for the next one instead of exiting.
    crawlers = start_together(site, server, tmp_path, count=1)
    wait_all(crawlers)
    wait_for(lambda: "Crawl finished (finished)" in first.stdout, message=lambda: first.stderr[-2000:])
    assert first.running()
    first.process.send_signal(signal.SIGTERM)
    first.wait()
    assert first.returncode == 3  # stopped by a signal
    assert query(tmp_path / "first.db", "SELECT count(*) FROM articles")[0][0] == 238
