"""The ``articles`` table: one row per article; the one place that maps an extracted article to its row."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields

from crawler.extract.results import Article
from crawler.extract.signing import SignedText
from crawler.store.database import Database, utc_now
from crawler.urls import site_of


@dataclass(frozen=True)
class ArticleRow:
    """The columns of a new ``articles`` row that come from the page (the rest are set when it is written)."""

    url: str
    canonical_url: str | None
    site: str
    title: str | None
    author: str | None
    published: str | None
    language: str | None
    description: str | None
    sitename: str | None
    image: str | None
    tags: tuple[str, ...]  # stored as a JSON array (NULL when the page names none)
    categories: tuple[str, ...]  # the same
    modified: str | None
    text: str
    word_count: int
    content_hash: str
    duplicate_of: int | None
    similarity: float | None

    @classmethod
    def of(
        cls, url: str, article: Article, text: SignedText, duplicate_of: int | None, similarity: float | None
    ) -> ArticleRow:
        """The row of an article extracted from ``url``, with its text as it is stored (``text``)."""
        return cls(
            url=url,
            site=site_of(url),
            **{name: getattr(article, name) for name in _ARTICLE_METADATA},  # the same fields, by name
            text=text.text,
            word_count=text.word_count,
            content_hash=text.content_hash,
            duplicate_of=duplicate_of,
            similarity=similarity,
        )


@dataclass(frozen=True)
class ArticleItem(ArticleRow):
    """What Scrapy's feed exports (``-o articles.jsonl``) get: one per article the run stored or gave a new
    version, as the ``articles`` table holds it, nothing internal."""

    version: int
    first_seen: str
    updated_at: str | None
    id: int


_ROW_COLUMNS = [f.name for f in fields(ArticleRow)]
_LIST_COLUMNS = ("tags", "categories")
_INSERT = (
    f"INSERT INTO articles ({', '.join(_ROW_COLUMNS)}, first_seen, last_seen, updated_at, run_id, version) "
    f"VALUES ({', '.join('?' * (len(_ROW_COLUMNS) + 4))}, 1)"
)
_INDEX_FOR_SEARCH = "INSERT INTO articles_fts (rowid, title, text) VALUES (?, ?, ?)"
# What a new version replaces: the page's fields, not the article's place in its cluster or its history.
_VERSION_COLUMNS = [c for c in _ROW_COLUMNS if c not in ("url", "site", "duplicate_of", "similarity")]
_NEW_VERSION = (
    f"UPDATE articles SET {', '.join(f'{c} = ?' for c in _VERSION_COLUMNS)}, "
    "version = version + 1, updated_at = ?, last_seen = ? WHERE id = ?"
)

# What a page can change about an article without a new version of its story.
_METADATA_COLUMNS = [
    "author",
    "published",
    "language",
    "description",
    "sitename",
    "image",
    "tags",
    "categories",
    "modified",
]
_REFRESH_METADATA = (
    f"UPDATE articles SET {', '.join(f'{c} = ?' for c in _METADATA_COLUMNS)} WHERE id = ? "
    f"AND ({' OR '.join(f'{c} IS NOT ?' for c in _METADATA_COLUMNS)})"
)


def _values(row: ArticleRow, columns: list[str]) -> list[object]:
    """``row``'s values for ``columns`` as SQLite takes them: lists as JSON arrays, an empty one as NULL."""
    values = [getattr(row, column) for column in columns]
    return [
        (json.dumps(list(value), ensure_ascii=False) if value else None) if column in _LIST_COLUMNS else value
        for column, value in zip(columns, values, strict=True)
    ]


@dataclass(frozen=True)
class StoredVersion:
    """The version of an article that is stored now, as a new download is compared with it."""

    article_id: int
    url: str
    title: str | None
    text: str
    content_hash: str
    version: int
    gone_at: str | None


