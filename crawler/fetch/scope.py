"""The crawl's scope: the start URLs' sites, and the middleware that refuses every request outside them."""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.fetch.failures import Refused
from crawler.urls import is_fetchable, scope_key


class Scope:
    """The sites a crawl may fetch from: those of its start URLs (``www.`` or not)."""

    def __init__(self, start_urls: list[str]):
        self.keys = frozenset(scope_key(u) for u in start_urls)

    def __contains__(self, url: str) -> bool:
        return is_fetchable(url) and scope_key(url) in self.keys

    def __repr__(self) -> str:
        return f"Scope({sorted(self.keys)})"


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
