"""Everything that changes what extraction returns, as one typed object (trafilatura's style)."""

from __future__ import annotations

from dataclasses import dataclass

from crawler import settings as defaults


@dataclass(frozen=True)
class ExtractOptions:
    """Options of :func:`crawler.extract.article.extract_page`; defaults are the project settings'."""

    min_words: int = defaults.EXTRACT_MIN_WORDS
    fallback_below_words: int = 150  # run trafilatura's fallback extractors when fast mode finds fewer
    favor_precision: bool = defaults.EXTRACT_FAVOR_PRECISION
    favor_recall: bool = defaults.EXTRACT_FAVOR_RECALL
    include_tables: bool = defaults.EXTRACT_INCLUDE_TABLES
    max_teasers: int = defaults.EXTRACT_MAX_TEASERS  # kept for the store; all of them still clean the text
