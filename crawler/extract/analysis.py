"""The CPU-heavy work on one page, extraction plus dedup signatures, as one picklable function."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from crawler.extract.results import PageAnalysis
from crawler.extract.workers import WorkerPool, start_fork_server

if TYPE_CHECKING:
    from crawler.config import ExtractConfig
    from crawler.extract.options import ExtractOptions
    from crawler.handoff import KnownChrome
    from dedup import SignatureScheme


# Imported, in order, by the process workers fork from: they start warm.
WARM_UP = ["crawler.extract.warm_start", "crawler.extract.warmup"]


def analysis_pool(config: ExtractConfig) -> WorkerPool | None:
    """Worker processes running :func:`analyse_page` as ``config`` says (started at once, warming up in the
    background); None for in-process extraction (one worker)."""
    if config.workers <= 1:
        return None
    return WorkerPool(
        analyse_page,
        (config.options, config.article_scheme, config.teaser_scheme),
        workers=config.workers,
        timeout=config.timeout,
        max_tasks=config.max_tasks,
        max_memory_mb=config.max_memory_mb,
        preload=WARM_UP,
    )


def warm_up_workers(config: ExtractConfig) -> None:
    """Start warming up the process the analysis workers fork from, when there will be workers.

    It imports trafilatura and the rest and analyses sample pages (0.4 to 0.7 s of a core) on a core the
    starting crawl leaves idle, instead of after the crawl has started, when pages already wait for it.
    """
    if config.workers > 1:
        start_fork_server(analyse_page, WARM_UP)


def analyse_page(
    body: bytes,
    url: str,
    content_type: str | None,
    chrome: KnownChrome | None,
    listed_published: str | None,
    list_links: bool,
    options: ExtractOptions,
    article_scheme: SignatureScheme,
    teaser_scheme: SignatureScheme,
) -> PageAnalysis:
    """Extract the page, cut the site's known ``chrome`` from its article, then sign the article text
    and each teaser blurb (batch, not per token). ``listed_published``: the publication date the sitemap or
    feed that listed the page gives (the article's when the page states none). ``list_links``: the page's
    links too, for the crawl to follow.

    The CPU time of each step is recorded in the result: the crawl reports where its time goes (the
    chrome cut counts with the signing: it works on the paragraphs tokenised for the signature).
    """
    # Imported on first use: the crawl process imports this module to name the workers' function,
    # and must not load trafilatura and datasketch for that; the workers' fork server preloads them.
    from crawler.extract.article import extract_page
    from crawler.extract.chrome import cut_chrome
    from crawler.extract.paragraphs import split_paragraphs
    from crawler.extract.signing import sign_paragraphs, sign_teasers

    started = time.process_time()
    extraction = extract_page(body, url, content_type, options, listed_published, list_links)
    extracted = time.process_time()
    signed = None
    if extraction.article is not None:
        # Tokenised and hashed once, paragraph by paragraph: for the chrome cut, the signature and the
        # hashes the writer side looks paragraphs up by.
        paragraphs = split_paragraphs(extraction.article.text)
        cut: list[tuple[str, str]] = []
        if chrome is not None:
            paragraphs, cut = cut_chrome(paragraphs, chrome)
        if cut:  # signed as the writer will store it: it need not sign it again
            signed = sign_paragraphs(paragraphs, article_scheme)
            extraction.article = replace(extraction.article, text=signed.text)
            extraction.removed = [*extraction.removed, *cut]
        else:  # the very string: the record carries it once
            signed = sign_paragraphs(paragraphs, article_scheme, extraction.article.text)
    teaser_signatures = sign_teasers(extraction.teasers, teaser_scheme)
    signed_at = time.process_time()
    return PageAnalysis(extraction, signed, teaser_signatures, extracted - started, signed_at - extracted)
