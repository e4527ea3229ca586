"""Retries that honour ``Retry-After``, never sooner than asked and never stuck for long."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.task import deferLater

from crawler.config import CrawlConfig
from crawler.fetch.dates import parse_http_date

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date), None if absent or bad."""
    if not value:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    when = parse_http_date(text)
    if when is None:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


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
        middleware = cls(crawler.settings, CrawlConfig.from_settings(crawler.settings).retry_after_max)
        middleware.crawler = crawler
        return middleware

    async def process_response(  # type: ignore[override]  # Scrapy's hint keeps the deprecated ``spider``
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None and wait > self.max_wait:
            self.crawler.stats.inc_value("retry/retry_after_too_long")
            logger.info(
                "not retrying %s: Retry-After asks for %.0f s, more than CRAWL_RETRY_AFTER_MAX (%.0f s)",
                request.url,
                wait,
                self.max_wait,
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
