"""Typed items that travel from the spider through the pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.analysis import PageAnalysis


@dataclass
class FetchedPage:
    """An HTML response to extract: the spider yields one per page it downloaded."""

    url: str  # normalised URL after redirects
    status: int
    body: bytes
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    link_depth: int = 0
    analysis: PageAnalysis | None = None  # set by ExtractPipeline
    decision: ArticleDecision | None = None  # set by DedupPipeline


@dataclass
class PageOutcome:
    """A URL that produced no page to extract: an error, a refusal, a feed or sitemap, a skip."""

    url: str
    status: int | None
    kind: str  # "feed", "sitemap", "robots", "skipped" or "error"
    reason: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class SeenAgain:
    """A stored article listed again by a feed, sitemap or page: not downloaded, only marked as seen."""

    url: str


@dataclass
class ArticleDecision:
    """How a page's article relates to what is stored, decided by DedupPipeline.

    ``existing_id`` set: the same article (same URL or canonical URL) is stored; nothing new.
    Otherwise a new row linked to ``root_id`` (None when unique), and the clusters rooted at
    ``merge_roots`` join it because this article is near-duplicate to members of each.
    """

    match: str  # "same_url", "exact", "near" or "unique"
    existing_id: int | None = None
    root_id: int | None = None
    similarity: float | None = None
    merge_roots: list[int] = field(default_factory=list)
