"""The addresses a parsed page links to: its <a> and <area> hrefs, resolved against its base and normalised."""

from __future__ import annotations

from lxml import etree
from w3lib.html import get_base_url, strip_html5_whitespace
from w3lib.url import safe_url_string

from crawler.urls import NOT_PAGE_SCHEMES, is_fetchable, normalized_or_none

_HREFS = etree.XPath("//a/@href | //area/@href")
BASE_SEARCHED_CHARS = 4096  # where a <base href> counts: as Scrapy's get_base_url reads a response


def links_in(root: etree._Element, url: str, html: str, encoding: str | None) -> list[str]:
    """The normalised http(s) URLs the page ``root`` (parsed from ``html``, served at ``url`` in ``encoding``)
    links to, each once, in page order.

    What ``LinkExtractor(tags=("a", "area"), attrs=("href",), unique=True)`` finds (but links to files),
    without its work per link (about 40 µs, on pages with a hundred links). The extraction workers list a
    page's links from the tree they parse anyway; the crawl process only when no worker did.
    """
    try:
        base = get_base_url(html[:BASE_SEARCHED_CHARS], url, encoding or "utf-8")  # <base href>, if any
    except ValueError:  # a <base href> that cannot be an address ("http://[::1"): Scrapy reads nothing
        return []
    links: dict[str, None] = {}
    for href in _HREFS(root):
        href = strip_html5_whitespace(href)  # as browsers do: a no-break space is part of the address
        if href.startswith(NOT_PAGE_SCHEMES):  # ("" and "#top" are links: to the page, or its <base>)
            continue
        if not href.isascii():  # percent-encoded as the browser would: in the page's own encoding
            try:
                href = safe_url_string(href, encoding=encoding or "utf-8")
            except ValueError:  # an address that cannot be one ("http://[::1é"): a link to nowhere
                continue
        link = normalized_or_none(href, base)
        if link is not None and is_fetchable(link):
            links[link] = None
    return list(links)
