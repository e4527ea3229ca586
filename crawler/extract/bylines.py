"""The author named in a page's byline markup, as trafilatura finds it, without copying the page.

trafilatura's ``extract_author`` deep-copies the whole tree, deletes comment sections, sidebars,
dates and figures from the copy, then runs three XPath expressions whose regular expressions call
back into Python for every element. :func:`byline_author` gives the same answer from one pass over
the elements: the deleted parts are only skipped, and only a candidate whose text is read is copied.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import deepcopy
from functools import lru_cache

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.metadata import normalize_authors
from trafilatura.utils import trim
from trafilatura.xml import delete_element

from crawler.extract.elements import NOT_SHOWN

# trafilatura.xpaths.AUTHOR_DISCARD_XPATHS: comment sections, sidebars, dates, figures.
_DISCARD_TAGS = frozenset(("a", "div", "section", "span"))
# Deleted with what they hold, whatever their attributes: trafilatura's dates and figures, and drawings, whose
# text is drawn (an avatar's initials, "CM", beside the name "Craig McCarthy").
_DRAWN_OR_DATED = frozenset(("time", "figure", "svg"))
_DISCARD_ID_PARTS = ("commentlist", "comment-list", "ProductReviews")
_DISCARD_CLASS_PARTS = (
    "commentlist",
    "comments-list",
    "sidebar",
    "is-hidden",
    "quote",
    "embedly-instagram",
    "article-share",
    "article-support",
    "print",
    "category",
    "meta-date",
    "meta-reviewer",
)
# trafilatura.xpaths.AUTHOR_XPATHS, three levels tried in order. A regular expression without
# anchors is a set of substring tests.
_LEVEL_0_TAGS = frozenset(("a", "address", "div", "link", "p", "span", "strong"))
_LEVEL_0_CLASS_PARTS = ("authorname", "author-name", "AuthorName", "authorName")
_LEVEL_1_TAGS = frozenset(("a", "div", "h3", "h4", "p", "span"))
_LEVEL_1_CLASSES = frozenset(("byline", "username", "byl", "BBL"))
_LEVEL_1_ID_PARTS = ("author", "zuozhe", "bianji", "xiaobian")
_LEVEL_1_CLASS_PARTS = (
    "author",
    "channel-name",
    "zuozhe",
    "bianji",
    "xiaobian",
    "submitted-by",
    "posted-by",
    "journalist-name",
)
_LEVEL_2_ID_PARTS = ("Author", "author")
_LEVEL_2_CLASS_PARTS = ("Author", "author", "screenname", "writer", "Byline", "byline")


def _any_of(parts: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    """A test for any of ``parts`` as a substring, run by the regex engine in one call."""
    return re.compile("|".join(map(re.escape, parts))).search


_discard_id = _any_of(_DISCARD_ID_PARTS)
_discard_class = _any_of(_DISCARD_CLASS_PARTS)
_level_0_class = _any_of(_LEVEL_0_CLASS_PARTS)
_level_1_id = _any_of(_LEVEL_1_ID_PARTS)
_level_1_class = _any_of(_LEVEL_1_CLASS_PARTS)
_level_2_id = _any_of(_LEVEL_2_ID_PARTS)
_level_2_class = _any_of(_LEVEL_2_CLASS_PARTS)

# What an element's attributes say, as bits: which of trafilatura's tests they pass, the tag aside.
_DISCARD, _LEVEL_0, _LEVEL_1, _LEVEL_2 = 1, 2, 4, 8
# The attributes tested besides class and id; most elements have none of them.
_RARE_ATTRIBUTES = frozenset(("itemprop", "data-component", "rel", "data-testid"))


@lru_cache(maxsize=65536)  # class lists repeat from element to element and page to page
def _class_bits(cls: str) -> int:
    """The tests a class attribute passes: worked out once per distinct string, not per element."""
    bits = 0
    if cls in ("comments", "title", "date") or cls.startswith(("Comments", "comments")) or _discard_class(cls):
        bits |= _DISCARD
    if cls == "author" or _level_0_class(cls):
        bits |= _LEVEL_0
    if cls in _LEVEL_1_CLASSES or _level_1_class(cls):
        bits |= _LEVEL_1
    if _level_2_class(cls):
        bits |= _LEVEL_2
    return bits


@lru_cache(maxsize=16384)  # ids are more often unique to a page
def _id_bits(ident: str) -> int:
    """The tests an id attribute passes."""
    bits = 0
    if ident == "comments" or ident.startswith("comments") or _discard_id(ident):
        bits |= _DISCARD
    if ident == "author":
        bits |= _LEVEL_0
    if _level_1_id(ident):
        bits |= _LEVEL_1
    if _level_2_id(ident):
        bits |= _LEVEL_2
    return bits


def _rare_attribute_bits(element: HtmlElement) -> int:
    get = element.get
    itemprop, component = get("itemprop", ""), get("data-component", "")
    bits = _DISCARD if "Figure" in component else 0
    if get("rel") == "author" or itemprop == "author name" or get("data-testid") in ("AuthorCard", "AuthorURL"):
        bits |= _LEVEL_0
    if "author" in itemprop:
        bits |= _LEVEL_1 | _LEVEL_2
    if "Byline" in component:
        bits |= _LEVEL_2
    return bits


def _classify(tree: HtmlElement) -> tuple[set[HtmlElement], list[list[HtmlElement]]]:
    """One pass over the elements: the ones trafilatura deletes, and the byline candidates of each level.

    The attribute tests are trafilatura's XPath predicates; in Python, one pass reads each attribute
    once, where libxml2 evaluates each of some sixty predicates on every element.
    """
    discarded, levels, has_rel = _classify_with(tree, set())
    if has_rel:
        # trafilatura's ``[rel="me"]`` on a child element. <rel> is no HTML element: on the rare page
        # that has one, a second pass rather than a walk of every page just to look for it.
        rel_me = {rel.getparent() for rel in tree.iter("rel") if rel.text_content() == "me"}
        if rel_me:
            discarded, levels, _ = _classify_with(tree, rel_me)
    return discarded, levels


def _classify_with(
    tree: HtmlElement, rel_me: set[HtmlElement]
) -> tuple[set[HtmlElement], list[list[HtmlElement]], bool]:
    """_classify's pass, given the parents of ``<rel>me</rel>``; also whether the page has a <rel>."""
    discarded: set[HtmlElement] = set()
    levels: list[list[HtmlElement]] = [[], [], []]
    has_rel = False
    for element in tree.iter(etree.Element):
        tag = element.tag
        if tag in _DRAWN_OR_DATED:
            discarded.add(element)
        elif tag == "rel":
            has_rel = True
        names = element.keys()
        if not names:
            if tag == "author":
                levels[0].append(element)
            continue
        cls, ident = element.get("class"), element.get("id")
        bits = (_class_bits(cls) if cls else 0) | (_id_bits(ident) if ident else 0)
        if not _RARE_ATTRIBUTES.isdisjoint(names):
            bits |= _rare_attribute_bits(element)
        if not bits and not rel_me:
            if tag == "author":
                levels[0].append(element)
            continue  # most elements: only the tag could make them a candidate
        if bits & _DISCARD and tag in _DISCARD_TAGS and element is not tree:
            discarded.add(element)
        if tag == "author" or (tag in _LEVEL_0_TAGS and (bits & _LEVEL_0 or element in rel_me)):
            levels[0].append(element)
        if bits & _LEVEL_1 and tag in _LEVEL_1_TAGS:
            levels[1].append(element)
        if bits & _LEVEL_2 and tag not in NOT_SHOWN:  # a <style id="co-authors-plus-...-css"> names no one
            levels[2].append(element)
    return discarded, levels, has_rel


