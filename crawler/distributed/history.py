"""What crawlers know of stored pages, kept in Redis by the writer (RedisMirror) and read by them (RedisHistory)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from crawler.distributed.config import Keys
from crawler.handoff import KnownChrome, KnownPage, PageHistory, SiteRevisits, StoredArticle
from crawler.store.database import Database
from crawler.urls import site_of

logger = logging.getLogger(__name__)

BATCH = 1000  # URLs mirrored per round trip when the whole database is copied
KEPT_KINDS = ("robots", "sitemap")  # the only pages a body is kept for
# A site's chrome is read again from Redis at most this often: every page asks for it, and it grows
# only now and then (a page whose chrome is not cut yet is cut by the writer, which signs it again).
CHROME_FRESH_S = 5.0


def encode_known(known: KnownPage, run: str | None) -> bytes:
    """One URL's record in the ``pages`` hash: short keys, since there is one per URL ever fetched.

    ``run`` is the shared run the writer is storing: an article stored by it carries it, so crawlers
    of that run know it needs nothing more (``StoredArticle.stored_this_run``).
    """
    record: dict[str, Any] = {
        key: value
        for key, value in (
            ("k", known.kind),
            ("e", known.etag),
            ("m", known.last_modified),
            ("f", known.fetched_at),
        )
        if value is not None
    }
    article = known.article
    if article is not None:
        record["a"] = [article.article_id, article.url, article.first_seen]
        if article.stored_this_run and run is not None:
            record["a"].append(run)
    return json.dumps(record, separators=(",", ":")).encode()


def decode_known(data: bytes, run: str | None) -> KnownPage:
    record = json.loads(data)
    article = None
    if "a" in record:
        article_id, url, first_seen, *stored_by = record["a"]
        this_run = run is not None and stored_by == [run]
        article = StoredArticle(article_id, url, first_seen, stored_this_run=this_run)
    return KnownPage(record.get("k"), record.get("e"), record.get("m"), record.get("f"), article)


def encode_chrome(chrome: KnownChrome) -> bytes:
    rules = {"blocks": sorted(chrome.blocks), "max_chars": chrome.max_chars, "min_words": chrome.min_words}
    return json.dumps(rules, separators=(",", ":")).encode()


def decode_chrome(data: bytes) -> KnownChrome:
    rules = json.loads(data)
    return KnownChrome(frozenset(rules["blocks"]), rules["max_chars"], rules["min_words"])


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


class RedisHistory:
    """The crawl side's :class:`~crawler.handoff.PageHistory` in a shared run: one Redis read a question.

    It lags the database by one commit of the writer: a page stored a moment ago by a peer may still
    look unknown (the shared duplicate filter keeps it from being asked for twice in a run).
    ``run`` names the shared run this crawler is in; ``failed`` is told when Redis cannot answer.
    """

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        run: Callable[[], str | None],
        failed: Callable[[Exception], None],
    ):
        self.redis = client
        self.keys = keys
        self.run = run
        self.failed = failed
        self._chrome: dict[str, tuple[float, bytes | None, KnownChrome | None]] = {}  # by site: when read, what

    def known(self, url: str) -> KnownPage | None:
        data = self._field(self.keys.pages, url)
        return decode_known(data, self.run()) if data is not None else None

    def due_for_revisit(self, site: SiteRevisits) -> list[str]:
        if site.within_days <= 0:
            return []
        now = datetime.now(UTC)
        since = (now - timedelta(days=site.within_days)).replace(microsecond=0).timestamp()
        before = (now - timedelta(hours=site.after_hours)).isoformat(timespec="seconds")
        try:
            scored: list[tuple[bytes, float]] = []
            for host in site.hosts:
                found: Any = self.redis.zrangebyscore(self.keys.revisits(host), since, "+inf", withscores=True)
                scored += [(url, float(score)) for url, score in found]
            scored.sort(key=lambda pair: -pair[1])  # the newest stories first, as the database answers
            urls = [url for url, _ in scored]
            records = self.redis.hmget(self.keys.pages, urls) if urls else []
        except redis.RedisError as exc:
            self.failed(exc)
            return []
        due = []
        for url, data in zip(urls, records, strict=True):
            fetched_at = decode_known(data, None).fetched_at if isinstance(data, bytes) else None
            if fetched_at is not None and fetched_at <= before:
                due.append(url.decode())
        return due

    def kept_body(self, url: str) -> bytes | None:
        return self._field(self.keys.bodies, url)

    def site_chrome(self, site: str) -> KnownChrome | None:
        now = time.monotonic()
        cached = self._chrome.get(site)
        if cached is not None and now - cached[0] < CHROME_FRESH_S:
            return cached[2]
        data = self._field(self.keys.chrome, site)
        if data is None:
            chrome = None
        elif cached is not None and cached[1] == data:
            chrome = cached[2]  # unchanged: not decoded again
        else:
            chrome = decode_chrome(data)
        self._chrome[site] = (now, data, chrome)
        return chrome

    def _field(self, key: str, url: str) -> bytes | None:
        """One URL's entry of a hash; None if absent, or if Redis failed (``failed`` is told)."""
        try:
            data = self.redis.hget(key, url)
        except redis.RedisError as exc:
            self.failed(exc)
            return None
        return data if isinstance(data, bytes) else None


