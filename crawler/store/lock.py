"""One writer per database: an OS file lock beside it, held for the writer's life, dropped if it dies."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from crawler.store.database import StorageError


class DatabaseInUse(RuntimeError):
    """Another crawl is writing to the same database."""


class DatabaseLock:
    """An exclusive ``flock`` on ``<database>.lock``, taken on the database's real path.

    The lock file sits beside the file the path finally names, so two paths to one database (a
    symlink, ``..``) take the same lock. The OS releases it when the process ends, however it ends.
    """

    def __init__(self, database_path: str):
        self.database_path = database_path
        self.path = Path(os.path.realpath(database_path) + ".lock")
        self._handle: IO[str] | None = None

    def acquire(self) -> DatabaseLock:
        if not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle = open(self.path, "a+")  # noqa: SIM115 -- held open until release or the process ends
        except OSError as exc:
            raise StorageError(f"cannot open the lock file {self.path} beside the database: {exc}") from exc
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise DatabaseInUse(
                f"{self.database_path} is being written by another crawl (lock {self.path} is held); "
                "wait for it to finish or choose another database with -s SQLITE_PATH=..."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
