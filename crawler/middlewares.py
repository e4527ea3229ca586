"""Downloader middlewares: keep every request, redirects included, inside the crawl's scope."""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.failures import Refused
from crawler.urls import Scope, is_fetchable


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
            redirected = bool(request.meta.get("redirect_urls"))
            reason = "redirect_out_of_scope" if redirected else "out_of_scope"
            self.stats.inc_value(f"scope/refused/{reason}")
            raise Refused(reason, f"{request.url} is outside {scope}")
