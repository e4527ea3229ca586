"""The generic news spider: start URLs of any kind, sitemaps and feeds followed, links to a depth."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from crawler.config import CrawlConfig
from crawler.extract.decoding import sniff_binary
from crawler.fetch import discovery
from crawler.fetch.failures import describe_failure
from crawler.fetch.scope import Scope
from crawler.handoff import Handoff, NoHistory, PageHistory
from crawler.records import FetchedPage, PageOutcome, SeenAgain
from crawler.urls import is_fetchable, normalize_url


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


def header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class NewsSpider(Spider):
    """Crawls the given start URLs; each may be an article, a listing, a sitemap, robots.txt or a feed.

    Arguments: ``urls`` (comma-separated), ``depth`` (default 1): how many levels of in-scope links
    to follow beyond the start pages; what sitemaps and feeds list counts as the level they are on.
    Articles already stored are not downloaded again, only marked as seen.
    """

    name = "news"
    config: CrawlConfig

    def __init__(self, urls: str | list[str] = "", depth: int | str = 1, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.start_urls = parse_urls(urls)
        self.depth = parse_depth(depth)
        self.scope = Scope(self.start_urls)
        self._start_pages = {normalize_url(u) for u in self.start_urls}
        self.links = LinkExtractor(tags=("a", "area"), attrs=("href",), unique=True)
        self.history: PageHistory = NoHistory()
        self._seen_again: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = CrawlConfig.from_settings(crawler.settings)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        # What the writer side has stored; without a handoff (ITEM_PIPELINES={}) nothing is.
        handoff = self.crawler.get_item_pipeline(Handoff)
        if handoff is not None:
            self.history = handoff.history
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
        stored = None if self.config.refetch_stored else self.history.stored_article(url)
        if stored is not None:
            # Stored by an earlier run: mark it seen. Stored by this run: simply nothing to do.
            if not stored.stored_this_run and url not in self._seen_again:
                self._seen_again.add(url)
                self.crawler.stats.inc_value("crawl/stored_not_refetched")
                yield SeenAgain(url)
            return
        yield self._request(url, link_depth)

    def parse(self, response: Response) -> Iterator[Request | FetchedPage | PageOutcome | SeenAgain]:
        url = normalize_url(response.url)
        link_depth = response.meta.get("link_depth", 0)
        try:
            body = discovery.unpack(response.body, self.config.max_size)
        except discovery.TooLarge:
            yield PageOutcome(url, response.status, "skipped", "too_large")
            return
        except discovery.BadCompression:
            yield PageOutcome(url, response.status, "skipped", "bad_compression")
            return
        kind = discovery.classify(body)
        etag = header(response, "ETag")
        last_modified = header(response, "Last-Modified")
        if kind == "html":
            yield FetchedPage(
                url=url,
                status=response.status,
                body=response.body,
                content_type=header(response, "Content-Type"),
                etag=etag,
                last_modified=last_modified,
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
        request: Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy on every errback failure
        # A refused redirect is recorded under the URL that was asked for, not where it led.
        original = (request.meta.get("redirect_urls") or [request.url])[0]
        kind, status, reason = describe_failure(failure)
        self.logger.info("no page from %s: %s", original, reason)
        yield PageOutcome(normalize_url(original), status, kind, reason)