class Articles:
    """The ``articles`` table, with its other URLs (``article_urls``) and earlier versions (``article_versions``)."""

    def __init__(self, db: Database):
        self.db = db

    # -- finding ------------------------------------------------------------------------------
    def find(self, url: str) -> int | None:
        """The article stored under ``url``, or of which ``url`` is another URL (moved, canonical, alias).

        A canonical URL on another site declares syndication, not another spelling of the same page:
        the original there is a separate article (linked as a duplicate), so it is no other URL of it.
        """
        # One statement for both tables (SQLite runs a UNION ALL's parts in order): most look-ups miss both.
        row = self.db.read(
            "SELECT id FROM articles WHERE url = ? UNION ALL SELECT article_id FROM article_urls WHERE url = ? LIMIT 1",
            (url, url),
        ).fetchone()
        return row[0] if row else None

    def find_all(self, urls: Iterable[str]) -> dict[str, int]:
        """:meth:`find` for several URLs at once: the article of each that has one."""
        return self.db.look_up(
            urls,
            "COALESCE((SELECT id FROM articles WHERE articles.url = wanted.value), "
            "(SELECT article_id FROM article_urls WHERE article_urls.url = wanted.value))",
        )

    def reason_for(self, url: str) -> str | None:
        """Why ``url`` is one of an article's other URLs (``moved``, ``canonical``, ``alias``), or None."""
        row = self.db.read("SELECT reason FROM article_urls WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def stored_version(self, article_id: int) -> StoredVersion:
        row = self.db.read(
            "SELECT id, url, title, text, content_hash, version, gone_at FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        return StoredVersion(*row)

    def ids_with_hash(self, content_hash: str) -> list[int]:
        return [r[0] for r in self.db.read("SELECT id FROM articles WHERE content_hash = ?", (content_hash,))]

    def content_hashes(self, article_ids: Iterable[int]) -> dict[int, str]:
        ids = list(article_ids)
        marks = ",".join("?" * len(ids))
        rows = self.db.read(f"SELECT id, content_hash FROM articles WHERE id IN ({marks})", ids) if ids else []
        return {row[0]: row[1] for row in rows}

    def cluster_roots(self, article_ids: Iterable[int]) -> dict[int, int]:
        """Each article's cluster root: its ``duplicate_of``, or itself for a root."""
        ids = list(article_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.read(f"SELECT id, COALESCE(duplicate_of, id) FROM articles WHERE id IN ({marks})", ids)
        return {row[0]: row[1] for row in rows}

    def cluster_members(self, root_id: int) -> list[int]:
        rows = self.db.read("SELECT id FROM articles WHERE id = ? OR duplicate_of = ? ORDER BY id", (root_id, root_id))
        return [r[0] for r in rows]

    def cluster_links(self, article_ids: Iterable[int]) -> dict[int, tuple[int | None, float | None]]:
        """(duplicate_of, similarity) of each article."""
        ids = list(article_ids)
        marks = ",".join("?" * len(ids))
        rows = self.db.read(f"SELECT id, duplicate_of, similarity FROM articles WHERE id IN ({marks})", ids)
        return {row[0]: (row[1], row[2]) for row in rows} if ids else {}

    def item(self, article_id: int) -> ArticleItem:
        """The article as the feed exports give it."""
        row = self.db.read(_ITEM_SELECT, (article_id,)).fetchone()
        values = dict(zip(_ITEM_COLUMNS, row, strict=True))
        for name in _LIST_COLUMNS:
            values[name] = tuple(json.loads(values[name])) if values[name] else ()
        return ArticleItem(**values)

    def text(self, article_id: int) -> str | None:
        row = self.db.read("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    # -- writing ------------------------------------------------------------------------------
    def insert(self, row: ArticleRow, run_id: int | None) -> int:
        now = utc_now()
        values = _values(row, _ROW_COLUMNS)
        cursor = self.db.write(_INSERT, (*values, now, now, now, run_id))
        assert cursor.lastrowid is not None
        # Indexed here rather than by a trigger, in a statement of its own: FTS5 then keeps the terms of the
        # batch's articles in memory and writes them out once, at the commit (see schema.m016).
        self.db.write(_INDEX_FOR_SEARCH, (cursor.lastrowid, row.title, row.text))
        return cursor.lastrowid

    def new_version(self, article_id: int, row: ArticleRow, previous: StoredVersion, fetched_at: str | None) -> None:
        """Replace the article's text and metadata with ``row``'s; the previous version is kept."""
        now = utc_now()
        self.db.write(
            "INSERT OR REPLACE INTO article_versions (article_id, version, title, text, content_hash, fetched_at, "
            "replaced_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (article_id, previous.version, previous.title, previous.text, previous.content_hash, fetched_at, now),
        )
        values = _values(row, _VERSION_COLUMNS)
        self.db.write(_NEW_VERSION, (*values, now, now, article_id))

    def refresh_metadata(self, article_id: int, row: ArticleRow) -> bool:
        """Take ``row``'s metadata (author, dates, image, tags...) where it differs from the stored; the text and
        title are the same, so this is no new version. True if anything changed."""
        values = _values(row, _METADATA_COLUMNS)
        return self.db.write(_REFRESH_METADATA, (*values, article_id, *values)).rowcount == 1

    def set_duplicate_of(self, article_id: int, root_id: int | None, similarity: float | None) -> None:
        self.db.write(
            "UPDATE articles SET duplicate_of = ?, similarity = ? WHERE id = ?", (root_id, similarity, article_id)
        )

    def touch(self, article_id: int) -> None:
        self.db.write("UPDATE articles SET last_seen = ? WHERE id = ?", (utc_now(), article_id))

    def set_gone(self, article_id: int, gone: bool) -> bool:
        """Mark the article gone (404/410) or back; True if that changed anything."""
        if gone:
            sql = "UPDATE articles SET gone_at = ? WHERE id = ? AND gone_at IS NULL"
            return self.db.write(sql, (utc_now(), article_id)).rowcount == 1
        return (
            self.db.write(
                "UPDATE articles SET gone_at = NULL WHERE id = ? AND gone_at IS NOT NULL", (article_id,)
            ).rowcount
            == 1
        )

    def replace_text(self, article_id: int, text: SignedText) -> None:
        """Our own cleaning changed the text (site chrome cut): no new version, the page did not change."""
        self.db.write(
            "UPDATE articles SET text = ?, word_count = ?, content_hash = ? WHERE id = ?",
            (text.text, text.word_count, text.content_hash, article_id),
        )

    def move(self, article_id: int, new_url: str, reason: str) -> str:
        """Give the article ``new_url``; its old URL is kept as one of its other URLs. Returns the old URL."""
        (old_url,) = self.db.read("SELECT url FROM articles WHERE id = ?", (article_id,)).fetchone()
        self.db.write("UPDATE articles SET url = ?, site = ? WHERE id = ?", (new_url, site_of(new_url), article_id))
        self.db.write("DELETE FROM article_urls WHERE url = ?", (new_url,))
        self.add_url(old_url, article_id, reason)
        return old_url

    def add_url(self, url: str, article_id: int, reason: str) -> None:
        """Record ``url`` as another URL of the article (``moved``, ``canonical`` or ``alias``)."""
        self.db.write(
            "INSERT INTO article_urls (url, article_id, reason, first_seen) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (url) DO UPDATE SET article_id = excluded.article_id, reason = excluded.reason",
            (url, article_id, reason, utc_now()),
        )

    # -- counting -----------------------------------------------------------------------------
    def count(self) -> int:
        return self.db.read("SELECT count(*) FROM articles").fetchone()[0]

    def count_unique(self) -> int:
        return self.db.read("SELECT count(*) FROM articles WHERE duplicate_of IS NULL").fetchone()[0]

    def count_live(self) -> int:
        return self.db.read("SELECT count(*) FROM live_articles").fetchone()[0]

    def count_stored_by(self, run_id: int) -> int:
        return self.db.read("SELECT count(*) FROM articles WHERE run_id = ?", (run_id,)).fetchone()[0]


_ITEM_COLUMNS = [f.name for f in fields(ArticleItem)]  # a feed export's item: these columns, by name
_ITEM_SELECT = f"SELECT {', '.join(_ITEM_COLUMNS)} FROM articles WHERE id = ?"
_ARTICLE_METADATA = [f.name for f in fields(Article) if f.name != "text"]  # stored as extracted
