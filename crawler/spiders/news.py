"""The generic news spider: start URLs of any kind, sitemaps and feeds followed, links to a depth."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from crawler.config import ArgumentError, CrawlConfig
from crawler.extract.decoding import sniff_binary
from crawler.fetch import discovery
from crawler.fetch.failures import describe_failure
from crawler.fetch.redirects import RedirectLedger, redirect_hops
from crawler.fetch.scope import Scope
from crawler.handoff import Handoff, NoHistory, PageHistory, outcome_recorded
from crawler.records import FetchedPage, PageOutcome, SeenAgain
from crawler.urls import is_fetchable, normalize_url, site_of

TOP_HOSTS = 20  # out-of-scope link targets named in the run's stats


def parse_urls(urls: str | list[str]) -> list[str]:
    """The comma-separated start URLs, checked to be absolute http(s) URLs."""
    items = urls if isinstance(urls, list) else urls.split(",")
    parsed = [u.strip() for u in items if u.strip()]
    if not parsed:
        raise ArgumentError("urls", urls, "one or more start URLs: -a urls=URL[,URL...]")
    bad = [u for u in parsed if not is_fetchable(u)]
    if bad:
        raise ArgumentError("urls", ",".join(bad), "start URLs must be absolute http(s) URLs")
    return parsed


def parse_depth(depth: int | str) -> int:
    try:
        value = int(depth)
    except (TypeError, ValueError):
        raise ArgumentError("depth", depth, "a whole number of at least 0") from None
    if value < 0:
        raise ArgumentError("depth", depth, "a whole number of at least 0")
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
        self.redirects = RedirectLedger()
        self.out_of_scope: Counter[str] = Counter()  # links to other sites, by site: counted, not fetched
        self._seen_again: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = CrawlConfig.from_settings(crawler.settings)
        crawler.signals.connect(spider.request_dropped, signals.request_dropped)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        # What the writer side has stored; without a handoff (ITEM_PIPELINES={}) nothing is.
        handoff = self.crawler.get_item_pipeline(Handoff)
        if handoff is not None:
            self.history = handoff.history
        for url in self.start_urls:
            # Start pages, sitemaps and feeds are fetched on every run: they are where news appears.
            # (A run that resumes a stopped crawl from JOBDIR skips those the stopped run fetched.)
            yield self._request(url, link_depth=0)

    def _request(self, url: str, link_depth: int) -> Request:
        return Request(url, callback=self.parse, errback=self.failed, meta={"link_depth": link_depth})

    def _in_scope(self, url: str) -> bool:
        """Whether a linked or listed URL may be fetched; the others are counted by site, not recorded."""
        if url in self.scope:
            return True
        if is_fetchable(url):
            self.out_of_scope[site_of(url)] += 1
        return False

    def _page_request(self, url: str, link_depth: int) -> Iterator[Request | SeenAgain]:
        """A request for an in-scope page, unless it is an article stored earlier."""
        if not self._in_scope(url) or url in self._start_pages:
            return  # start pages are requested at the start of every run
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
        yield from self._redirected_to(url, response.meta)
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
                    if self._in_scope(target):
                        yield self._request(target, link_depth)
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
                if self._in_scope(target):
                    yield self._request(target, link_depth)
        else:
            reason = "empty" if not body.strip() else ("not_html" if sniff_binary(body) else "unsupported")
            yield PageOutcome(url, response.status, "skipped", reason)

    def _redirected_to(self, url: str, meta: dict[str, Any]) -> Iterator[PageOutcome]:
        """A row for each URL that redirected to ``url``: every URL asked for is recorded."""
        hops = redirect_hops(meta)
        if hops:
            self.redirects.add([normalize_url(hop) for hop, _ in hops], url)
        for hop, status in hops:
            if normalize_url(hop) != url:
                yield PageOutcome(normalize_url(hop), status, "redirect", "redirected", target=url)

    def failed(self, failure: Failure) -> Iterator[PageOutcome]:
        request: Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy on every errback failure
        kind, status, reason = describe_failure(failure)
        url = normalize_url(request.url)
        # A redirect chain that ended without a page is recorded under every URL of it that is ours:
        # the URLs that redirected, and the last one unless it is on another site.
        hops = [normalize_url(hop) for hop, _ in redirect_hops(request.meta)]
        chain = [*hops, url] if url in self.scope and url not in hops else hops or [url]
        self.logger.info("no page from %s: %s", chain[0], reason)
        for page in chain:
            yield PageOutcome(page, status if page == url else None, kind, reason)

    def request_dropped(self, request: Request, spider: Spider) -> None:
        """A redirect dropped by the duplicate filter: its target was requested already.

        Its URLs are recorded as redirects to a page fetched anyway or, when the target leads back to
        them (two pages redirecting to each other), as a redirect loop. Other duplicates are recorded
        under the request that went first.
        """
        hops = redirect_hops(request.meta)
        if not hops:
            return
        chain = [normalize_url(hop) for hop, _ in hops]
        target = normalize_url(request.url)
        self.redirects.add(chain, target)
        cycle = self.redirects.cycle_through(chain[0])
        outcomes = (
            [PageOutcome(url, None, "skipped", "redirect_loop") for url in cycle]
            if cycle
            else [
                PageOutcome(url, status, "redirect", "redirected", target=target)
                for url, (_, status) in zip(chain, hops, strict=True)
            ]
        )
        if cycle:
            self.crawler.stats.inc_value("redirect/refused/redirect_loop")
        for outcome in outcomes:
            self.crawler.signals.send_catch_log(outcome_recorded, outcome=outcome)

    def closed(self, reason: str) -> None:
        stats = self.crawler.stats
        stats.set_value("scope/links_out_of_scope", sum(self.out_of_scope.values()))
        stats.set_value("scope/links_out_of_scope_sites", len(self.out_of_scope))
        if self.out_of_scope:
            stats.set_value("scope/links_out_of_scope_top", dict(self.out_of_scope.most_common(TOP_HOSTS)))
