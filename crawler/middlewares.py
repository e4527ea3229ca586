"""Downloader middlewares: scope, retry and redirect rules that bound what a hostile site can cost."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.task import deferLater
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


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date), None if absent or bad."""
    if not value:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries (``RETRY_TIMES``, ``RETRY_HTTP_CODES``) that honour ``Retry-After``.

    A retry waits as long as the server asked, up to ``CRAWL_RETRY_AFTER_MAX`` seconds. A server that
    asks for longer is not retried in this run: its page is recorded with its status, and the next
    scheduled run asks again. Never sooner than asked, never stuck for long.
    """

    def __init__(self, settings: BaseSettings, max_wait: float):
        super().__init__(settings)
        self.max_wait = max_wait

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        middleware = cls(crawler.settings, crawler.settings.getfloat("CRAWL_RETRY_AFTER_MAX", 30.0))
        middleware.crawler = crawler
        return middleware

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None and wait > self.max_wait:
            self.crawler.stats.inc_value("retry/retry_after_too_long")
            logger.info(
                "not retrying %s: Retry-After asks for %.0f s, more than CRAWL_RETRY_AFTER_MAX (%.0f s)",
                request.url, wait, self.max_wait,
            )
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if wait:
            from twisted.internet import reactor

            self.crawler.stats.inc_value("retry/retry_after_waits")
            await maybe_deferred_to_future(deferLater(reactor, wait))
        return retry


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
