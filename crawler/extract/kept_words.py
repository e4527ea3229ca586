"""Words gathered from other packages' data at every crawl's start, kept on disk from one crawl to the next."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

logger = logging.getLogger(__name__)

FORMAT = 1  # of the kept files: a header line, the words one a line, then "end"
END = "end"


def cache_dir() -> Path:
    """Where words are kept: ``$XDG_CACHE_HOME/storyonce``, else ``~/.cache/storyonce``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "storyonce"


def kept_words(name: str, made_from: str, gather: Callable[[], Iterable[str]]) -> list[str]:
    """The words ``gather`` returns: read from the file kept under ``name`` when it was made from the same
    ``made_from`` (the versions of the packages the words come from), else gathered and kept.

    A file that is missing, cut short, made from other versions or unreadable is gathered again; one that
    cannot be written is not kept, and the words are gathered again at the next crawl.
    """
    path = cache_dir() / f"{name}.txt"
    header = f"storyonce {name} {FORMAT} {made_from}"
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        lines = []
    if len(lines) >= 2 and lines[0] == header and lines[-1] == END:
        return lines[1:-1]
    words = list(gather())
    if not any("\n" in word for word in words):  # one a line
        keep_file(path, "\n".join([header, *words, END]).encode("utf-8"))
    return words


def keep_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole: another crawl starting meanwhile reads the old file or the new one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as exc:  # a read-only or missing home: made again at every crawl, as without the file
        logger.debug("%s could not be kept: %s", path, exc)
