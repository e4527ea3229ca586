"""Page bytes to a clean article: trafilatura for text and metadata, teasers found and cut out of the text."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document
from trafilatura.utils import load_html

from crawler.extract.boilerplate import is_furniture
from crawler.extract.decoding import charset_from_content_type, decode_html, sniff_binary
from crawler.extract.language import guess_language, normalize_tag
from crawler.extract.options import ExtractOptions
from crawler.extract.results import Article, PageExtraction, Teaser
from crawler.extract.teasers import clean, find_teasers
from crawler.extract.words import count_words
from crawler.urls import normalize_url
from dedup.shingles import normalize_text

MIN_LISTING_TEASERS = 3
LINK_LIST_SHARE = 0.8  # an "article" whose words are this much link labels is an index page
# The last segment of a URL path that names a site's service pages rather than a story.
SERVICE_PAGE = re.compile(
    r"/(contact|contact-us|kontakt|impressum|imprint|legal|legal-notice|privacy|privacy-policy|datenschutz"
    r"|datenschutzerklaerung|terms|terms-of-use|terms-of-service|tos|agb|about|about-us|ueber-uns|cookies?"
    r"|cookie-policy|disclaimer|login|register|subscribe|newsletter|mentions-legales|aviso-legal)"
    r"(\.[a-z]{2,5})?/?$",
    re.IGNORECASE,
)
PUBLISHED_META = (
    '//meta[@property="article:published_time"]/@content',
    '//meta[@name="article:published_time"]/@content',
    '//meta[@itemprop="datePublished"]/@content',
    '//meta[@name="date"]/@content',
)
DEFAULT_OPTIONS = ExtractOptions()
ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def extract_page(
    body: bytes | str, url: str, content_type: str | None = None, options: ExtractOptions = DEFAULT_OPTIONS
) -> PageExtraction:
    """Extract one fetched page. Never raises for bad input: the result says why there is no article."""
    if isinstance(body, str):
        html, encoding = body, None
    else:
        if not body.strip():
            return PageExtraction("skipped", "empty")
        if sniff_binary(body):
            return PageExtraction("skipped", "not_html")
        html, encoding = decode_html(body, charset_from_content_type(content_type))
    html = html.replace("\x00", "")  # NUL bytes stop libxml2 in the middle of a page
    if not html.strip():
        return PageExtraction("skipped", "empty", encoding=encoding)
    tree = load_html(html)
    if tree is None:
        return PageExtraction("skipped", "not_html", encoding=encoding)
    teasers = find_teasers(tree, url)
    article, removed = _extract_article(tree, url, teasers, options)
    if article is not None and SERVICE_PAGE.search(urlsplit(url).path):
        article = None  # contact, legal notice, privacy policy: not stories, however long
    if article is None or article.word_count < options.min_words:
        kind, reason = ("listing", "listing") if len(teasers) >= MIN_LISTING_TEASERS else ("skipped", "no_article")
        return PageExtraction(kind, reason, None, teasers, removed, encoding)
    if article.language is None:
        article.language = guess_language(article.text)
    return PageExtraction("article", None, article, teasers, removed, encoding)


def extract_article(html: bytes | str, url: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Article | None:
    """The article of a page, or None when the page holds none (listing, too short, not HTML)."""
    return extract_page(html, url, options=options).article


def _extract_article(
    tree: HtmlElement, url: str, teasers: list[Teaser], options: ExtractOptions
) -> tuple[Article | None, list[tuple[str, str]]]:
    settings: dict[str, Any] = {
        "url": url,
        "include_comments": False,
        "include_tables": options.include_tables,
        "favor_precision": options.favor_precision,
        "favor_recall": options.favor_recall,
    }
    # trafilatura's fast mode skips its fallback extractors, which cost as much again and change the
    # result mostly where the main extractor found little: run them only then.
    document = trafilatura.bare_extraction(tree, fast=True, with_metadata=True, **settings)
    if not isinstance(document, Document):
        return None, []
    paragraphs = _paragraphs(document.text)
    if _words(paragraphs) < options.fallback_below_words:
        thorough = trafilatura.bare_extraction(tree, fast=False, with_metadata=False, **settings)
        if isinstance(thorough, Document) and thorough.text:
            paragraphs = _paragraphs(thorough.text)
    if not paragraphs:
        return None, []
    kept, teaser_lines = strip_teasers(paragraphs, teasers)
    removed = [(p, "teaser") for p in teaser_lines] + [(p, "furniture") for p in kept if is_furniture(p)]
    kept = [p for p in kept if not is_furniture(p)]
    if len(teasers) < MIN_LISTING_TEASERS and _words(kept) < options.min_words <= _words(paragraphs):
        # Cleaning would turn a page with few teasers into "no article": trust the article instead.
        kept, removed = paragraphs, []
    text = "\n\n".join(kept)
    if not text or _mostly_links(tree, kept):
        return None, removed
    article = Article(
        text=text,
        title=clean(document.title) or None,
        author=clean(document.author) or None,
        published=_published(tree, document.date),
        language=_declared_language(tree),
        description=clean(document.description) or None,
        sitename=clean(document.sitename) or None,
        canonical_url=_canonical_url(tree, url),
    )
    return article, removed


def _paragraphs(text: str | None) -> list[str]:
    """Non-empty lines of trafilatura's text, NFC-normalised (bare_extraction does not normalise)."""
    return [clean(unicodedata.normalize("NFC", line)) for line in (text or "").splitlines() if line.strip()]


