"""The shared frontier: scrapy-redis's scheduler and duplicate filter, with JSON requests and one run's state."""

from __future__ import annotations

import logging

import redis
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.utils.request import RequestFingerprinterProtocol
from scrapy_redis.dupefilter import RFPDupeFilter  # type: ignore[import-untyped]
from scrapy_redis.queue import PriorityQueue  # type: ignore[import-untyped]
from scrapy_redis.scheduler import Scheduler  # type: ignore[import-untyped]

from crawler.distributed.config import RedisConfig
from crawler.distributed.coordination import CrawlCoordinator, coordinator_of
from crawler.distributed.request_codec import RequestCodec, RequestCodecError, allowed_callbacks

logger = logging.getLogger(__name__)


class SharedDupeFilter(RFPDupeFilter):
    """scrapy-redis's duplicate filter keyed by Scrapy's own request fingerprints (20 bytes each).

    The set belongs to one run: the crawler that ends the run removes it, so the next run asks again
    for what this one fetched, as a single-machine run does. Closing one crawler never clears it.
    """

    def __init__(self, server: redis.Redis, key: str, fingerprinter: RequestFingerprinterProtocol):
        super().__init__(server, key)
        self.fingerprinter = fingerprinter

    def request_fingerprint(self, request: Request) -> bytes:
        return self.fingerprinter.fingerprint(request)

    def close(self, reason: str = "") -> None:
        pass  # the set is the run's, not this crawler's


class SharedQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop also marks this crawler busy (see ``coordination.POP``).

    An entry that is not a request this crawler may make is dropped with an error in the log
    (stat ``scheduler/redis/rejected``) instead of stopping the crawl.
    """

    def __init__(self, server: redis.Redis, spider: Spider, key: str, serializer: RequestCodec, crawler: Crawler):
        super().__init__(server, spider, key, serializer)
        self.crawler = crawler
        self.coordinator = coordinator_of(crawler, "the shared queue")

    def pop(self, timeout: int = 0) -> Request | None:
        while True:
            data = self.coordinator.pop()
            if data is None:
                return None
            try:
                return self._decode_request(data)
            except (RequestCodecError, ValueError, AttributeError) as exc:
                self.crawler.stats.inc_value("scheduler/redis/rejected")
                logger.error("dropped an entry of the shared queue that is no request to make: %s", exc)


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler for a shared run (``REDIS_URL``): queue and duplicate filter in Redis.

    Requests are JSON (:class:`RequestCodec`), never pickle. The queue persists when a crawler closes
    (``SCHEDULER_PERSIST``): peers go on with it, and the last crawler of the run removes it.
    A Redis that stays away longer than ``CRAWL_REDIS_WAIT`` stops the crawl (``storage_error``).
    """

    crawler: Crawler
    config: RedisConfig
    coordinator: CrawlCoordinator

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        coordinator = coordinator_of(crawler, "the shared scheduler")
        config, server = coordinator.config, coordinator.redis
        dupefilter = SharedDupeFilter(server, config.keys.seen, crawler.request_fingerprinter)
        scheduler = cls(server=server, persist=True, queue_key=config.keys.requests, dupefilter=dupefilter)
        scheduler.stats = crawler.stats
        scheduler.crawler = crawler
        scheduler.config = config
        return scheduler

    def open(self, spider: Spider) -> None:
        self.spider = spider
        codec = RequestCodec(allowed_callbacks(spider))
        self.queue = SharedQueue(self.server, spider, self.queue_key, codec, self.crawler)
        self.coordinator = self.queue.coordinator
        queued = len(self.queue)
        if queued:
            logger.info("%d requests are waiting in the shared queue", queued)

    def close(self, reason: str) -> None:
        pass  # the queue is the run's: the last crawler to leave removes it

    def enqueue_request(self, request: Request) -> bool:
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            self.queue.push(request)
        except redis.RedisError as exc:
            self.coordinator.unavailable(exc)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.coordinator.failed:
            return None
        try:
            request = self.queue.pop()
        except redis.RedisError as exc:
            self.coordinator.unavailable(exc)
            return None
        if request is None:
            self.coordinator.watch()  # the engine may not ask again for seconds: watch the queue for it
        else:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.coordinator.failed:
            return False
        try:
            return len(self.queue) > 0
        except redis.RedisError as exc:
            self.coordinator.unavailable(exc)
            return False

    def __len__(self) -> int:
        return int(super().__len__())
