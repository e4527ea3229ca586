"""The sites a crawl covers: from ``-a urls=`` or a sites file (``-a sites=sites.toml``), each with its own rules."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.config import ArgumentError, CrawlConfig
from crawler.urls import is_fetchable, scope_key, site_of

SITE_KEYS = {"name", "urls", "depth", "allow", "deny", "revisit_after", "revisit_within", "delay", "concurrency"}


@dataclass(frozen=True)
class Site:
    """One site of the crawl: where it starts, how deep it goes, what it may fetch, how often it revisits."""

    name: str
    urls: tuple[str, ...]
    depth: int
    revisit_after: float  # hours between two downloads of a stored article while it is revisited
    revisit_within: float  # days after an article was first seen during which it is revisited
    allow: tuple[re.Pattern[str], ...] = ()  # URLs must match one of these (when any are given)
    deny: tuple[re.Pattern[str], ...] = ()  # ... and none of these
    delay: float | None = None  # seconds between requests to the site (Scrapy's per-slot delay)
    concurrency: int | None = None  # requests to the site at once (Scrapy's per-slot concurrency)
    keys: frozenset[str] = field(default=frozenset())  # its hosts, without www.

    def allows(self, url: str) -> bool:
        """Whether the site's allow and deny patterns let ``url`` be fetched."""
        if self.allow and not any(p.search(url) for p in self.allow):
            return False
        return not any(p.search(url) for p in self.deny)

    def site_names(self) -> set[str]:
        """Its hosts as articles record them (with the port when it is not the default), www. or not."""
        names = set()
        for url in self.urls:
            bare = site_of(url).removeprefix("www.")
            names |= {bare, "www." + bare}
        return names

    def hosts(self) -> set[str]:
        """The hosts of its start URLs, with and without www.: the keys of its download slots."""
        hosts = set()
        for url in self.urls:
            host = site_of(url).split(":")[0]
            hosts |= {host, host.removeprefix("www."), "www." + host.removeprefix("www.")}
        return hosts


def sites_from_urls(urls: str | list[str], depth: int | str, config: CrawlConfig) -> list[Site]:
    """``-a urls=URL[,URL...]`` (or ``@file``, one URL a line): one site per start URL's host."""
    start_urls = parse_urls(urls)
    by_key: dict[str, list[str]] = {}
    for url in start_urls:
        by_key.setdefault(scope_key(url), []).append(url)
    levels = parse_depth(depth)
    return [
        Site(
            site_of(group[0]), tuple(group), levels, config.revisit_after, config.revisit_within, keys=frozenset({key})
        )
        for key, group in by_key.items()
    ]


def parse_urls(urls: str | list[str]) -> list[str]:
    """The start URLs, comma-separated or read from ``@file`` (one a line, # for comments), checked."""
    if isinstance(urls, str) and urls.startswith("@"):
        path = Path(urls[1:])
        try:
            items = [line.split("#", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()]
        except OSError as exc:
            raise ArgumentError("urls", urls, f"a file of start URLs that can be read ({exc.strerror})") from None
    else:
        items = urls if isinstance(urls, list) else urls.split(",")
    parsed = [u.strip() for u in items if u.strip()]
    if not parsed:
        raise ArgumentError("urls", urls, "one or more start URLs: -a urls=URL[,URL...] or -a urls=@file")
    bad = [u for u in parsed if not is_fetchable(u)]
    if bad:
        raise ArgumentError(
            "urls", ",".join(bad), "start URLs must be absolute http(s) URLs, with a host and a valid port"
        )
    return parsed


def parse_depth(depth: int | str, name: str = "depth") -> int:
    try:
        value = int(depth)
    except (TypeError, ValueError):
        raise ArgumentError(name, depth, "a whole number of at least 0") from None
    if value < 0:
        raise ArgumentError(name, depth, "a whole number of at least 0")
    return value


def load_sites(path: str, config: CrawlConfig) -> list[Site]:
    """The ``[[site]]`` tables of a TOML sites file, each checked; a bad one is an error naming it."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ArgumentError("sites", path, f"a sites file that can be read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ArgumentError("sites", path, f"a TOML sites file ({exc})") from None
    tables = raw.get("site")
    if not isinstance(tables, list) or not tables:
        raise ArgumentError("sites", path, "a TOML file with one [[site]] table per site")
    sites = [_site(table, n, path, config) for n, table in enumerate(tables, 1)]
    names = [s.name for s in sites]
    if len(set(names)) != len(names):
        raise ArgumentError("sites", path, f"each site's name once (names: {', '.join(names)})")
    claimed: dict[str, str] = {}
    for site in sites:
        for key in site.keys:
            if key in claimed:
                raise ArgumentError(
                    "sites", path, f"each host in one site ({key} is in {claimed[key]} and {site.name})"
                )
            claimed[key] = site.name
    return sites


def _site(table: Any, number: int, path: str, config: CrawlConfig) -> Site:
    where = f"{path} [[site]] #{number}"
    if not isinstance(table, dict):
        raise ArgumentError("sites", where, "a table of name = value pairs")
    unknown = set(table) - SITE_KEYS
    if unknown:
        raise ArgumentError(
            "sites", where, f"only the keys {', '.join(sorted(SITE_KEYS))} (not {', '.join(sorted(unknown))})"
        )
    name = table.get("name")
    if name is None:
        raise ArgumentError("sites", where, "a name = \"...\" for every site (letters, digits, '.', '-' or '_')")
    if not isinstance(name, str) or not re.fullmatch(r"[\w.-]+", name):
        raise ArgumentError("sites", where, "a name of letters, digits, '.', '-' or '_'")
    where = f"{path} site {name!r}"
    urls = table.get("urls")
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise ArgumentError("sites", where, "urls = a list of start URLs")
    start_urls = parse_urls(urls)
    return Site(
        name=name,
        urls=tuple(start_urls),
        depth=parse_depth(table.get("depth", 1), f"sites ({where}) depth"),
        revisit_after=_number(table, "revisit_after", config.revisit_after, where) or 0.0,
        revisit_within=_number(table, "revisit_within", config.revisit_within, where) or 0.0,
        allow=_patterns(table, "allow", where),
        deny=_patterns(table, "deny", where),
        delay=_number(table, "delay", None, where),
        concurrency=int(c) if (c := _number(table, "concurrency", None, where)) is not None else None,
        keys=frozenset(scope_key(u) for u in start_urls),
    )


def _number(table: dict[str, Any], key: str, default: float | None, where: str) -> float | None:
    value = table.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ArgumentError("sites", where, f"{key} = a number of at least 0")
    if key == "concurrency" and (value < 1 or value != int(value)):
        raise ArgumentError("sites", where, "concurrency = a whole number of at least 1")
    return float(value)


def _patterns(table: dict[str, Any], key: str, where: str) -> tuple[re.Pattern[str], ...]:
    value = table.get(key, [])
    items: Iterable[Any] = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(p, str) for p in items):
        raise ArgumentError("sites", where, f"{key} = a list of regular expressions")
    try:
        return tuple(re.compile(p) for p in items)
    except re.error as exc:
        raise ArgumentError("sites", where, f"{key}: valid regular expressions ({exc})") from None
