"""Typed records that cross from one stage to the next: fetch -> extract -> the writer side."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.extract.results import PageAnalysis


@dataclass
class FetchedPage:
    """An HTML response to extract: the spider yields one per page it downloaded."""

    url: str  # normalised URL after redirects
    status: int
    body: bytes
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    site: str | None = None  # the name of the crawl's site it is on (sites file), for per-site counts
    listed_published: str | None = None  # the publication date the sitemap or feed that listed it gives
    links_depth: int | None = None  # the level its links are on, when the crawl follows them; None: it does not
    referrer_policy: str | None = None  # its Referrer-Policy header, when the crawl follows its links
    depth: int = 0  # Scrapy's depth of its request (DepthMiddleware's): its links are one more


# Sent with ``page=FetchedPage(...)`` and ``links=[...]`` by the extract pipeline for a page whose links the crawl
# follows (``links_depth`` set): the worker that extracted the page listed them from its own tree.
links_listed = object()


@dataclass
class AnalysedPage:
    """A fetched page after extraction and signing: what the crawl side hands to the writer side."""

    url: str
    status: int
    analysis: PageAnalysis
    etag: str | None = None
    last_modified: str | None = None
    site: str | None = None
    html: bytes | None = None  # the page's bytes, zlib-compressed, kept with STORE_HTML for re-extraction
    content_type: str | None = None
    listed_published: str | None = None  # kept with the bytes: re-extraction reads the date the page did


@dataclass
class PageOutcome:
    """A URL that produced no page to extract: an error, a refusal, a feed or sitemap, a skip."""

    url: str
    status: int | None
    kind: str  # "feed", "sitemap", "robots", "redirect", "skipped" or "error"
    reason: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    target: str | None = None  # where a redirect led
    site: str | None = None
    body: bytes | None = None  # a robots.txt or sitemap index, kept: a 304 for it reuses what it says


@dataclass
class SeenAgain:
    """A stored article listed again by a feed, sitemap or page: not downloaded, only marked as seen."""

    url: str
    site: str | None = None


Record = AnalysedPage | PageOutcome | SeenAgain
