"""Scrapy's own settings, checked before a crawl as Scrapy will read them: what passes, what is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import scrapy
from scrapy.settings import Settings, default_settings

from crawler import settings as project_settings
from crawler.config import SettingError
from crawler.scrapy_settings import READ_AS_FLAG, READ_AS_FLOAT, check_scrapy_settings


def project(**changed: object) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    for name, value in changed.items():
        settings.set(name, value, priority="cmdline")
    return settings


def test_scrapy_settings_spelled_as_scrapy_reads_them_pass_the_check():
    check_scrapy_settings(project())  # the project's own values
    spelled = {
        "DOWNLOAD_DELAY": "0.5",  # a whole number by default, read as a float
        "DNS_TIMEOUT": 2.5,
        "TELNETCONSOLE_ENABLED": "True",  # a whole number by default, read as a flag
        "ROBOTSTXT_OBEY": "false",
        "CONCURRENT_REQUESTS": " 8",
        "CLOSESPIDER_PAGECOUNT": 3.0,  # a float is read with int(): 3
        "AUTOTHROTTLE_TARGET_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "%(levelname)s %(message)s",
        "LOG_DATEFORMAT": "%H:%M",
        "RETRY_HTTP_CODES": "500, 503",
        "HTTPERROR_ALLOWED_CODES": [404],
        "REFERRER_POLICY": "no-referrer",  # a policy's name, not a class
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
        "DOWNLOAD_HANDLERS": {"ftp": None},  # switched off
        "EXTENSIONS": {"scrapy.extensions.logstats.LogStats": None, "scrapy.extensions.memusage.MemoryUsage": 10.5},
    }
    check_scrapy_settings(project(**spelled))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEPTH_LIMIT", "deep", "DEPTH_LIMIT='deep' is not allowed: a whole number"),
        ("CLOSESPIDER_ITEMCOUNT", "2.5", "CLOSESPIDER_ITEMCOUNT='2.5' is not allowed: a whole number"),
        ("TELNETCONSOLE_ENABLED", "yes", "TELNETCONSOLE_ENABLED='yes' is not allowed: a flag"),
        ("HTTPERROR_ALLOWED_CODES", "404;410", "HTTPERROR_ALLOWED_CODES='404;410' is not allowed: HTTP status codes"),
        ("LOG_DATEFORMAT", 12, "LOG_DATEFORMAT=12 is not allowed: a logging format"),
        ("DNS_RESOLVER", "scrapy.resolver.NoSuchResolver", "DNS_RESOLVER='scrapy.resolver.NoSuchResolver' is not"),
        ("REFERRER_POLICY", "scrapy.NoPolicy", "REFERRER_POLICY='scrapy.NoPolicy' is not allowed: a class or"),
        ("TWISTED_REACTOR", "twisted", "TWISTED_REACTOR='twisted' is not allowed: a class or function that can be"),
        ("DOWNLOAD_HANDLERS", {"s3": "no_such.Handler"}, "DOWNLOAD_HANDLERS='no_such.Handler' is not allowed"),
        ("ADDONS", {"no_such.Addon": 1}, "ADDONS='no_such.Addon' is not allowed"),
        ("SPIDER_MIDDLEWARES", {"scrapy.spidermiddlewares.depth.DepthMiddleware": "x"}, "a number (its order)"),
    ],
)  # fmt: skip
def test_a_value_scrapy_cannot_use_is_refused_naming_it(name, value, message):
    with pytest.raises(SettingError) as refused:
        check_scrapy_settings(project(**{name: value}))
    assert message in str(refused.value)


def test_the_project_classes_are_not_loaded_by_the_check():
    # Loading the writer's pipeline would import the database library before the workers start warming up.
    missing = {**project_settings.ITEM_PIPELINES, "no_such.Pipeline": 1}
    with pytest.raises(SettingError, match=r"no_such\.Pipeline"):
        check_scrapy_settings(project(ITEM_PIPELINES=missing))
    check_scrapy_settings(project(ITEM_PIPELINES={**project_settings.ITEM_PIPELINES}))


def scrapy_reads(getter: str) -> set[str]:
    """The settings Scrapy's own source reads with ``getter`` by a literal name."""
    read = re.compile(rf"\.{getter}\(\s*[\"']([A-Z0-9_]+)[\"']")
    names: set[str] = set()
    for source in Path(scrapy.__file__).parent.rglob("*.py"):
        names.update(read.findall(source.read_text(encoding="utf-8")))
    return names


def whole_number_defaults() -> set[str]:
    return {
        name
        for name in dir(default_settings)
        if name.isupper() and type(getattr(default_settings, name)) is int  # not a bool
    }


def test_every_whole_number_scrapy_reads_as_a_float_or_flag_is_known():
    # The check refuses a fraction for a whole-number default unless Scrapy reads it as a float: a Scrapy
    # that starts reading another one as a float must not see a value it accepts refused here.
    assert scrapy_reads("getfloat") & whole_number_defaults() <= READ_AS_FLOAT
    assert scrapy_reads("getbool") & whole_number_defaults() <= READ_AS_FLAG
    # And the reading is still done as these say (a stale name would be lenient where it need not be).
    assert scrapy_reads("getfloat") >= READ_AS_FLOAT and scrapy_reads("getbool") >= READ_AS_FLAG
