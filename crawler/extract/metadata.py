"""A page's title, author, dates, description, site name, language, canonical URL, image, tags and
categories, read from its tree."""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.metadata import examine_meta, extract_catstags, extract_meta_json
from trafilatura.settings import Document
from trafilatura.utils import line_processing

from crawler.extract.bylines import byline_author
from crawler.extract.dates import json_ld_blocks, modified_date, published_date
from crawler.extract.language import normalize_tag
from crawler.extract.titles import TitleSources, page_title
from crawler.extract.words import clean
from crawler.urls import normalize_url

logger = logging.getLogger(__name__)

_TITLE = etree.XPath("//head//title")
_OG_TITLE = etree.XPath('//meta[@property="og:title"]/@content')
_TWITTER_TITLE = etree.XPath('//meta[@name="twitter:title"]/@content')
_SITE_NAME = etree.XPath('//meta[@property="og:site_name"]/@content | //meta[@name="application-name"]/@content')
_H1 = etree.XPath("//h1")
_CANONICAL = (etree.XPath('//link[@rel="canonical"]/@href'), etree.XPath('//meta[@property="og:url"]/@content'))
_LANGUAGE = (
    etree.XPath("/html/@lang"),
    etree.XPath("/html/@xml:lang"),
    etree.XPath('//meta[@http-equiv="content-language" or @http-equiv="Content-Language"]/@content'),
    etree.XPath('//meta[@property="og:locale"]/@content'),
)
# Parts of an <h1> that are not the headline: a kicker above it ("Climate: ..."), text for screen
# readers only, a separator hidden from sight.
_KICKER = re.compile(
    r"kicker|roofline|dachzeile|topline|overline|eyebrow|supertitle|subtitle|topic|label|titleheader", re.I
)
# A tag list is a handful of words; hundreds of "keywords" are search-engine bait, not tags.
MAX_TERMS = 30
MAX_TERM_CHARS = 80
# trafilatura's tag and category search reads only links whose address names the kind ("/tags/",
# "/category/"): a page without one is answered without its costly XPath run.
_LINKS_NAMING = {
    "tag": etree.XPath("//a[contains(@href, '/tag')]"),
    "category": etree.XPath("//a[contains(@href, '/categor')]"),
}
# ... where trafilatura then looks for a category: the article:section (or subject) meta tag.
_SECTION = etree.XPath('//head//meta[@property="article:section" or contains(@name, "subject")]/@content')
_HIDDEN = re.compile(r"visually-hidden|sr-only|screen-reader|hiddendash|visuallyhidden", re.I)


@dataclass
class PageMetadata:
    """What a page says about itself; every field may be None."""

    title: str | None = None
    author: str | None = None
    published: str | None = None
    description: str | None = None
    sitename: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    modified: str | None = None


def read_metadata(tree: HtmlElement, url: str) -> PageMetadata:
    """The page's metadata, structured data first: OpenGraph, meta tags and JSON-LD (read by
    trafilatura's own readers), then the markup (``<h1>``, bylines, htmldate) only where they say nothing.
    """
    return MetadataReader(tree, url).read()


class MetadataReader:
    """One page's metadata, each part read when first asked for (the title is needed before the rest)."""

    def __init__(self, tree: HtmlElement, url: str):
        self.tree = tree
        self.url = url

    @cached_property
    def structured(self) -> Document:
        """What OpenGraph, the meta tags and JSON-LD say, as trafilatura reads them."""
        metadata = examine_meta(self.tree)
        # trafilatura drops a one-word author from the meta tags (a site or user name, not a person).
        if metadata.author and " " not in metadata.author:
            metadata.author = None
        try:
            return extract_meta_json(self.tree, metadata)
        except Exception:  # a bug in trafilatura's JSON-LD reader costs only the JSON-LD
            logger.debug("JSON-LD metadata unreadable", exc_info=True)
            return metadata

    @cached_property
    def json_ld(self) -> list[str]:
        return json_ld_blocks(self.tree)

    @cached_property
    def title(self) -> str | None:
        return page_title(_title_sources(self.tree, self.structured), self.url)

    @property
    def published(self) -> str | None:
        try:
            return published_date(self.tree, self.url, self.json_ld)
        except Exception:  # htmldate reads anything a page holds: a bug there costs only the date
            logger.warning("date unreadable on %s", self.url, exc_info=True)
            return None

    def read(self) -> PageMetadata:
        structured = self.structured
        return PageMetadata(
            title=self.title,
            author=clean(structured.author) or clean(byline_author(self.tree)) or None,
            published=self.published,
            description=clean(structured.description) or None,
            sitename=clean(structured.sitename) or None,
            language=declared_language(self.tree),
            canonical_url=canonical_url(self.tree, self.url),
            image=_absolute(structured.image, self.url),
            tags=_terms(structured.tags or self._catstags("tag")),
            categories=_terms(structured.categories or self._catstags("category")),
            modified=modified_date(self.tree, self.json_ld),
        )

    def _catstags(self, kind: str) -> list[str]:
        try:
            return linked_terms(self.tree, kind)
        except Exception:  # a bug in trafilatura's search costs only the tags
            logger.debug("%s unreadable on %s", kind, self.url, exc_info=True)
            return []


