"""Source fingerprints of other packages' functions, kept on disk: the next crawl's workers do not read them again."""

from __future__ import annotations

import inspect
import marshal
import os
from collections.abc import Callable
from typing import Any

from crawler.extract.kept_words import cache_dir, keep_file

# The faster forms check the release of every function they stand in for by a fingerprint of its source
# (crawler.extract.released). Reading a function's source means reading its file and tokenising it to find
# the block: 1 to 3 ms a function, some 35 ms of each start of the workers' fork server (0.42 s in all) on
# the way to the first extracted page. The fingerprints are kept by their source file's path, size and time
# of modification, as Python decides whether the bytecode it cached for a module is still that file's; a
# file that changes (another release installed) is read again.
FORMAT = 1
NAME = "source-fingerprints.marshal"

_kept: dict[str, dict[str, Any]] | None = None  # path -> {"stamp": ..., "fingerprints": {name: fingerprint}}


def kept_fingerprint(function: Any, fingerprint_of: Callable[[Any], str | None]) -> str | None:
    """``fingerprint_of(function)``, read from the kept file while the function's source file is unchanged;
    made and kept otherwise. A function whose file cannot be told (built in, made at run time) is not kept."""
    place = _source_place(function)
    if place is None:
        return fingerprint_of(function)
    path, stamp, name = place
    kept = _loaded()
    entry = kept.get(path)
    if entry is not None and entry.get("stamp") != stamp:
        entry = None  # the file changed: what was kept of it is gone
    if entry is not None:
        found = entry["fingerprints"].get(name)
        if isinstance(found, str):
            return found
    fingerprint = fingerprint_of(function)
    if fingerprint is not None:
        if entry is None:
            entry = kept[path] = {"stamp": stamp, "fingerprints": {}}
        entry["fingerprints"][name] = fingerprint
        keep_file(cache_dir() / NAME, marshal.dumps((FORMAT, kept)))
    return fingerprint


def forget_loaded() -> None:
    """Read the kept file again at the next fingerprint (a test changes the cache directory)."""
    global _kept
    _kept = None


def _source_place(function: Any) -> tuple[str, str, str] | None:
    """(source file, its stamp, the function's name and first line there), or None where there is none."""
    try:
        path = inspect.getsourcefile(function)
        if path is None:
            return None
        status = os.stat(path)
    except (OSError, TypeError):
        return None
    # A function's source is found by its first line (two of one name may be defined in a file); a class's
    # by its qualified name alone.
    first_line = getattr(getattr(function, "__code__", None), "co_firstlineno", 0)
    name = f"{getattr(function, '__qualname__', '')}:{first_line}"
    return os.path.abspath(path), f"{status.st_mtime_ns}:{status.st_size}", name


def _loaded() -> dict[str, dict[str, Any]]:
    global _kept
    if _kept is None:
        _kept = {}
        try:
            # marshal, not json: importing json compiles patterns, in the fork server before its collector is off
            data = marshal.loads((cache_dir() / NAME).read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return _kept  # none kept yet, or unreadable: made again, and kept
        files = data[1] if isinstance(data, tuple) and len(data) == 2 and data[0] == FORMAT else None
        if isinstance(files, dict):
            _kept = {
                path: entry
                for path, entry in files.items()
                if isinstance(path, str) and isinstance(entry, dict) and isinstance(entry.get("fingerprints"), dict)
            }
    return _kept
