"""The union of every language's jusText stop list, for trafilatura's jusText fallback, read file by file."""

from __future__ import annotations

import pkgutil

import trafilatura.external
from justext.utils import get_stoplists


def stoplist_union() -> tuple[str, ...]:
    """Every word of every jusText stop list, lower-cased, once: the words trafilatura's own
    ``jt_stoplist_init`` gathers, which decodes and lower-cases them one by one (0.2-0.3 s; this, 0.06)."""
    words: set[str] = set()
    for language in get_stoplists():
        data = pkgutil.get_data("justext", f"stoplists/{language}.txt") or b""
        words.update(data.decode("utf8").lower().splitlines())
    return tuple(words)


def install_stoplist_union() -> None:
    """Give trafilatura the union now, so that it does not build it at the first page whose language it
    was not told that reaches its jusText fallback."""
    # Only where trafilatura keeps the union in this global and has not built it yet: a version that
    # keeps it elsewhere builds its own, as it always did.
    if getattr(trafilatura.external, "JT_STOPLIST", False) is None:
        trafilatura.external.JT_STOPLIST = stoplist_union()  # type: ignore[assignment]  # None until built
