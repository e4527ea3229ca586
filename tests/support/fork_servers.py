"""Processes found in /proc: a process's children, and which of them are multiprocessing fork servers."""

from __future__ import annotations

import os
from pathlib import Path

from crawler.extract.forked_helpers import FORK_SERVER, helper_of


def children_of(parent: int) -> list[int]:
    """The process ids of ``parent``'s children (those that end meanwhile are left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue  # ended meanwhile
    return found


def fork_servers(parent: int | None = None) -> list[int]:
    """The children of ``parent`` (this process by default) that are multiprocessing fork servers: started as
    a new interpreter (named in its command line) or forked from the crawl (named in its ``comm``)."""
    return [pid for pid in children_of(os.getpid() if parent is None else parent) if helper_of(pid) == FORK_SERVER]
