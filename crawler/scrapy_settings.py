"""Scrapy's own settings checked before a crawl starts, as Scrapy will read them: a bad value is one line."""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Callable
from typing import Any

from scrapy.settings import BaseSettings, default_settings
from scrapy.spidermiddlewares.depth import DepthMiddleware
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

from crawler import settings as project_settings
from crawler.config import SettingError

# Scrapy reads each setting only when the component that uses it starts, in the middle of starting the
# crawl, and a value it cannot read (-s CONCURRENT_REQUESTS=4.5, -s ITEM_PIPELINES='{"my.Pipe": 1}') stops
# it there with a traceback. Each is checked here as Scrapy reads it.

# Settings whose default is a whole number that Scrapy reads as a float (a fraction is fine) or as a flag;
# every other whole-number default is read with getint. tests/test_scrapy_settings.py reads Scrapy's
# source to keep these two sets complete.
READ_AS_FLOAT = frozenset({"DNS_TIMEOUT", "DOWNLOAD_DELAY", "DOWNLOAD_TIMEOUT"})
READ_AS_FLAG = frozenset({"TELNETCONSOLE_ENABLED"})
# Numbers Scrapy reads but does not bound, whose values beyond these break a crawl without a word: no request
# per site at once (CONCURRENT_REQUESTS_PER_DOMAIN=0) waits for good, and a stop waits with it; no record at
# once (CONCURRENT_ITEMS=0) stores nothing and says it finished; a negative download timeout is a traceback
# per request, a DNS timeout of 0 fails every look-up. (Their smallest value allowed, and whether it is too.)
LEAST_VALUES = {
    "CONCURRENT_REQUESTS_PER_DOMAIN": (1, True),
    "CONCURRENT_ITEMS": (1, True),
    "DOWNLOAD_TIMEOUT": (0, True),  # 0: Scrapy waits as long as a response takes
    "DNS_TIMEOUT": (0, False),
}
LOG_LEVELS = "DEBUG, INFO, WARNING, ERROR or CRITICAL"
DEPTH_MIDDLEWARE = "scrapy.spidermiddlewares.depth.DepthMiddleware"
DEPTH_LIMIT_INSTEAD = "unset: the crawl's link depth is -a depth=N, or depth = N for a site in a sites file"
# A default that names a class or function by its import path ("scrapy.core.scheduler.Scheduler").
_IMPORT_PATH = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
# Component settings whose keys name classes and whose values are orders (None switches one off):
# the ones Scrapy merges with a *_BASE dict of numbers, and ADDONS, which has none.
_ORDERED_COMPONENTS = "ADDONS"
# REFERRER_POLICY takes a policy's name ("no-referrer") as well as a class's path.
_NAMES_OR_PATHS = frozenset({"REFERRER_POLICY"})


def check_scrapy_settings(settings: BaseSettings) -> None:
    """Raise :class:`SettingError` for a value of one of Scrapy's own settings that Scrapy cannot read or use.

    Checked: flags and numbers read as Scrapy reads them (a whole number where it wants one), HTTP status
    code lists, the log's level, format, date format, encoding and file, and the import path of every class
    the project does not name itself (pipelines, middlewares, extensions, add-ons, scheduler, reactor...),
    loaded now instead of in the middle of the crawl's start. The project's own classes are not loaded here.
    """
    _check_logging(settings)
    _check_reactor(settings)
    _check_depth_limit(settings)
    for name in dir(default_settings):
        if not name.isupper():
            continue
        default = getattr(default_settings, name)
        value = settings[name]  # not .get(): Scrapy warns of a deprecated setting (DNS_RESOLVER) read with it
        if value is default or value == getattr(project_settings, name, default):
            continue
        if isinstance(default, (bool, int, float)):
            _check_number(settings, name, default, value)
        elif name.endswith("_CODES"):
            _check_codes(settings, name)
        elif isinstance(default, str) and _IMPORT_PATH.fullmatch(default):
            _check_path(name, value)
        elif isinstance(default, dict) and (name == _ORDERED_COMPONENTS or hasattr(default_settings, f"{name}_BASE")):
            _check_components(settings, name)


def _check_reactor(settings: BaseSettings) -> None:
    """The crawl runs on Twisted's reactor: its DNS guard is a Twisted resolver, its commits and the workers'
    results are timed and handed over by the reactor. Scrapy's crawl without one (TWISTED_REACTOR_ENABLED=False)
    forbids importing it, and the crawl would stop with a traceback as it starts."""
    if _reads_as(settings.getbool, "TWISTED_REACTOR_ENABLED") and not settings.getbool("TWISTED_REACTOR_ENABLED"):
        raise SettingError(
            "TWISTED_REACTOR_ENABLED",
            settings.get("TWISTED_REACTOR_ENABLED"),
            "True (this crawl runs on Twisted's reactor)",
        )


