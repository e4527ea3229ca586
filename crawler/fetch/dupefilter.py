"""A duplicate-request filter that forgets between runs: the database, not JOBDIR, says what is done."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter


class RunDupeFilter(RFPDupeFilter):
    """Scrapy's filter, kept in memory only, even with ``JOBDIR`` set.

    With JOBDIR, Scrapy writes seen requests to ``requests.seen`` as they are queued, but an unclean
    stop (SIGKILL, OOM) loses the queue: on resume the lost requests count as seen and are never
    fetched. Here every run starts fresh; what earlier runs stored is skipped because the spider
    asks the database, so an interrupted crawl always completes on its next run.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunDupeFilter:
        return cls(None, crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter)
