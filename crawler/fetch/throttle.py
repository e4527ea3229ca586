"""AutoThrottle that never sends a site's requests closer together than its sites file or robots.txt asks for."""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response

# A site's own delay in its DOWNLOAD_SLOTS entry, kept as given: without Scrapy's jitter (from half the delay to
# one and a half times it). "jitter" from Scrapy 2.19, "randomize_delay" before.
EXACT_DELAY = {"jitter": 0.0, "randomize_delay": False}


class SiteDelayAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle, with a site's own delay (a sites file's ``delay``, its robots.txt's
    ``Crawl-delay``: ``DOWNLOAD_SLOTS``) as the least it brings that site's delay down to.

    AutoThrottle moves each download slot's delay towards the server's latency over
    ``AUTOTHROTTLE_TARGET_CONCURRENCY``, bounded below only by ``DOWNLOAD_DELAY``: a site given ``delay = 1``
    was asked again 0.5 s after its first answer and 0.01 s apart soon after (a fast server answers in
    milliseconds). It may still slow a site down further, never speed it past its delay.
    """

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        super()._response_downloaded(response, request, spider)
        key, slot = self._get_slot(request, spider)
        if key is None or slot is None:
            return
        floor = self.crawler.engine.downloader.per_slot_settings.get(key, {}).get("delay")
        if floor is not None and slot.delay < float(floor):
            slot.delay = float(floor)
