"""Downloader middlewares: scope and redirect rules that bound what a hostile site can cost."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from w3lib.url import safe_url_string

from crawler.failures import Refused
from crawler.urls import Scope, is_fetchable, normalize_url

logger = logging.getLogger(__name__)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


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


class _RedirectRules:
    """Names how a redirect chain ended without a page: a loop, too many hops, a scheme we don't fetch."""

    crawler: Crawler

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            result = super().process_response(request, response)  # type: ignore[misc]
        except Refused:
            raise
        except IgnoreRequest as exc:  # the only one Scrapy raises here: REDIRECT_MAX_TIMES reached
            self.crawler.stats.inc_value("redirect/refused/too_many_redirects")
            raise Refused("too_many_redirects", f"{request.url}: {exc}") from None
        if isinstance(result, Request):
            chain = {normalize_url(url) for url in result.meta.get("redirect_urls", [])}
            if normalize_url(result.url) in chain:
                self.crawler.stats.inc_value("redirect/refused/redirect_loop")
                raise Refused("redirect_loop", f"{result.url} redirects back into its own chain")
        elif (
            result.status in REDIRECT_STATUSES
            and b"Location" in result.headers
            and not request.meta.get("dont_redirect", False)
        ):
            location = safe_url_string(result.headers[b"Location"].decode("latin-1"))
            scheme = urlsplit(location).scheme.lower()
            if scheme and scheme not in ("http", "https"):  # Scrapy hands such a 3xx to the spider as is
                self.crawler.stats.inc_value("redirect/refused/unsupported_scheme")
                raise Refused("unsupported_scheme", f"{request.url} redirects to {location}: only http(s) is fetched")
        return result


class RedirectPolicyMiddleware(_RedirectRules, RedirectMiddleware):
    """Scrapy's 3xx redirects, with loops, over-long chains and non-http targets refused by name."""


class MetaRefreshPolicyMiddleware(_RedirectRules, MetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, with loops and over-long chains refused by name."""
