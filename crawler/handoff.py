"""The boundary between the two halves: records go from the crawl side to the writer side, and the
writer side tells the crawl side what it knows of the pages. One process joins them with an item
pipeline; several machines with Redis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

# Sent with ``outcome=PageOutcome(...)`` by crawl-side components that learn of a URL's fate outside
# the spider's callbacks (robots.txt decisions, redirects dropped as duplicates); the handoff
# receives it like an item.
outcome_recorded = object()


@dataclass(frozen=True)
class StoredArticle:
    """What the crawl side may know of an article the writer side stored."""

    article_id: int
    url: str  # its current URL: where a request for any of its URLs goes
    first_seen: str  # ISO 8601 UTC
    stored_this_run: bool


@dataclass(frozen=True)
class KnownPage:
    """What the writer side knows of a URL fetched (or refused) before: enough to ask only for changes."""

    kind: str | None  # the pages row's kind: article, listing, feed, sitemap, robots, ...
    etag: str | None  # validators of the stored version, for If-None-Match / If-Modified-Since
    last_modified: str | None
    fetched_at: str | None  # ISO 8601 UTC, the last download
    article: StoredArticle | None = None  # the article stored from it (or that it is another URL of)


@dataclass(frozen=True)
class SiteRevisits:
    """Which of a site's stored articles are due again: first seen within ``within_days``, last fetched
    more than ``after_hours`` ago."""

    hosts: tuple[str, ...]
    after_hours: float
    within_days: float


@dataclass(frozen=True)
class KnownChrome:
    """A site's paragraphs the writer side has learned are chrome (their block hashes), and the rules it
    cuts them by: the crawl side cuts them before it signs an article, so the writer need not sign again."""

    blocks: frozenset[int]
    max_chars: int  # only paragraphs this short are chrome
    min_words: int  # never cut an article below this many words


class PageHistory(Protocol):
    """What the writer side knows about pages, asked by the crawl side before it requests one."""

    def known(self, url: str) -> KnownPage | None:
        """The URL's last fetch and its article (also when ``url`` is an old or canonical URL of it)."""
        ...

    def due_for_revisit(self, site: SiteRevisits) -> list[str]:
        """The current URLs of the site's stored articles that are due for a revisit."""
        ...

    def kept_body(self, url: str) -> bytes | None:
        """The robots.txt or sitemap index kept for ``url``: a 304 for it reuses what it says."""
        ...

    def site_chrome(self, site: str) -> KnownChrome | None:
        """The chrome learned for the site so far; None when none is (or the writer does not say)."""
        ...


class NoHistory:
    """The history of a crawl that hands its records to no writer (``ITEM_PIPELINES={}``): nothing known."""

    def known(self, url: str) -> KnownPage | None:
        return None

    def due_for_revisit(self, site: SiteRevisits) -> list[str]:
        return []

    def kept_body(self, url: str) -> bytes | None:
        return None

    def site_chrome(self, site: str) -> KnownChrome | None:
        return None


class Handoff:
    """Base of the item pipeline that ends the crawl side: it hands each record to the writer side.

    Crawl-side components find it with ``crawler.get_item_pipeline(Handoff)``.
    """

    history: PageHistory = NoHistory()


def page_history(crawler: Crawler) -> PageHistory:
    """The crawl's page history: its handoff's, or an empty one when no handoff is configured.

    Asked once the engine exists (from the spider's ``start()``, or a component's ``spider_opened``).
    """
    handoff = crawler.get_item_pipeline(Handoff)
    return handoff.history if handoff is not None else NoHistory()
