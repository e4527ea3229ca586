"""dateparser limited to the page's own language and English, for the date strings htmldate's patterns cannot read."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING

import htmldate.extractors

if TYPE_CHECKING:
    from dateparser import DateDataParser

# htmldate hands such strings ("15 августа 2016", "Jueves 28 de Abril de 2022") to one dateparser
# parser for every locale it knows. The first strings a process sends it compile the patterns of some
# two hundred locales, about a second of CPU in each extraction worker, and a string then goes to
# whichever locale reads it first: "4. 2. 2022." on a German page became the 2nd of April. Reading
# with the page's language (and English, which pages of every language carry) costs a few
# milliseconds per language and reads such a string the way the page means it.
FALLBACK_LANGUAGE = "en"
# htmldate's own parser settings (htmldate.extractors.get_external_parser), so only the locales differ.
HTMLDATE_SETTINGS = {
    "NORMALIZE": True,
    "PARSERS": ["custom-formats", "absolute-time"],
    "PREFER_DATES_FROM": "past",
    "PREFER_LOCALE_DATE_ORDER": True,
    "RETURN_AS_TIMEZONE_AWARE": False,
    "STRICT_PARSING": True,
}


class _PageLanguages:
    """The languages a page's dates are read in: worked out the first time a date needs dateparser (for
    most pages never), then kept for the rest of the page."""

    def __init__(self, stated: Iterable[str | None]):
        self._stated = stated
        self._codes: tuple[str, ...] | None = None

    def codes(self) -> tuple[str, ...]:
        if self._codes is None:
            self._codes = tuple(dict.fromkeys(code for code in (*self._stated, FALLBACK_LANGUAGE) if code))
        return self._codes


_page_languages: ContextVar[_PageLanguages | None] = ContextVar("page_languages", default=None)
_all_locales_parser = htmldate.extractors.get_external_parser


@contextmanager
def dates_read_in(languages: Iterable[str | None]) -> Iterator[None]:
    """Within this block, htmldate's dateparser reads only ``languages`` (codes like 'de') and English.
    ``languages`` is read only when a date needs dateparser: a generator may work them out then."""
    token = _page_languages.set(_PageLanguages(languages))
    try:
        yield
    finally:
        _page_languages.reset(token)


def page_parser() -> DateDataParser:
    """The parser htmldate uses: the page's languages inside :func:`dates_read_in`, htmldate's own outside it."""
    languages = _page_languages.get()
    return _all_locales_parser() if languages is None else parser_for(languages.codes())


@lru_cache(maxsize=64)
def parser_for(languages: tuple[str, ...]) -> DateDataParser:
    """One parser per set of languages, made on first use (dateparser loads a locale's patterns then)."""
    from dateparser import DateDataParser
    from dateparser.data.languages_info import language_order

    known = [code for code in languages if code in language_order] or [FALLBACK_LANGUAGE]
    return DateDataParser(languages=known, settings=HTMLDATE_SETTINGS)


# htmldate looks its parser up by this name on every call; it has no parameter to hand one in.
htmldate.extractors.get_external_parser = page_parser  # type: ignore[assignment]
