"""Downloader middlewares: scope, address, retry and redirect rules that bound what a hostile site can cost."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet.task import deferLater
from w3lib.url import safe_url_string

from crawler.addresses import POLICY, AddressPolicy, ForbiddenAddress, parse_ip_literal
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


class AddressMiddleware:
    """Refuses requests that would reach a loopback, private, link-local or other non-public address.

    The sites of the start URLs are exempt: the user named them. A host written as an address (in
    any notation: ``2130706433``, ``0x7f.0.0.1``, ``[::ffff:127.0.0.1]``) is checked as written; a
    name in scope is resolved first, with the crawl's resolver and its cache, and its address checked.
    ``GuardedResolver`` checks again when connecting, so a name cannot change its answer in between.
    Refusals get reason ``forbidden_address``. ``CRAWL_ALLOW_PRIVATE_ADDRESSES=True`` turns this off.
    """

    def __init__(self, crawler: Crawler, policy: AddressPolicy, stats: StatsCollector):
        self.crawler = crawler
        self.policy = policy
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressMiddleware:
        if crawler.settings.getbool("CRAWL_ALLOW_PRIVATE_ADDRESSES", False):
            raise NotConfigured("CRAWL_ALLOW_PRIVATE_ADDRESSES is on")
        # The spider exists when middlewares are built: its start URLs are what the user named.
        POLICY.name(getattr(crawler.spider, "start_urls", None) or [])
        return cls(crawler, POLICY, crawler.stats)

    async def process_request(self, request: Request) -> None:
        address = self.policy.refuses_url(request.url)
        if address is not None:
            self._refuse(request, str(address))
        host = (urlparse_cached(request).hostname or "").rstrip(".")
        if not host or parse_ip_literal(host) is not None or host in self.policy.named_hosts:
            return
        scope: Scope | None = getattr(self.crawler.spider, "scope", None)
        if scope is not None and request.url not in scope:
            return  # ScopeMiddleware refuses it, without a DNS lookup
        from twisted.internet import reactor  # the one Scrapy installed; importing it earlier would install another

        try:
            resolved = await maybe_deferred_to_future(reactor.resolve(host))
        except ForbiddenAddress as exc:
            self._refuse(request, exc.address)
        except Exception:  # noqa: BLE001 -- a name that does not resolve fails in the download, with its reason
            return
        if self.policy.refuses(host, resolved):  # another TWISTED_DNS_RESOLVER may not check
            self._refuse(request, resolved)

    def _refuse(self, request: Request, address: str) -> None:
        self.stats.inc_value("scope/refused/forbidden_address")
        logger.warning("refused %s: it leads to %s, a non-public address", request.url, address)
        raise Refused("forbidden_address", f"{request.url} leads to the non-public address {address}")


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
