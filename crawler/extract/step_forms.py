"""trafilatura's tree preparing, cleaning, pruning and character clearing in forms giving the same, for less CPU."""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract import xpath_forms
from crawler.extract.released import Placed, as_released, known_release, modules_of, place
from crawler.extract.walked_paths import first_of

# trafilatura's basic cleaning (the page measure of its recall escalation, which runs on half the pages, its
# baseline and its jusText input) selects, besides asides, footers and scripts, every element whose class
# or id names a cookie banner, with a regular expression called from XPath for each element that has a
# class or an id: 3 of its 6 ms a page. A page whose class and id values hold none of the words every
# banner name holds (two thirds of the corpus pages) is cleaned of the rest alone. On the others, the
# banners are found by one search of their class and id values joined (ASCII text lowered, for a pattern
# without re.IGNORECASE: the selection on such a page 2.9 -> 1.2 ms) and deleted after the rest, not among
# them in document order, which changes nothing: each deleted element's tail joins the text before it.
#
# Before extracting, it cleans a copy of the page's tree and keeps a copy of that as a backup for the
# fallback extractors and the comments; in fast mode without comments nothing reads the backup, and it
# is not made.
#
# It clears every text and tail it spaces (its page measure, block_text) and every line it writes of control
# characters, character by character wherever a string is not all printable: the line breaks and indents
# between elements are not, so nearly every tail took that path. A string whose only characters that are not
# printable are white space (which it keeps) is returned as it is.
#
# Each candidate subtree of the page is pruned with OVERALL_DISCARD_XPATH, two expressions that call Python's
# regular expressions from XPath (EXSLT re:test) for nearly every element with an id, a class or a style: 3.7
# ms a page of the corpus's trees for the pair. One pass in Python reads each element's attributes once and
# searches them with the same patterns (taken from the released expressions), 2.0 ms; the same elements, in
# the same order. XPath's "@id|@class" is the first of the two in the element's source order.
#
# Measured on the 990 corpus pages (benchmarks/xpath_forms.py --forms steps): see the README.

_RELEASED_SOURCES = {
    # sha256 of inspect.getsource(...) as trafilatura 2.3 has them: another version keeps its own steps.
    "basic_cleaning": "80877b2ccdefda2d",
    "_prepare_tree": "9595f0642825c2c7",
    "remove_control_characters": "26cbe32b70e70e35",
    "prune_unwanted_nodes": "4731f8e24ef86449",
}
# sha256 of OVERALL_DISCARD_XPATH's two expressions as trafilatura 2.3 writes them, their patterns left out:
# the pass below reads them so (patterns of another release are taken as they are).
_RELEASED_DISCARD_SHAPES = ("171a336b00d017b5", "d8f2589876961354")
_PATTERN_ARGUMENT = re.compile(r"(re:test\([^,]+, )'([^']*)'")
# trafilatura's own text of the banner pattern and of the rest of BASIC_CLEAN_XPATH, copied rather than
# read from it: the words below are what this text requires, so install() compares the released
# expression with it and leaves a release whose expression reads otherwise alone.
_BANNER_PATTERN = (
    "cookie[-_]?(?:banner|bar|consent|law|notice|policy|description)|notice[-_]{0,2}cookie"
    "|consent[-_]?(?:banner|manager|sdk)|borlabs|cookiebot|cmplz|onetrust|moove[-_]?gdpr"
)
# What BASIC_CLEAN_XPATH selects besides the banners, in its faster form: a page without banners is
# cleaned of these alone, in the same order; a page with banners, of these and then of them.
_WITHOUT_BANNERS_PATH = (
    ".//aside|.//div[contains(@class|@id, 'footer')]|.//fencedframe|.//footer|.//script|.//style|.//svg|.//template"
)
_BASIC_CLEAN_WITHOUT_BANNERS = etree.XPath(xpath_forms.faster(_WITHOUT_BANNERS_PATH))
_RELEASED_BASIC_CLEAN_PATH = (
    _WITHOUT_BANNERS_PATH + f"|.//*[re:test(@class, '{_BANNER_PATTERN}', 'i') or "
    f"re:test(@id, '{_BANNER_PATTERN}', 'i')]"
)
# Every match of the banner pattern holds one of these (as ASCII letters in any case: re.IGNORECASE
# also lets "İ" match "i" and "K" (Kelvin) match "k", hence the whole pattern where a value is not ASCII).
_BANNER_WORDS = ("cookie", "consent", "borlabs", "cmplz", "onetrust", "moove")
_BANNER = re.compile(_BANNER_PATTERN, re.IGNORECASE)
_LOWERED_BANNER = re.compile(_BANNER_PATTERN)  # the same matches in ASCII text lowered: its letters are lowercase
# Plain strings, not lxml's "smart" ones that know their element, and no union to sort in document order.
_CLASSES = etree.XPath(".//@class", smart_strings=False)
_IDS = etree.XPath(".//@id", smart_strings=False)
# Smart strings: each value's element is its getparent(). Below the element, as trafilatura's ".//*" reads.
_NAMED_CLASSES = etree.XPath("descendant::*/@class")
_NAMED_IDS = etree.XPath("descendant::*/@id")
_WITH_ATTRIBUTES = etree.XPath("descendant::*[@*]")  # the elements an attribute test can select, in order

