"""The crawl's scope: the start URLs' sites, and the middleware that refuses every request outside them."""

from __future__ import annotations

from collections.abc import Iterable

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.fetch.failures import Refused
from crawler.fetch.sites import Site
from crawler.urls import is_fetchable, scope_key


class Scope:
    """The sites a crawl may fetch from (each start URL's host, ``www.`` or not) and their allow/deny rules."""

    def __init__(self, sites: Iterable[Site]):
        self.sites = {key: site for site in sites for key in site.keys}

    def site_for(self, url: str) -> Site | None:
        """The crawl's site ``url`` is on, whether or not its patterns allow it."""
        return self.sites.get(scope_key(url)) if is_fetchable(url) else None

    def __contains__(self, url: str) -> bool:
        site = self.site_for(url)
        return site is not None and site.allows(url)

    def __repr__(self) -> str:
        return f"Scope({sorted(self.sites)})"


class ScopeMiddleware:
    """Refuses any request outside the spider's scope, including where a redirect leads.

    Scrapy fetches a redirected start URL even off-site; this runs on every request the engine
    schedules, redirect targets included, so nothing outside the start URLs' sites is fetched.
    """

    def __init__(self, crawler: Crawler, stats: StatsCollector):
        self.crawler = crawler
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScopeMiddleware:
        return cls(crawler, crawler.stats)

    def process_request(self, request: Request) -> None:
        spider: Spider | None = self.crawler.spider
        scope: Scope | None = getattr(spider, "scope", None)
        if not is_fetchable(request.url):
            self.stats.inc_value("scope/refused/scheme")
            raise Refused("unsupported_scheme", f"only http and https are fetched: {request.url}")
        if scope is not None and request.url not in scope:
            if scope.site_for(request.url) is not None:
                reason = "denied"  # the site's allow/deny patterns exclude it
            elif request.meta.get("redirect_urls"):
                reason = "redirect_out_of_scope"
            else:
                reason = "out_of_scope"
            self.stats.inc_value(f"scope/refused/{reason}")
            raise Refused(reason, f"{request.url} is outside {scope}")
