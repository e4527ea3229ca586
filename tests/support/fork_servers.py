"""The workers' fork servers a process has started, found in /proc (run in the process under test)."""

from __future__ import annotations

import os


def fork_servers() -> list[str]:
    """The process ids of this process's children that are multiprocessing fork servers."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat, open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                parent, command = int(stat.read().rsplit(")", 1)[1].split()[1]), cmdline.read()
        except OSError:
            continue  # ended meanwhile
        if parent == os.getpid() and b"multiprocessing.forkserver" in command:
            found.append(pid)
    return found
