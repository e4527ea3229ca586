"""Conditional requests: a page fetched before is asked for only if it changed (If-None-Match, If-Modified-Since)."""

from __future__ import annotations

from scrapy.http import Response

from crawler.handoff import KnownPage

NOT_MODIFIED = 304


def header(response: Response, name: str) -> str | None:
    """A response header as text (validators are ASCII; latin-1 never fails), or None."""
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def conditional_headers(known: KnownPage | None) -> dict[str, str]:
    """The validators of the stored version as request headers: an unchanged page then costs a 304."""
    if known is None:
        return {}
    headers = {}
    if known.etag:
        headers["If-None-Match"] = known.etag
    if known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    return headers
