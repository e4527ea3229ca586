"""The SQLite database: schema (sqlite-utils migrations) and every statement that writes to it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from crawler.urls import site_of
from dedup import Signature

migrations = Migrations("storyonce")
CACHE_KIB = 64 * 1024


@migrations()
def m001_initial_schema(db: sqlite_utils.Database) -> None:
    db["runs"].create(
        {"id": int, "spider": str, "args": str, "started": str, "finished": str, "finish_reason": str, "stats": str},
        pk="id",
    )
    db["articles"].create(
        {
            "id": int,
            "url": str,
            "canonical_url": str,
            "site": str,
            "title": str,
            "author": str,
            "published": str,
            "language": str,
            "description": str,
            "sitename": str,
            "text": str,
            "word_count": int,
            "content_hash": str,
            "duplicate_of": int,
            "similarity": float,
            "first_seen": str,
            "last_seen": str,
            "run_id": int,
        },
        pk="id",
        not_null={"url", "text", "first_seen", "last_seen"},
        foreign_keys=[("duplicate_of", "articles", "id"), ("run_id", "runs", "id")],
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["canonical_url"])
    db["articles"].create_index(["content_hash"])
    db["articles"].create_index(["duplicate_of"])
    db["articles"].create_index(["site"])
    db["teasers"].create(
        {
            "id": int,
            "title": str,
            "text": str,
            "url": str,
            "article_id": int,
            "seen_count": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["teasers"].create_index(["url"])
    db["teasers"].create_index(["article_id"])
    db["teaser_sightings"].create(
        {"teaser_id": int, "page_url": str, "block": str, "first_seen": str, "last_seen": str},
        pk=("teaser_id", "page_url", "block"),
        foreign_keys=[("teaser_id", "teasers", "id")],
    )
    db["pages"].create(
        {
            "url": str,
            "status": int,
            "kind": str,
            "reason": str,
            "fetched_at": str,
            "etag": str,
            "last_modified": str,
            "article_id": int,
            "run_id": int,
        },
        pk="url",
    )
    db["pages"].create_index(["kind", "reason"])
    # Band keys and signatures of the near-duplicate indexes, one pair of tables per namespace.
    for namespace in ("article", "teaser"):
        db.execute(
            f"CREATE TABLE {namespace}_bands (key INTEGER NOT NULL, doc_id INTEGER NOT NULL, "
            "PRIMARY KEY (key, doc_id)) WITHOUT ROWID"
        )
        db[f"{namespace}_signatures"].create({"doc_id": int, "size": int, "minhash": bytes}, pk="doc_id")
    db["dedup_params"].create({"namespace": str, "params": str}, pk="namespace")
    db["articles"].enable_fts(["title", "text"], fts_version="FTS5")
    # Our own triggers: re-index only when title or text change, not on every last_seen update.
    db.execute(
        "CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN "
        "INSERT INTO articles_fts (rowid, title, text) VALUES (new.id, new.title, new.text); END"
    )
    db.execute(
        "CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN "
        "INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); END"
    )
    db.execute(
        "CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN "
        "INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); "
        "INSERT INTO articles_fts (rowid, title, text) VALUES (new.id, new.title, new.text); END"
    )
    db.create_view("unique_articles", "SELECT * FROM articles WHERE duplicate_of IS NULL")


@migrations()
def m002_site_chrome(db: sqlite_utils.Database) -> None:
    # Short paragraphs seen in the articles of a site: how many distinct stories showed each, and
    # which articles hold it, so that once it counts as chrome those can be cleaned too.
    db["site_blocks"].create(
        {
            "site": str,
            "hash": int,
            "text": str,
            "stories": int,
            "story_ids": str,
            "article_ids": str,
            "is_chrome": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk=("site", "hash"),
        not_null={"site", "hash"},
    )
    db["site_blocks"].create_index(["site", "is_chrome"])
    # Everything cut out of an article's text, with why: nothing is silently lost.
    db["removed_blocks"].create(
        {"article_id": int, "text": str, "reason": str, "removed_at": str},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["removed_blocks"].create_index(["article_id"])


@migrations()
def m003_teaser_prefixes(db: sqlite_utils.Database) -> None:
    # The hash of a blurb's first words: a blurb cut at any length still starts the same, so a paragraph
    # of an article can be matched against the site's teasers with one indexed look-up.
    db["teasers"].add_column("prefix_hash", int)
    db["teasers"].create_index(["prefix_hash"])


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class ArticleRow:
    """The columns of one new ``articles`` row."""

    url: str
    canonical_url: str | None
    site: str
    title: str | None
    author: str | None
    published: str | None
    language: str | None
    description: str | None
    sitename: str | None
    text: str
    word_count: int
    content_hash: str
    duplicate_of: int | None
    similarity: float | None


class Storage:
    """One crawl's connection to the database.

    Writes accumulate in one open transaction that :meth:`commit` ends; the caller decides the
    batch size. WAL mode lets readers query committed rows while a batch is being written, and an
    uncommitted batch vanishes whole on a crash: no half-written article, index entry or page row.
    """

    def __init__(self, path: str | Path, busy_timeout: float = 5.0):
        self.path = str(path)
        conn = sqlite3.connect(self.path, timeout=busy_timeout, check_same_thread=False)
        self.db = sqlite_utils.Database(conn)
        self.conn = conn
        self.db.enable_wal()
        self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        # NORMAL is durable at every checkpoint and never corrupts in WAL mode; FULL would fsync each batch.
        self.conn.execute("PRAGMA synchronous = NORMAL")
        # A batch of pages, their full-text index and band keys must fit in the page cache: SQLite's
        # default 2 MB spills to the WAL in the middle of a transaction, many times over.
        self.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        migrations.apply(self.db)
        self.pending_writes = 0

    # -- transactions -------------------------------------------------------------------------
    def commit(self) -> None:
        self.conn.commit()
        self.pending_writes = 0

    def close(self) -> None:
        self.commit()
        self.conn.close()

    def rollback(self) -> None:
        """Drop the open batch (after a failed write SQLite may have dropped it already)."""
        self.conn.rollback()
        self.pending_writes = 0

    def check_writable(self) -> None:
        """Raise ``sqlite3.OperationalError`` now, not mid-crawl, if the database is read-only."""
        self.commit()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.execute("CREATE TABLE _write_check (x)")  # never committed
        finally:
            self.conn.rollback()

    def _write(self, sql: str, params: Iterable = ()) -> sqlite3.Cursor:
        self.pending_writes += 1
        return self.conn.execute(sql, tuple(params))

    # -- runs ---------------------------------------------------------------------------------
    def start_run(self, spider: str, args: dict) -> int:
        cursor = self._write(
            "INSERT INTO runs (spider, args, started) VALUES (?, ?, ?)", (spider, json.dumps(args), utc_now())
        )
        self.commit()
        return cursor.lastrowid

    def mark_unfinished_runs(self, reason: str) -> int:
        """Give ``reason`` to earlier runs that never recorded their end (killed, power loss); how many."""
        return self._write(
            "UPDATE runs SET finish_reason = ? WHERE finished IS NULL AND finish_reason IS NULL", (reason,)
        ).rowcount

    def finish_run(self, run_id: int, reason: str, stats: dict) -> None:
        self._write(
            "UPDATE runs SET finished = ?, finish_reason = ?, stats = ? WHERE id = ?",
            (utc_now(), reason, json.dumps(stats, default=str, sort_keys=True), run_id),
        )
        self.commit()

    # -- pages --------------------------------------------------------------------------------
    def record_page(
        self,
        url: str,
        status: int | None,
        kind: str,
        reason: str | None,
        run_id: int,
        etag: str | None = None,
        last_modified: str | None = None,
        article_id: int | None = None,
    ) -> None:
        self._write(
            "INSERT INTO pages (url, status, kind, reason, fetched_at, etag, last_modified, article_id, run_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET status = excluded.status, "
            "kind = excluded.kind, reason = excluded.reason, fetched_at = excluded.fetched_at, "
            "etag = excluded.etag, last_modified = excluded.last_modified, "
            "article_id = COALESCE(excluded.article_id, pages.article_id), run_id = excluded.run_id",
            (url, status, kind, reason, utc_now(), etag, last_modified, article_id, run_id),
        )

    # -- articles -----------------------------------------------------------------------------
    def stored_article(self, url: str) -> tuple[int, int] | None:
        """(id, run_id) of the article fetched from ``url``, or declaring it its canonical URL on its own site.

        A canonical URL on another site declares syndication, not another spelling of the same page:
        the original there is a separate article (linked as a duplicate), so it does not count here.
        """
        by_url = self.conn.execute("SELECT id, run_id FROM articles WHERE url = ?", (url,)).fetchone()
        # "+site": look the canonical URL up in its own index; the site index would scan a whole site.
        by_canonical = self.conn.execute(
            "SELECT id, run_id FROM articles WHERE canonical_url = ? AND +site = ? ORDER BY id LIMIT 1",
            (url, site_of(url)),
        ).fetchone()
        found = [row for row in (by_url, by_canonical) if row is not None]
        return tuple(min(found)) if found else None

    def article_id_for_url(self, url: str) -> int | None:
        stored = self.stored_article(url)
        return stored[0] if stored else None

    def article_ids_with_hash(self, content_hash: str) -> list[int]:
        return [r[0] for r in self.conn.execute("SELECT id FROM articles WHERE content_hash = ?", (content_hash,))]

    def cluster_roots(self, article_ids: Iterable[int]) -> dict[int, int]:
        """Each article's cluster root: its ``duplicate_of``, or itself for a root."""
        ids = list(article_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        return {
            row[0]: row[1]
            for row in self.conn.execute(
                f"SELECT id, COALESCE(duplicate_of, id) FROM articles WHERE id IN ({marks})", ids
            )
        }

    def cluster_members(self, root_id: int) -> list[int]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM articles WHERE id = ? OR duplicate_of = ? ORDER BY id", (root_id, root_id)
            )
        ]

    def insert_article(self, row: ArticleRow, run_id: int) -> int:
        now = utc_now()
        cursor = self._write(
            "INSERT INTO articles (url, canonical_url, site, title, author, published, language, description, "
            "sitename, text, word_count, content_hash, duplicate_of, similarity, first_seen, last_seen, run_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.url, row.canonical_url, row.site, row.title, row.author, row.published, row.language,
                row.description, row.sitename, row.text, row.word_count, row.content_hash, row.duplicate_of,
                row.similarity, now, now, run_id,
            ),
        )
        article_id = cursor.lastrowid
        same_site_canonical = row.canonical_url if row.canonical_url and site_of(row.canonical_url) == row.site else None
        self._write(
            "UPDATE teasers SET article_id = ? WHERE article_id IS NULL AND url IN (?, ?)",
            (article_id, row.url, same_site_canonical or row.url),
        )
        return article_id

    def set_duplicate_of(self, article_id: int, root_id: int | None, similarity: float | None) -> None:
        self._write(
            "UPDATE articles SET duplicate_of = ?, similarity = ? WHERE id = ?", (root_id, similarity, article_id)
        )

    def touch_article(self, article_id: int) -> None:
        self._write("UPDATE articles SET last_seen = ? WHERE id = ?", (utc_now(), article_id))

    def touch_article_url(self, url: str) -> bool:
        """Mark the article stored under ``url`` as seen again; False if there is none."""
        article_id = self.article_id_for_url(url)
        if article_id is None:
            return False
        self.touch_article(article_id)
        return True

    def article_text(self, article_id: int) -> str | None:
        row = self.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def update_article_text(self, article_id: int, text: str, content_hash: str) -> None:
        self._write(
            "UPDATE articles SET text = ?, word_count = ?, content_hash = ? WHERE id = ?",
            (text, len(text.split()), content_hash, article_id),
        )

    def record_removed(self, article_id: int, removed: list[tuple[str, str]]) -> None:
        """Keep what was cut out of an article's text, with the reason, for audit."""
        now = utc_now()
        self.conn.executemany(
            "INSERT INTO removed_blocks (article_id, text, reason, removed_at) VALUES (?, ?, ?, ?)",
            [(article_id, text, reason, now) for text, reason in removed],
        )
        self.pending_writes += len(removed)

    # -- site chrome --------------------------------------------------------------------------
    def chrome_hashes(self, site: str) -> set[int]:
        return {
            row[0]
            for row in self.conn.execute("SELECT hash FROM site_blocks WHERE site = ? AND is_chrome = 1", (site,))
        }

    def site_blocks(self, site: str, hashes: list[int]) -> dict[int, tuple[list[int], list[int], bool]]:
        """(story ids, article ids, is chrome) recorded for each of several blocks of a site, in one query."""
        if not hashes:
            return {}
        marks = ",".join("?" * len(hashes))
        rows = self.conn.execute(
            f"SELECT hash, story_ids, article_ids, is_chrome FROM site_blocks WHERE site = ? AND hash IN ({marks})",
            (site, *hashes),
        )
        return {row[0]: (json.loads(row[1]), json.loads(row[2]), bool(row[3])) for row in rows}

    def save_site_block(
        self, site: str, block_hash: int, text: str, story_ids: list[int], article_ids: list[int], is_chrome: bool
    ) -> None:
        now = utc_now()
        self._write(
            "INSERT INTO site_blocks (site, hash, text, stories, story_ids, article_ids, is_chrome, first_seen, "
            "last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site, hash) DO UPDATE SET "
            "stories = excluded.stories, story_ids = excluded.story_ids, article_ids = excluded.article_ids, "
            "is_chrome = excluded.is_chrome, last_seen = excluded.last_seen",
            (site, block_hash, text, len(story_ids), json.dumps(story_ids), json.dumps(article_ids),
             int(is_chrome), now, now),
        )

    # -- teasers ------------------------------------------------------------------------------
    def teasers_with_prefixes(self, prefix_hashes: list[int]) -> list[tuple[int, str, str, int]]:
        """(prefix_hash, url, text, seen_count) of the teasers whose blurb starts with one of the prefixes."""
        if not prefix_hashes:
            return []
        marks = ",".join("?" * len(prefix_hashes))
        return self.conn.execute(
            f"SELECT prefix_hash, url, text, seen_count FROM teasers WHERE prefix_hash IN ({marks})", prefix_hashes
        ).fetchall()

    def teaser_id_for_url(self, url: str) -> int | None:
        row = self.conn.execute("SELECT id FROM teasers WHERE url = ? ORDER BY id LIMIT 1", (url,)).fetchone()
        return row[0] if row else None

    def insert_teaser(self, title: str, text: str, url: str | None, prefix_hash: int | None = None) -> int:
        now = utc_now()
        article_id = self.article_id_for_url(url) if url else None
        cursor = self._write(
            "INSERT INTO teasers (title, text, url, article_id, seen_count, first_seen, last_seen, prefix_hash) "
            "VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
            (title, text, url, article_id, now, now, prefix_hash),
        )
        return cursor.lastrowid

    def add_sighting(self, teaser_id: int, page_url: str, block: str, title: str, text: str) -> bool:
        """Record that the teaser was shown on ``page_url`` under ``block``; True if that is new.

        The teaser keeps the longest blurb and the headline it was first seen with.
        """
        now = utc_now()
        new = self._write(
            "INSERT OR IGNORE INTO teaser_sightings (teaser_id, page_url, block, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?, ?)",
            (teaser_id, page_url, block, now, now),
        ).rowcount == 1
        if not new:
            self._write(
                "UPDATE teaser_sightings SET last_seen = ? WHERE teaser_id = ? AND page_url = ? AND block = ?",
                (now, teaser_id, page_url, block),
            )
        self._write(
            "UPDATE teasers SET seen_count = seen_count + ?, last_seen = ?, "
            "text = CASE WHEN length(?) > length(COALESCE(text, '')) THEN ? ELSE text END, "
            "title = COALESCE(NULLIF(title, ''), ?) WHERE id = ?",
            (1 if new else 0, now, text, text, title, teaser_id),
        )
        return new

    # -- near-duplicate index storage ---------------------------------------------------------
    def load_dedup_params(self, namespace: str) -> dict | None:
        row = self.conn.execute("SELECT params FROM dedup_params WHERE namespace = ?", (namespace,)).fetchone()
        return json.loads(row[0]) if row else None

    def save_dedup_params(self, namespace: str, params: dict) -> None:
        self._write(
            "INSERT OR REPLACE INTO dedup_params (namespace, params) VALUES (?, ?)",
            (namespace, json.dumps(params, sort_keys=True)),
        )

    def band_store(self, namespace: str) -> SQLiteBandStore:
        if namespace not in ("article", "teaser"):
            raise ValueError(f"unknown index namespace {namespace!r}")
        return SQLiteBandStore(self, namespace)

    # -- reading ------------------------------------------------------------------------------
    def count(self, table: str, where: str = "1") -> int:
        return self.conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


