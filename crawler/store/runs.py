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
            (utc_now(), reason, _as_json(stats), run_id),
        )
        self.db.commit()

    def save_stats(self, run_id: int, stats: dict[str, Any]) -> None:
        """The stats of a run going on, inside the open batch (a shared run's writer keeps them with its rows)."""
        self.db.write("UPDATE runs SET stats = ? WHERE id = ?", (_as_json(stats), run_id))

    def last_id(self) -> int | None:
        return self.db.read("SELECT max(id) FROM runs").fetchone()[0]

    def unfinished(self, run_id: int) -> dict[str, Any] | None:
        """The stats recorded so far of run ``run_id`` if it has not recorded its end; None otherwise."""
        row = self.db.read("SELECT finished, finish_reason, stats FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None or row[0] is not None or row[1] is not None:
            return None
        return json.loads(row[2]) if row[2] else {}


def _as_json(stats: dict[str, Any]) -> str:
    return json.dumps(stats, default=str, sort_keys=True)
