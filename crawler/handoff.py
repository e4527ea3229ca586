"""The boundary between the two halves: records go from the crawl side to the writer side, and the
writer side tells the crawl side what is stored. One process joins them with an item pipeline; several
machines with Redis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Sent with ``outcome=PageOutcome(...)`` by crawl-side components that learn of a URL's fate outside
# the spider's callbacks (robots.txt decisions); the handoff receives it like an item.
outcome_recorded = object()


@dataclass(frozen=True)
class StoredArticle:
    """What the crawl side may know of an article the writer side stored."""

    article_id: int
    stored_this_run: bool


class PageHistory(Protocol):
    """What the writer side knows about pages, asked by the crawl side before it requests one."""

    def stored_article(self, url: str) -> StoredArticle | None:
        """The article stored under ``url`` (or declaring it its canonical URL), or None."""
        ...


class NoHistory:
    """The history of a crawl that hands its records to no writer (``ITEM_PIPELINES={}``): nothing stored."""

    def stored_article(self, url: str) -> StoredArticle | None:
        return None


class Handoff:
    """Base of the item pipeline that ends the crawl side: it hands each record to the writer side.

    Crawl-side components find it with ``crawler.get_item_pipeline(Handoff)``.
    """

    history: PageHistory = NoHistory()
