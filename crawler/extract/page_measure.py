"""trafilatura's measure of a page's whole text, made once for the page though its fast and thorough runs both ask."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from lxml.html import HtmlElement

from crawler.extract.released import Placed, as_released, place_when_known

# trafilatura retries a short result in recall mode when it covers little of the page, which it measures by the
# text of the whole page (html2txt: a copy of the raw tree cleaned and spaced, 2.3 ms a page of the corpus). The
# tree it measures is the one it was given, pruned by its raw-tree and comment paths, which read no option that
# differs between a fast and a thorough run, and nothing before the measure changes it (every later step reads a
# copy): the thorough run of a page measures what its fast run measured (115 of the 990 corpus pages asked
# twice). Within shared(), the measure of a tree handed to trafilatura is made at its first run and read again.
_RELEASED_SOURCES = {
    # sha256 of inspect.getsource(...) as trafilatura 2.3 has them: another version measures at every run.
    "trafilatura_sequence": "f03dc4d2946dacbd",
    "html2txt": "a8c97eab2097c57d",
}
Measures = dict[tuple[HtmlElement, bool], str]


class _Runs(threading.local):
    """The runs in progress on this thread (a crawl extracts on one, but a caller of extract_page may use
    several): each, the page's measures so far and the tree trafilatura was given (its own copy is measured)."""

    def __init__(self) -> None:
        self.stack: list[tuple[Measures, HtmlElement]] = []


_runs = _Runs()
_PLACED: list[Placed] = []


@contextmanager
def shared(measures: Measures, tree: HtmlElement) -> Iterator[None]:
    """Within the block (one trafilatura run on ``tree``), the page measure is read from ``measures`` when an
    earlier run on ``tree`` made it, else made and kept there. Keep ``measures`` for one page only."""
    _runs.stack.append((measures, tree))
    try:
        yield
    finally:
        _runs.stack.pop()


def _made_once(html2txt: Callable[..., str]) -> Callable[..., str]:
    def measured(content: HtmlElement, clean: bool = True) -> str:
        if not _runs.stack:
            return html2txt(content, clean)
        measures, tree = _runs.stack[-1]
        key = (tree, clean)
        if key not in measures:
            measures[key] = html2txt(content, clean)
        return measures[key]

    return measured


def install() -> int:
    """Put the shared measure where trafilatura's sequence takes its page measure, where both read as this module
    knows them; returns in how many places it was put. Idempotent."""
    if _PLACED:
        return 0
    # Only the sequence's own module: its measure is the one keyed by the run's tree.
    place_when_known(_PLACED, "trafilatura.core", _RELEASED_SOURCES, "html2txt", _made_once)
    return len(_PLACED)


def installed() -> list[str]:
    """The names of the steps now replaced."""
    return [name for _, name, _, _ in _PLACED]


def removed() -> AbstractContextManager[None]:
    """trafilatura measuring the page at every run within the block (benchmarks measure plain trafilatura so)."""
    return as_released(_PLACED)
