"""What the writer side tells the crawl side about stored pages, read from the database (a PageHistory)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from crawler.handoff import KnownChrome, KnownPage, SiteRevisits, StoredArticle
from crawler.store.chrome import SiteChrome
from crawler.store.database import Database
from crawler.store.pages import Pages


class StoredPages:
    """Answers the crawl side's questions (see :class:`crawler.handoff.PageHistory`) inside the open batch.

    ``run_id`` tells which run is writing now: an article it stored needs nothing more this run.
    """

    def __init__(self, db: Database, pages: Pages, run_id: Callable[[], int | None], chrome: SiteChrome | None = None):
        self.db = db
        self.pages = pages
        self.run_id = run_id
        self.chrome = chrome

    def known(self, url: str) -> KnownPage | None:
        row = self.db.read(
            "SELECT p.kind, p.etag, p.last_modified, p.fetched_at, a.id, a.url, a.first_seen, a.run_id "
            "FROM pages p LEFT JOIN articles a ON a.id = p.article_id WHERE p.url = ?",
            (url,),
        ).fetchone()
        if row is None:
            # Never asked for, but maybe the canonical URL an article declared, or an URL it moved from.
            row = self.db.read(
                "SELECT NULL, NULL, NULL, NULL, a.id, a.url, a.first_seen, a.run_id "
                "FROM article_urls u JOIN articles a ON a.id = u.article_id WHERE u.url = ?",
                (url,),
            ).fetchone()
            if row is None:
                return None
        kind, etag, last_modified, fetched_at, article_id, article_url, first_seen, run_id = row
        if article_id is None:
            return KnownPage(kind, etag, last_modified, fetched_at)
        article = StoredArticle(article_id, article_url, first_seen, stored_this_run=run_id == self.run_id())
        if article_url != url:  # a request for one of its other URLs goes to the article: its validators count
            current = self.pages.last_fetch(article_url)
            kind, etag, last_modified, fetched_at = current[:4] if current else ("article", None, None, None)
        return KnownPage(kind, etag, last_modified, fetched_at, article)

    def due_for_revisit(self, site: SiteRevisits) -> list[str]:
        if site.within_days <= 0:
            return []
        now = datetime.now(UTC)
        since = (now - timedelta(days=site.within_days)).isoformat(timespec="seconds")
        before = (now - timedelta(hours=site.after_hours)).isoformat(timespec="seconds")
        marks = ",".join("?" * len(site.hosts))
        rows = self.db.read(
            f"SELECT a.url FROM articles a JOIN pages p ON p.url = a.url WHERE a.site IN ({marks}) "
            "AND a.first_seen >= ? AND p.fetched_at <= ? ORDER BY a.first_seen DESC",
            (*site.hosts, since, before),
        )
        return [row[0] for row in rows]

    def kept_body(self, url: str) -> bytes | None:
        return self.pages.kept_body(url)

    def site_chrome(self, site: str) -> KnownChrome | None:
        return self.chrome.known_chrome(site) if self.chrome is not None else None
