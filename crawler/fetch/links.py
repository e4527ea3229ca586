"""The pages a fetched page links to: its <a> and <area> addresses, resolved against its base and normalised."""

from __future__ import annotations

import posixpath
from urllib.parse import urlsplit

from lxml import etree
from scrapy.http import TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.utils.response import get_base_url
from w3lib.html import strip_html5_whitespace
from w3lib.url import safe_url_string

from crawler.urls import NOT_PAGE_SCHEMES, is_fetchable, normalized_or_none

_HREFS = etree.XPath("//a/@href | //area/@href")
_FILES = frozenset(f".{extension}" for extension in IGNORED_EXTENSIONS)  # images, documents, archives...


def page_links(response: TextResponse) -> list[str]:
    """The normalised http(s) URLs of the page's links, each once, in page order; links to files
    (images, PDFs, archives: Scrapy's ``IGNORED_EXTENSIONS``) left out.

    What ``LinkExtractor(tags=("a", "area"), attrs=("href",), unique=True)`` finds, without its work
    per link (about 40 µs, on pages with a hundred links): the crawl process follows the links of
    every page above the depth limit, and its time is the downloads' time.
    """
    try:
        root = response.selector.root
        base = get_base_url(response)  # <base href> when the page has one
    except ValueError:  # a <base href> that cannot be an address ("http://[::1"): Scrapy reads nothing
        return []
    links: dict[str, None] = {}
    for href in _HREFS(root):
        href = strip_html5_whitespace(href)  # as browsers do: a no-break space is part of the address
        if href.startswith(NOT_PAGE_SCHEMES):  # ("" and "#top" are links: to the page, or its <base>)
            continue
        if not href.isascii():  # percent-encoded as the browser would: in the page's own encoding
            href = safe_url_string(href, encoding=response.encoding)
        url = normalized_or_none(href, base)
        if url is None:
            continue
        parts = urlsplit(url)
        if is_fetchable(url) and posixpath.splitext(parts.path)[1].lower() not in _FILES:
            links[url] = None
    return list(links)
