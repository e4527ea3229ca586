"""What extraction finds on a page: the article, its teasers, what was cut, and the page's signatures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crawler.extract.words import count_words

if TYPE_CHECKING:  # the records cross every stage; datasketch loads only where signatures are made
    from crawler.extract.signing import SignedText
    from dedup import Signature


@dataclass(frozen=True)
class Teaser:
    """One teaser shown on a page: where it links, its headline, its blurb and the block it sits in."""

    url: str
    title: str
    text: str
    block: str
    labels: tuple[str, ...] = ()


@dataclass
class Article:
    """A page's main story: clean text (paragraphs separated by blank lines) and its metadata."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    language: str | None = None
    description: str | None = None
    sitename: str | None = None
    canonical_url: str | None = None
    image: str | None = None  # the main image's URL
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # sections ("Politics", "Local")
    modified: str | None = None  # when the page says it was last changed

    @property
    def word_count(self) -> int:
        return count_words(self.text)


@dataclass
class PageExtraction:
    """What one page held: an article or not (with the reason), and the teasers in its chrome."""

    kind: str  # "article", "listing" or "skipped"
    reason: str | None = None
    article: Article | None = None
    teasers: list[Teaser] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)  # (paragraph, "teaser" or "furniture")
    encoding: str | None = None
    # The page's links (crawler.extract.links), when the crawl asked for them; None when it did not, or when
    # the page could not be parsed.
    links: list[str] | None = None
    # CPU seconds of each part of the extraction: "parse", "teasers", "text" (trafilatura's fast run), "thorough"
    # (its thorough run, where one was paid for), "cleaning" (link labels, teaser lines and furniture cut),
    # "metadata"; counted in the crawl's stats.
    cpu_s: dict[str, float] = field(default_factory=dict)
    # Teasers the page showed beyond ``ExtractOptions.max_teasers``, left out of ``teasers``: counted by the
    # crawl side as the page comes back from its worker, and kept on the page's row.
    teasers_over_limit: int = 0
    # Why trafilatura's thorough run was paid for on the page (crawler.extract.body.THOROUGH_REASONS; None: its
    # fast run was taken as it was), and whether the thorough result was kept: counted in the crawl's stats.
    thorough: str | None = None
    thorough_kept: bool = False


@dataclass
class PageAnalysis:
    """A page's extraction with the signatures the dedup step needs, computed where extraction ran."""

    extraction: PageExtraction
    article_text: SignedText | None = None  # the article's text, signed; None when there is no article
    teaser_signatures: list[Signature | None] = field(default_factory=list)
    extract_cpu_s: float = 0.0  # CPU seconds the extraction took, where it ran
    sign_cpu_s: float = 0.0  # ... and the signatures
