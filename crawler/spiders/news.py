"""The generic news spider: start URLs of any kind, sitemaps and feeds followed, links to a depth, stored
articles followed after they are stored (revisits, conditional requests)."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.core.engine import ExecutionEngine
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.spidermiddlewares.depth import DepthMiddleware
from scrapy.spidermiddlewares.referer import RefererMiddleware
from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from twisted.python.failure import Failure

from crawler.config import ArgumentError, CrawlConfig
from crawler.extract.decoding import charset_from_content_type, sniff_binary
from crawler.extract.pipeline import ExtractPipeline
from crawler.fetch import discovery
from crawler.fetch.conditional import NOT_MODIFIED, conditional_headers, header
from crawler.fetch.failures import describe_failure
from crawler.fetch.links import page_links
from crawler.fetch.redirects import RedirectLedger, redirect_hops
from crawler.fetch.scope import Scope
from crawler.fetch.sites import Site, load_sites, sites_from_urls
from crawler.fetch.throttle import EXACT_DELAY
from crawler.handoff import KnownPage, NoHistory, PageHistory, SiteRevisits, outcome_recorded, page_history
from crawler.records import FetchedPage, PageOutcome, SeenAgain, links_listed
from crawler.urls import is_fetchable, normalize_url, normalized_or_none, site_of

TOP_HOSTS = 20  # out-of-scope link targets named in the run's stats
ARGUMENTS = ("urls", "depth", "sites")
MAX_ASKED_REMEMBERED = 200_000  # URLs, some 30 MB


class NewsSpider(Spider):
    """Crawls sites from their start URLs; each may be an article, a listing, a sitemap, robots.txt or a feed.

    Arguments: ``urls`` (comma-separated, or ``@file`` with one URL a line) and ``depth`` (default
    1: levels of in-scope links to follow beyond the start pages; what sitemaps and feeds list counts
    as the level they are on), or ``sites`` (a TOML sites file with those and more per site).

    A page fetched before is asked for conditionally. A stored article is downloaded again only when
    a sitemap or feed dates it after our last download, when it is due for a revisit, or when
    ``CRAWL_REFETCH_STORED`` is set; otherwise it is only marked as seen.
    """

    name = "news"
    config: CrawlConfig
    sites: list[Site]
    scope: Scope
    depth: int
    _start_pages: set[str]
    _workers_list_links = False
    _shaping: tuple[BaseSpiderMiddleware, ...] | None = None  # see _request_shaping; made once the crawl runs

    def __init__(self, urls: str | list[str] = "", depth: int | str = 1, sites: str = "", **unknown: Any):
        if unknown:
            name, value = next(iter(unknown.items()))
            guess = difflib.get_close_matches(name, ARGUMENTS, n=1)
            hint = f"; did you mean -a {guess[0]}=...?" if guess else ""
            raise ArgumentError(name, value, f"not an argument of this spider (it takes {', '.join(ARGUMENTS)}){hint}")
        super().__init__()
        if urls and sites:
            raise ArgumentError("sites", sites, "either -a urls=... or -a sites=FILE, not both")
        self._urls, self._depth, self._sites_file = urls, depth, sites
        self.history: PageHistory = NoHistory()
        self.redirects = RedirectLedger()
        self.out_of_scope: Counter[str] = Counter()  # links to other sites, by site: counted, not fetched
        self._seen_again: set[str] = set()
        # Pages asked for this run through links and listings: the next link to one is not made a request
        # again for the dupefilter to drop (a site's menu links every page to the same pages). The
        # dupefilter stays the judge: forgetting them all now and then bounds the memory and drops nothing.
        self._asked: set[str] = set()
        self.asked_again = 0  # counted, set in the stats at the end (the dupefilter's count before)

    @classmethod
    def check_arguments(cls, settings: BaseSettings, **kwargs: Any) -> None:
        """Raise ``ArgumentError`` for ``-a`` arguments the crawl would refuse, touching nothing.

        ``scrapy crawl`` calls it before Scrapy starts, so that a mistake is the only line printed.
        """
        cls(**kwargs)._read_sites(CrawlConfig.from_settings(settings))

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, NewsSpider)
        spider.config = config = CrawlConfig.from_settings(crawler.settings)
        spider.sites = spider._read_sites(config)
        spider.start_urls = [url for site in spider.sites for url in site.urls]
        spider.depth = max(site.depth for site in spider.sites)
        spider.scope = Scope(spider.sites)
        spider._start_pages = {normalize_url(u) for u in spider.start_urls}
        _politeness(crawler, spider.sites)
        crawler.signals.connect(spider.request_dropped, signals.request_dropped)
        crawler.signals.connect(spider.follow_links, links_listed)
        return spider

    def _read_sites(self, config: CrawlConfig) -> list[Site]:
        if self._sites_file:
            return load_sites(self._sites_file, config)
        return sites_from_urls(self._urls, self._depth, config)

    @property
    def run_args(self) -> dict[str, Any]:
        """The arguments recorded with the run."""
        args: dict[str, Any] = {"urls": self.start_urls, "depth": self.depth}
        if self._sites_file:
            args["sites"] = {site.name: list(site.urls) for site in self.sites}
        return args

    # -- what to request ------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        self.history = page_history(self.crawler)  # what the writer side has stored
        # A page's links are listed by the worker that extracts it, from the tree it parses anyway.
        self._workers_list_links = self.crawler.get_item_pipeline(ExtractPipeline) is not None
        for url in self.start_urls:
            # Start pages, sitemaps and feeds are asked for on every run: they are where news appears.
            # (A run that resumes a stopped crawl from JOBDIR skips those the stopped run fetched.)
            yield self._request(normalize_url(url), link_depth=0)
        for site in self.sites:
            hosts = tuple(sorted(site.site_names()))
            for url in self.history.due_for_revisit(SiteRevisits(hosts, site.revisit_after, site.revisit_within)):
                if url in self.scope:
                    self.crawler.stats.inc_value("revisits")
                    yield self._request(url, link_depth=site.depth)  # the story itself; its links were followed

    def _request(
        self, url: str, link_depth: int, known: KnownPage | None = None, published: str | None = None
    ) -> Request:
        known = known if known is not None else self.history.known(url)
        headers = conditional_headers(known)
        meta: dict[str, Any] = {"link_depth": link_depth}
        if published:
            meta["listed_published"] = published  # the page's extraction takes it when the page states none
        if headers:
            meta["handle_httpstatus_list"] = [NOT_MODIFIED]
            meta["known_kind"] = known.kind if known else None
        return Request(url, callback=self.parse, errback=self.failed, headers=headers, meta=meta)

    def in_scope(self, url: str) -> bool:
        """Whether a linked or listed URL may be fetched; the others are counted by site (``out_of_scope``), not
        recorded."""
        site = self.scope.site_for(url)  # (None for an address that cannot be fetched)
        if site is None:
            if is_fetchable(url):
                self.out_of_scope[site_of(url)] += 1
            return False
        if site.allows(url):
            return True
        self.crawler.stats.inc_value("scope/denied")  # on one of our sites, but its deny/allow rules exclude it
        return False

    def _remember_asked(self, *urls: str) -> None:
        if len(self._asked) >= MAX_ASKED_REMEMBERED:
            self._asked.clear()
        self._asked.update(urls)

    def _page_request(
        self, url: str, link_depth: int, changed: str | None = None, published: str | None = None
    ) -> Iterator[Request | SeenAgain]:
        """A request for an in-scope page, unless it is a stored article with nothing new to fetch.

        ``changed`` and ``published`` are the dates a sitemap or feed gives for the page's last change and
        its publication.
        """
        if not self.in_scope(url) or url in self._start_pages:
            return  # start pages are requested at the start of every run
        if url in self._asked:
            self.asked_again += 1
            return
        known = self.history.known(url)
        article = known.article if known is not None else None
        if article is None:
            self._remember_asked(url)
            yield self._request(url, link_depth, known, published)
            return
        if article.stored_this_run:
            return
        listed_newer = changed is not None and (known is None or known.fetched_at is None or changed > known.fetched_at)
        if self.config.refetch_stored or listed_newer:
            if listed_newer:
                self.crawler.stats.inc_value("crawl/listed_newer")
            self._remember_asked(url, article.url)
            yield self._request(article.url, link_depth, known, published)  # any URL of it means the article
            return
        if article.url not in self._seen_again:
            self._seen_again.add(article.url)
            self.crawler.stats.inc_value("crawl/stored_not_refetched")
            yield SeenAgain(article.url, site=self._site_name(article.url))

    def _site_name(self, url: str) -> str:
        site = self.scope.site_for(url)
        return site.name if site is not None else site_of(url)

    def follow_links(self, page: FetchedPage, links: list[str]) -> None:
        """Requests for the in-scope pages among ``links``, those of ``page`` that the worker which extracted it
        listed from its own tree (see ``links_listed``): the crawl process does not parse the page again."""
        engine = self.crawler.engine
        if engine is None or engine.spider is None or page.links_depth is None:
            return
        # The page as Scrapy's middlewares see the response a callback yields requests from: its address, its
        # Referrer-Policy header and its depth.
        policy = {"Referrer-Policy": page.referrer_policy} if page.referrer_policy else {}
        parent = Response(page.url, headers=Headers(policy), request=Request(page.url, meta={"depth": page.depth}))
        for link in links:
            for record in self._page_request(link, page.links_depth):
                if not isinstance(record, Request):
                    self.crawler.signals.send_catch_log(outcome_recorded, outcome=record)
                elif (request := self._as_a_callback_yields(record, parent, engine)) is not None:
                    engine.crawl(request)

    def _as_a_callback_yields(self, request: Request, parent: Response, engine: ExecutionEngine) -> Request | None:
        """``request`` as the spider middlewares the running ``engine`` runs leave a request a callback yields from
        ``parent`` (with its depth and Referer), or None when one of them drops it (too deep, too long)."""
        if self._shaping is None:  # not before: the engine builds the middlewares as the crawl starts
            self._shaping = _request_shaping(self.crawler, engine)
        for middleware in self._shaping:
            shaped = middleware.get_processed_request(request, parent)
            if shaped is None:
                return None
            request = shaped
        return request

    # -- what came back ------------------------------------------------------------------------
    def parse(self, response: Response) -> Iterator[Request | FetchedPage | PageOutcome | SeenAgain]:
        try:
            yield from self._read(response)
        except Exception:
            # Whatever a response holds, its page is recorded and the crawl goes on: a defect in reading it
            # is logged with its traceback, and the page kept as an error, not left out of the pages table.
            self.logger.exception("could not read %s", response.url)
            url = normalized_or_none(response.url) or response.url  # the defect may be in its address
            yield PageOutcome(url, response.status, "error", "parse_failed", site=self._site_name(url))

    def _read(self, response: Response) -> Iterator[Request | FetchedPage | PageOutcome | SeenAgain]:
        url = normalize_url(response.url)
        link_depth = response.meta.get("link_depth", 0)
        site = self._site_name(url)
        yield from self._redirected_to(url, response.meta)
        if response.status == NOT_MODIFIED:
            yield from self._not_modified(url, response, link_depth, site)
            return
        try:
            body = discovery.unpack(response.body, self.config.max_size)
        except discovery.TooLarge:
            yield PageOutcome(url, response.status, "skipped", "too_large", site=site)
            return
        except discovery.BadCompression:
            yield PageOutcome(url, response.status, "skipped", "bad_compression", site=site)
            return
        content_type = header(response, "Content-Type")
        charset = charset_from_content_type(content_type)
        kind = discovery.classify(body, charset)
        etag = header(response, "ETag")
        last_modified = header(response, "Last-Modified")
        if kind == "html":
            listed_published = response.meta.get("listed_published")
            page_site = self.scope.site_for(url)
            depth = page_site.depth if page_site is not None else 0
            follow = link_depth < depth and isinstance(response, TextResponse)
            yield FetchedPage(
                url,
                response.status,
                response.body,
                content_type,
                etag,
                last_modified,
                site,
                listed_published,
                link_depth + 1 if follow and self._workers_list_links else None,
                header(response, "Referrer-Policy") if follow else None,
                response.meta.get("depth", 0),
            )
            if follow and not self._workers_list_links and isinstance(response, TextResponse):  # parsed here
                for link in page_links(response):
                    yield from self._page_request(link, link_depth + 1)
        elif kind == "sitemap":
            sitemap_type, entries = discovery.sitemap_entries(body)
            # A sitemap index is kept: its sitemaps change on their own, also when it does not.
            kept = body if sitemap_type == "sitemapindex" else None
            yield PageOutcome(url, response.status, "sitemap", None, etag, last_modified, site=site, body=kept)
            yield from self._listed(url, sitemap_type, entries, link_depth)
        elif kind == "feed":
            yield PageOutcome(url, response.status, "feed", None, etag, last_modified, site=site)
            for entry in discovery.feed_entries(body):
                target = self._listed_url(entry.url, url)
                if target is not None:
                    yield from self._page_request(target, link_depth, entry.changed, entry.published)
        elif kind == "robots":
            yield PageOutcome(url, response.status, "robots", None, etag, last_modified, site=site, body=body)
            yield from self._named_sitemaps(url, body, link_depth)
        else:
            reason = "empty" if not body.strip() else ("not_html" if sniff_binary(body, charset) else "unsupported")
            yield PageOutcome(url, response.status, "skipped", reason, site=site)

    def _not_modified(
        self, url: str, response: Response, link_depth: int, site: str
    ) -> Iterator[Request | PageOutcome | SeenAgain]:
        """A 304: the page keeps its kind and nothing on it changed, so a page or feed yields no links.

        A robots.txt or sitemap index still names its sitemaps, which change on their own: those are
        asked for again (conditionally), from the copy kept when it was last fetched.
        """
        kind = response.meta.get("known_kind") or "unknown"
        etag, last_modified = header(response, "ETag"), header(response, "Last-Modified")
        yield PageOutcome(url, NOT_MODIFIED, kind, "not_modified", etag, last_modified, site=site)
        kept = self.history.kept_body(url) if kind in ("robots", "sitemap") else None
        if kept is None:
            return
        if kind == "robots":
            yield from self._named_sitemaps(url, kept, link_depth)
        else:
            sitemap_type, entries = discovery.sitemap_entries(kept)
            if sitemap_type == "sitemapindex":
                yield from self._listed(url, sitemap_type, entries, link_depth)

    def _listed(
        self, url: str, sitemap_type: str, entries: list[discovery.Listed], link_depth: int
    ) -> Iterator[Request | SeenAgain]:
        for entry in entries:
            target = self._listed_url(entry.url, url)
            if target is None:
                continue
            if sitemap_type == "sitemapindex":
                if self.in_scope(target):
                    yield self._request(target, link_depth)
            else:
                yield from self._page_request(target, link_depth, entry.changed, entry.published)

    def _named_sitemaps(self, url: str, robots: bytes, link_depth: int) -> Iterator[Request]:
        for location in discovery.robots_sitemaps(robots):
            target = self._listed_url(location, url)
            if target is not None and self.in_scope(target):
                yield self._request(target, link_depth)

    def _listed_url(self, listed: str, base: str) -> str | None:
        """A URL a sitemap, feed or robots.txt lists, normalised; None for an address that cannot be one
        ("http://[::1"), counted: one bad entry must not cost the listing's other entries."""
        target = normalized_or_none(listed, base)
        if target is None:
            self.crawler.stats.inc_value("crawl/unreadable_listed_urls")
        return target

    def _redirected_to(self, url: str, meta: dict[str, Any]) -> Iterator[PageOutcome]:
        """A row for each URL that redirected to ``url``: every URL asked for is recorded."""
        hops = redirect_hops(meta)
        if hops:
            self.redirects.add([normalize_url(hop) for hop, _ in hops], url)
        for hop, status in hops:
            if normalize_url(hop) != url:
                page = normalize_url(hop)
                yield PageOutcome(page, status, "redirect", "redirected", target=url, site=self._site_name(page))

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
            yield PageOutcome(page, status if page == url else None, kind, reason, site=self._site_name(page))

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
        if cycle:
            self.crawler.stats.inc_value("redirect/refused/redirect_loop")
            outcomes = [PageOutcome(url, None, "skipped", "redirect_loop", site=self._site_name(url)) for url in cycle]
        else:
            outcomes = [
                PageOutcome(url, status, "redirect", "redirected", target=target, site=self._site_name(url))
                for url, (_, status) in zip(chain, hops, strict=True)
            ]
        for outcome in outcomes:
            self.crawler.signals.send_catch_log(outcome_recorded, outcome=outcome)

    def closed(self, reason: str) -> None:
        stats = self.crawler.stats
        stats.set_value("crawl/links_to_pages_asked_for", self.asked_again)
        stats.set_value("scope/links_out_of_scope", sum(self.out_of_scope.values()))
        stats.set_value("scope/links_out_of_scope_sites", len(self.out_of_scope))
        if self.out_of_scope:
            stats.set_value("scope/links_out_of_scope_top", dict(self.out_of_scope.most_common(TOP_HOSTS)))