def linked_terms(tree: HtmlElement, kind: str) -> list[str]:
    """Tags (``kind`` "tag") or categories ("category") from the page's links and ``article:section``:
    trafilatura's ``extract_catstags``, whose XPath run is skipped on a page with no such link."""
    if _LINKS_NAMING[kind](tree):
        return extract_catstags(kind, tree)
    if kind == "category":  # trafilatura's fallback, the same values
        return [t for t in dict.fromkeys(line_processing(v) for v in _SECTION(tree) if v) if t]
    return []


def _terms(values: list[str] | None) -> tuple[str, ...]:
    """Tags or categories, one per entry: meta tags give them comma-separated ("Council, Budget")."""
    terms = (clean(html.unescape(part)) for value in values or () for part in value.split(","))
    return tuple(dict.fromkeys(t for t in terms if t and len(t) <= MAX_TERM_CHARS))[:MAX_TERMS]


def _absolute(link: str | None, url: str) -> str | None:
    """An image link as an absolute http(s) URL, or None. Only made absolute: an image server may sign
    its query, so it is not normalised like a page's URL."""
    if not link or not link.strip():
        return None
    try:
        absolute = urljoin(url, link.strip())
    except ValueError:
        return None
    return absolute if absolute.startswith(("http://", "https://")) else None


def _title_sources(tree: HtmlElement, structured: Document) -> TitleSources:
    title = _TITLE(tree)
    og_title, twitter_title = _OG_TITLE(tree), _TWITTER_TITLE(tree)
    site_names = [*_SITE_NAME(tree), *([structured.sitename] if structured.sitename else [])]
    return TitleSources(
        title_tag=_unescape(title[0].text_content()) if title else "",
        headline=_unescape(structured.title or ""),
        og_title=_unescape(og_title[0]) if og_title else "",
        twitter_title=_unescape(twitter_title[0]) if twitter_title else "",
        h1=[_headline_text(h) for h in _H1(tree) if not _links_home(h)],
        site_names=[_unescape(n) for n in site_names],
    )


def _unescape(text: str) -> str:
    """Entities left in a meta value or JSON string ("Caf&#233;", "&amp;") as the characters they name."""
    return clean(html.unescape(text)) if "&" in text else clean(text)


def _headline_text(heading: HtmlElement) -> str:
    """An <h1>'s headline: its words, without a kicker above it or text meant for screen readers."""
    parts: list[str] = []

    def walk(element: HtmlElement, top: bool) -> None:
        if element.text:
            parts.append(element.text)
        for child in element:
            attributes = f"{child.get('class', '')} {child.get('aria-hidden', '')}"
            skip = _HIDDEN.search(attributes) or child.get("aria-hidden") == "true"
            # Only a kicker that is followed by more of the heading: otherwise it is the headline.
            kicker = top and (child.tag == "small" or _KICKER.search(attributes)) and _rest_of(child)
            if not skip and not kicker and isinstance(child.tag, str):
                walk(child, top and len(element) == 1)
            if child.tail:
                parts.append(child.tail)

    walk(heading, True)
    return clean(" ".join(parts))


def _rest_of(element: HtmlElement) -> bool:
    """Whether the heading holds text after ``element``."""
    if (element.tail or "").strip():
        return True
    return any(clean(s.text_content()) for s in element.itersiblings())


def _links_home(heading: HtmlElement) -> bool:
    """An <h1> that links to the site's home page is the site's name (blog templates), not a headline."""
    links = heading.findall(".//a")
    if len(links) != 1:
        return False
    path = urlsplit(links[0].get("href") or "").path
    return path in ("", "/") and clean(links[0].text_content()) == clean(heading.text_content())


def canonical_url(tree: HtmlElement, url: str) -> str | None:
    """The page's own idea of its URL (rel=canonical, then og:url), normalised; None if it states none."""
    for href in (h for xpath in _CANONICAL for h in xpath(tree)):
        if href.strip():
            try:
                return normalize_url(href, url)
            except ValueError:
                continue
    return None


def declared_language(tree: HtmlElement) -> str | None:
    """The language the markup declares (html lang, content-language, og:locale), as a bare code."""
    for candidate in (c for xpath in _LANGUAGE for c in xpath(tree)):
        language = normalize_tag(candidate)
        if language:
            return language
    return None
