"""The strings every match of a regular expression holds, read from Python's own parse of the pattern."""

from __future__ import annotations

import importlib
import re
from typing import Any

# Python's own reader of regular expressions (what re.compile parses with), to find the strings a
# pattern's matches hold.
try:
    _REGEX_PARSER: Any = importlib.import_module("re._parser")
    _REGEX_CONSTANTS: Any = importlib.import_module("re._constants")
except ImportError:  # a Python whose reader moved: no strings are read
    _REGEX_PARSER = _REGEX_CONSTANTS = None


# Where a test for the strings before the search pays: at most this many strings (past a few, the tests cost
# more than the search they spare: contains() steps measured on the corpus), none shorter than this (short
# strings are in too many class names to rule many out).
MAX_TESTED = 6
MIN_TESTED_CHARS = 3


def literals_to_test_first(pattern: str) -> frozenset[str] | None:
    """:func:`required_literals` where testing a value for them before searching it pays (see MAX_TESTED and
    MIN_TESTED_CHARS): the XPath forms test them with contains(), the walked paths with ``in``."""
    literals = required_literals(pattern)
    if not literals or len(literals) > MAX_TESTED or min(map(len, literals)) < MIN_TESTED_CHARS:
        return None
    return literals


def required_literals(pattern: str) -> frozenset[str] | None:
    """Strings of which every match of ``pattern`` (as re.search finds them, case counting) holds at least
    one; None when the pattern names no such strings (or cannot be read)."""
    if _REGEX_PARSER is None:
        return None
    try:
        parsed = _REGEX_PARSER.parse(pattern, 0)
    except (re.error, AttributeError, TypeError, ValueError):
        return None
    if parsed.state.flags & ~re.UNICODE.value:
        return None  # inline flags ("(?i)", "(?x)") the reading below does not follow
    return _required_in(list(parsed))


def _required_in(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """For a sequence of parsed items: the most selective set of strings one of which a match holds."""
    constants = _REGEX_CONSTANTS
    candidates: list[frozenset[str]] = []
    run = ""
    for op, value in items:
        if op is constants.LITERAL:
            run += chr(value)
            continue
        if run:
            candidates.append(frozenset((run,)))
            run = ""
        found: frozenset[str] | None = None
        if op is constants.SUBPATTERN:
            _, added_flags, removed_flags, inner = value
            if not added_flags and not removed_flags:
                found = _required_in(list(inner))
        elif op is constants.BRANCH:
            alternatives = [_required_in(list(alternative)) for alternative in value[1]]
            if all(alternatives):
                found = frozenset().union(*alternatives)  # type: ignore[arg-type]
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT, getattr(constants, "POSSESSIVE_REPEAT", None)):
            least, _, inner = value
            if least >= 1:
                found = _required_in(list(inner))
        elif op is getattr(constants, "ATOMIC_GROUP", None):
            found = _required_in(list(value))
        # Anything else (a class, a dot, an anchor, a look-around, a back-reference) holds no known string.
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset((run,)))
    if not candidates:
        return None
    return min(candidates, key=lambda strings: (len(strings), -min(map(len, strings))))