class RedisMirror:
    """Writer side: after each commit, writes what the crawlers may ask of every page the batch changed.

    A :class:`crawler.store.writer.CommitListener`. For each URL it writes what ``history`` (the
    writer's :class:`~crawler.store.history.StoredPages`) answers, so crawlers get the same answers a
    single-machine crawl gets from the database, one commit later. The other URLs of a changed
    article are written again too: their validators are those of the article's current URL.
    """

    def __init__(
        self, client: redis.Redis, keys: Keys, history: PageHistory, db: Database, run: Callable[[], str | None]
    ):
        self.redis = client
        self.keys = keys
        self.history = history
        self.db = db
        self.run = run
        self._chrome_sent: dict[str, KnownChrome | None] = {}  # by site: what Redis holds since we wrote it

    def committed(self, urls: set[str]) -> None:
        self.refresh(urls)
        self.refresh_chrome({site_of(url) for url in urls})

    def refresh_chrome(self, sites: Iterable[str]) -> None:
        """Write the chrome learned for ``sites`` where it changed since it was last written."""
        pipe = self.redis.pipeline(transaction=False)
        for site in sites:
            chrome = self.history.site_chrome(site)
            if site in self._chrome_sent and self._chrome_sent[site] == chrome:
                continue
            self._chrome_sent[site] = chrome
            if chrome is None:
                pipe.hdel(self.keys.chrome, site)
            else:
                pipe.hset(self.keys.chrome, site, encode_chrome(chrome))
        pipe.execute()

    def refresh(self, urls: Iterable[str]) -> None:
        """Write the records of ``urls`` and of the other URLs of their articles."""
        pending = set(urls)
        answers: dict[str, KnownPage | None] = {}
        expanded: set[int] = set()  # articles whose URLs are already pending or answered
        while pending:
            url = pending.pop()
            known = answers[url] = self.history.known(url)
            if known is not None and known.article is not None and known.article.article_id not in expanded:
                expanded.add(known.article.article_id)
                pending |= self._urls_of(known.article.article_id) - answers.keys()
        self._write(answers)

    def _urls_of(self, article_id: int) -> set[str]:
        """The article's URL and its other URLs: every URL whose answer comes from the article (both indexed)."""
        rows = self.db.read(
            "SELECT url FROM articles WHERE id = ? UNION SELECT url FROM article_urls WHERE article_id = ?",
            (article_id, article_id),
        )
        return {row[0] for row in rows}

    def _write(self, answers: dict[str, KnownPage | None]) -> None:
        if not answers:
            return
        run = self.run()
        pipe = self.redis.pipeline(transaction=False)
        for url, known in answers.items():
            if known is None:
                pipe.hdel(self.keys.pages, url)
                pipe.zrem(self.keys.revisits(site_of(url)), url)
                continue
            pipe.hset(self.keys.pages, url, encode_known(known, run))
            article = known.article
            if article is not None and article.url == url:
                pipe.zadd(self.keys.revisits(site_of(url)), {url: _epoch(article.first_seen)})
            else:
                pipe.zrem(self.keys.revisits(site_of(url)), url)
            if known.kind in KEPT_KINDS:
                body = self.history.kept_body(url)
                if body is not None:
                    pipe.hset(self.keys.bodies, url, body)
        pipe.execute()

    # -- the whole database ---------------------------------------------------------------------
    def is_current(self, database: str, last_run: int | None) -> bool:
        """Whether Redis mirrors ``database`` as it was after run ``last_run`` (no other crawl wrote since)."""
        return mirrors(self.redis, self.keys, database, last_run)

    def mark(self, database: str, last_run: int | None) -> None:
        """Record that Redis mirrors ``database`` up to run ``last_run``."""
        mark_mirror(self.redis, self.keys, database, last_run)

    def copy_all(self, database: str, last_run: int | None, progress: Callable[[], None] | None = None) -> int:
        """Mirror every page and other URL of the database, replacing what Redis held; returns the URL count.

        Needed once per database, and whenever another crawl (a single-machine one) wrote to it.
        ``progress`` is called after every batch of URLs (the writer renews its claim on the stream).
        """
        started = time.monotonic()
        self.redis.delete(self.keys.mirror, self.keys.pages, self.keys.bodies, self.keys.chrome)
        self._chrome_sent.clear()
        for key in self.redis.scan_iter(match=self.keys.revisits("*"), count=1000):
            self.redis.delete(key)
        count = 0
        cursor = self.db.read("SELECT url FROM pages UNION SELECT url FROM article_urls")
        while rows := cursor.fetchmany(BATCH):
            self._write({url: self.history.known(url) for (url,) in rows})
            count += len(rows)
            if progress is not None:
                progress()
        self.refresh_chrome(
            site for (site,) in self.db.read("SELECT DISTINCT site FROM site_blocks WHERE is_chrome = 1")
        )
        self.mark(database, last_run)
        logger.info("copied what crawlers need of %d URLs into Redis in %.1f s", count, time.monotonic() - started)
        return count


def mirrors(client: redis.Redis, keys: Keys, database: str, last_run: int | None) -> bool:
    """Whether the page history in Redis is that of ``database`` after run ``last_run``."""
    marker = client.hgetall(keys.mirror)
    return marker.get(b"database") == database.encode() and marker.get(b"run") == str(last_run).encode()


def mark_mirror(client: redis.Redis, keys: Keys, database: str, last_run: int | None) -> None:
    """Record that the page history in Redis is that of ``database`` after run ``last_run`` (also used by
    benchmarks that take a prepared database as mirrored)."""
    client.hset(keys.mirror, mapping={"database": database, "run": str(last_run)})