def _check_depth_limit(settings: BaseSettings) -> None:
    """DEPTH_LIMIT is read by Scrapy's depth middleware, which the project leaves out: the crawl's link depth is
    the spider's argument. Set while the middleware is out, it would be ignored without a word."""
    value = settings.get("DEPTH_LIMIT")
    if not _reads_as(settings.getint, "DEPTH_LIMIT") or settings.getint("DEPTH_LIMIT") == 0:
        return  # not a number: the check of numbers says so; 0: no limit, as Scrapy reads it
    enabled = build_component_list(settings.getwithbase("SPIDER_MIDDLEWARES"))  # by path or class, not loaded
    if DEPTH_MIDDLEWARE not in enabled and DepthMiddleware not in enabled:
        raise SettingError("DEPTH_LIMIT", value, DEPTH_LIMIT_INSTEAD)


def _check_number(settings: BaseSettings, name: str, default: bool | float, value: Any) -> None:
    if isinstance(default, bool) or name in READ_AS_FLAG:
        if not _reads_as(settings.getbool, name):
            raise SettingError(name, value, "a flag: 0 or 1, true or false")
    elif isinstance(default, float) or name in READ_AS_FLOAT:
        if not _reads_as(settings.getfloat, name):
            raise SettingError(name, value, "a number")
        _check_least(name, value, settings.getfloat(name), "a number")
    elif not _reads_as(settings.getint, name):
        raise SettingError(name, value, "a whole number")
    else:
        _check_least(name, value, settings.getint(name), "a whole number")


def _check_least(name: str, value: Any, number: float, kind: str) -> None:
    if name not in LEAST_VALUES:
        return
    least, allowed = LEAST_VALUES[name]
    if number < least or (number == least and not allowed):
        raise SettingError(name, value, f"{kind} of at least {least}" if allowed else f"{kind} above {least}")


def _check_codes(settings: BaseSettings, name: str) -> None:
    codes = settings.getlist(name)
    if not all(isinstance(code, int) or str(code).strip().isdigit() for code in codes):
        raise SettingError(name, settings.get(name), "HTTP status codes, separated by commas: 500,502,503")


def _check_components(settings: BaseSettings, name: str) -> None:
    """Each class a component setting adds to the project's must load; orders must be numbers."""
    own = getattr(project_settings, name, {})
    base = getattr(default_settings, f"{name}_BASE", {})
    paths_are_keys = name == _ORDERED_COMPONENTS or all(isinstance(v, int) for v in base.values())
    try:
        components = settings.getdict(name)
    except (TypeError, ValueError):
        raise SettingError(name, settings.get(name), "a JSON object naming classes") from None
    for key, item in components.items():
        if paths_are_keys:
            if item is not None and not isinstance(item, (int, float)):
                raise SettingError(name, {key: item}, "a number (its order), or None to leave the class out")
            if key not in own and key not in base:
                _check_path(name, key)
        elif item is not None and item != own.get(key, base.get(key)):
            _check_path(name, item)


def _check_path(name: str, path: Any) -> None:
    if not isinstance(path, str) or not path or (name in _NAMES_OR_PATHS and "." not in path):
        return  # a class itself, None or "" (switched off), a policy's name
    try:
        load_object(path)
    except (ImportError, NameError, ValueError, SyntaxError) as exc:  # no module, no such name, no path
        raise SettingError(name, path, f"a class or function that can be imported ({_why(exc)})") from None


def _why(error: Exception) -> str:
    if isinstance(error, ModuleNotFoundError):
        return f"no module named {error.name!r}"
    return str(error) or type(error).__name__


def _check_logging(settings: BaseSettings) -> None:
    level = settings.get("LOG_LEVEL")
    if not isinstance(level, int) and level not in logging.getLevelNamesMapping():  # "info" is no level
        raise SettingError("LOG_LEVEL", level, LOG_LEVELS)
    # A format naming a field a record does not have logs nothing: each line becomes a logging error.
    log_format, date_format = settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT")
    record = logging.makeLogRecord({"name": "scrapy", "msg": "a line", "levelno": logging.INFO, "levelname": "INFO"})
    for name, check in (
        ("LOG_FORMAT", lambda: logging.Formatter(log_format).format(record)),
        ("LOG_DATEFORMAT", lambda: logging.Formatter("%(asctime)s", date_format).format(record)),
    ):
        try:
            check()
        except (ValueError, KeyError, TypeError) as exc:
            raise SettingError(name, settings.get(name), f"a logging format ({_why(exc)})") from None
    encoding = settings.get("LOG_ENCODING")
    if encoding:
        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError):
            raise SettingError("LOG_ENCODING", encoding, "an encoding Python knows, such as utf-8") from None
    log_file = settings.get("LOG_FILE")
    if log_file:
        try:  # made now, as Scrapy makes it a moment later: only trying tells whether it can be
            with open(log_file, "a", encoding=encoding or "utf-8"):
                pass
        except OSError as exc:
            raise SettingError("LOG_FILE", log_file, f"a file that can be written ({exc.strerror or exc})") from None


def _reads_as(getter: Callable[[str], object], name: str) -> bool:
    try:
        getter(name)
    except (TypeError, ValueError):
        return False
    return True
