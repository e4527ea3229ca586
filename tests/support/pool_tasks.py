"""Functions run by worker processes in the pool tests (workers import them by name)."""

from __future__ import annotations

import os
import re
import time


def echo(value, suffix=""):
    return f"{value}{suffix}"


def behave(kind, suffix=""):
    """Do what ``kind`` says: return, raise, hang, or die the way a segfault or OOM kill would."""
    if kind == "hang":
        time.sleep(60)
    if kind == "hold_the_lock":  # hangs in C code that never lets go of the interpreter lock: a pattern backtracking
        re.match(r"(x+x+)+y", "x" * 64)
    if kind == "die":
        os._exit(139)
    if kind == "die_slowly":  # the next task is with the worker by then
        time.sleep(0.5)
        os._exit(139)
    if kind == "raise":
        raise ValueError("bad page")
    if kind == "pid":
        return os.getpid()
    return f"{kind}{suffix}"


def collector(_task):
    """The worker's garbage collector: whether it runs, its thresholds, and how many objects are frozen."""
    import gc

    return gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()
