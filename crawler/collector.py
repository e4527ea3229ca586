"""The garbage collector in the crawl's long-lived processes: what they load first frozen, young collections rarer."""

from __future__ import annotations

import gc

# A page, a request or a response makes tens of thousands of short-lived objects, nearly all freed by reference
# counting before a young collection would find them: collecting the young generation ten times less often than
# Python's 700 allocations costs little memory. (What it saves is measured where it is called.)
THRESHOLDS = (10_000, 10, 10)


def freeze_what_is_loaded() -> None:
    """What the process has loaded by now lives as long as it does: frozen, the collector's full collections no
    longer walk it (nor write to the memory a forked process shares with it); young collections come rarer."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
