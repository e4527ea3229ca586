"""Requests in the shared queue as JSON, never pickle: whoever can write to Redis runs no code in a crawler."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from scrapy import Spider

BYTES_TAG = "$bytes"  # {"$bytes": base64}: the one non-JSON type a request carries (headers, body, meta values)
FIELDS = {
    "url",
    "callback",
    "errback",
    "headers",
    "body",
    "cookies",
    "meta",
    "encoding",
    "flags",
    "cb_kwargs",
    "dont_filter",
    "method",
    "priority",
}


class RequestCodecError(ValueError):
    """A queue entry that is not a request this crawler may make (malformed, or naming what it must not)."""


# Methods Scrapy calls on a spider itself: never a request's callback.
SPIDER_HOOKS = {"closed", "start", "start_requests", "from_crawler", "update_settings", "handles_request"}


def allowed_callbacks(spider: Spider) -> frozenset[str]:
    """The spider's own public methods, and ``parse``: the only names a queued request may call back.

    Scrapy's ``Spider`` methods and the hooks Scrapy calls (``start``, ``closed``, ...) are left out.
    """
    names = {"parse"}
    for cls in type(spider).__mro__:
        if cls is Spider or not issubclass(cls, Spider):
            continue
        names |= {name for name, value in vars(cls).items() if not name.startswith("_") and callable(value)}
    return frozenset(names - SPIDER_HOOKS - (set(vars(Spider)) - {"parse"}))


class RequestCodec:
    """scrapy-redis's queue serializer (``loads``/``dumps``) for Scrapy's request dicts, as JSON.

    Bytes (headers, body, bytes in ``meta``) travel as base64; tuples become lists. A request
    subclass (``_class``, which Scrapy would import by name) and a callback that is no callback of the
    spider are refused: an entry written by someone else cannot make the crawler import or call anything.
    """

    def __init__(self, callbacks: frozenset[str]):
        self.callbacks = callbacks

    def dumps(self, request: dict[str, Any]) -> bytes:
        if "_class" in request:
            raise TypeError(f"only scrapy.Request travels through the shared queue, not {request['_class']}")
        fields = dict(request)
        fields["headers"] = {
            _text(name): [_text(value) for value in values] for name, values in request["headers"].items()
        }
        return json.dumps(_plain(fields, "request"), separators=(",", ":")).encode()

    def loads(self, data: bytes) -> dict[str, Any]:
        try:
            fields = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RequestCodecError(f"not JSON: {exc}") from None
        if not isinstance(fields, dict) or not isinstance(fields.get("url"), str):
            raise RequestCodecError(f"not a request: {str(fields)[:200]}")
        unknown = set(fields) - FIELDS
        if unknown:
            raise RequestCodecError(f"a request with fields {sorted(unknown)} (a request subclass?) is not made")
        for name in ("callback", "errback"):
            value = fields.get(name)
            if value is not None and value not in self.callbacks:
                raise RequestCodecError(f"{name} {value!r} is not a callback of the spider")
        headers = fields.get("headers") or {}
        if not isinstance(headers, dict) or not all(
            isinstance(values, list) and all(isinstance(v, str) for v in values) for values in headers.values()
        ):
            raise RequestCodecError(f"headers are {headers!r}")
        restored = _restore(fields)
        restored["headers"] = {
            name.encode("latin-1"): [value.encode("latin-1") for value in values] for name, values in headers.items()
        }
        return restored


def _text(value: bytes | str) -> str:
    """HTTP header bytes as text: latin-1 maps every byte to one character and back."""
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _plain(value: Any, where: str) -> Any:
    """``value`` with bytes tagged and tuples as lists; anything else that JSON cannot hold is a TypeError."""
    if isinstance(value, bytes):
        return {BYTES_TAG: base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"{where} has the key {key!r}: only text keys travel through the shared queue")
        return {key: _plain(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, where) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"{where} holds {type(value).__name__} {value!r}: it cannot travel through the shared queue")


def _restore(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {BYTES_TAG}:
            try:
                return base64.b64decode(value[BYTES_TAG], validate=True)
            except (binascii.Error, TypeError):
                raise RequestCodecError(f"{value!r} is not base64") from None
        return {key: _restore(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore(item) for item in value]
    return value
