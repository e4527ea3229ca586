"""Components on their own, built by Scrapy's get_crawler with the project's settings: no subprocess needed."""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from scrapy.spidermiddlewares.referer import RefererMiddleware
from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.misc import is_generator_with_return_value
from scrapy.utils.test import get_crawler

from crawler.config import SettingError, StoreConfig
from crawler.demo.server import DEMO_SITE
from crawler.demo.spider import LOOPBACK_SETTINGS
from crawler.extract.pipeline import ExtractPipeline
from crawler.extract.results import Article, PageAnalysis, PageExtraction
from crawler.extract.signing import sign_text
from crawler.fetch.failures import Refused
from crawler.fetch.redirects import RedirectPolicyMiddleware
from crawler.fetch.scope import ScopeMiddleware
from crawler.handoff import outcome_recorded
from crawler.records import AnalysedPage, FetchedPage, PageOutcome, SeenAgain
from crawler.spiders.news import NewsSpider, _request_shaping
from crawler.stats import CrawlStats
from crawler.store.articles import ArticleItem
from crawler.store.pipeline import StorePipeline
from dedup import SignatureScheme
from tests.support.store import PROJECT_SETTINGS, open_writer

HERALD = "http://127.0.0.1:8371"
SCHEME = SignatureScheme()


def crawler_with_spider(urls: str = f"{HERALD}/", **settings: Any) -> tuple[Crawler, NewsSpider]:
    crawler = get_crawler(NewsSpider, {**PROJECT_SETTINGS, **LOOPBACK_SETTINGS, **settings})
    spider = NewsSpider.from_crawler(crawler, urls=urls)
    crawler.spider = spider
    return crawler, spider


@pytest.mark.parametrize("allowed", [False, True], ids=["default", "private-allowed"])
def test_a_redirect_to_a_non_public_address_is_refused_as_it_is_read(allowed):
    """Before Scrapy's duplicate filter, which drops a second redirect to the address w3lib 2.6 writes two
    spellings as ("0177.0.0.1", "127.1"): unless the user allowed private addresses."""
    crawler, _ = crawler_with_spider(CRAWL_ALLOW_PRIVATE_ADDRESSES=allowed)
    middleware = RedirectPolicyMiddleware.from_crawler(crawler)
    request = Request(f"{HERALD}/moved")
    for target in ("http://0177.0.0.1:9999/a", "http://10.0.0.1/admin", "http://[::1]:9999/"):
        response = HtmlResponse(request.url, status=302, headers={"Location": target}, request=request)
        if allowed:
            assert isinstance(middleware.process_response(request, response), Request)
        else:
            with pytest.raises(Refused) as refused:
                middleware.process_response(request, response)
            assert refused.value.reason == "forbidden_address"
    assert crawler.stats.get_value("scope/refused/forbidden_address") == (None if allowed else 3)
    followed = HtmlResponse(request.url, status=302, headers={"Location": "https://example.com/a"}, request=request)
    assert isinstance(middleware.process_response(request, followed), Request)  # a public address: followed


def test_scope_middleware_refuses_other_sites_schemes_and_redirects_out():
    crawler, _ = crawler_with_spider()
    middleware = ScopeMiddleware.from_crawler(crawler)
    middleware.process_request(Request(f"{HERALD}/articles/a.html"))  # in scope: nothing happens
    with pytest.raises(Refused) as refused:
        middleware.process_request(Request("http://127.0.0.1:9999/a.html"))
    assert refused.value.reason == "out_of_scope"
    with pytest.raises(Refused) as refused:
        middleware.process_request(Request("http://elsewhere.test/", meta={"redirect_urls": [f"{HERALD}/r"]}))
    assert refused.value.reason == "redirect_out_of_scope"
    assert crawler.stats.get_value("scope/refused/out_of_scope") == 1


EXTRACTION_PARTS = ("parse", "teasers", "metadata", "text", "cleaning")


def test_without_an_engine_the_links_go_through_scrapy_s_request_shaping_middlewares_made_anew():
    # With a crawl running, the spider asks the engine's own spider middlewares (tests/test_crawl_workers.py).
    crawler, _ = crawler_with_spider()  # not crawling: no engine
    shaping = _request_shaping(crawler)
    # Nearest the spider first; the project switches Scrapy's depth middleware off.
    assert [type(m) for m in shaping] == [UrlLengthMiddleware, RefererMiddleware]
    crawler, _ = crawler_with_spider(URLLENGTH_LIMIT=0, REFERER_ENABLED=False)  # both switched off
    assert _request_shaping(crawler) == ()


