"""One writer per database: an OS file lock beside it, held for the writer's life, dropped if it dies."""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import IO

from crawler.config import CannotStart
from crawler.store.database import StorageError

logger = logging.getLogger(__name__)


class DatabaseInUse(CannotStart, RuntimeError):
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
        """Take the lock; a missing folder for the database is made (and said in the log)."""
        folder = self.path.parent
        if not folder.exists():
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the folder {folder} for the database {self.database_path}: {exc.strerror or exc}"
                ) from exc
            logger.info("created the folder %s for the database %s", folder, self.database_path)
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