SHAPING_MIDDLEWARES = (DepthMiddleware, RefererMiddleware, UrlLengthMiddleware)


def _request_shaping(crawler: Crawler, engine: ExecutionEngine | None = None) -> tuple[BaseSpiderMiddleware, ...]:
    """The spider middlewares that shape or drop the requests a callback yields, in the order Scrapy passes a
    callback's output through them (the highest number in ``SPIDER_MIDDLEWARES``, the nearest the spider, first).

    The links a worker lists are requested from a pipeline, past the spider middlewares: the spider passes them
    through these, so they are requested as they would be had a callback yielded them. They are the very
    middlewares the crawl runs (their settings, stats and state): Scrapy's depth (``DEPTH_LIMIT``,
    ``DEPTH_PRIORITY``), Referer (``REFERRER_POLICY``) and URL length (``URLLENGTH_LIMIT``) middlewares, and a
    project's own written as Scrapy asks, on ``BaseSpiderMiddleware.get_processed_request``. (One that only
    rewrites ``process_spider_output`` cannot be asked about one request, and does not see them.) ``engine``: the
    running crawl's; without one, Scrapy's own are made anew from the crawl's settings.
    """
    # Scrapy keeps them on its scraper's middleware manager: attributes, not a documented API.
    manager = getattr(getattr(engine, "scraper", None), "spidermw", None)
    running = getattr(manager, "middlewares", None)
    if running is None:  # no engine running them (or a Scrapy that keeps them elsewhere): Scrapy's own, made anew
        return _scrapy_request_shaping(crawler)
    return tuple(
        middleware
        for middleware in reversed(running)
        if isinstance(middleware, BaseSpiderMiddleware)
        and type(middleware).get_processed_request is not BaseSpiderMiddleware.get_processed_request
    )


