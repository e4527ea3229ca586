"""Item pipelines: ExtractPipeline (trafilatura), DedupPipeline (dedup/), SQLitePipeline (sqlite-utils)."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.analysis import PageAnalysis, analyse_page
from crawler.deduplication import Deduplicator
from crawler.extraction import ExtractOptions, PageExtraction
from crawler.items import FetchedPage
from crawler.session import CrawlSession
from dedup import SignatureScheme

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """Turns each fetched page into an article (or the reason there is none) plus its teasers."""

    def __init__(
        self,
        options: ExtractOptions,
        article_scheme: SignatureScheme,
        teaser_scheme: SignatureScheme,
        stats: StatsCollector,
    ):
        self.options = options
        self.article_scheme = article_scheme
        self.teaser_scheme = teaser_scheme
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        session = CrawlSession.of(crawler)
        return cls(session.extract_options, session.article_scheme, session.teaser_scheme, crawler.stats)

    async def process_item(self, item):
        if not isinstance(item, FetchedPage):
            return item
        try:
            item.analysis = analyse_page(
                item.body, item.url, item.content_type, self.options, self.article_scheme, self.teaser_scheme
            )
        except Exception:  # a page that breaks the extractor must not break the crawl
            logger.exception("extraction failed for %s", item.url)
            item.analysis = PageAnalysis(PageExtraction("skipped", "extraction_failed"))
        extraction = item.analysis.extraction
        self.stats.inc_value(f"extract/{extraction.kind}" + (f"/{extraction.reason}" if extraction.reason else ""))
        item.body = b""  # the bytes are no longer needed; don't carry them through the other pipelines
        return item


class DedupPipeline:
    """Decides, for each extracted article, whether it is stored already or whose near-duplicate it is."""

    def __init__(self, dedup: Deduplicator, stats: StatsCollector):
        self.dedup = dedup
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        if not crawler.settings.getbool("DEDUP_ENABLED", True):
            raise NotConfigured("DEDUP_ENABLED is off")
        return cls(CrawlSession.of(crawler).dedup, crawler.stats)

    def process_item(self, item):
        # Synchronous on purpose: the decision and the write in SQLitePipeline run in one reactor turn,
        # so no other item can be stored between them and the decision cannot go stale.
        if isinstance(item, FetchedPage) and item.analysis and item.analysis.extraction.article is not None:
            item.decision = self.dedup.decide_article(item.url, item.analysis)
            self.stats.inc_value(f"dedup/{item.decision.match}")
            if item.decision.merge_roots:
                self.stats.inc_value("dedup/cluster_merges", len(item.decision.merge_roots))
        return item


class SQLitePipeline:
    """Writes every item's rows in batched transactions (see CrawlSession)."""

    def __init__(self, session: CrawlSession):
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLitePipeline:
        return cls(CrawlSession.of(crawler))

    def process_item(self, item):
        self.session.store(item)
        return item