def strip_teasers(paragraphs: list[str], teasers: list[Teaser]) -> tuple[list[str], list[str]]:
    """Split paragraphs into (kept, removed): block headings, teaser labels, headlines and blurbs go.

    A paragraph goes when it is a block heading or label, a teaser headline, or a piece of a teaser's
    headline-plus-blurb (blurbs are cut at varying lengths); also when a blurb makes up most of it.
    """
    # An item's own label ("World", "Editor's choice") counts only when several teasers carry it:
    # a one-off short text inside a mis-found item could be anything, the article's included.
    label_counts = Counter(normalize_text(x) for t in teasers for x in t.labels)
    block_sizes = Counter(normalize_text(t.block) for t in teasers)
    labels = {b for b, n in block_sizes.items() if n >= 2} | {x for x, n in label_counts.items() if n >= 2}
    headlines = {normalize_text(t.title) for t in teasers}
    blurbs = [normalize_text(f"{t.title} {t.text}") for t in teasers]
    bare_blurbs = [b for b in (normalize_text(t.text) for t in teasers) if len(b) >= 20]
    kept: list[str] = []
    removed: list[str] = []
    for paragraph in paragraphs:
        norm = normalize_text(paragraph)
        chrome = (
            not norm
            or norm in labels
            or norm in headlines
            or (len(norm) >= 20 and any(norm in blurb for blurb in blurbs))
            or any(blurb in norm and len(blurb) >= 0.5 * len(norm) for blurb in bare_blurbs)
        )
        (removed if chrome else kept).append(paragraph)
    return kept, removed


def _mostly_links(tree: HtmlElement, paragraphs: list[str]) -> bool:
    """Whether the text is a list of link labels (an index page), not prose."""
    labels = {normalize_text(" ".join(a.itertext())) for a in tree.iter("a")}
    labels.discard("")
    linked = sum(count_words(p) for p in paragraphs if normalize_text(p) in labels)
    return linked >= LINK_LIST_SHARE * _words(paragraphs)


def _words(paragraphs: list[str]) -> int:
    return sum(count_words(p) for p in paragraphs)


def _json_ld(tree: HtmlElement) -> list[dict]:
    nodes = []
    for block in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(block)
        except ValueError:
            continue
        for node in data if isinstance(data, list) else [data]:
            if isinstance(node, dict):
                nodes.append(node)
                nodes.extend(n for n in node.get("@graph", []) if isinstance(n, dict))
    return nodes


def _canonical_url(tree: HtmlElement, url: str) -> str | None:
    for xpath in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'):
        for href in tree.xpath(xpath):
            if href.strip():
                try:
                    return normalize_url(href, url)
                except ValueError:
                    continue
    return None


def _declared_language(tree: HtmlElement) -> str | None:
    candidates = (
        tree.xpath("/html/@lang")
        + tree.xpath("/html/@xml:lang")
        + tree.xpath('//meta[@http-equiv="content-language" or @http-equiv="Content-Language"]/@content')
        + tree.xpath('//meta[@property="og:locale"]/@content')
    )
    for candidate in candidates:
        language = normalize_tag(candidate)
        if language:
            return language
    return None


def _published(tree: HtmlElement, date: str | None) -> str | None:
    """trafilatura's date, refined to the full timestamp the page states for that same day."""
    if not date:
        return None
    for stamp in _stated_timestamps(tree):
        if stamp[:10] == date[:10]:
            return stamp.replace(" ", "T")
    return date


def _stated_timestamps(tree: HtmlElement) -> list[str]:
    stamps = [s.strip() for xpath in PUBLISHED_META for s in tree.xpath(xpath)]
    stamps += [n["datePublished"].strip() for n in _json_ld(tree) if isinstance(n.get("datePublished"), str)]
    return [s for s in stamps if ISO_TIMESTAMP.match(s)]
