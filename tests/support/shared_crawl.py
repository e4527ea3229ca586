"""Shared crawls in tests: N ``scrapy crawl`` crawlers on one Redis, the ``scrapy store`` writer, what to compare."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.support.crawl import CrawlProcess, ScrapyProcess, query

# A crawler that misses heartbeats this long counts as gone. Long enough that a live crawler starved of
# CPU on a loaded machine is not taken for dead; a test that kills a crawler passes SHORT_PEER_TIMEOUT
# so that it does not wait long for the dead one.
PEER_TIMEOUT = 30
SHORT_PEER_TIMEOUT = 6


class StoreProcess(ScrapyProcess):
    """A ``scrapy store`` subprocess, started as a user starts it."""

    def __init__(self, redis_url: str, db: Path, settings: dict[str, Any] | None = None):
        self.db = db
        command = ["store", "-s", f"REDIS_URL={redis_url}", "-s", f"SQLITE_PATH={db}"]
        for key, value in {"LOG_LEVEL": "INFO", "CRAWL_PEER_TIMEOUT": PEER_TIMEOUT, **(settings or {})}.items():
            command += ["-s", f"{key}={value}"]
        super().__init__(command)

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def running(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def wait(self, timeout: float = 300) -> StoreProcess:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise TimeoutError(f"scrapy store still running after {timeout} s:\n{self.stderr[-3000:]}") from None
        return self


def start_crawlers(
    count: int, redis_url: str, args: dict[str, Any], folder: Path, settings: dict[str, Any] | None = None
) -> list[CrawlProcess]:
    """``count`` crawlers of one shared crawl; crawler ``i`` says ``crawler-i`` in its user agent.

    Each is given an ``SQLITE_PATH`` of its own that must never appear: crawlers do not open the database.
    """
    crawlers = []
    for i in range(count):
        shared = {
            "REDIS_URL": redis_url,
            "CRAWL_PEER_TIMEOUT": PEER_TIMEOUT,
            "CRAWL_CONTACT": f"mailto:crawler-{i}@example.org",
            **(settings or {}),
        }
        crawlers.append(CrawlProcess("news", folder / f"crawler-{i}-never.db", args, shared))
    return crawlers


def wait_all(processes: list[Any], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    for process in processes:
        process.wait(max(1.0, deadline - time.monotonic()))


def snapshot(db: Path) -> dict[str, Any]:
    """What a crawl stored, by URL (ids and times differ between two crawls of the same site)."""

    def rows(sql: str) -> list[tuple]:
        return query(db, sql)

    articles = {
        url: rest
        for url, *rest in rows(
            "SELECT url, canonical_url, site, title, text, word_count, content_hash, version, gone_at IS NULL "
            "FROM articles"
        )
    }
    clusters: dict[str, set[str]] = {}
    roots = "SELECT a.url, r.url FROM articles a JOIN articles r ON r.id = COALESCE(a.duplicate_of, a.id)"
    for url, root in rows(roots):
        clusters.setdefault(root, set()).add(url)
    return {
        "articles": articles,
        "clusters": sorted(sorted(members) for members in clusters.values()),
        "article_urls": set(
            rows("SELECT u.url, a.url, u.reason FROM article_urls u JOIN articles a ON a.id = u.article_id")
        ),
        "teasers": {
            (url, text): (title, seen_count, article)
            for url, text, title, seen_count, article in rows(
                "SELECT t.url, t.text, t.title, t.seen_count, a.url FROM teasers t "
                "LEFT JOIN articles a ON a.id = t.article_id"
            )
        },
        "sightings": set(
            rows("SELECT t.url, s.page_url, s.block FROM teaser_sightings s JOIN teasers t ON t.id = s.teaser_id")
        ),
        "pages": {
            url: rest
            for url, *rest in rows(
                "SELECT p.url, p.status, p.kind, p.reason, p.redirect_to, a.url FROM pages p "
                "LEFT JOIN articles a ON a.id = p.article_id"
            )
        },
        "removed": set(
            rows("SELECT a.url, b.text, b.reason FROM removed_blocks b JOIN articles a ON a.id = b.article_id")
        ),
        "chrome": set(rows("SELECT site, hash FROM site_blocks WHERE is_chrome = 1")),
    }


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