_PLACED: list[Placed] = []


def may_name_a_banner(tree: HtmlElement) -> bool:
    """Whether the class or id of ``tree`` or an element under it could match trafilatura's cookie-banner
    pattern (False only when none can)."""
    values = "\n".join(_CLASSES(tree)) + "\n" + "\n".join(_IDS(tree))
    if not values.isascii():
        return _BANNER.search(values) is not None  # no match crosses a line: a value matches, or none does
    values = values.lower()
    return any(word in values for word in _BANNER_WORDS)


def named_banners(tree: HtmlElement) -> list[HtmlElement]:
    """The elements below ``tree`` whose class or id the cookie-banner pattern matches as trafilatura's
    ``re:test`` reads them (a search, ignoring case), each once, in no particular order."""
    values = _NAMED_CLASSES(tree) + _NAMED_IDS(tree)
    # Joined with NUL, which no attribute value holds (libxml2 reads it as U+FFFD, lxml refuses to set it):
    # no match crosses from one value into the next, and each value that matches holds a match of its own.
    joined = "\x00".join(values)
    matches = _LOWERED_BANNER.finditer(joined.lower()) if joined.isascii() else _BANNER.finditer(joined)
    found: dict[HtmlElement, None] = {}
    index = counted_to = 0  # the value the last match is in, counted on from the last match (in order)
    for match in matches:
        index += joined.count("\x00", counted_to, match.start())
        counted_to = match.start()
        found[values[index].getparent()] = None
    return list(found)


def _cleaned_without_banner_test(baseline: Any) -> Callable[[HtmlElement], HtmlElement]:
    def basic_cleaning(tree: HtmlElement) -> HtmlElement:
        doomed = _BASIC_CLEAN_WITHOUT_BANNERS(tree)
        if may_name_a_banner(tree):
            doomed += named_banners(tree)
        for element in doomed:
            baseline.delete_element(element)
        return tree

    return basic_cleaning


def _prepared_without_unread_backup(released: Callable[..., Any], core: Any) -> Callable[..., Any]:
    def _prepare_tree(tree: HtmlElement, options: Any, url: str | None) -> tuple[HtmlElement, HtmlElement | None]:
        if not options.fast or options.comments:
            return released(tree, options, url)  # the fallback extractors or the comments read the backup
        return core.convert_tags(core.tree_cleaning(core.copy(tree), options), options, url), None

    return _prepare_tree


def _kept_when_only_spaces_are_unprintable(released: Callable[[str], str]) -> Callable[[str], str]:
    def remove_control_characters(string: str) -> str:
        # str.split() splits at exactly the characters str.isspace() names, the ones trafilatura keeps.
        if string.isprintable() or "".join(string.split()).isprintable():
            return string
        return released(string)

    return remove_control_characters


_DISCARD_TAGS = frozenset(("div", "item", "list", "p", "section", "span"))


def _discarded_in_one_pass(patterns: list[str]) -> Callable[[HtmlElement], tuple[list, list]]:
    """What OVERALL_DISCARD_XPATH's two expressions select under a tree (each in document order), given
    their six patterns in the order they are written."""
    consent, discard_id, discard_class, hidden, comment_id, comment_class = map(re.compile, patterns)

    def selected(tree: HtmlElement) -> tuple[list, list]:
        first: list[HtmlElement] = []
        second: list[HtmlElement] = []
        for element in _WITH_ATTRIBUTES(tree):
            get = element.get
            cls, ident, style = get("class"), get("id"), get("style")
            id_or_class = first_of(element, "id", ident, "class", cls)  # read by both expressions
            if element.tag in _DISCARD_TAGS and (
                get("data-lp-replacement-content") is not None
                or "nav" in (get("role") or "").replace("N", "n")
                or "MostPopularStories" in (get("data-component") or "")
                or ((cls is not None or ident is not None) and consent.search(id_or_class))
                or (ident is not None and discard_id.search(ident))
                or (cls is not None and discard_class.search(cls))
            ):
                first.append(element)
            if (
                cls == "comments-title"
                or id_or_class.startswith("reply-")
                or (
                    (ident is not None or style is not None)
                    and hidden.search(first_of(element, "id", ident, "style", style))
                )
                or (style is not None and ("display:none" in style or "display: none" in style))
                or (ident is not None and comment_id.search(ident))
                or (cls is not None and comment_class.search(cls))
                or get("aria-hidden") == "true"
            ):
                second.append(element)
        return first, second

    return selected


