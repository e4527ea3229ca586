"""htmldate's whole-page date patterns in forms Python's regex engine scans faster, finding the same strings."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import htmldate.core
import htmldate.extractors

from crawler.extract.released import Placed, as_released

# Where a page states no date of its own, htmldate's last resort (search_page) runs some ten patterns
# over the whole serialised page (79 KB on average on the corpus pages that get there) with findall.
# Most begin with \D, "no digit": the engine then starts a match at every character of the page, and
# fails at the next one, which is no digit either (50 to 100 ns a character). Without its \D, the
# pattern begins with a digit, and the engine skips from digit to digit in C. findall finds the same
# strings when a match of the rest is kept only where the character before it is no digit and was not
# taken by the previous match (as the \D took it). Where the rest begins with an optional digit
# ("[0-3]?[0-9]"), it is written to begin with the digit it cannot do without, trying the same
# matches in the same order ("[0-9](?:(?<=[0-3])[0-9])?"): the engine skips only to a class it sees first.
# The eight patterns over each of the 72 corpus pages that reach the search: 37 -> 9 ms a page in all.
_DAY = "[0-9](?:(?<=[0-3])[0-9])?"  # [0-3]?[0-9], its digit first
_MONTH = "[0-9](?:(?<=[0-1])[0-9])?"  # [0-1]?[0-9]


@dataclass(frozen=True)
class Form:
    """How one of htmldate's patterns is searched faster: the module constant, its source as released (any
    other is left alone), and the rest after its leading \\D, or for a pattern that does not begin with \\D,
    its whole faster source."""

    module: Any
    name: str
    released: str
    faster: str
    led_by_non_digit: bool = True
    lead_in_group: bool = False  # the group findall returns holds the \D too
    not_after: str = ""  # a negative lookbehind before the \D, of fixed width


_YEAR = "(?:199[0-9]|20[0-3][0-9])"
FORMS = (
    Form(
        htmldate.core,
        "THREE_LOOSE_PATTERN",
        r"\D([0-9]{4}[/.-][0-9]{2}[/.-][0-9]{2})\D",
        r"([0-9][0-9]{3}[/.-][0-9]{2}[/.-][0-9]{2})\D",
    ),
    Form(
        htmldate.core,
        "SELECT_YMD_PATTERN",
        r"\D([0-3]?[0-9][/.-][0-1]?[0-9][/.-][0-9]{4})\D",
        rf"({_DAY}[/.-][0-1]?[0-9][/.-][0-9]{{4}})\D",
    ),
    Form(
        htmldate.core,
        "DATESTRINGS_PATTERN",
        r"(\D19[0-9]{2}[01][0-9][0-3][0-9]\D|\D20[0-9]{2}[01][0-9][0-3][0-9]\D)",
        r"(?:19[0-9]{2}[01][0-9][0-3][0-9]\D|20[0-9]{2}[01][0-9][0-3][0-9]\D)",
        lead_in_group=True,
    ),
    Form(
        htmldate.core,
        "SLASHES_PATTERN",
        r"\D([0-3]?[0-9]/[0-1]?[0-9]/[0129][0-9]|[0-3][0-9]\.[01][0-9]\.[0129][0-9])\D",
        # The three ways the two alternatives can begin, in the order the engine tries them.
        r"([0-9](?:(?<=[0-3])[0-9]/[0-1]?[0-9]/[0129][0-9]|/[0-1]?[0-9]/[0129][0-9]"
        r"|(?<=[0-3])[0-9]\.[01][0-9]\.[0129][0-9]))\D",
    ),
    Form(
        htmldate.core,
        "YYYYMM_PATTERN",
        r"\D([12][0-9]{3}[/.-](?:1[0-2]|0[1-9]))\D",
        r"([12][0-9]{3}[/.-](?:1[0-2]|0[1-9]))\D",
    ),
    Form(
        htmldate.core,
        "MMYYYY_PATTERN",
        r"\D([0-1]?[0-9][/.-][12][0-9]{3})\D",
        rf"({_MONTH}[/.-][12][0-9]{{3}})\D",
    ),
    Form(
        htmldate.core,
        "SIMPLE_PATTERN",
        rf"(?<!w3.org)\D({_YEAR})\D",
        rf"({_YEAR})\D",
        not_after="w3.org",
    ),
    # Not led by \D, searched with finditer too: the same pattern, its first digit not optional.
    Form(
        htmldate.extractors,
        "DATE_CORE_PATTERN",
        r"[0-9]{1,4}[./][0-9]{1,2}[./][0-9]{2,4}",
        r"[0-9][0-9]{0,3}[./][0-9]{1,2}[./][0-9]{2,4}",
        led_by_non_digit=False,
    ),
)
# Tuples htmldate iterates, holding some of the patterns above: (module, name).
_TUPLES = ((htmldate.core, "THREE_COMP_PATTERNS"),)


class NonDigitLed:
    """``findall`` of a pattern ``\\D<rest>`` (one group, in ``rest``), by searching ``rest`` alone.

    ``rest`` must begin with a digit: it is searched digit to digit, and a match kept where the character
    before it is no digit (``\\D``: not a Unicode decimal digit, as ``str.isdecimal``) and was not part
    of the previous match kept. ``lead_in_group``: ``rest`` has no group and the string found is that
    character and the match. ``not_after``: the pattern's negative lookbehind before its ``\\D``.
    """

    def __init__(self, released: re.Pattern[str], rest: str, lead_in_group: bool = False, not_after: str = ""):
        self.pattern = released.pattern  # what htmldate's log lines name
        self.rest = re.compile(rest, released.flags)
        if not lead_in_group and self.rest.groups != 1:
            raise ValueError(f"rest must hold one group, got {self.rest.groups} in {rest!r}")
        self.lead_in_group = lead_in_group
        self.not_after = re.compile(not_after) if not_after else None
        self.not_after_width = len(not_after)  # fixed width: a literal, "." one character

    def findall(self, string: str) -> list[str]:
        found: list[str] = []
        search, start = self.rest.search, 1
        while (match := search(string, start)) is not None:
            begin = match.start()
            lead = begin - 1
            if string[lead].isdecimal() or self._excluded_before(string, lead):
                start = begin + 1
                continue
            found.append(string[lead] + match[0] if self.lead_in_group else match[1])
            start = match.end() + 1  # the next \D must follow this match
        return found

    def _excluded_before(self, string: str, index: int) -> bool:
        if self.not_after is None or index < self.not_after_width:
            return False
        return self.not_after.fullmatch(string, index - self.not_after_width, index) is not None


_PLACED: list[Placed] = []  # as installed


def install() -> int:
    """Put the faster form of each of htmldate's patterns that is as :data:`FORMS` knows it in its place
    (a pattern htmldate has changed stays as it is). Returns how many; idempotent."""
    if _PLACED:
        return 0
    faster_of: dict[int, Any] = {}
    for form in FORMS:
        released = getattr(form.module, form.name, None)
        if not isinstance(released, re.Pattern) or released.pattern != form.released:
            continue
        faster: Any
        if form.led_by_non_digit:
            faster = NonDigitLed(released, form.faster, form.lead_in_group, form.not_after)
        else:
            faster = re.compile(form.faster, released.flags)
        faster_of[id(released)] = faster
        _PLACED.append((form.module, form.name, released, faster))
    for module, name in _TUPLES:
        patterns = getattr(module, name, None)
        if isinstance(patterns, tuple) and any(id(p) in faster_of for p in patterns):
            _PLACED.append((module, name, patterns, tuple(faster_of.get(id(p), p) for p in patterns)))
    for module, name, _, faster in _PLACED:
        setattr(module, name, faster)
    return len(installed())


def installed() -> list[tuple[re.Pattern[str], Any]]:
    """Each of htmldate's patterns now replaced, with its faster form."""
    return [(released, faster) for _, _, released, faster in _PLACED if isinstance(released, re.Pattern)]


def removed() -> AbstractContextManager[None]:
    """htmldate exactly as released within the block (benchmarks measure plain trafilatura so)."""
    return as_released(_PLACED)
