"""The pages a fetched page links to: its links (crawler.extract.links) but those to files."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from scrapy.http import TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS

from crawler.extract.links import links_in

_FILES = frozenset(f".{extension}" for extension in IGNORED_EXTENSIONS)  # images, documents, archives...


def page_links(response: TextResponse) -> list[str]:
    """The normalised http(s) URLs of the page's links, each once, in page order; links to files
    (images, PDFs, archives: Scrapy's ``IGNORED_EXTENSIONS``) left out.

    Parses the page: a crawl that extracts has its workers list the links from their own tree instead.
    """
    try:
        root = response.selector.root
    except ValueError:  # as Scrapy's own link extractor: a page it cannot read has no links
        return []
    return pages_among(links_in(root, response.url, response.text, response.encoding))


def pages_among(links: Iterable[str]) -> list[str]:
    """``links`` (normalised: a path, no fragment) but those to files (Scrapy's ``IGNORED_EXTENSIONS``: images,
    PDFs, archives). The extension is the last path segment's, read up to the query: the host before the
    path is never the last segment."""
    return [url for url in links if posixpath.splitext(url.partition("?")[0])[1].lower() not in _FILES]
