"""The CPU-heavy work on one page, extraction plus dedup signatures, as one picklable function."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from crawler.extract.article import extract_page
from crawler.extract.options import ExtractOptions
from crawler.extract.results import PageAnalysis
from crawler.extract.signing import sign_text
from crawler.extract.workers import WorkerPool
from dedup import SignatureScheme

if TYPE_CHECKING:
    from crawler.config import ExtractConfig


def analysis_pool(config: ExtractConfig) -> WorkerPool | None:
    """Worker processes running :func:`analyse_page` as ``config`` says; None for in-process (one worker)."""
    if config.workers <= 1:
        return None
    return WorkerPool(
        analyse_page,
        (config.options, config.article_scheme, config.teaser_scheme),
        workers=config.workers,
        timeout=config.timeout,
        max_tasks=config.max_tasks,
        max_memory_mb=config.max_memory_mb,
    )


def analyse_page(
    body: bytes,
    url: str,
    content_type: str | None,
    options: ExtractOptions,
    article_scheme: SignatureScheme,
    teaser_scheme: SignatureScheme,
) -> PageAnalysis:
    """Extract the page, then sign its article text and each teaser blurb (batch, not per token).

    The CPU time of each step is recorded in the result: the crawl reports where its time goes.
    """
    started = time.process_time()
    extraction = extract_page(body, url, content_type, options)
    extracted = time.process_time()
    signed = sign_text(extraction.article.text, article_scheme) if extraction.article is not None else None
    teaser_signatures = teaser_scheme.signatures(t.text for t in extraction.teasers)
    signed_at = time.process_time()
    return PageAnalysis(extraction, signed, teaser_signatures, extracted - started, signed_at - extracted)
