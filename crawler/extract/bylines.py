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

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.metadata import normalize_authors
from trafilatura.utils import trim
from trafilatura.xml import delete_element

# trafilatura.xpaths.AUTHOR_DISCARD_XPATHS: comment sections, sidebars, dates, figures.
_DISCARD_TAGS = frozenset(("a", "div", "section", "span"))
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


def _classify(tree: HtmlElement) -> tuple[set[HtmlElement], list[list[HtmlElement]]]:
    """One pass over the elements: the ones trafilatura deletes, and the byline candidates of each level.

    The attribute tests are trafilatura's XPath predicates; in Python, one pass reads each attribute
    once, where libxml2 evaluates each of some sixty predicates on every element.
    """
    discarded: set[HtmlElement] = set()
    levels: list[list[HtmlElement]] = [[], [], []]
    # trafilatura's ``[rel="me"]`` on a child element: found once, not by reading every element's children.
    rel_me = {rel.getparent() for rel in tree.iter("rel") if rel.text_content() == "me"}
    for element in tree.iter(etree.Element):
        tag = element.tag
        if tag in ("time", "figure"):
            discarded.add(element)
        if not element.attrib:
            if tag == "author":
                levels[0].append(element)
            continue
        get = element.get
        cls, ident, itemprop = get("class", ""), get("id", ""), get("itemprop", "")
        component = get("data-component", "")
        if (
            tag in _DISCARD_TAGS
            and element is not tree
            and (
                ident == "comments"
                or cls in ("comments", "title", "date")
                or ident.startswith("comments")
                or _discard_id(ident)
                or cls.startswith(("Comments", "comments"))
                or _discard_class(cls)
                or "Figure" in component
            )
        ):
            discarded.add(element)
        if tag == "author" or (
            tag in _LEVEL_0_TAGS
            and (
                get("rel") == "author"
                or ident == "author"
                or cls == "author"
                or itemprop == "author name"
                or get("data-testid") in ("AuthorCard", "AuthorURL")
                or _level_0_class(cls)
                or element in rel_me
            )
        ):
            levels[0].append(element)
        if tag in _LEVEL_1_TAGS and (
            cls in _LEVEL_1_CLASSES or "author" in itemprop or _level_1_id(ident) or _level_1_class(cls)
        ):
            levels[1].append(element)
        if "Byline" in component or "author" in itemprop or _level_2_id(ident) or _level_2_class(cls):
            levels[2].append(element)
    return discarded, levels


MAX_AUTHOR_CHARS = 120  # trafilatura's len_limit for authors


def byline_author(tree: HtmlElement) -> str | None:
    """The author(s) named by the page's byline markup, normalised as trafilatura does; None if none."""
    discarded, levels = _classify(tree)
    for candidates in levels:
        for element in candidates:
            if element in discarded or any(a in discarded for a in element.iterancestors()):
                continue  # trafilatura deleted it before looking
            content = trim(" ".join(_text_without(element, discarded)))
            if content and 2 < len(content) < MAX_AUTHOR_CHARS:
                return normalize_authors(None, content)
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