MAX_AUTHOR_CHARS = 120  # trafilatura's len_limit for authors


def byline_author(tree: HtmlElement) -> str | None:
    """The author(s) named by the page's byline markup, normalised as trafilatura does; None if none."""
    written = byline_text(tree)
    return normalize_authors(None, written) if written else None


def byline_text(tree: HtmlElement) -> str | None:
    """The text of the byline :func:`byline_author` reads, as the page writes it ("Von Günter W. Kienitz");
    None if there is none."""
    discarded, levels = _classify(tree)
    for candidates in levels:
        for element in candidates:
            if element in discarded or any(a in discarded for a in element.iterancestors()):
                continue  # trafilatura deleted it before looking
            content = trim(" ".join(_text_without(element, discarded)))
            if content and 2 < len(content) < MAX_AUTHOR_CHARS:
                return content
    return None


def _text_without(element: HtmlElement, discarded: set[HtmlElement]) -> list[str]:
    """The element's text pieces as they are once the discarded descendants are deleted (tails kept)."""
    inside = [d for d in element.iterdescendants() if d in discarded]
    if not inside:
        return list(element.itertext())
    copy = deepcopy(element)
    # The copy has the same shape: pair its descendants with the originals by position.
    doomed = [c for o, c in zip(element.iterdescendants(), copy.iterdescendants(), strict=True) if o in discarded]
    for node in doomed:
        delete_element(node)
    return list(copy.itertext())
