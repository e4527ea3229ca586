"""The ``stream_positions`` table: how far a writer storing a Redis Stream got, committed with the rows."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.store.database import Database, utc_now


def entry_key(entry_id: str) -> tuple[int, int]:
    """A stream entry id (``<ms>-<seq>``) as numbers, in the order of the stream."""
    millis, _, sequence = entry_id.partition("-")
    return int(millis), int(sequence or 0)


@dataclass(frozen=True)
class Position:
    """The last entry stored from a stream, and the shared run (and its ``runs`` row) it belonged to."""

    last_id: str
    crawl_run: str | None
    run_id: int | None

    def covers(self, entry_id: str) -> bool:
        """Whether the entry was stored already (its rows are committed)."""
        return entry_key(entry_id) <= entry_key(self.last_id)


class StreamPositions:
    def __init__(self, db: Database):
        self.db = db

    def get(self, stream: str) -> Position | None:
        row = self.db.read(
            "SELECT last_id, crawl_run, run_id FROM stream_positions WHERE stream = ?", (stream,)
        ).fetchone()
        return Position(*row) if row else None

    def set(self, stream: str, position: Position) -> None:
        """Record the position inside the open batch: it is committed with the rows of the entries it covers."""
        self.db.write(
            "INSERT INTO stream_positions (stream, last_id, crawl_run, run_id, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (stream) DO UPDATE SET last_id = excluded.last_id, crawl_run = excluded.crawl_run, "
            "run_id = excluded.run_id, updated_at = excluded.updated_at",
            (stream, position.last_id, position.crawl_run, position.run_id, utc_now()),
        )
