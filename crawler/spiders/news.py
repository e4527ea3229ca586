"""The generic news spider: start URLs of any kind, sitemaps and feeds followed, links to a depth."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from crawler import discovery
from crawler.decoding import sniff_binary
from crawler.failures import describe_failure
from crawler.items import FetchedPage, PageOutcome, SeenAgain
from crawler.session import CrawlSession
from crawler.urls import Scope, is_fetchable, normalize_url


def parse_urls(urls: str | list[str]) -> list[str]:
    """The comma-separated start URLs, checked to be absolute http(s) URLs."""
    items = urls if isinstance(urls, list) else urls.split(",")
    parsed = [u.strip() for u in items if u.strip()]
    if not parsed:
        raise ValueError("no start URLs: pass -a urls=URL[,URL...]")
    bad = [u for u in parsed if not is_fetchable(u)]
    if bad:
        raise ValueError(f"start URLs must be absolute http(s) URLs, got {bad}")
    return parsed


def parse_depth(depth: int | str) -> int:
    try:
        value = int(depth)
    except (TypeError, ValueError):
        raise ValueError(f"depth must be a whole number >= 0, got {depth!r}") from None
    if value < 0:
        raise ValueError(f"depth must be a whole number >= 0, got {depth!r}")
    return value


class NewsSpider(Spider):
    """Crawls the given start URLs; each may be an article, a listing, a sitemap, robots.txt or a feed.

    Arguments: ``urls`` (comma-separated), ``depth`` (default 1): how many levels of in-scope links
    to follow beyond the start pages; what sitemaps and feeds list counts as the level they are on.
    Articles already stored are not downloaded again, only marked as seen.
    """

    name = "news"

    def __init__(self, urls: str | list[str] = "", depth: int | str = 1, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.start_urls = parse_urls(urls)
        self.depth = parse_depth(depth)
        self.scope = Scope(self.start_urls)
        self._start_pages = {normalize_url(u) for u in self.start_urls}
        self.links = LinkExtractor(tags=("a", "area"), attrs=("href",), unique=True)
        self._seen_again: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        spider.refetch_stored = crawler.settings.getbool("CRAWL_REFETCH_STORED", False)
        return spider

    @property
    def session(self) -> CrawlSession:
        return CrawlSession.of(self.crawler)  # created with the pipelines, once the crawl has started

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            # Start pages, sitemaps and feeds are fetched on every run: they are where news appears.
            yield self._request(url, link_depth=0, dont_filter=True)

    def _request(self, url: str, link_depth: int, dont_filter: bool = False) -> Request:
        return Request(
            url,
            callback=self.parse,
            errback=self.failed,
            meta={"link_depth": link_depth},
            dont_filter=dont_filter,
        )

    def _page_request(self, url: str, link_depth: int) -> Iterator[Request | SeenAgain]:
        """A request for an in-scope page, unless it is an article stored earlier."""
        if url not in self.scope or url in self._start_pages:
            return  # start pages are fetched once per run already (their requests bypass the duplicate filter)
        stored = None if self.refetch_stored else self.session.storage.stored_article(url)
        if stored is not None:
            _, run_id = stored
            # Stored by an earlier run: mark it seen. Stored by this run: simply nothing to do.
            if run_id != self.session.run_id and url not in self._seen_again:
                self._seen_again.add(url)
                self.crawler.stats.inc_value("crawl/stored_not_refetched")
                yield SeenAgain(url)
            return
        yield self._request(url, link_depth)

    def parse(self, response: Response) -> Iterator[Request | FetchedPage | PageOutcome | SeenAgain]:
        url = normalize_url(response.url)
        link_depth = response.meta.get("link_depth", 0)
        try:
            body = discovery.unpack(response.body, self.max_size)
        except (OSError, EOFError, ValueError) as exc:
            # Scrapy's gunzip raises a ValueError carrying max_size when the file unpacks beyond DOWNLOAD_MAXSIZE.
            reason = "too_large" if getattr(exc, "max_size", None) is not None else "bad_compression"
            yield PageOutcome(url, response.status, "skipped", reason)
            return
        kind = discovery.classify(body)
        etag = response.headers.get("ETag", b"").decode("latin-1") or None
        last_modified = response.headers.get("Last-Modified", b"").decode("latin-1") or None
        if kind == "html":
            yield FetchedPage(
                url=url,
                status=response.status,
                body=response.body,
                content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
                etag=etag,
                last_modified=last_modified,
                link_depth=link_depth,
            )
            if link_depth < self.depth and isinstance(response, TextResponse):
                for link in self.links.extract_links(response):
                    yield from self._page_request(normalize_url(link.url), link_depth + 1)
        elif kind == "sitemap":
            sitemap_type, locations = discovery.sitemap_urls(body)
            yield PageOutcome(url, response.status, "sitemap", None, etag, last_modified)
            for location in locations:
                target = normalize_url(location, response.url)
                if sitemap_type == "sitemapindex":
                    if target in self.scope:
                        yield self._request(target, link_depth, dont_filter=False)
                else:
                    yield from self._page_request(target, link_depth)
        elif kind == "feed":
            yield PageOutcome(url, response.status, "feed", None, etag, last_modified)
            for location in discovery.feed_urls(body):
                yield from self._page_request(normalize_url(location, response.url), link_depth)
        elif kind == "robots":
            yield PageOutcome(url, response.status, "robots", None, etag, last_modified)
            for location in discovery.robots_sitemaps(body):
                target = normalize_url(location, response.url)
                if target in self.scope:
                    yield self._request(target, link_depth)
        else:
            reason = "empty" if not body.strip() else ("not_html" if sniff_binary(body) else "unsupported")
            yield PageOutcome(url, response.status, "skipped", reason)

    def failed(self, failure: Failure) -> Iterator[PageOutcome]:
        request = failure.request
        # A refused redirect is recorded under the URL that was asked for, not where it led.
        original = (request.meta.get("redirect_urls") or [request.url])[0]
        kind, status, reason = describe_failure(failure)
        self.logger.info("no page from %s: %s", original, reason)
        yield PageOutcome(normalize_url(original), status, kind, reason)
