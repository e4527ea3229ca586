"""The ``articles`` table: one row per article; the one place that maps an extracted article to its row."""

from __future__ import annotations

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
            canonical_url=article.canonical_url,
            site=site_of(url),
            title=article.title,
            author=article.author,
            published=article.published,
            language=article.language,
            description=article.description,
            sitename=article.sitename,
            text=text.text,
            word_count=text.word_count,
            content_hash=text.content_hash,
            duplicate_of=duplicate_of,
            similarity=similarity,
        )


_ROW_COLUMNS = [f.name for f in fields(ArticleRow)]
_INSERT = (
    f"INSERT INTO articles ({', '.join(_ROW_COLUMNS)}, first_seen, last_seen, run_id) "
    f"VALUES ({', '.join('?' * (len(_ROW_COLUMNS) + 3))})"
)


class Articles:
    def __init__(self, db: Database):
        self.db = db

    # -- finding ------------------------------------------------------------------------------
    def stored(self, url: str) -> tuple[int, int] | None:
        """(id, run_id) of the article fetched from ``url``, or declaring it its canonical URL on its own site.

        A canonical URL on another site declares syndication, not another spelling of the same page:
        the original there is a separate article (linked as a duplicate), so it does not count here.
        """
        by_url = self.db.read("SELECT id, run_id FROM articles WHERE url = ?", (url,)).fetchone()
        # "+site": look the canonical URL up in its own index; the site index would scan a whole site.
        by_canonical = self.db.read(
            "SELECT id, run_id FROM articles WHERE canonical_url = ? AND +site = ? ORDER BY id LIMIT 1",
            (url, site_of(url)),
        ).fetchone()
        found = [(row[0], row[1]) for row in (by_url, by_canonical) if row is not None]
        return min(found) if found else None

    def id_for_url(self, url: str) -> int | None:
        stored = self.stored(url)
        return stored[0] if stored else None

    def ids_with_hash(self, content_hash: str) -> list[int]:
        return [r[0] for r in self.db.read("SELECT id FROM articles WHERE content_hash = ?", (content_hash,))]

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

    def text(self, article_id: int) -> str | None:
        row = self.db.read("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    # -- writing ------------------------------------------------------------------------------
    def insert(self, row: ArticleRow, run_id: int | None) -> int:
        now = utc_now()
        values = [getattr(row, column) for column in _ROW_COLUMNS]
        cursor = self.db.write(_INSERT, (*values, now, now, run_id))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def set_duplicate_of(self, article_id: int, root_id: int | None, similarity: float | None) -> None:
        self.db.write(
            "UPDATE articles SET duplicate_of = ?, similarity = ? WHERE id = ?", (root_id, similarity, article_id)
        )

    def touch(self, article_id: int) -> None:
        self.db.write("UPDATE articles SET last_seen = ? WHERE id = ?", (utc_now(), article_id))

    def replace_text(self, article_id: int, text: SignedText) -> None:
        self.db.write(
            "UPDATE articles SET text = ?, word_count = ?, content_hash = ? WHERE id = ?",
            (text.text, text.word_count, text.content_hash, article_id),
        )

    # -- counting -----------------------------------------------------------------------------
    def count(self) -> int:
        return self.db.read("SELECT count(*) FROM articles").fetchone()[0]

    def count_unique(self) -> int:
        return self.db.read("SELECT count(*) FROM articles WHERE duplicate_of IS NULL").fetchone()[0]

    def count_stored_by(self, run_id: int) -> int:
        return self.db.read("SELECT count(*) FROM articles WHERE run_id = ?", (run_id,)).fetchone()[0]
