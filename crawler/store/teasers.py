"""The ``teasers`` and ``teaser_sightings`` tables: each blurb once, and where it was shown."""

from __future__ import annotations

from collections.abc import Iterable

from crawler.store.database import Database, utc_now

PREFIX_LIMIT = 64  # the teasers read per blurb prefix (the latest), when more share it


class Teasers:
    def __init__(self, db: Database):
        self.db = db

    def with_prefixes(self, prefix_hashes: list[int]) -> list[tuple[int, str, str, int]]:
        """(prefix_hash, url, text, seen_count) of the teasers whose blurb starts with one of the prefixes, at
        most PREFIX_LIMIT of each prefix when they are more (the latest)."""
        # A template's blurbs ("Click here to read the full story about ...") share their first words: read
        # whole, every article with such a line would read them all.
        return self.db.rows_for_keys(
            "prefix_hash, url, text, seen_count", "teasers", "prefix_hash", prefix_hashes, PREFIX_LIMIT, "id"
        )

    def ids_for_urls(self, urls: Iterable[str]) -> dict[str, int]:
        """The first-stored teaser linking to each of ``urls``, for those that have one."""
        return self.db.look_up(urls, "(SELECT min(id) FROM teasers WHERE teasers.url = wanted.value)")

    def insert(
        self,
        title: str,
        text: str,
        url: str | None,
        article_id: int | None,
        prefix_hash: int | None,
        page_url: str,
        block: str,
    ) -> int:
        """A new teaser, with its first sighting (on ``page_url`` under ``block``)."""
        now = utc_now()
        cursor = self.db.write(
            "INSERT INTO teasers (title, text, url, article_id, seen_count, first_seen, last_seen, prefix_hash) "
            "VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
            (title, text, url, article_id, now, now, prefix_hash),
        )
        teaser_id = cursor.lastrowid
        assert teaser_id is not None
        self.db.write(
            "INSERT INTO teaser_sightings (teaser_id, page_url, block, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)",
            (teaser_id, page_url, block, now, now),
        )
        return teaser_id

    def link_article(self, article_id: int, urls: set[str]) -> None:
        """Point the teasers that link to any of ``urls`` and to no article yet at ``article_id``."""
        if urls:
            marks = ",".join("?" * len(urls))
            # "+article_id" keeps SQLite on the url index: by the article_id index it would scan every
            # teaser not linked yet (most of them) whenever there are two URLs.
            self.db.write(
                f"UPDATE teasers SET article_id = ? WHERE +article_id IS NULL AND url IN ({marks})",
                (article_id, *sorted(urls)),
            )

    def add_sighting(self, teaser_id: int, page_url: str, block: str, title: str, text: str) -> bool:
        """Record that the teaser was shown on ``page_url`` under ``block``; True if that is new.

        The teaser keeps the longest blurb and the headline it was first seen with.
        """
        now = utc_now()
        new = (
            self.db.write(
                "INSERT OR IGNORE INTO teaser_sightings (teaser_id, page_url, block, first_seen, last_seen) "
                "VALUES (?, ?, ?, ?, ?)",
                (teaser_id, page_url, block, now, now),
            ).rowcount
            == 1
        )
        if not new:
            self.db.write(
                "UPDATE teaser_sightings SET last_seen = ? WHERE teaser_id = ? AND page_url = ? AND block = ?",
                (now, teaser_id, page_url, block),
            )
        self.db.write(
            "UPDATE teasers SET seen_count = seen_count + ?, last_seen = ?, "
            "text = CASE WHEN length(?) > length(COALESCE(text, '')) THEN ? ELSE text END, "
            "title = COALESCE(NULLIF(title, ''), ?) WHERE id = ?",
            (1 if new else 0, now, text, text, title, teaser_id),
        )
        return new

    def count(self) -> int:
        return self.db.read("SELECT count(*) FROM teasers").fetchone()[0]

    def count_sightings(self) -> int:
        return self.db.read("SELECT count(*) FROM teaser_sightings").fetchone()[0]
