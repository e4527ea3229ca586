"""StreamHandoff: the crawl side's end in a shared run, each record added to the writer's Redis Stream."""

from __future__ import annotations

import logging
from typing import Any

import redis
from scrapy.crawler import Crawler

from crawler.config import article_scheme
from crawler.distributed.config import redact
from crawler.distributed.coordination import CrawlCoordinator, coordinator_of
from crawler.distributed.history import RedisHistory
from crawler.distributed.record_codec import encode_record
from crawler.handoff import Handoff, PageHistory, outcome_recorded
from crawler.records import AnalysedPage, PageOutcome, Record, SeenAgain
from dedup import SignatureScheme

logger = logging.getLogger(__name__)


class StreamHandoff(Handoff):
    """Item pipeline (in place of StorePipeline when ``REDIS_URL`` is set): records go to the stream.

    Each record is added (``XADD``, never trimmed) as JSON with the run it belongs to, this crawler's
    id and a sequence number, so a record added twice (a retry after Redis went away mid-reply) is
    stored once. Its page history is :class:`RedisHistory`, which the writer keeps. Stats:
    ``handoff/records``, ``handoff/bytes``.
    """

    def __init__(self, crawler: Crawler, coordinator: CrawlCoordinator, scheme: SignatureScheme):
        config, client = coordinator.config, coordinator.redis
        self.crawler = crawler
        self.config = config
        self.redis = client
        self.scheme = scheme
        self.coordinator = coordinator
        self.sequence = 0
        self.history: PageHistory = RedisHistory(client, config.keys, lambda: coordinator.run, self._unavailable)
        crawler.signals.connect(self.record_outcome, outcome_recorded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StreamHandoff:
        return cls(crawler, coordinator_of(crawler, "the stream handoff"), article_scheme(crawler.settings))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, (AnalysedPage, PageOutcome, SeenAgain)):
            self.add(item)
        return item

    def record_outcome(self, outcome: PageOutcome) -> None:
        self.add(outcome)

    def add(self, record: Record) -> None:
        """Add one record to the stream; a Redis that stays away stops the crawl."""
        if self.coordinator.failed or self.coordinator.run is None:
            return
        data = encode_record(record, self.scheme)
        self.sequence += 1
        fields = {
            "type": "record",
            "run": self.coordinator.run,
            "crawler": self.coordinator.id,
            "seq": self.sequence,
            "data": data,
        }
        try:
            self.redis.xadd(self.config.keys.stream, fields)  # type: ignore[arg-type]  # redis-py's hint is too narrow
        except redis.RedisError as exc:
            self._unavailable(exc)
            return
        self.crawler.stats.inc_value("handoff/records")
        self.crawler.stats.inc_value("handoff/bytes", len(data))

    def _unavailable(self, exc: Exception) -> None:
        self.coordinator.fail(f"cannot hand records to the writer through Redis at {redact(self.config.url)}: {exc}")