class SQLiteBandStore:
    """A :class:`dedup.BandStore` in two indexed tables: queried directly, never loaded into memory."""

    def __init__(self, storage: Storage, namespace: str):
        self.storage = storage
        self.bands_table = f"{namespace}_bands"
        self.signatures_table = f"{namespace}_signatures"

    def add(self, doc_id: int, band_keys: list[int], signature: Signature) -> None:
        conn = self.storage.conn
        conn.executemany(
            f"INSERT OR IGNORE INTO {self.bands_table} (key, doc_id) VALUES (?, ?)",
            [(key, doc_id) for key in band_keys],
        )
        conn.execute(
            f"INSERT OR REPLACE INTO {self.signatures_table} (doc_id, size, minhash) VALUES (?, ?, ?)",
            (doc_id, signature.size, signature.to_bytes()),
        )
        self.storage.pending_writes += 1

    def remove(self, doc_id: int, band_keys: list[int]) -> None:
        conn = self.storage.conn
        conn.executemany(f"DELETE FROM {self.bands_table} WHERE key = ? AND doc_id = ?", [(k, doc_id) for k in band_keys])
        conn.execute(f"DELETE FROM {self.signatures_table} WHERE doc_id = ?", (doc_id,))
        self.storage.pending_writes += 1

    def candidates(self, band_keys: list[int]) -> set[int]:
        marks = ",".join("?" * len(band_keys))
        return {
            row[0]
            for row in self.storage.conn.execute(
                f"SELECT DISTINCT doc_id FROM {self.bands_table} WHERE key IN ({marks})", band_keys
            )
        }

    def signatures(self, doc_ids: Iterable[int]) -> dict[int, Signature]:
        ids = list(doc_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        return {
            row[0]: Signature.from_bytes(row[2], row[1])
            for row in self.storage.conn.execute(
                f"SELECT doc_id, size, minhash FROM {self.signatures_table} WHERE doc_id IN ({marks})", ids
            )
        }

    def __iter__(self) -> Iterator[int]:
        return (r[0] for r in self.storage.conn.execute(f"SELECT doc_id FROM {self.signatures_table}"))