def test_extract_pipeline_turns_a_fetched_page_into_an_analysed_page():
    crawler, _ = crawler_with_spider(EXTRACT_WORKERS=1)
    pipeline = ExtractPipeline.from_crawler(crawler)
    pipeline.open_spider()
    body = (DEMO_SITE / "herald" / "articles" / "harbour-tunnel-vote.html").read_bytes()
    url = f"{HERALD}/articles/harbour-tunnel-vote.html"
    analysed = asyncio.run(pipeline.process_item(FetchedPage(url, 200, body, "text/html", etag='"e"')))
    assert isinstance(analysed, AnalysedPage) and analysed.etag == '"e"'
    assert analysed.analysis.extraction.kind == "article"
    assert analysed.analysis.article_text is not None and analysed.analysis.article_text.signature is not None
    assert crawler.stats.get_value("extract/article") == 1
    extract_cpu_s = crawler.stats.get_value("timing/extract_cpu_s")
    assert extract_cpu_s > 0
    # Each part of the extraction is timed within the whole, with the same clock.
    parts = {part: crawler.stats.get_value(f"timing/extract/{part}_cpu_s") for part in EXTRACTION_PARTS}
    assert all(seconds is not None and seconds >= 0 for seconds in parts.values()), parts
    assert 0 < sum(parts.values()) <= extract_cpu_s
    outcome = PageOutcome(url, 404, "error", "http_404")
    assert asyncio.run(pipeline.process_item(outcome)) is outcome  # other records pass through


def test_the_extract_pipeline_counts_why_the_thorough_run_was_paid_for_and_times_it_apart():
    # A brief whose page holds more running text (a cookie notice) than trafilatura's fast run read: its
    # thorough run is paid for, and its result (the notice with it) is not kept.
    crawler, _ = crawler_with_spider(EXTRACT_WORKERS=1)
    pipeline = ExtractPipeline.from_crawler(crawler)
    pipeline.open_spider()
    brief = (
        "<html><head><title>Tunnel vote</title></head><body><div class='story'><p>The council voted for the tunnel"
        " on Tuesday evening after a long debate. Work begins next summer and takes four years, the mayor said at"
        " the café, and the ring road takes the lorries.</p></div><div class='cookie-banner'><p>This site uses"
        " cookies to count its readers; reading on, you accept them.</p></div></body></html>"
    ).encode()
    analysed = asyncio.run(pipeline.process_item(FetchedPage(f"{HERALD}/brief.html", 200, brief, "text/html")))
    extraction = analysed.analysis.extraction
    assert (extraction.kind, extraction.thorough, extraction.thorough_kept) == ("article", "short", False)
    assert crawler.stats.get_value("extract/thorough/short") == 1
    assert crawler.stats.get_value("extract/thorough/kept") is None
    parts = {part: crawler.stats.get_value(f"timing/extract/{part}_cpu_s") for part in (*EXTRACTION_PARTS, "thorough")}
    assert parts["thorough"] > 0 and parts["text"] >= 0  # the thorough run moved out of the fast run's part
    assert sum(parts.values()) <= crawler.stats.get_value("timing/extract_cpu_s")
    # A page whose fast result looks right pays for no thorough run, and counts none.
    body = (DEMO_SITE / "herald" / "articles" / "harbour-tunnel-vote.html").read_bytes()
    asyncio.run(
        pipeline.process_item(FetchedPage(f"{HERALD}/articles/harbour-tunnel-vote.html", 200, body, "text/html"))
    )
    assert [key for key in crawler.stats.get_stats() if key.startswith("extract/thorough/")] == [
        "extract/thorough/short"
    ]


VOTE_TEXT = "The harbour tunnel vote passed after a long night of debate in the council chamber. " * 5
VOTE = PageAnalysis(PageExtraction("article", article=Article(VOTE_TEXT, title="Vote")), sign_text(VOTE_TEXT, SCHEME))


def opened_store_pipeline(db: Path) -> tuple[Crawler, Spider, StorePipeline]:
    """A store pipeline writing to ``db``, its run started as the spider opened."""
    crawler, spider = crawler_with_spider(SQLITE_PATH=str(db), CRAWL_SUMMARY=False)
    pipeline = StorePipeline.from_crawler(crawler)
    crawler.signals.send_catch_log(signals.spider_opened, spider=spider)
    return crawler, spider, pipeline


