"""htmldate's whole-page date patterns in forms Python's regex engine scans faster, finding the same strings."""

from __future__ import annotations

import re
import sys
from bisect import bisect_left
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

# htmldate's long-date pattern ("March 12, 2019", "12. März 2019", "12th of March 2019"), which its last resort
# searches over the whole serialised page, from the start again after each match whose word names no month: its
# first alternative begins with a word of three letters or more, so the engine tries a match at nearly every
# letter of the page (8 ms a page of the corpus pages that get there; every match of a whole page: 17 ms a page,
# against 0.7 this way). Every match ends with a space and a year, and begins near it: at the first letter of a
# word that ends two to six characters before that space (the month, then a space, the day, its ending and a
# comma), or, a day before the month, two to eight characters before the first letter of a word that ends one
# or two characters before it. The released pattern is tried at those places only, in order: the match a
# search finds first is the one at the first of them where there is one.
LONG_TEXT_SOURCE = (
    "(?P<month>(?<![^\\W\\d_])[^\\W\\d_]{3,})\\s(?P<day>[0-3]?[0-9])(?:st|nd|rd|th)?,? "
    "(?P<year>(?:199[0-9]|20[0-3][0-9]))|(?P<day2>[0-3]?[0-9])(?:st|nd|rd|th|\\.)? (?:of )?"
    "(?P<month2>(?<![^\\W\\d_])[^\\W\\d_]{3,})[,.]? (?P<year2>(?:199[0-9]|20[0-3][0-9]))"
)
_YEAR_AFTER_SPACE = re.compile(r" (?=199[0-9]|20[0-3][0-9])")
_LETTERS = re.compile(r"[^\W\d_]*")  # the letters of the pattern's words ("\w" but digits and "_")
_SEARCHED_AS_RELEASED_BELOW = 256  # characters: a date string's search costs little either way


class YearAnchored:
    """``search`` of htmldate's long-date pattern (see LONG_TEXT_SOURCE), trying the released pattern only
    where a match can begin: near each space before a year. The places of the last string searched are kept,
    for htmldate's search again from a later position."""

    def __init__(self, released: re.Pattern[str]):
        self.released = released
        self.pattern = released.pattern  # what htmldate's log lines name
        # The last string searched and its places, as one value: a caller on another thread reads both or neither.
        self._last: tuple[str, list[int]] = ("", [])

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if endpos != sys.maxsize or len(string) < _SEARCHED_AS_RELEASED_BELOW:
            return self.released.search(string, pos, endpos)
        last = self._last
        if last[0] is not string:
            last = self._last = (string, possible_starts(string))
        starts, match = last[1], self.released.match
        for start in starts[bisect_left(starts, pos) :]:
            found = match(string, start)
            if found is not None:
                return found
        return None


def possible_starts(string: str) -> list[int]:
    """Where a match of htmldate's long-date pattern can begin in ``string``, in order (see LONG_TEXT_SOURCE)."""
    backwards, length = string[::-1], len(string)

    def word_start(end: int) -> int:
        """The first letter of the letters that end before ``end`` (``end`` itself where there are none)."""
        letters = _LETTERS.match(backwards, length - end)  # "*": matches everywhere, if only nothing
        return end - (letters.end() - (length - end)) if letters is not None else end

    starts: set[int] = set()
    for space in _YEAR_AFTER_SPACE.finditer(string):
        year_space = space.start()
        for after_month in range(max(1, year_space - 6), year_space - 1):  # month, space, day, ending, comma
            month = word_start(after_month)
            if month < after_month:
                starts.add(month)
        for after_month in (year_space - 1, year_space):  # a day (its ending, "of") before the month
            month = word_start(after_month) if after_month > 0 else after_month
            if month < after_month:
                starts.update(range(max(0, month - 8), max(0, month - 1)))
    return sorted(starts)


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
    long_text = getattr(htmldate.extractors, "LONG_TEXT_PATTERN", None)
    if isinstance(long_text, re.Pattern) and long_text.pattern == LONG_TEXT_SOURCE:
        _PLACED.append((htmldate.extractors, "LONG_TEXT_PATTERN", long_text, YearAnchored(long_text)))
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
