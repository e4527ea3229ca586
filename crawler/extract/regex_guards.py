"""trafilatura's XPath regular-expression tests, skipped for elements that lack the attribute tested."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lxml import etree

REGEXP_NS = "http://exslt.org/regular-expressions"
# re:test(@class, 'pattern') and re:test(@id|@class, 'pattern', 'i'): an attribute (or a union of
# them), a pattern in single quotes, optional flags; not one already guarded.
_TEST = re.compile(r"(?<!\) and )re:test\(\s*(@[\w-]+(?:\s*\|\s*@[\w-]+)*)\s*,\s*'([^']*)'\s*(?:,\s*'([^']*)'\s*)?\)")

# trafilatura decides what is boilerplate with XPaths such as
#   .//*[self::div or ...][re:test(@id, '...') or re:test(@class, '...')]
# lxml runs each re:test as a Python call, for every element the path reaches, whether or not the
# element has the attribute: half of fast mode's XPath time on the evaluation corpus, where most
# elements have no id and many no class. An absent attribute is tested as the empty string, which
# these patterns never match, so "(@id and re:test(@id, ...))" selects the same elements and makes
# the call only where there is something to test. A pattern that can match the empty string keeps
# its unguarded test. Measured on the 990 corpus pages: fast mode 9.5 -> 8.3 ms a page, the thorough
# run 13.6 -> 12.3, every text identical.


def guarded(path: str) -> str:
    """``path`` with each ``re:test`` of attributes evaluated only when one of them is present."""

    def guard(test: re.Match[str]) -> str:
        attributes, pattern, flags = test.group(1), test.group(2), test.group(3) or ""
        try:
            # lxml's EXSLT regular expressions are Python's, with these flags.
            matches_empty = re.search(pattern, "", re.IGNORECASE if "i" in flags else 0) is not None
        except re.error:
            return test.group(0)
        if matches_empty:
            return test.group(0)
        present = " or ".join(a.strip() for a in attributes.split("|"))
        return f"(({present}) and {test.group(0)})"

    return _TEST.sub(guard, path)


def _guarded_xpath(expression: etree.XPath) -> etree.XPath:
    path = guarded(expression.path)
    if path == expression.path:
        return expression
    try:
        return etree.XPath(path, namespaces={"re": REGEXP_NS})
    except etree.XPathError:  # a prefix other than re:, or syntax this rewrite did not foresee
        return expression


# Where each guarded expression was put: (module or list, attribute or index, trafilatura's, guarded).
_PLACED: list[tuple[Any, Any, etree.XPath, etree.XPath]] = []


def install() -> int:
    """Guard the regular-expression tests of every XPath trafilatura's loaded modules hold, as a
    module constant or in a module's list of them. Returns in how many places one was put (an
    expression two modules import counts twice); idempotent."""
    replaced: dict[int, etree.XPath] = {}  # by id: XPath objects do not hash

    def place(container: Any, key: Any, expression: etree.XPath) -> None:
        if id(expression) not in replaced:
            replaced[id(expression)] = _guarded_xpath(expression)
        new = replaced[id(expression)]
        if new is not expression:
            _put(container, key, new)
            _PLACED.append((container, key, expression, new))

    placed = len(_PLACED)
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "trafilatura" or name.startswith("trafilatura.")):
            continue
        for attribute, value in list(vars(module).items()):
            if isinstance(value, etree.XPath):
                place(module, attribute, value)
            elif isinstance(value, list) and value and all(isinstance(e, etree.XPath) for e in value):
                for index, expression in enumerate(value):
                    place(value, index, expression)
    return len(_PLACED) - placed


def installed() -> list[tuple[etree.XPath, etree.XPath]]:
    """Each of trafilatura's expressions now guarded, with its guarded form."""
    return list({id(original): (original, new) for _, _, original, new in _PLACED}.values())


def uninstall() -> None:
    """Put trafilatura's own expressions back."""
    while _PLACED:
        container, key, original, _ = _PLACED.pop()
        _put(container, key, original)


@contextmanager
def removed() -> Iterator[None]:
    """trafilatura exactly as released within the block (benchmarks measure plain trafilatura so); the
    guarded expressions go back afterwards as they were, not compiled again."""
    placed = list(_PLACED)
    uninstall()
    try:
        yield
    finally:
        for container, key, _, guarded_expression in placed:
            _put(container, key, guarded_expression)
        _PLACED.extend(placed)


def _put(container: Any, key: Any, expression: etree.XPath) -> None:
    if isinstance(container, list):
        container[key] = expression  # in place: other modules imported the same list
    else:
        setattr(container, key, expression)
