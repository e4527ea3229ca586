"""htmldate's whole-page date patterns in their faster forms find the same strings, in the same order."""

from __future__ import annotations

import random
import re

import htmldate.core
import htmldate.extractors
import pytest
from htmldate import find_date

import crawler.extract.dates  # noqa: F401  (installs the faster forms, as every extraction does)
from crawler.extract import date_search_forms
from crawler.extract.date_search_forms import FORMS, LONG_TEXT_SOURCE, Form, NonDigitLed, YearAnchored
from crawler.extract.parsing import parse_html

# Digits, the separators the patterns look for, letters of "w3.org", an Arabic-Indic digit (a digit to
# \D though not to [0-9]) and a non-breaking space; each alphabet makes some patterns match often.
ALPHABETS = ["0123456789/.-: aw3.org©٣\xa0x", "0123456789/.-12 ٣", "0129/.-3 ", "19200 0112/.-x", "2019/12/31.-"]


def random_strings(count: int, seed: int = 7) -> list[str]:
    chosen = random.Random(seed)
    strings = []
    for _ in range(count):
        alphabet = chosen.choice(ALPHABETS)
        strings.append("".join(chosen.choice(alphabet) for _ in range(chosen.randint(0, 40))))
    return strings


def test_every_pattern_is_replaced_in_the_installed_htmldate() -> None:
    # A pattern htmldate changed is left as released: this says FORMS needs its new source.
    faster_of = {released.pattern: faster for released, faster in date_search_forms.installed()}
    assert set(faster_of) == {form.released for form in FORMS} | {LONG_TEXT_SOURCE}
    for form in FORMS:
        assert getattr(form.module, form.name) is faster_of[form.released]
    assert htmldate.extractors.LONG_TEXT_PATTERN is faster_of[LONG_TEXT_SOURCE]
    assert htmldate.core.THREE_LOOSE_PATTERN in htmldate.core.THREE_COMP_PATTERNS


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_the_faster_form_finds_what_the_released_pattern_finds(form: Form) -> None:
    faster = getattr(form.module, form.name)
    released = re.compile(form.released)
    strings = [*random_strings(20_000), "w3.org 2019 x", "a2019-01-02 2019-01-03b", "x12/03/19 04.05.20y"]
    for string in strings:
        assert faster.findall(string) == released.findall(string), string
        if isinstance(faster, re.Pattern):  # searched with finditer too
            assert [m.span() for m in faster.finditer(string)] == [m.span() for m in released.finditer(string)]


def test_adjacent_dates_share_no_separator() -> None:
    # The \D after one date is taken by its match: the next date needs a \D of its own.
    pattern = htmldate.core.THREE_LOOSE_PATTERN
    assert pattern.findall("x2019-01-02 2019-01-03 2019-01-04x") == ["2019-01-02", "2019-01-04"]
    assert pattern.findall("x2019-01-02  2019-01-03x") == ["2019-01-02", "2019-01-03"]


def test_a_non_digit_is_what_re_calls_one() -> None:
    # NonDigitLed tests the character before a match with str.isdecimal, where the pattern had \D.
    non_digit = re.compile(r"\D")
    for code in range(0x10000):
        character = chr(code)
        assert (non_digit.match(character) is None) == character.isdecimal(), hex(code)


# Dates only in attribute values: the whole-page search (search_page) is the only part of htmldate that
# reads them, each page with a different one of the patterns.
PAGES_DATED_ONLY_IN_ATTRIBUTES = {
    '<div data-x="12.03.2019 x">Rubrik</div><p data-y="3/4/19">Eingestellt von Anna.</p>': "2019-03-12",
    '<div data-x="x2018/11 y">Rubrik</div><p data-y="20190511">Eingestellt von Anna.</p>': "2019-05-11",
    '<div data-x="x 11/2017 y">Rubrik</div><p>Eingestellt von Anna.</p>': "2017-11-01",
}


