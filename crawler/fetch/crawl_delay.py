"""A robots.txt's Crawl-delay (or Request-rate) as the least time between two requests to its host."""

from __future__ import annotations

import logging

from protego import Protego
from scrapy import Request
from scrapy.core.downloader import Downloader

from crawler.fetch.throttle import EXACT_DELAY

logger = logging.getLogger(__name__)


def asked_delay(body: bytes, user_agent: str) -> float | None:
    """The seconds robots.txt ``body`` asks ``user_agent`` to leave between two requests; None if it asks none.

    ``Crawl-delay: 5`` asks 5 s; ``Request-rate: 1/10s`` asks 10 s (the larger of the two when both are
    given). Read from the group that applies to the crawl's user agent, as its rules are.
    """
    # Scrapy's parsers read robots.txt as UTF-8, leaving out what is not.
    rules = Protego.parse(body.decode("utf-8", errors="ignore"))
    delays = []
    crawl_delay = rules.crawl_delay(user_agent)
    if crawl_delay is not None:
        delays.append(float(crawl_delay))
    rate = rules.request_rate(user_agent)
    if rate is not None and rate.requests > 0:
        delays.append(rate.seconds / rate.requests)
    return max((delay for delay in delays if delay > 0), default=None)  # "> 0" also leaves out "nan"


def hold_host_to(downloader: Downloader, request: Request, delay: float) -> None:
    """Send the requests of ``request``'s download slot (its host) no closer together than ``delay`` seconds.

    The slot's own setting (``DOWNLOAD_SLOTS``: a sites file's ``delay``) is raised to it, so a slot made
    again later and ``SiteDelayAutoThrottle`` keep it too; the slot as it is now is raised with it. As a
    sites file's delay, it is kept exactly, without Scrapy's jitter.
    """
    key = downloader.get_slot_key(request)
    rules = downloader.per_slot_settings.setdefault(key, {})
    rules["delay"] = max(float(rules.get("delay", 0.0)), delay)
    rules.update(EXACT_DELAY)
    slot = downloader.slots.get(key)
    if slot is None:
        return
    slot.delay = max(slot.delay, rules["delay"])
    for name, value in EXACT_DELAY.items():  # the one of the two names this Scrapy's slot has
        if hasattr(slot, name):
            setattr(slot, name, value)
