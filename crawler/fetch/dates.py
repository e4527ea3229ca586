"""Dates as servers, feeds and pages write them: ISO 8601 and RFC 822 read into datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_moment(text: str) -> datetime | None:
    """An ISO 8601 / W3C datetime (sitemaps, Atom) or an RFC 822 date (RSS), with the zone it was given in
    (naive when it gives none); None if unreadable."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def parse_http_date(text: str) -> datetime | None:
    """An RFC 822/1123 date (HTTP headers, RSS) in UTC; None if unreadable. No zone means UTC."""
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return as_utc(when)


def as_utc(when: datetime) -> datetime:
    """``when`` in UTC; a naive datetime is taken to be UTC already (what HTTP and sitemaps mean)."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
