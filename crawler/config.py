"""The project's settings read once into typed, checked values; their defaults live in settings.py only."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scrapy.settings import BaseSettings

from crawler.extract.options import ExtractOptions
from dedup import SignatureScheme


class CannotStart(Exception):
    """Why a crawl cannot start (a bad setting or argument, a database in use): one line for a person."""


class SettingError(CannotStart, ValueError):
    """A setting whose value is not allowed; its message names the setting, the value and what is allowed."""

    def __init__(self, name: str, value: object, allowed: str):
        super().__init__(f"{name}={value!r} is not allowed: {allowed}")
        self.name = name
        self.value = value


class ArgumentError(SettingError):
    """A spider argument (``-a name=value``) whose value is not allowed."""

    def __init__(self, name: str, value: object, allowed: str):
        super().__init__(f"-a {name}", value, allowed)


def preflight(settings: Any) -> None:
    """Read every part of the configuration once before anything starts: a bad value stops the crawl
    before a file is written or a request is sent."""
    CrawlConfig.from_settings(settings)
    ExtractConfig.from_settings(settings)
    StoreConfig.from_settings(settings)
    if isinstance(settings, BaseSettings):
        from crawler.scrapy_settings import check_scrapy_settings  # it raises this module's SettingError

        check_scrapy_settings(settings)


class Settings:
    """Typed reads of a Scrapy ``Settings`` (or any mapping) that name the setting when a value is bad."""

    def __init__(self, settings: Any):
        self.settings = settings

    def raw(self, name: str) -> Any:
        if name not in self.settings:
            raise KeyError(f"{name} has no default in crawler/settings.py")
        return self.settings.get(name)

    def text(self, name: str) -> str:
        return str(self.raw(name) or "")

    def integer(self, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self.raw(name)
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise SettingError(name, value, _range("a whole number", minimum, maximum)) from None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise SettingError(name, value, _range("a whole number", minimum, maximum))
        return number

    def number(
        self, name: str, minimum: float | None = None, maximum: float | None = None, above: bool = False
    ) -> float:
        """A float; ``above`` makes ``minimum`` exclusive."""
        value = self.raw(name)
        allowed = _range("a number", minimum, maximum, above)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise SettingError(name, value, allowed) from None
        if number != number or (minimum is not None and (number <= minimum if above else number < minimum)):
            raise SettingError(name, value, allowed)
        if maximum is not None and number > maximum:
            raise SettingError(name, value, allowed)
        return number

    def flag(self, name: str) -> bool:
        value = self.raw(name)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise SettingError(name, value, "True or False")

    def choice(self, name: str, choices: tuple[str, ...]) -> str:
        value = self.text(name)
        if value not in choices:
            raise SettingError(name, value, " or ".join(choices))
        return value


def _range(kind: str, minimum: float | None, maximum: float | None, above: bool = False) -> str:
    if minimum is not None and maximum is not None:
        return f"{kind} {'above' if above else 'from'} {minimum:g} {'up ' if above else ''}to {maximum:g}"
    if minimum is not None:
        return f"{kind} {'above' if above else 'of at least'} {minimum:g}"
    if maximum is not None:
        return f"{kind} of at most {maximum:g}"
    return kind


# The teaser index: blurbs are short and shown cut at varying lengths, so many small bands make a cut
# copy (Jaccard ~0.3 to the full blurb) a candidate and containment confirms it; a blurb cut to one
# sentence of three is still the same blurb, so no size ratio applies.
TEASER_SCHEME = SignatureScheme(num_perm=64, seed=1, shingle_size=3, shingle_kind="word", min_shingles=5)


@dataclass(frozen=True)
class IndexConfig:
    """One near-duplicate index: its signatures, banding (None: chosen or stored) and confirmation rules."""

    scheme: SignatureScheme
    threshold: float
    bands: int | None
    rows: int | None
    containment: float | None
    min_size_ratio: float
    lsh_threshold: float | None


TEASER_INDEX = IndexConfig(TEASER_SCHEME, 0.6, 32, 2, containment=0.8, min_size_ratio=0.0, lsh_threshold=None)


@dataclass(frozen=True)
class ChromeConfig:
    min_stories: int
    max_chars: int
    min_words: int  # never cut an article below this many words: the extraction's own minimum


@dataclass(frozen=True)
class StoreConfig:
    """What the writer side needs: the database, its batching, and the rules of every decision it makes."""

    path: str
    batch_size: int
    commit_interval: float
    busy_timeout: float
    articles: IndexConfig
    teasers: IndexConfig
    chrome: ChromeConfig | None
    summary: bool

    @classmethod
    def from_settings(cls, settings: Any) -> StoreConfig:
        read = Settings(settings)
        path = read.text("SQLITE_PATH")
        if not path.strip():
            raise SettingError("SQLITE_PATH", path, "the path of the database file")
        chrome = None
        if read.flag("CHROME_ENABLED"):
            chrome = ChromeConfig(
                min_stories=read.integer("CHROME_MIN_STORIES", minimum=2),
                max_chars=read.integer("CHROME_MAX_CHARS", minimum=1),
                min_words=read.integer("EXTRACT_MIN_WORDS", minimum=0),
            )
        return cls(
            path=path,
            batch_size=read.integer("SQLITE_BATCH_SIZE", minimum=1),
            commit_interval=read.number("SQLITE_COMMIT_INTERVAL", minimum=0, above=True),
            busy_timeout=read.number("SQLITE_BUSY_TIMEOUT", minimum=0),
            articles=article_index(settings),
            teasers=TEASER_INDEX,
            chrome=chrome,
            summary=read.flag("CRAWL_SUMMARY"),
        )


def article_scheme(settings: Any) -> SignatureScheme:
    read = Settings(settings)
    return SignatureScheme(
        num_perm=read.integer("DEDUP_NUM_PERM", minimum=16, maximum=1024),
        seed=read.integer("DEDUP_SEED", minimum=0),
        shingle_size=read.integer("DEDUP_SHINGLE_SIZE", minimum=1, maximum=32),
        shingle_kind=read.choice("DEDUP_SHINGLE_KIND", ("word", "char")),
        min_shingles=read.integer("DEDUP_MIN_SHINGLES", minimum=1),
    )


def article_index(settings: Any) -> IndexConfig:
    read = Settings(settings)
    bands = read.integer("DEDUP_BANDS", minimum=0)
    rows = read.integer("DEDUP_ROWS", minimum=0)
    if bool(bands) != bool(rows):
        raise SettingError("DEDUP_BANDS", bands, f"set DEDUP_BANDS and DEDUP_ROWS together (DEDUP_ROWS={rows})")
    containment = read.number("DEDUP_CONTAINMENT", minimum=0, maximum=1)
    return IndexConfig(
        scheme=article_scheme(settings),
        threshold=read.number("DEDUP_THRESHOLD", minimum=0, maximum=1, above=True),
        bands=bands or None,
        rows=rows or None,
        containment=containment or None,
        min_size_ratio=0.5,  # a brief quoted whole in a long roundup is contained in it, but no copy of it
        lsh_threshold=read.number("DEDUP_LSH_THRESHOLD", minimum=0, maximum=1, above=True),
    )


@dataclass(frozen=True)
class ExtractConfig:
    """What the crawl side's extraction needs: trafilatura's options, the workers, the signatures to make."""

    options: ExtractOptions
    workers: int
    timeout: float
    max_tasks: int
    max_memory_mb: float
    article_scheme: SignatureScheme
    teaser_scheme: SignatureScheme

    @classmethod
    def from_settings(cls, settings: Any) -> ExtractConfig:
        read = Settings(settings)
        options = ExtractOptions(
            min_words=read.integer("EXTRACT_MIN_WORDS", minimum=0),
            favor_precision=read.flag("EXTRACT_FAVOR_PRECISION"),
            favor_recall=read.flag("EXTRACT_FAVOR_RECALL"),
            include_tables=read.flag("EXTRACT_INCLUDE_TABLES"),
            max_teasers=read.integer("EXTRACT_MAX_TEASERS", minimum=1),
        )
        return cls(
            options=options,
            workers=read.integer("EXTRACT_WORKERS", minimum=0) or len(os.sched_getaffinity(0)),
            timeout=read.number("EXTRACT_TIMEOUT", minimum=0, above=True),
            max_tasks=read.integer("EXTRACT_WORKER_MAX_TASKS", minimum=1),
            max_memory_mb=read.number("EXTRACT_WORKER_MAX_MEMORY_MB", minimum=0, above=True),
            article_scheme=article_scheme(settings),
            teaser_scheme=TEASER_SCHEME,
        )


def parse_static_hosts(value: str | dict | None) -> dict[str, str]:
    """``CRAWL_RESOLVE``: "name=address,name=address" (like curl's --resolve), checked to be addresses."""
    if not value:
        return {}
    pairs: Iterable[tuple[str, str]]
    if isinstance(value, dict):
        pairs = value.items()
    else:
        pairs = []
        for item in value.split(","):
            if not item.strip():
                continue
            if "=" not in item:
                raise ValueError(f"{item.strip()!r} is no name=address")
            name, address = item.split("=", 1)
            pairs.append((name, address))
    hosts = {}
    for name, written in pairs:
        address = str(written).strip()
        try:
            hosts[name.strip().lower().rstrip(".")] = str(ipaddress.ip_address(address))
        except ValueError:
            raise ValueError(f"{address!r} (for {name.strip()!r}) is not an IP address") from None
    return hosts


def _static_hosts(read: Settings) -> dict[str, str]:
    value = read.raw("CRAWL_RESOLVE")
    try:
        return parse_static_hosts(value)
    except ValueError as exc:
        raise SettingError("CRAWL_RESOLVE", value, f"name=address pairs, comma-separated ({exc})") from None


@dataclass(frozen=True)
class CrawlConfig:
    """What the crawl side's spider and middlewares need beyond the spider's arguments."""

    refetch_stored: bool
    revisit_after: float  # hours
    revisit_within: float  # days
    max_size: int
    retry_after_max: float
    robots_delay_max: float  # seconds: the most a robots.txt's Crawl-delay holds a host to (0: not obeyed)
    allow_private_addresses: bool
    resolve: dict[str, str]  # CRAWL_RESOLVE: name -> the address it is pinned to

    @classmethod
    def from_settings(cls, settings: Any) -> CrawlConfig:
        read = Settings(settings)
        return cls(
            refetch_stored=read.flag("CRAWL_REFETCH_STORED"),
            revisit_after=read.number("CRAWL_REVISIT_AFTER", minimum=0),
            revisit_within=read.number("CRAWL_REVISIT_WITHIN", minimum=0),
            max_size=read.integer("DOWNLOAD_MAXSIZE", minimum=0),
            retry_after_max=read.number("CRAWL_RETRY_AFTER_MAX", minimum=0),
            robots_delay_max=read.number("CRAWL_ROBOTS_DELAY_MAX", minimum=0),
            allow_private_addresses=read.flag("CRAWL_ALLOW_PRIVATE_ADDRESSES"),
            resolve=_static_hosts(read),
        )