def _pruned_in_one_pass(released: Callable[..., Any], discard: list, selected: Callable) -> Callable[..., Any]:
    def prune_unwanted_nodes(tree: HtmlElement, nodelist: list, with_backup: bool = False) -> HtmlElement:
        if nodelist is not discard:
            return released(tree, nodelist, with_backup)
        # trafilatura's own steps, each expression answered from the one pass. Without the backup it deletes
        # what the first selects before the second is asked: the second's answer, made before, then also
        # holds elements inside deleted ones, and deleting those changes nothing of the tree.
        first, second = selected(tree)
        return released(tree, [lambda _: first, lambda _: second], with_backup)

    return prune_unwanted_nodes


def install() -> int:
    """Put the faster steps in trafilatura's modules, where its released steps are found as this module
    knows them; returns in how many places one was put. Idempotent."""
    if _PLACED:
        return 0
    prepare = known_release("trafilatura.core", "_prepare_tree", _RELEASED_SOURCES["_prepare_tree"])
    if prepare is not None:
        core = sys.modules["trafilatura.core"]
        _place_where_found("_prepare_tree", prepare, _prepared_without_unread_backup(prepare, core))
    clearing = known_release(
        "trafilatura.utils", "remove_control_characters", _RELEASED_SOURCES["remove_control_characters"]
    )
    if clearing is not None:
        _place_where_found("remove_control_characters", clearing, _kept_when_only_spaces_are_unprintable(clearing))
    _install_discard_pass()
    cleaning = known_release("trafilatura.baseline", "basic_cleaning", _RELEASED_SOURCES["basic_cleaning"])
    baseline = sys.modules.get("trafilatura.baseline")
    # As released: crawler.extract.xpath_forms may have put a faster form of it in its place already.
    released = xpath_forms.released(getattr(baseline, "BASIC_CLEAN_XPATH", None))
    if cleaning is not None and getattr(released, "path", None) == _RELEASED_BASIC_CLEAN_PATH:
        _place_where_found("basic_cleaning", cleaning, _cleaned_without_banner_test(baseline))
    return len(_PLACED)


def answerable_in_one_pass(patterns: list[str]) -> bool:
    """Whether the pass answers the expressions with these patterns as XPath does: it searches an attribute
    only where the element has it, where re:test searches the empty string; so no pattern may match that."""
    try:
        return len(patterns) == 6 and not any(re.search(pattern, "") for pattern in patterns)
    except re.error:
        return False


def _install_discard_pass() -> None:
    pruning = known_release(
        "trafilatura.htmlprocessing", "prune_unwanted_nodes", _RELEASED_SOURCES["prune_unwanted_nodes"]
    )
    discard = getattr(sys.modules.get("trafilatura.xpaths"), "OVERALL_DISCARD_XPATH", None)
    if pruning is None:
        return
    if not isinstance(discard, list) or len(discard) != len(_RELEASED_DISCARD_SHAPES):
        return
    # As released: crawler.extract.xpath_forms may have put faster forms in the list already.
    paths = [getattr(xpath_forms.released(expression), "path", "") for expression in discard]
    shapes = [_PATTERN_ARGUMENT.sub(r"\1''", path) for path in paths]
    if tuple(hashlib.sha256(shape.encode()).hexdigest()[:16] for shape in shapes) != _RELEASED_DISCARD_SHAPES:
        return
    patterns = [pattern for path in paths for _, pattern in _PATTERN_ARGUMENT.findall(path)]
    if not answerable_in_one_pass(patterns):
        return
    faster = _pruned_in_one_pass(pruning, discard, _discarded_in_one_pass(patterns))
    _place_where_found("prune_unwanted_nodes", pruning, faster)


def _place_where_found(name: str, released: Any, faster: Any) -> None:
    """``faster`` in place of ``released`` in every trafilatura module that holds it as ``name``."""
    for module in modules_of("trafilatura"):
        if getattr(module, name, None) is released:
            place(_PLACED, module, name, released, faster)


def installed() -> list[str]:
    """The names of the steps now replaced, each once."""
    return list(dict.fromkeys(name for _, name, _, _ in _PLACED))


def removed() -> AbstractContextManager[None]:
    """trafilatura's own steps within the block (benchmarks measure plain trafilatura so)."""
    return as_released(_PLACED)
