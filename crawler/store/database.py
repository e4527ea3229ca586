"""The crawl database opened for writing: WAL, the schema applied atomically, and one open batch of writes."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from crawler.config import CannotStart
from crawler.store.schema import is_current, migrations
from crawler.store.schema_script import create_from_script

# A batch of pages, their full-text index and band keys must fit in the page cache: SQLite's default
# 2 MB spills to the WAL in the middle of a transaction, many times over.
CACHE_KIB = 64 * 1024

T = TypeVar("T")
MAX_PADDED = 512  # values looked up per statement: SQLite builds before 3.32 bind at most 999 in one


def padded(values: Sequence[T]) -> list[T | None]:
    """``values`` with NULLs added up to a power of two (8 at least) when they are MAX_PADDED or fewer.

    A statement with a list of values per page (``IN (?, ?, ...)``, ``VALUES (?), (?), ...``) is
    prepared anew for every new length, which costs more than running it; rounding the lengths up lets
    pages share a few prepared statements. NULL equals nothing, so the padding matches no row.
    """
    if len(values) > MAX_PADDED:
        return list(values)
    size = 8
    while size < len(values):
        size *= 2
    return [*values, *[None] * (size - len(values))]


class StorageError(CannotStart, RuntimeError):
    """The database cannot be written: read-only, disk full, I/O error, a folder that cannot be made."""


def in_batches(conn: sqlite3.Connection, table: str, columns: str, size: int = 1000) -> Iterator[list[tuple]]:
    """The rows of ``table`` (``columns``), a batch of ``size`` at a time in rowid order: a table of a million
    stories is read whole without being held in memory at once (as a migration or a re-signing reads one)."""
    last = -1
    while rows := conn.execute(
        f"SELECT rowid, {columns} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, size)
    ).fetchall():
        last = rows[-1][0]
        yield [row[1:] for row in rows]


def utc_now() -> str:
    """Now in UTC, to the second, as ISO 8601 text (every stored timestamp)."""
    global _this_second
    second = int(time.time())
    if second != _this_second[0]:  # a page's rows are stamped a dozen times: the text is made once a second
        _this_second = (second, utc_text(second))
    return _this_second[1]


def utc_text(second: int) -> str:
    """A time in seconds since 1970, as :func:`utc_now` writes every stored timestamp."""
    return datetime.fromtimestamp(second, UTC).isoformat()


_this_second: tuple[int, str] = (-1, "")  # the last second utc_now was asked in, and its text


class Database:
    """One connection to the database, the writer side's only one.

    Writes accumulate in one open transaction that :meth:`commit` ends; the caller decides the batch
    size. WAL mode lets readers query committed rows while a batch is being written, and an
    uncommitted batch vanishes whole on a crash: no half-written article, index entry or page row.
    """

    def __init__(self, path: str | Path, busy_timeout: float = 5.0):
        self.path = str(path)
        if not os.path.exists(self.path):
            _create(self.path)
        self.conn = _connect(self.path, busy_timeout)
        apply_migrations(self.conn)
        self.pending_writes = 0

    # -- statements ---------------------------------------------------------------------------
    def write(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Run one statement that changes rows, inside the open batch."""
        self.pending_writes += 1
        return self.conn.execute(sql, params)

    def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.pending_writes += 1
        self.conn.executemany(sql, rows)

    def read(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Run a query; it sees the open batch's own writes."""
        return self.conn.execute(sql, params)

    def rows_for_keys(
        self, columns: str, table: str, key: str, keys: Sequence[Any], per_key: int, latest: str
    ) -> list[tuple[Any, ...]]:
        """``columns`` of the rows of ``table`` whose ``key`` is one of ``keys``; when they are more than
        ``per_key`` a key, at most ``per_key`` of each, the latest by ``latest`` (an indexed column).

        A key that thousands of rows share (a template's words) then costs ``per_key`` rows, not all of them:
        one statement as a plain ``IN`` while the rows are few, one reading each key's latest rows otherwise.
        """
        if not keys:
            return []
        values = padded(keys)
        most = per_key * len(keys)
        rows = self.conn.execute(
            f"SELECT {columns} FROM {table} WHERE {key} IN ({','.join('?' * len(values))}) LIMIT {most + 1:d}",
            values,
        ).fetchall()
        if len(rows) <= most:
            return rows
        one = f"SELECT * FROM (SELECT {columns} FROM {table} WHERE {key} = ? ORDER BY {latest} DESC LIMIT {per_key:d})"
        return self.conn.execute(" UNION ALL ".join([one] * len(keys)), keys).fetchall()

    def look_up(self, values: Iterable[Any], answer: str) -> dict[Any, Any]:
        """``answer`` (an SQL expression over ``wanted.value``) for each distinct value, in one statement per
        MAX_PADDED values; only the values it answers (not NULL) are in the result."""
        wanted = list(dict.fromkeys(values))
        found: dict[Any, Any] = {}
        for start in range(0, len(wanted), MAX_PADDED):
            part = padded(wanted[start : start + MAX_PADDED])
            rows = self.conn.execute(
                f"WITH wanted (value) AS (VALUES {','.join(['(?)'] * len(part))}) "
                f"SELECT value, {answer} FROM wanted WHERE value IS NOT NULL",
                part,
            )
            found.update((value, result) for value, result in rows if result is not None)
        return found

    # -- transactions -------------------------------------------------------------------------
    def commit(self) -> None:
        self.conn.commit()
        self.pending_writes = 0

    def rollback(self) -> None:
        """Drop the open batch (after a failed write SQLite may have dropped it already)."""
        self.conn.rollback()
        self.pending_writes = 0

    def close(self) -> None:
        self.commit()
        self.conn.close()

    def check_writable(self) -> None:
        """Raise ``sqlite3.OperationalError`` now, not mid-crawl, if the database is read-only."""
        self.commit()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.execute("CREATE TABLE _write_check (x)")  # never committed
        finally:
            self.conn.rollback()


def _connect(path: str, busy_timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=busy_timeout, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    # NORMAL is durable at every checkpoint and never corrupts in WAL mode; FULL would fsync each batch.
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return conn


def apply_migrations(conn: sqlite3.Connection) -> None:
    """Apply pending migrations in one transaction: a reader sees the old schema or the new, never a part."""
    if is_current(conn):
        return
    import sqlite_utils  # here: only a database whose schema must change needs it

    db = sqlite_utils.Database(conn)
    with db.atomic():
        migrations().apply(db)  # applies only those not applied yet


def _create(path: str) -> None:
    """Build a new database beside ``path`` and move it into place whole, so no reader sees it half made."""
    temporary = f"{path}.new-{os.getpid()}"
    conn = _connect(temporary, 5.0)
    try:
        if not create_from_script(conn):  # made after other migrations, or an older SQLite: them, one by one
            apply_migrations(conn)
    finally:
        conn.close()  # the last connection checkpoints the WAL into the file and removes it
    os.replace(temporary, path)
