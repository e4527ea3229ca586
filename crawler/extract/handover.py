"""A page's tree handed to trafilatura to prune where it is, without the whole copy it makes of a tree it is given."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from lxml.html import HtmlElement

from crawler.extract.released import Placed, as_released, place_when_known

# bare_extraction copies a tree it is given before anything else (0.7 ms a page of the corpus), so that the
# caller's tree is left as it was. What it then does to its copy, before it copies that again to clean it, is
# prune it of two kinds of element: comment sections and lists, and containers of whole appended articles
# (infinite scroll). Nothing else changes the tree it was given. A page's fast run hands the page's own tree
# over instead: trafilatura prunes it where it is, and the page is not copied once more. The page's later
# readers (the thorough run, the dates, the author) then read it without those sections; the thorough run
# would have pruned them first anyway.
_RELEASED_SOURCES = {
    # sha256 of inspect.getsource(...) as trafilatura 2.3 has them: another version copies the tree as before.
    "bare_extraction": "2e57adb3062086f9",
    "load_html": "bc0039c89805dea3",
}

_PLACED: list[Placed] = []


class Handed:
    """A tree trafilatura may change: :func:`load_html` gives it back as the tree to work on, and since that tree
    is not the object bare_extraction was given, bare_extraction does not copy it."""

    __slots__ = ("tree",)

    def __init__(self, tree: HtmlElement):
        self.tree = tree


def handed(tree: HtmlElement) -> HtmlElement | Handed:
    """What to give ``bare_extraction`` for it to work on ``tree`` itself, where that is in place (else ``tree``,
    which it copies)."""
    taking = any(getattr(module, name) is faster for module, name, _, faster in _PLACED)
    return Handed(tree) if taking else tree


def _taking_handed_trees(released: Callable[..., Any]) -> Callable[..., Any]:
    def load_html(htmlobject: Any, max_size: int | None = None) -> HtmlElement | None:
        if isinstance(htmlobject, Handed):
            return htmlobject.tree
        return released(htmlobject, max_size)

    return load_html


def install() -> int:
    """Let bare_extraction take a handed tree, where it reads as this module knows it; returns in how many places
    the change was put. Idempotent."""
    if _PLACED:
        return 0
    place_when_known(_PLACED, "trafilatura.core", _RELEASED_SOURCES, "load_html", _taking_handed_trees)
    return len(_PLACED)


def installed() -> list[str]:
    """The names of the steps now replaced."""
    return [name for _, name, _, _ in _PLACED]


def removed() -> AbstractContextManager[None]:
    """trafilatura copying every tree it is given, within the block."""
    return as_released(_PLACED)
