"""A new database's whole schema as one SQL script (schema.sql), made from the migrations: run instead of them.

A new database made by running every migration through sqlite-utils cost the crawl process 0.1-0.15 s of CPU
(sqlite-utils' import, fifteen migrations one by one) before its first request. The script makes the same
schema in a few milliseconds. It names the migrations it was made after: when they are not this code's (a
migration added and the script not made again), or this SQLite cannot run it, the migrations make the
schema as before. ``tests/test_storage.py`` fails until the script is made again after a migration:

    python -m crawler.store.schema_script
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from crawler.store.schema import APPLIED_TABLE, MIGRATION_SET, MIGRATIONS

SCRIPT = Path(__file__).with_name("schema.sql")
HEADER = "-- migrations: "


def script_of(conn: sqlite3.Connection) -> str:
    """The script that makes the schema of ``conn``'s database, one the migrations made, naming them."""
    applied = conn.execute(
        f"SELECT name FROM {APPLIED_TABLE} WHERE migration_set = ? ORDER BY id", (MIGRATION_SET,)
    ).fetchall()
    entries = conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid").fetchall()
    virtual = [name for name, sql in entries if sql.startswith("CREATE VIRTUAL TABLE")]
    statements = [
        f"{sql};"
        for name, sql in entries
        # SQLite makes its own tables, and a virtual table's (articles_fts_data, ...), with what creates them.
        if not name.startswith("sqlite_") and not any(name.startswith(f"{table}_") for table in virtual)
    ]
    # A full-text index the migrations built from the (then empty) articles holds the statistics of none
    # where a new one holds nothing yet: built as they built it, the two databases hold the same rows.
    statements += [
        f"INSERT INTO {name} ({name}) VALUES ('rebuild');" for name, sql in entries if "USING FTS5" in sql.upper()
    ]
    lines = [
        HEADER + " ".join(name for (name,) in applied),
        "-- Made by `python -m crawler.store.schema_script` from the migrations in crawler/store/schema.py.",
        *statements,
    ]
    return "\n".join(lines) + "\n"


def create_from_script(conn: sqlite3.Connection, script: Path | None = None) -> bool:
    """Make the schema of the new, empty database ``conn`` with the script, and record its migrations as
    applied, in one transaction. False, with nothing made, when the script was made after other migrations
    than this code's, or cannot be read or run here: the migrations are then to make it."""
    try:
        text = (script or SCRIPT).read_text(encoding="utf-8")
    except OSError:
        return False
    header, _, statements = text.partition("\n")
    names = [migration.__name__ for migration in MIGRATIONS]
    if not header.startswith(HEADER) or header.removeprefix(HEADER).split() != names:
        return False
    applied_at = str(datetime.now(UTC))  # as sqlite-utils records it
    try:
        conn.executescript(f"BEGIN;\n{statements}")  # the transaction stays open for the records below
        conn.executemany(
            f"INSERT INTO {APPLIED_TABLE} (migration_set, name, applied_at) VALUES (?, ?, ?)",
            [(MIGRATION_SET, name, applied_at) for name in names],
        )
        conn.commit()
    except sqlite3.Error:  # an older SQLite (FTS5 without the tokenizer's options, ...): nothing is left made
        conn.rollback()
        return False
    return True


def main() -> None:
    """Make the script again from the migrations, in a database in memory."""
    from crawler.store.database import apply_migrations

    conn = sqlite3.connect(":memory:")
    apply_migrations(conn)
    SCRIPT.write_text(script_of(conn), encoding="utf-8")
    print(f"{SCRIPT}: {len(MIGRATIONS)} migrations")


if __name__ == "__main__":
    main()