def _scrapy_request_shaping(crawler: Crawler) -> tuple[BaseSpiderMiddleware, ...]:
    """Scrapy's request-shaping spider middlewares as the crawl's settings make them (those switched off or taken
    out left out), in the order of :func:`_request_shaping`."""
    shaping = []
    for path in build_component_list(crawler.settings.getwithbase("SPIDER_MIDDLEWARES")):
        middleware = load_object(path)
        if isinstance(middleware, type) and issubclass(middleware, SHAPING_MIDDLEWARES):
            try:
                shaping.append(middleware.from_crawler(crawler))
            except NotConfigured:
                continue
    return tuple(reversed(shaping))


def _politeness(crawler: Crawler, sites: list[Site]) -> None:
    """Each site's delay and concurrency from the sites file, as Scrapy's per-host download slots.

    A site's delay is the least time between two of its requests: Scrapy's jitter (from half to one and a half
    times the delay) is off for it, and AutoThrottle waits longer but never less (``SiteDelayAutoThrottle``).
    """
    slots = dict(crawler.settings.getdict("DOWNLOAD_SLOTS"))
    for site in sites:
        rules = {k: v for k, v in (("delay", site.delay), ("concurrency", site.concurrency)) if v is not None}
        if site.delay:
            rules.update(EXACT_DELAY)
        if rules:
            for host in site.hosts():
                slots[host] = {**slots.get(host, {}), **rules}
    if slots:
        crawler.settings.set("DOWNLOAD_SLOTS", slots, priority="spider")
