"""htmldate's month names of every dateparser locale, gathered at one crawl and kept for the next ones."""

from __future__ import annotations

import dateparser
import htmldate
import htmldate.extractors

from crawler.extract.kept_words import kept_words


def install_month_names() -> None:
    """Give htmldate the month names of all of dateparser's locales, from the file kept at an earlier crawl.

    htmldate gathers them (0.08-0.12 s of a core, loading every locale's data) at the first date string that
    has neither a year nor an English month. A file kept for the same versions of dateparser and htmldate
    holds the same names, gathered by htmldate's own function, and reads in a millisecond.
    """
    gather = htmldate.extractors.month_words
    if not hasattr(gather, "cache_info"):  # not the cached function of htmldate 1.11: it keeps its own way
        return
    made_from = f"dateparser {dateparser.__version__} htmldate {htmldate.__version__}"
    names = frozenset(kept_words("month-names", made_from, gather))

    def month_words() -> frozenset[str]:
        return names

    # htmldate looks the function up by its name at each call.
    htmldate.extractors.month_words = month_words  # type: ignore[assignment]  # a function, not lru_cache's
