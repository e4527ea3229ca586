"""Redirects that end without a page, named: a loop, too many hops, a scheme we do not fetch."""

from __future__ import annotations

from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from w3lib.url import safe_url_string

from crawler.fetch.addresses import refuse_a_forbidden_host
from crawler.fetch.failures import Refused
from crawler.urls import normalize_url

REDIRECT_STATUSES = (301, 302, 303, 307, 308)


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
        except ValueError as exc:  # a target that is no address ("http://[::1", port 99999): Scrapy cannot build it
            return self._unreadable_target(request, response, exc)
        if isinstance(result, Request):
            refuse_a_forbidden_host(self.crawler, result.url)
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

    def _unreadable_target(self, request: Request, response: Response, error: ValueError) -> Response:
        """A 3xx whose Location is no address: the chain ends there, named."""
        self.crawler.stats.inc_value("redirect/refused/invalid_redirect")
        raise Refused("invalid_redirect", f"{request.url} redirects to no address ({error})")


# Scrapy's own type hints still name the ``spider`` argument that it deprecated for these methods.
class RedirectPolicyMiddleware(_RedirectRules, RedirectMiddleware):  # type: ignore[misc]
    """Scrapy's 3xx redirects, with loops, over-long chains and non-http targets refused by name."""


class MetaRefreshPolicyMiddleware(_RedirectRules, MetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, with loops and over-long chains refused by name."""

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if not may_refresh(response.body):
            return response
        return super().process_response(request, response)

    def _unreadable_target(self, request: Request, response: Response, error: ValueError) -> Response:
        """A refresh to no address cannot be followed: the page is read as it is, as a browser shows it."""
        self.crawler.stats.inc_value("redirect/refresh_to_no_address")
        return response


# Scrapy looks for the tag in a page's first 4,096 characters, which no common encoding writes in more
# than 4 bytes each. An encoding with NUL bytes there (UTF-16, UTF-32) does not spell the tag in ASCII.
_REFRESH_BYTES = 4 * 4096


def may_refresh(body: bytes) -> bool:
    """Whether a page may hold a ``<meta http-equiv="refresh">``: Scrapy decodes the page to look, which
    costs about 0.3 ms, and nearly no page has one."""
    head = body[:_REFRESH_BYTES]
    # Lowered, then a plain search: a case-insensitive pattern scans 16 KB about seven times slower.
    return b"\x00" in head or b"refresh" in head.lower()


def redirect_hops(meta: dict[str, Any]) -> list[tuple[str, int | None]]:
    """The URLs a request was redirected from, first to last, each with its status (None: a meta refresh)."""
    urls = meta.get("redirect_urls") or []
    reasons = meta.get("redirect_reasons") or []
    statuses = [reason if isinstance(reason, int) else None for reason in reasons]
    statuses += [None] * (len(urls) - len(statuses))
    return list(zip(urls, statuses, strict=False))


class RedirectLedger:
    """Where this run's redirects led: tells a loop apart from a redirect to a page fetched by another request.

    A redirect whose target was already requested is dropped by the duplicate filter. Between two
    pages that redirect to each other, each one's redirect is dropped that way, so the loop only
    shows once both redirects are known.
    """

    def __init__(self) -> None:
        self.next_hop: dict[str, str] = {}

    def add(self, chain: list[str], target: str) -> None:
        for source, hop in pairwise([*chain, target]):
            self.next_hop[source] = hop

    def cycle_through(self, url: str) -> list[str]:
        """The URLs of the redirect cycle ``url`` is part of, in order, or [] when its redirects end."""
        path = [url]
        current = self.next_hop.get(url)
        while current is not None and current not in path:
            path.append(current)
            current = self.next_hop.get(current)
        return path if current == url else []
