"""Where the shared crawl lives in Redis: the URL, the keys under one prefix, and one connection per process."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.connection import parse_url
from redis.retry import Retry

from crawler.config import CannotStart, SettingError, Settings

URL_ALLOWED = "redis://[:password@]host:port/db, rediss://... for TLS, or unix:///path/to/socket"
KEY_PREFIX = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
BACKOFF_CAP_S = 1.0  # while Redis is away, ask again at least once a second
CONNECT_TIMEOUT_S = 5.0
# Longer than any blocking read the writer makes (it blocks for at most SQLITE_COMMIT_INTERVAL).
SOCKET_TIMEOUT_S = 30.0


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def check_url(url: str) -> str:
    """``url`` if it names a Redis server; a :class:`SettingError` naming ``REDIS_URL`` otherwise."""
    try:
        parsed = parse_url(url)
    except ValueError:
        raise SettingError("REDIS_URL", redact(url), URL_ALLOWED) from None
    scheme = urlsplit(url).scheme
    if (scheme in ("redis", "rediss") and not parsed.get("host")) or (scheme == "unix" and not parsed.get("path")):
        raise SettingError("REDIS_URL", redact(url), URL_ALLOWED)
    return url


@dataclass(frozen=True)
class Keys:
    """Every key one shared crawl keeps in Redis, under ``prefix`` (``CRAWL_REDIS_KEY``)."""

    prefix: str

    @property
    def run(self) -> str:
        """Hash: the run going on (id, spider, arguments, start); absent between runs."""
        return f"{self.prefix}:run"

    @property
    def crawlers(self) -> str:
        """Hash: crawler id -> its state (busy or idle) and when it counts as gone."""
        return f"{self.prefix}:crawlers"

    @property
    def requests(self) -> str:
        """Sorted set: the shared queue of requests (scrapy-redis's priority queue), as JSON."""
        return f"{self.prefix}:requests"

    @property
    def seen(self) -> str:
        """Set: fingerprints of the requests made in this run (the shared duplicate filter)."""
        return f"{self.prefix}:seen"

    @property
    def stream(self) -> str:
        """Stream: records from the crawlers to the writer, and the runs' start and end."""
        return f"{self.prefix}:stream"

    @property
    def pages(self) -> str:
        """Hash: URL -> what the writer knows of it (the crawlers' page history)."""
        return f"{self.prefix}:pages"

    @property
    def bodies(self) -> str:
        """Hash: URL -> the robots.txt or sitemap index kept for it."""
        return f"{self.prefix}:bodies"

    @property
    def chrome(self) -> str:
        """Hash: site -> the chrome the writer has learned for it (cut by the crawlers before signing)."""
        return f"{self.prefix}:chrome"

    def revisits(self, site: str) -> str:
        """Sorted set: a site's stored articles by when they were first seen (for revisits)."""
        return f"{self.prefix}:revisit:{site}"

    @property
    def mirror(self) -> str:
        """Hash: which database the page history mirrors, up to which run."""
        return f"{self.prefix}:mirror"

    @property
    def writer(self) -> str:
        """String with a time to live: the writer storing the stream (one at a time)."""
        return f"{self.prefix}:writer"


@dataclass(frozen=True)
class RedisConfig:
    """``REDIS_URL`` and the settings that go with it; ``None`` from :meth:`from_settings` means one machine."""

    url: str
    keys: Keys
    peer_timeout: float  # seconds without a heartbeat after which a crawler counts as gone
    wait: float  # seconds to wait for Redis to come back before giving up

    @classmethod
    def from_settings(cls, settings: Any) -> RedisConfig | None:
        read = Settings(settings)
        url = read.text("REDIS_URL").strip()
        if not url:
            return None
        prefix = read.text("CRAWL_REDIS_KEY")
        if not KEY_PREFIX.fullmatch(prefix):
            raise SettingError("CRAWL_REDIS_KEY", prefix, "1 to 64 letters, digits, '_', '.', ':' or '-'")
        return cls(
            url=check_url(url),
            keys=Keys(prefix),
            peer_timeout=read.number("CRAWL_PEER_TIMEOUT", minimum=1),
            wait=read.number("CRAWL_REDIS_WAIT", minimum=0),
        )

    @property
    def heartbeat(self) -> float:
        """Seconds between a crawler's heartbeats: several fit in ``peer_timeout``."""
        return self.peer_timeout / 6

    def connect(self) -> redis.Redis:
        """A client that waits up to ``wait`` seconds for Redis to come back; checked now, with one line if not.

        A bad password, a server that does not answer, a socket that is not there: each is a
        :class:`CannotStart` naming the URL (without its password).
        """
        options: dict[str, Any] = {"socket_timeout": SOCKET_TIMEOUT_S, "socket_connect_timeout": CONNECT_TIMEOUT_S}
        # The first contact is not retried: an unreachable Redis at the start is a mistake to report now.
        once = redis.Redis.from_url(self.url, retry=Retry(NoBackoff(), 0), **options)
        try:
            once.ping()
        except (redis.AuthenticationError, redis.AuthenticationWrongNumberOfArgsError) as exc:
            if urlsplit(self.url).password is None and "password=" not in self.url:
                raise CannotStart(
                    f"Redis at {redact(self.url)} asks for a password: give it in the URL, "
                    "redis://:PASSWORD@host:port/db"
                ) from None
            raise CannotStart(f"Redis at {redact(self.url)} refused the password: {exc}") from None
        except redis.RedisError as exc:
            message = str(exc).strip().rstrip(".") or type(exc).__name__
            raise CannotStart(f"cannot reach Redis at {redact(self.url)}: {message}") from None
        finally:
            once.close()
        retry = Retry(ExponentialBackoff(cap=BACKOFF_CAP_S, base=0.05), retries=math.ceil(self.wait / BACKOFF_CAP_S))
        return redis.Redis.from_url(self.url, retry=retry, health_check_interval=15, **options)
