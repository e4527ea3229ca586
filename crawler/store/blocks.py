"""The ``site_blocks`` (and ``_seen_once``) and ``removed_blocks`` tables: what a site repeats, what articles lost."""

from __future__ import annotations

import json
import time

from crawler.store.database import Database, padded, utc_now, utc_text


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
        rows = self._of_site("site_blocks", "story_ids, article_ids, is_chrome", site, hashes)
        return {row[0]: (json.loads(row[1]), json.loads(row[2]), bool(row[3])) for row in rows}

    def _of_site(self, table: str, columns: str, site: str, hashes: list[int]) -> list[tuple]:
        """``hash, columns`` of the rows of ``table`` for several blocks of a site, in one query."""
        if not hashes:
            return []
        values = padded(hashes)
        marks = ",".join("?" * len(values))
        return self.db.read(
            f"SELECT hash, {columns} FROM {table} WHERE site = ? AND hash IN ({marks})", (site, *values)
        ).fetchall()

    def save(self, site: str, blocks: list[tuple[int, str, list[int], list[int], bool, str | None]]) -> None:
        """Record (hash, text, story ids, article ids, is chrome, first seen or None for now) for several blocks of a
        site, in one statement."""
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
                    first_seen or now,
                    now,
                )
                for block_hash, text, story_ids, article_ids, is_chrome, first_seen in blocks
            ],
        )

    # Most of a site's short paragraphs are seen in one story only (a story's own one-line paragraphs): nearly all
    # of the rows, 19,569 of 19,698 over the 990 corpus pages. Kept apart, as their hash with the story and the
    # article that showed them, they cost a fraction of a site_blocks row (its text, two lists, two times and two
    # indexes); a block moves to site_blocks when a second story (or a copy of the first) shows it.

    def seen_once(self, site: str, hashes: list[int]) -> dict[int, tuple[int, int, str]]:
        """(story id, article id, first seen) of the blocks of a site seen in one article so far, in one query."""
        rows = self._of_site("site_blocks_seen_once", "story_id, article_id, first_seen", site, hashes)
        return {row[0]: (row[1], row[2], utc_text(row[3])) for row in rows}

    def save_seen_once(self, site: str, blocks: list[tuple[int, int, int]]) -> None:
        """Record (hash, story id, article id) for blocks of a site seen for the first time, in one statement."""
        if blocks:
            now = int(time.time())
            self.db.write_many(
                "INSERT OR IGNORE INTO site_blocks_seen_once (site, hash, story_id, article_id, first_seen) "
                "VALUES (?, ?, ?, ?, ?)",
                [(site, block_hash, story_id, article_id, now) for block_hash, story_id, article_id in blocks],
            )

    def forget_seen_once(self, site: str, hashes: list[int]) -> None:
        """Drop blocks of a site from those seen once: they are in site_blocks now."""
        if hashes:
            self.db.write_many(
                "DELETE FROM site_blocks_seen_once WHERE site = ? AND hash = ?", [(site, h) for h in hashes]
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
