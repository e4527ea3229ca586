"""Names why a request produced no page: the ``reason`` recorded in the pages table."""

from __future__ import annotations

import importlib
import zlib

from scrapy import exceptions as scrapy_errors
from scrapy.exceptions import IgnoreRequest, NotSupported
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net_error
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived


def _decompression_errors() -> tuple[type[Exception], ...]:
    """What decoding a body that is not what its Content-Encoding says raises (gzip and deflate: zlib's error;
    br and zstd: the errors of the libraries Scrapy decodes them with, where installed)."""
    errors: list[type[Exception]] = [zlib.error]
    for module, name in (
        ("brotli", "error"),
        ("brotlicffi", "error"),
        ("compression.zstd", "ZstdError"),
        ("backports.zstd", "ZstdError"),
    ):
        try:
            errors.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            continue
    return tuple(errors)


DECOMPRESSION_ERRORS = _decompression_errors()


class Refused(IgnoreRequest):
    """A request the crawl's own rules refused; ``reason`` goes to the pages table."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(message or reason)
        self.reason = reason


def describe_failure(failure: Failure) -> tuple[str, int | None, str]:
    """(kind, HTTP status or None, reason) for a failed request."""
    if failure.value is None:
        return "error", None, "unknown"
    return describe_exception(failure.value)


def describe_exception(value: BaseException) -> tuple[str, int | None, str]:
    """(kind, HTTP status or None, reason) for the exception a request failed with."""
    if isinstance(value, HttpError):
        return "error", value.response.status, f"http_{value.response.status}"
    if isinstance(value, Refused):
        return "skipped", None, value.reason
    if isinstance(value, IgnoreRequest):
        return "skipped", None, "ignored"  # dropped by a component that does not name its reason
    if isinstance(value, scrapy_errors.DownloadCancelledError):
        return "skipped", None, "too_large"  # DOWNLOAD_MAXSIZE, before or after decompression
    if isinstance(value, scrapy_errors.ResponseDataLossError):
        return "error", None, "truncated"
    if isinstance(value, (scrapy_errors.DownloadTimeoutError, net_error.TimeoutError, net_error.TCPTimedOutError)):
        return "error", None, "timeout"
    if isinstance(value, (scrapy_errors.CannotResolveHostError, net_error.DNSLookupError)):
        return "error", None, "dns"
    if isinstance(value, (scrapy_errors.DownloadConnectionRefusedError, net_error.ConnectionRefusedError)):
        return "error", None, "connection_refused"
    if isinstance(value, (ResponseFailed, net_error.ConnectionLost, net_error.ConnectionDone)):
        return "error", None, "connection_lost"
    if isinstance(value, ResponseNeverReceived):
        return "error", None, "no_response"
    if isinstance(value, scrapy_errors.DownloadFailedError):
        return "error", None, "download_failed"
    if isinstance(value, (scrapy_errors.UnsupportedURLSchemeError, NotSupported)):
        return "skipped", None, "unsupported_scheme"
    if isinstance(value, DECOMPRESSION_ERRORS):  # "Content-Encoding: gzip" on bytes that are no gzip
        return "skipped", None, "bad_compression"
    return "error", None, type(value).__name__.lower()
