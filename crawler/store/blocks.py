"""The ``site_blocks`` and ``removed_blocks`` tables: what a site repeats, and what was cut from each article."""

from __future__ import annotations

import json

from crawler.store.database import Database, padded, utc_now


def _json_ids(ids: list[int]) -> str:
    """The JSON array of ids, as ``json.dumps`` writes it ("[1, 2, 3]"), without its per-call overhead."""
    return "[" + ", ".join(map(str, ids)) + "]"


class SiteBlocks:
    def __init__(self, db: Database):
        self.db = db

    def chrome_hashes(self, site: str) -> set[int]:
        rows = self.db.read("SELECT hash FROM site_blocks WHERE site = ? AND is_chrome = 1", (site,))
        return {row[0] for row in rows}

    def get(self, site: str, hashes: list[int]) -> dict[int, tuple[list[int], list[int], bool]]:
        """(story ids, article ids, is chrome) recorded for each of several blocks of a site, in one query."""
        if not hashes:
            return {}
        values = padded(hashes)
        marks = ",".join("?" * len(values))
        rows = self.db.read(
            f"SELECT hash, story_ids, article_ids, is_chrome FROM site_blocks WHERE site = ? AND hash IN ({marks})",
            (site, *values),
        )
        return {row[0]: (json.loads(row[1]), json.loads(row[2]), bool(row[3])) for row in rows}

    def save(self, site: str, blocks: list[tuple[int, str, list[int], list[int], bool]]) -> None:
        """Record (hash, text, story ids, article ids, is chrome) for several blocks of a site, in one statement."""
        if not blocks:
            return
        now = utc_now()
        self.db.write_many(
            "INSERT INTO site_blocks (site, hash, text, stories, story_ids, article_ids, is_chrome, first_seen, "
            "last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site, hash) DO UPDATE SET "
            "stories = excluded.stories, story_ids = excluded.story_ids, article_ids = excluded.article_ids, "
            "is_chrome = excluded.is_chrome, last_seen = excluded.last_seen",
            [
                (
                    site,
                    block_hash,
                    text,
                    len(story_ids),
                    _json_ids(story_ids),
                    _json_ids(article_ids),
                    int(is_chrome),
                    now,
                    now,
                )
                for block_hash, text, story_ids, article_ids, is_chrome in blocks
            ],
        )


class RemovedBlocks:
    def __init__(self, db: Database):
        self.db = db

    def recorded(self, article_id: int) -> set[tuple[str, str]]:
        """(text, reason) of what was cut from the article so far: a new version records only what is new."""
        rows = self.db.read("SELECT text, reason FROM removed_blocks WHERE article_id = ?", (article_id,))
        return {(row[0], row[1]) for row in rows}

    def record(self, article_id: int, removed: list[tuple[str, str]]) -> None:
        """Keep what was cut out of an article's text, with the reason, for audit."""
        if removed:
            now = utc_now()
            self.db.write_many(
                "INSERT INTO removed_blocks (article_id, text, reason, removed_at) VALUES (?, ?, ?, ?)",
                [(article_id, text, reason, now) for text, reason in removed],
            )
