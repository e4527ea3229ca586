"""The CPU-heavy work on one page, extraction plus dedup signatures, as one picklable function."""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.extraction import ExtractOptions, PageExtraction, extract_page
from dedup import Signature, SignatureScheme, content_hash


@dataclass
class PageAnalysis:
    """A page's extraction with the signatures the dedup step needs, computed where extraction ran."""

    extraction: PageExtraction
    content_hash: str | None = None
    signature: Signature | None = None
    teaser_signatures: list[Signature | None] = field(default_factory=list)
    chrome_removed: list[tuple[str, str]] = field(default_factory=list)  # (paragraph, reason), site level

    def removed(self) -> list[tuple[str, str]]:
        """Everything cut from the article's text, with why: the page's teasers and furniture, then site chrome."""
        return self.extraction.removed + self.chrome_removed


def analyse_page(
    body: bytes,
    url: str,
    content_type: str | None,
    options: ExtractOptions,
    article_scheme: SignatureScheme,
    teaser_scheme: SignatureScheme,
) -> PageAnalysis:
    """Extract the page, then sign its article text and each teaser blurb (batch, not per token)."""
    extraction = extract_page(body, url, content_type, options)
    analysis = PageAnalysis(extraction)
    if extraction.article is not None:
        analysis.content_hash = content_hash(extraction.article.text)
        analysis.signature = article_scheme.signature(extraction.article.text)
    analysis.teaser_signatures = teaser_scheme.signatures(t.text for t in extraction.teasers)
    return analysis