@pytest.mark.parametrize(("body", "day"), PAGES_DATED_ONLY_IN_ATTRIBUTES.items())
def test_the_whole_page_search_finds_the_same_date_as_released(body: str, day: str) -> None:
    page = f"<html><body>{body}<p>Text ohne Datum hier und dort.</p></body></html>"
    assert find_date(parse_html(page), extensive_search=True) == day
    with date_search_forms.removed():
        assert isinstance(htmldate.core.SELECT_YMD_PATTERN, re.Pattern)
        assert find_date(parse_html(page), extensive_search=True) == day
    assert isinstance(htmldate.core.SELECT_YMD_PATTERN, NonDigitLed)


def test_a_rest_without_its_group_is_refused() -> None:
    with pytest.raises(ValueError, match="one group"):
        NonDigitLed(re.compile(r"\D([0-9]+)\D"), r"[0-9]+\D")


# The pieces of long dates and what comes near them: month names in several languages and cases, days with
# their endings, "of", years in and out of the pattern's range, words run on before a month ("Smithmarch"),
# letters the pattern reads as such ("ſ", a long s, is "s" to re.IGNORECASE; "²" is a letter to it, not a digit).
DATE_PIECES = [
    "May", "march", "MÄRZ", "Janvier", "Dezember", "of", "OF", "st", "th", "Nd", "rd", "ſt", "x", "ab", "abc",
    "1", "3", "12", "31", "45", "2019", "1999", "2040", "20201", "1989", "²", "٣", "é", "_", "Smithmarch",
    ",", ".", ", ", ". ", " ", " ", " ", "\n", "\t", "\xa0",
]  # fmt: skip


# Whole dates of each shape the pattern reads, each as long as it can be around its parts.
DATE_PHRASES = [
    "December 12th, 2019", "March 12, 2019", "Smithmarch 1 2019", "12th of March 2019", "1st OF May 1999",
    "12. März 2019", "3 Janvier, 2020", "31st Dezember. 2031", "May 9 2039",
]  # fmt: skip


def long_date_texts(count: int, seed: int) -> list[str]:
    """Texts long enough to be searched from their years (a page's), dense in dates and near-misses."""
    chosen = random.Random(seed)
    texts = []
    for _ in range(count):
        pieces = [
            chosen.choice(DATE_PHRASES if chosen.random() < 0.05 else DATE_PIECES) + chosen.choice(("", " "))
            for _ in range(chosen.randint(100, 250))
        ]
        texts.append("".join(pieces).ljust(256, "."))
    return texts


def test_the_long_date_search_finds_what_the_released_pattern_finds() -> None:
    released = re.compile(LONG_TEXT_SOURCE, re.IGNORECASE)
    anchored = YearAnchored(released)
    chosen = random.Random(11)
    found = 0
    for text in long_date_texts(3000, seed=5):
        assert len(text) >= 256  # searched from its years, not as released
        positions = [0, *sorted(chosen.randint(0, len(text)) for _ in range(5))]
        for position in positions:  # as htmldate searches again after a match: the same text, later
            expected = released.search(text, position)
            match = anchored.search(text, position)
            assert (match and (match.span(), match.groupdict())) == (
                expected and (expected.span(), expected.groupdict())
            ), (text, position)
            found += expected is not None
    assert found > 2000  # the texts hold dates of both kinds


def test_a_page_without_a_date_in_words_is_searched_from_its_years_to_the_same_answer() -> None:
    filler = "Text ohne Datum, nur Wörter und Zahlen wie 12 oder 3 und das Jahr 2019 allein. " * 40
    for text, day in ((filler, None), (filler + "Posted on 12th of March 2019.", "2019-03-12")):
        found = htmldate.extractors.regex_parse(text)
        assert (found.strftime("%Y-%m-%d") if found else None) == day
        with date_search_forms.removed():
            assert isinstance(htmldate.extractors.LONG_TEXT_PATTERN, re.Pattern)
            expected = htmldate.extractors.regex_parse(text)
        assert found == expected