def test_store_pipeline_writes_every_record_and_records_the_run(tmp_path):
    db = tmp_path / "crawl.db"
    crawler, spider, pipeline = opened_store_pipeline(db)
    item = asyncio.run(pipeline.process_item(AnalysedPage(f"{HERALD}/a", 200, VOTE)))
    assert isinstance(item, ArticleItem) and item.title == "Vote" and item.version == 1  # for feed exports
    with pytest.raises(DropItem):  # a record that stored no article goes no further
        asyncio.run(pipeline.process_item(SeenAgain(f"{HERALD}/a")))
    crawler.signals.send_catch_log(outcome_recorded, outcome=PageOutcome(f"{HERALD}/robots.txt", 404, "robots", "x"))
    known = pipeline.history.known(f"{HERALD}/a")
    assert known is not None and known.article is not None and known.article.stored_this_run
    crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason="shutdown")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT url, title FROM articles").fetchall() == [(f"{HERALD}/a", "Vote")]
        assert dict(conn.execute("SELECT url, kind FROM pages")) == {
            f"{HERALD}/a": "article",
            f"{HERALD}/robots.txt": "robots",
        }
        assert conn.execute("SELECT spider, finish_reason FROM runs").fetchall() == [("news", "interrupted")]
    assert crawler.stats.get_value("store/articles/listed_again") == 1


def test_a_stop_at_once_ends_the_run_and_leaves_the_database_to_read(tmp_path):
    """A second Ctrl-C: the reactor's "before shutdown" trigger ends the run before the spider closed. The
    spider's callbacks run a while longer and ask what is stored: they found the database closed, an error that
    made the run a storage failure (exit status 1). Records handed over after the end are dropped."""
    db = tmp_path / "crawl.db"
    crawler, spider, pipeline = opened_store_pipeline(db)
    asyncio.run(pipeline.process_item(AnalysedPage(f"{HERALD}/a", 200, VOTE)))
    pipeline._stopped_at_once()  # what the trigger runs
    known = pipeline.history.known(f"{HERALD}/a")
    assert known is not None and known.article is not None
    assert pipeline.history.known(f"{HERALD}/b") is None
    with pytest.raises(DropItem):
        asyncio.run(pipeline.process_item(AnalysedPage(f"{HERALD}/b", 200, VOTE)))
    crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason="shutdown")  # if Scrapy gets to it
    assert crawler.stats.get_value("store/failed") is None
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT url FROM articles").fetchall() == [(f"{HERALD}/a",)]
        assert conn.execute("SELECT spider, finish_reason FROM runs").fetchall() == [("news", "interrupted")]


def test_a_database_in_use_stops_the_pipeline_at_once(tmp_path):
    db = tmp_path / "crawl.db"
    first = open_writer(db)
    crawler, _ = crawler_with_spider(SQLITE_PATH=str(db))
    with pytest.raises(RuntimeError, match="is being written by another crawl"):
        StorePipeline.from_crawler(crawler)
    first.finish("finished")


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("DEDUP_THRESHOLD", "abc", "DEDUP_THRESHOLD='abc' is not allowed: a number above 0 up to 1"),
        ("SQLITE_BATCH_SIZE", "0", "SQLITE_BATCH_SIZE='0' is not allowed: a whole number of at least 1"),
        ("CHROME_ENABLED", "maybe", "CHROME_ENABLED='maybe' is not allowed: True or False"),
        ("DEDUP_SHINGLE_KIND", "letter", "DEDUP_SHINGLE_KIND='letter' is not allowed: word or char"),
    ],
)
def test_a_bad_setting_is_named_with_what_is_allowed(tmp_path, setting, value, message):
    with pytest.raises(SettingError) as error:
        StoreConfig.from_settings({**PROJECT_SETTINGS, "SQLITE_PATH": str(tmp_path / "x.db"), setting: value})
    assert str(error.value) == message


# A Japanese story, told in three different ways, each with the site's recurring promotion line.
PROMO = "毎朝のニュースレターに登録してください。"
STORIES = [
    "港のトンネル計画について市議会は火曜日の夜に長い議論の末に賛成多数で可決した。工事は来年の夏に始まる予定だ。",
    "北部の鉄道路線で信号の故障が続き、冬の間に遅延が二倍になったと運行会社が発表した。改修には三年かかる。",
    "市立図書館は試験期間中、平日の夜十時まで開館すると発表した。学生からの要望に応えたもので、職員を増やす。",
]


