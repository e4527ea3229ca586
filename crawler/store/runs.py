"""The ``runs`` table: one row per crawl, with its arguments, its end and its stats."""

from __future__ import annotations

import json
from typing import Any

from crawler.store.database import Database, utc_now


class Runs:
    def __init__(self, db: Database):
        self.db = db

    def start(self, spider: str, args: dict[str, Any]) -> int:
        """Record a run that starts now, committed at once; returns its id."""
        cursor = self.db.write(
            "INSERT INTO runs (spider, args, started) VALUES (?, ?, ?)", (spider, json.dumps(args), utc_now())
        )
        self.db.commit()
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def mark_unfinished(self, reason: str) -> int:
        """Give ``reason`` to earlier runs that never recorded their end (killed, power loss); how many."""
        return self.db.write(
            "UPDATE runs SET finish_reason = ? WHERE finished IS NULL AND finish_reason IS NULL", (reason,)
        ).rowcount

    def finish(self, run_id: int, reason: str, stats: dict[str, Any]) -> None:
        self.db.write(
            "UPDATE runs SET finished = ?, finish_reason = ?, stats = ? WHERE id = ?",
            (utc_now(), reason, json.dumps(stats, default=str, sort_keys=True), run_id),
        )
        self.db.commit()
