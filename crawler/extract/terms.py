"""A page's tags and categories as trafilatura's rules find them, reading only the links that can hold one."""

from __future__ import annotations

import re
import sys
from contextlib import AbstractContextManager

from lxml import etree
from lxml.html import HtmlElement
from trafilatura import metadata as trafilatura_metadata
from trafilatura.baseline import block_text
from trafilatura.utils import line_processing

from crawler.extract import xpath_forms
from crawler.extract.elements import PageElements
from crawler.extract.released import as_released, known_release

KINDS = ("tag", "category")
# trafilatura's extract_catstags runs up to six XPaths over the whole page, each "//<container>//a[@href]",
# and keeps the links whose address matches its pattern for the kind ("/tag/", "/categories/"). Every one
# of them holds "/tag" or "/categor": one walk finds those links (few on a page, none on many), and each
# XPath is asked only which of them lie in its container. The same terms, in the same order, for 6 % less of
# a worker's CPU a page than trafilatura's reader (benchmarks/xpath_forms.py --forms terms; see the README).
_ADDRESS_START = {kind: "/" + kind.rstrip("y") for kind in KINDS}  # "/tag", "/categor"
_ADDRESS = {kind: re.compile(start + "(?:y|ies|s)?/") for kind, start in _ADDRESS_START.items()}  # trafilatura's
_KIND_LINKS = etree.XPath(
    "/descendant::a[" + " or ".join(f"contains(@href, '{start}')" for start in _ADDRESS_START.values()) + "]"
)
# sha256 of inspect.getsource(extract_catstags) in trafilatura 2.3: another release keeps its own reader.
_RELEASED_SOURCE = "3f8fb883298aab2e"


def _link_filters() -> dict[str, list[etree.XPath]] | None:
    """trafilatura's expressions for each kind as filters of the candidate links; None unless its reader
    is the one this module knows and each expression has the shape the filter is made from."""
    if known_release("trafilatura.metadata", "extract_catstags", _RELEASED_SOURCE) is None:
        return None
    filters: dict[str, list[etree.XPath]] = {}
    released = {"category": trafilatura_metadata.CATEGORIES_XPATHS, "tag": trafilatura_metadata.TAGS_XPATHS}
    for kind, expressions in released.items():
        filters[kind] = []
        for expression in expressions:
            path = xpath_forms.among(xpath_forms.released(expression).path, "a[@href]", "links")
            if path is None:
                return None
            filters[kind].append(etree.XPath(path, namespaces={"re": xpath_forms.REGEXP_NS}))
    return filters


_FILTERS = _link_filters()


def removed() -> AbstractContextManager[None]:
    """trafilatura's own reader within the block (benchmarks measure it so)."""
    return as_released([(sys.modules[__name__], "_FILTERS", None, _FILTERS)])


def kind_links(tree: HtmlElement) -> list[HtmlElement]:
    """The page's links whose address can name a tag or a category, in document order."""
    return _KIND_LINKS(tree)


def linked_terms(
    tree: HtmlElement, kind: str, links: list[HtmlElement] | None = None, elements: PageElements | None = None
) -> list[str]:
    """Tags (``kind`` "tag") or categories ("category") from the page's links and ``article:section``:
    what trafilatura's ``extract_catstags`` returns. ``links`` and ``elements``: the page's
    :func:`kind_links` and elements, when already found."""
    if _FILTERS is None:
        return trafilatura_metadata.extract_catstags(kind, tree)
    address = _ADDRESS[kind]
    candidates = [link for link in (kind_links(tree) if links is None else links) if address.search(link.get("href"))]
    found: list[str] = []
    if candidates:
        for among_links in _FILTERS[kind]:
            found.extend(block_text(link) for link in among_links(tree, links=candidates))
            if found:
                break
    if kind == "category" and not found:  # trafilatura's fallback, the same values
        found = (elements or PageElements(tree)).metas_where(_names_a_section, in_head=True)
    return [t for t in dict.fromkeys(line_processing(v) for v in found if v) if t]


def _names_a_section(meta: HtmlElement) -> bool:
    """``meta[@property="article:section" or contains(@name, "subject")]``, where trafilatura looks."""
    return meta.get("property") == "article:section" or "subject" in (meta.get("name") or "")


__all__ = ["KINDS", "kind_links", "linked_terms", "removed"]
