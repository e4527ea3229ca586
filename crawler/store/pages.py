"""The ``pages`` table (every URL asked for: status, kind, reason, validators) and the robots.txt files kept."""

from __future__ import annotations

from collections.abc import Iterator

from crawler.store.database import Database, utc_now


class Pages:
    def __init__(self, db: Database):
        self.db = db

    def record(
        self,
        url: str,
        status: int | None,
        kind: str,
        reason: str | None,
        run_id: int | None,
        etag: str | None = None,
        last_modified: str | None = None,
        article_id: int | None = None,
        redirect_to: str | None = None,
        teasers_over_limit: int | None = None,
    ) -> None:
        """Insert or replace the URL's row; an article id once recorded is kept. ``teasers_over_limit``: the
        teasers the page showed beyond ``EXTRACT_MAX_TEASERS`` (None when none)."""
        self.db.write(
            "INSERT INTO pages (url, status, kind, reason, fetched_at, etag, last_modified, article_id, run_id, "
            "redirect_to, teasers_over_limit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
            "status = excluded.status, kind = excluded.kind, reason = excluded.reason, "
            "fetched_at = excluded.fetched_at, etag = excluded.etag, last_modified = excluded.last_modified, "
            "article_id = COALESCE(excluded.article_id, pages.article_id), run_id = excluded.run_id, "
            "redirect_to = excluded.redirect_to, teasers_over_limit = excluded.teasers_over_limit",
            (
                url,
                status,
                kind,
                reason,
                utc_now(),
                etag,
                last_modified,
                article_id,
                run_id,
                redirect_to,
                teasers_over_limit,
            ),
        )

    def not_modified(
        self, url: str, kind: str | None, run_id: int | None, etag: str | None, last_modified: str | None
    ) -> None:
        """A 304: the page keeps its kind, its article and (unless the 304 names new ones) its validators."""
        self.db.write(
            "INSERT INTO pages (url, status, kind, reason, fetched_at, etag, last_modified, run_id) "
            "VALUES (?, 304, ?, 'not_modified', ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET status = 304, "
            "kind = COALESCE(pages.kind, excluded.kind), reason = 'not_modified', fetched_at = excluded.fetched_at, "
            "etag = COALESCE(excluded.etag, pages.etag), "
            "last_modified = COALESCE(excluded.last_modified, pages.last_modified), run_id = excluded.run_id",
            (url, kind, utc_now(), etag, last_modified, run_id),
        )

    def last_fetch(self, url: str) -> tuple[str | None, str | None, str | None, str | None, int | None] | None:
        """(kind, etag, last_modified, fetched_at, article_id) of the URL's row, or None."""
        row = self.db.read(
            "SELECT kind, etag, last_modified, fetched_at, article_id FROM pages WHERE url = ?", (url,)
        ).fetchone()
        return (row[0], row[1], row[2], row[3], row[4]) if row else None

    def redirects_to(self, url: str) -> list[str]:
        """The URLs recorded as redirecting to ``url``."""
        rows = self.db.read("SELECT url FROM pages WHERE redirect_to = ? AND kind = 'redirect'", (url,))
        return [row[0] for row in rows]

    def set_article(self, url: str, article_id: int) -> None:
        self.db.write("UPDATE pages SET article_id = ? WHERE url = ?", (article_id, url))

    # -- article pages kept for re-extraction (STORE_HTML) -------------------------------------
    def keep_html(
        self,
        url: str,
        article_id: int,
        content_type: str | None,
        compressed: bytes,
        listed_published: str | None = None,
    ) -> None:
        """Keep an article page's bytes (zlib-compressed) as last downloaded, with the publication date the
        sitemap or feed that listed it gave (re-extraction reads what extraction read); one row per URL."""
        self.db.write(
            "INSERT OR REPLACE INTO page_html (url, article_id, content_type, body, fetched_at, listed_published) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (url, article_id, content_type, compressed, utc_now(), listed_published),
        )

    def kept_html_pages(self) -> Iterator[tuple[str, str | None, bytes, str | None, str | None, str | None]]:
        """(url, content type, compressed bytes, etag, last modified, listed publication date) of every kept
        article page, one at a time (the URLs are read first: the batch written meanwhile does not disturb
        the reading)."""
        urls = [row[0] for row in self.db.read("SELECT url FROM page_html ORDER BY url")]
        for url in urls:
            row = self.db.read(
                "SELECT h.url, h.content_type, h.body, p.etag, p.last_modified, h.listed_published FROM page_html h "
                "LEFT JOIN pages p ON p.url = h.url WHERE h.url = ?",
                (url,),
            ).fetchone()
            if row is not None:
                yield row

    # -- files kept for a 304 -----------------------------------------------------------------
    def keep_body(self, url: str, body: bytes) -> None:
        """Keep a robots.txt or sitemap index as fetched: when it is not modified, what it says still counts."""
        self.db.write(
            "INSERT OR REPLACE INTO kept_files (url, body, fetched_at) VALUES (?, ?, ?)", (url, body, utc_now())
        )

    def kept_body(self, url: str) -> bytes | None:
        row = self.db.read("SELECT body FROM kept_files WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None
