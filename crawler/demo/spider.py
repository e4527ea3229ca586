"""The demo spider: serves the bundled sample site on 127.0.0.1 and crawls it, no network needed."""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from crawler.config import ArgumentError, CannotStart, SettingError
from crawler.demo.server import DEMO_SITE, SiteGroup
from crawler.spiders.news import NewsSpider

# Our own servers on loopback: no need to be polite to them (the demo, tests, benchmarks).
LOOPBACK_SETTINGS = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0}
PORTS_ALLOWED = "two loopback ports, PORT,PORT (0 = any free port; one 0 alone for both)"


def demo_ports(value: object) -> tuple[int, int]:
    """``DEMO_PORTS``: the Herald's and the Wire's ports; ``0`` alone means any free port for both."""
    parts = [p.strip() for p in (value if isinstance(value, list | tuple) else str(value).split(","))]
    if parts == ["0"]:
        parts = ["0", "0"]
    try:
        herald, wire = (int(p) for p in parts)
    except ValueError:
        raise SettingError("DEMO_PORTS", value, PORTS_ALLOWED) from None
    if not all(0 <= port <= 65535 for port in (herald, wire)) or (herald == wire != 0):
        raise SettingError("DEMO_PORTS", value, PORTS_ALLOWED)
    return herald, wire


class DemoSpider(NewsSpider):
    """``scrapy crawl demo``: the news spider pointed at the sample site's two hosts on loopback.

    The Herald is started from its home page, robots.txt (which names its sitemap) and RSS feed;
    the Continental Wire, which re-publishes some Herald stories, from its home page. The sites keep
    the same ports from run to run (``DEMO_PORTS``), so a second run shows an incremental crawl.
    """

    name = "demo"
    custom_settings = LOOPBACK_SETTINGS
    demo_sites: SiteGroup

    @classmethod
    def check_arguments(cls, settings: BaseSettings, **kwargs: Any) -> None:
        """The demo's start URLs replace any given (see ``from_crawler``); the rest is checked as the news spider's."""
        demo_ports(settings.get("DEMO_PORTS"))
        if kwargs.get("sites"):
            allowed = "no sites file: the demo crawls its sample site (use the news spider)"
            raise ArgumentError("sites", kwargs["sites"], allowed)
        super().check_arguments(settings, **{**kwargs, "urls": "http://127.0.0.1/"})

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DemoSpider:
        herald_port, wire_port = demo_ports(crawler.settings.get("DEMO_PORTS"))
        try:
            sites = SiteGroup(DEMO_SITE, ports={"herald": herald_port, "wire": wire_port})
        except OSError as exc:
            raise CannotStart(
                f"the demo cannot serve its sites on ports {herald_port} and {wire_port} ({exc.strerror or exc}): "
                "choose other ports with -s DEMO_PORTS=PORT,PORT, or -s DEMO_PORTS=0 for any free ones"
            ) from exc
        sites.start()
        herald, wire = sites.base_url("herald"), sites.base_url("wire")
        kwargs["urls"] = [f"{herald}/", f"{herald}/robots.txt", f"{herald}/feed.rss", f"{wire}/"]
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, DemoSpider)
        spider.demo_sites = sites
        crawler.signals.connect(sites.stop, signals.spider_closed)
        return spider