def test_site_chrome_is_cut_from_japanese_articles_and_their_word_count_stays_right(tmp_path):
    writer = open_writer(tmp_path / "crawl.db", CHROME_MIN_STORIES=3, EXTRACT_MIN_WORDS=25)
    for n, story in enumerate(STORIES):
        text = f"{story}\n\n{PROMO}"
        analysis = PageAnalysis(PageExtraction("article", article=Article(text)), sign_text(text, SCHEME))
        writer.write(AnalysedPage(f"http://jp.test/{n}", 200, analysis))
    writer.commit()
    rows = writer.db.read("SELECT text, word_count FROM articles ORDER BY id").fetchall()
    assert [text for text, _ in rows] == STORIES  # the promotion line is chrome, cut from all three
    assert [count for _, count in rows] == [sign_text(story, SCHEME).word_count for story in STORIES]
    assert all(count > 40 for _, count in rows)  # each character counts: "1 word" was the old split()


def test_the_writer_tells_its_listeners_which_pages_each_commit_changed(tmp_path):
    class Listener:
        def __init__(self) -> None:
            self.batches: list[set[str]] = []

        def committed(self, urls: set[str]) -> None:
            self.batches.append(urls)

    writer = open_writer(tmp_path / "crawl.db")
    listener = Listener()
    writer.listeners.append(listener)
    text = "The harbour tunnel vote passed after a long night of debate in the council chamber. " * 5
    analysis = PageAnalysis(PageExtraction("article", article=Article(text)), sign_text(text, SCHEME))
    writer.write(AnalysedPage(f"{HERALD}/a", 200, analysis))
    writer.write(PageOutcome(f"{HERALD}/old", 301, "redirect", "redirected", target=f"{HERALD}/a"))
    assert listener.batches == []  # nothing is told before the batch is committed
    writer.commit()
    assert listener.batches == [{f"{HERALD}/a", f"{HERALD}/old"}]
    writer.commit()  # nothing new: nobody is told
    assert len(listener.batches) == 1


def test_a_stored_article_that_yields_none_keeps_the_validators_of_its_stored_text(tmp_path):
    writer = open_writer(tmp_path / "crawl.db")
    text = "The harbour tunnel vote passed after a long night of debate in the council chamber. " * 5
    analysis = PageAnalysis(PageExtraction("article", article=Article(text)), sign_text(text, SCHEME))
    writer.write(AnalysedPage(f"{HERALD}/a", 200, analysis, etag='"v1"'))
    failed = PageAnalysis(PageExtraction("skipped", "extraction_timeout"))
    writer.write(AnalysedPage(f"{HERALD}/a", 200, failed, etag='"v2"'))  # a new version we could not read
    writer.commit()
    known = writer.history.known(f"{HERALD}/a")
    assert known is not None and known.etag == '"v1"'  # so the next request still asks for the new text


def test_no_spider_callback_is_a_generator_returning_a_value():
    # The settings switch off Scrapy's check of this at every response (it parses the callback's
    # source each time); it is made here instead, once, on every spider the project has.
    loader = SpiderLoader.from_settings(Settings(PROJECT_SETTINGS))
    generators = {
        (name, method): function
        for name in loader.list()
        for method, function in inspect.getmembers(loader.load(name), inspect.isgeneratorfunction)
    }
    assert ("news", "parse") in generators
    returning = [where for where, function in generators.items() if is_generator_with_return_value(function)]
    assert returning == []


def test_a_response_the_spider_fails_to_read_is_recorded_as_an_error_and_the_crawl_goes_on(caplog):
    # Whatever goes wrong in reading a response (here a link depth another component set to text), its page
    # gets a row saying so, rather than only a traceback in the log.
    _, spider = crawler_with_spider()
    url = f"{HERALD}/articles/a.html"
    request = Request(url, meta={"link_depth": "one"})
    response = HtmlResponse(url, body=b"<html><body><p>A story</p></body></html>", request=request)
    records = list(spider.parse(response))
    assert records[-1] == PageOutcome(url, 200, "error", "parse_failed", site="127.0.0.1:8371")
    assert "could not read" in caplog.text and "TypeError" in caplog.text


def test_the_crawl_stats_take_calls_without_scrapys_per_call_wrapper():
    crawler = get_crawler(NewsSpider, PROJECT_SETTINGS)
    stats = crawler.stats
    assert isinstance(stats, CrawlStats)
    # The method itself, not the wrapper that checks for a deprecated argument at every call.
    assert stats.inc_value.__func__ is MemoryStatsCollector.inc_value
    stats.inc_value("pages/article")
    stats.inc_value("pages/article", 2, spider=crawler.spider)  # Scrapy's own components may still pass it
    stats.max_value("largest", 5)
    stats.max_value("largest", 3)
    assert stats.get_value("pages/article") == 3
    assert stats.get_stats()["largest"] == 5
