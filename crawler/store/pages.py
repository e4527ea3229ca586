"""The ``pages`` table: every URL fetched or refused, with its status, kind and reason."""

from __future__ import annotations

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
    ) -> None:
        """Insert or replace the URL's row; an article id once recorded is kept."""
        self.db.write(
            "INSERT INTO pages (url, status, kind, reason, fetched_at, etag, last_modified, article_id, run_id, "
            "redirect_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
            "status = excluded.status, kind = excluded.kind, reason = excluded.reason, "
            "fetched_at = excluded.fetched_at, etag = excluded.etag, last_modified = excluded.last_modified, "
            "article_id = COALESCE(excluded.article_id, pages.article_id), run_id = excluded.run_id, "
            "redirect_to = excluded.redirect_to",
            (url, status, kind, reason, utc_now(), etag, last_modified, article_id, run_id, redirect_to),
        )
