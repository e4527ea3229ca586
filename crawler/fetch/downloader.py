"""Scrapy's downloader, keeping each site to its concurrency also when no delay spaces its requests."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.http import Response
from twisted.internet.defer import Deferred


class SlotKeepingDownloader(Downloader):
    """Scrapy's downloader, with every download slot held to its concurrency (``CONCURRENT_REQUESTS_PER_DOMAIN``,
    a sites file's ``concurrency``) however many of its requests wait at once.

    The downloader takes requests from a slot's queue while the slot has fewer transferring than its
    concurrency, and starts each as a coroutine that marks it transferring when it runs. Under the asyncio
    reactor (Scrapy's default) the coroutine runs as a task, after the loop has looked again: the slot
    stayed free until its queue was empty, and every waiting request was sent at once, up to
    ``CONCURRENT_REQUESTS`` to one site (Scrapy 2.16 to 2.19: 14 at once to a site whose concurrency was 2;
    a sitemap's pages all wait at once). A delay hid it: the loop then takes one request a pass. Here a
    request is transferring from the moment it is taken; Scrapy's own mark, when the download starts,
    finds it there, and its end of the download takes it out.
    """

    def _wait_for_download(
        self, slot: Slot, request: Request, queue_dfd: Deferred[Response]
    ) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)
        return super()._wait_for_download(slot, request, queue_dfd)
