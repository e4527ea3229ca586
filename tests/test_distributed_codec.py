"""What crosses Redis is JSON: records and requests survive the round trip, and nothing in them can run code."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import pytest
from scrapy import Request, Spider
from scrapy.utils.request import request_from_dict

from crawler.config import TEASER_SCHEME
from crawler.demo.server import DEMO_SITE
from crawler.distributed.record_codec import RecordError, decode_record, encode_record
from crawler.distributed.request_codec import RequestCodec, RequestCodecError, allowed_callbacks
from crawler.extract.analysis import analyse_page
from crawler.extract.options import ExtractOptions
from crawler.extract.results import Article, PageAnalysis, PageExtraction, Teaser
from crawler.extract.signing import sign_text
from crawler.records import AnalysedPage, PageOutcome, SeenAgain
from crawler.spiders.news import NewsSpider
from dedup import Signature, SignatureScheme

SCHEME = SignatureScheme()
HERALD = "http://127.0.0.1:8371"


def plain(value: Any) -> Any:
    """A record as comparable values: dataclasses as dicts, signatures as their bytes."""
    if isinstance(value, Signature):
        return ("signature", value.to_bytes(), value.size)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def analysed_demo_page() -> AnalysedPage:
    body = (DEMO_SITE / "herald" / "articles" / "harbour-tunnel-vote.html").read_bytes()
    url = f"{HERALD}/articles/harbour-tunnel-vote.html"
    analysis = analyse_page(body, url, "text/html", None, None, False, ExtractOptions(), SCHEME, TEASER_SCHEME)
    return AnalysedPage(url, 200, analysis, '"etag-1"', "Tue, 24 Mar 2026 18:45:00 GMT", "herald")


def records() -> list[Any]:
    page = analysed_demo_page()
    assert page.analysis.extraction.teasers and page.analysis.extraction.removed  # the demo page has both
    short = "A brief item."  # too short to shingle: no signature
    cleaned = "A text that is not the article's own text, as a writer-side cut would leave it. " * 4
    unusual = PageAnalysis(
        PageExtraction(
            "article",
            article=Article(
                short,
                title="Brief",
                canonical_url=f"{HERALD}/brief",
                language="ja",
                tags=("港", "Tunnel"),
                modified="2026-03-25T08:00:00+00:00",
            ),
            teasers=[Teaser(f"{HERALD}/b", "A headline of four words", "Blurb", "Popular", ("Label", "Other"))],
            removed=[("Read more: elsewhere", "furniture")],
            encoding="shift_jis",
            teasers_over_limit=7,
        ),
        sign_text(cleaned, SCHEME),  # signed text other than the article's text travels too
        [None],
        0.25,
        0.5,
    )
    listing = PageAnalysis(PageExtraction("listing", "listing"), None, [], 0.1, 0.0)
    failed = PageAnalysis(PageExtraction("skipped", "extraction_timeout"))
    return [
        page,
        AnalysedPage(f"{HERALD}/brief", 200, unusual),
        AnalysedPage(f"{HERALD}/section/world.html", 200, listing),
        AnalysedPage(f"{HERALD}/slow", 200, failed),
        PageOutcome(
            f"{HERALD}/robots.txt", 200, "robots", None, '"r"', None, site="herald", body=b"User-agent: *\n\x00\xff"
        ),
        PageOutcome(f"{HERALD}/old", 301, "redirect", "redirected", target=f"{HERALD}/new", site="herald"),
        PageOutcome(f"{HERALD}/gone", 410, "error", "http_410"),
        PageOutcome(f"{HERALD}/a", 304, "article", "not_modified", '"e"', "Tue, 24 Mar 2026 18:45:00 GMT"),
        PageOutcome(f"{HERALD}/timeout", None, "error", "timeout"),
        SeenAgain(f"{HERALD}/listed", site="herald"),
        SeenAgain(f"{HERALD}/listed-too"),
    ]


@pytest.mark.parametrize("index", range(len(records())))
def test_every_kind_of_record_survives_the_round_trip(index):
    record = records()[index]
    data = encode_record(record, SCHEME)
    json.loads(data)  # plain JSON: nothing but data
    assert plain(decode_record(data, SCHEME)) == plain(record)


def test_the_signed_text_travels_once_when_it_is_the_article_text():
    page = analysed_demo_page()
    data = json.loads(encode_record(page, SCHEME))
    text = page.analysis.extraction.article.text
    assert data["analysis"]["article_text"]["text"] is None
    assert json.dumps(data).count(json.dumps(text)[200:260]) == 1


def test_a_page_signed_with_other_parameters_is_signed_again_by_the_writer_which_says_why():
    # A crawler started with other DEDUP_* settings: its signatures cannot be compared with the stored ones.
    # Refused, its page would have no row at all; the writer signs it again from its text.
    body = (DEMO_SITE / "herald" / "articles" / "harbour-tunnel-vote.html").read_bytes()
    other = SignatureScheme(num_perm=64)
    url = f"{HERALD}/articles/harbour-tunnel-vote.html"
    analysis = analyse_page(body, url, "text/html", None, None, False, ExtractOptions(), other, TEASER_SCHEME)
    data = encode_record(AnalysedPage(url, 200, analysis, '"etag-1"', "Tue, 24 Mar 2026 18:45:00 GMT", "herald"), other)
    told: list[str] = []
    decoded, ours = decode_record(data, SCHEME, told.append).analysis, analysed_demo_page().analysis
    assert plain(decoded.article_text) == plain(ours.article_text) and decoded.article_text.signature is not None
    assert plain(decoded.teaser_signatures) == plain(ours.teaser_signatures)
    assert len(told) == 1 and "DEDUP_* parameters 64/" in told[0]
    decode_record(encode_record(analysed_demo_page(), SCHEME), SCHEME, told.append)
    assert len(told) == 1  # a page that fits is not


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x80\x04\x95", "not JSON"),  # a pickle
        (b"[1, 2]", "not an object"),
        (b'{"v": 2, "type": "seen", "url": "http://x/"}', "format 2"),
        (b'{"v": 1, "type": "nonsense", "url": "http://x/"}', "unknown record type"),
        (b'{"v": 1, "type": "seen", "url": 7}', "record.url"),
        (b'{"v": 1, "type": "outcome", "url": "http://x/", "status": true, "kind": "error"}', "record.status"),
        (b'{"v": 1, "type": "outcome", "url": "http://x/", "status": 200, "kind": "robots", "body": "%%"}', "base64"),
    ],
)
def test_what_is_not_a_record_is_refused_by_name(data, message):
    with pytest.raises(RecordError, match=message):
        decode_record(data)


def test_a_signature_of_broken_length_is_refused():
    data = json.loads(encode_record(analysed_demo_page(), SCHEME))
    data["analysis"]["article_text"]["signature"]["values"] = "AAA="  # two bytes
    with pytest.raises(RecordError, match="whole 32-bit values"):
        decode_record(json.dumps(data).encode())


MALFORMED_HASHES = {
    "one pair for many paragraphs": lambda count: [[1, None]],
    "not a list": lambda count: "many",
    "three values": lambda count: [[1, 2, 3]] * count,
    "a boolean": lambda count: [[True, None]] * count,
    "beyond 64 bits": lambda count: [[2**63, None]] * count,  # no stored hash is
    "a string": lambda count: [["1", None]] * count,
    "a string prefix": lambda count: [[1, "2"]] * count,
}


@pytest.mark.parametrize("make_hashes", MALFORMED_HASHES.values(), ids=MALFORMED_HASHES)
def test_paragraph_hashes_that_do_not_fit_the_text_are_refused(make_hashes):
    data = json.loads(encode_record(analysed_demo_page(), SCHEME))
    count = len(data["analysis"]["article_text"]["paragraph_hashes"])
    assert count > 1
    data["analysis"]["article_text"]["paragraph_hashes"] = make_hashes(count)
    with pytest.raises(RecordError, match="paragraph_hashes"):
        decode_record(json.dumps(data).encode())


def test_a_record_without_paragraph_hashes_is_read_and_they_are_made_where_needed():
    page = analysed_demo_page()
    data = json.loads(encode_record(page, SCHEME))
    del data["analysis"]["article_text"]["paragraph_hashes"]  # as a crawler of an earlier version sends it
    signed = decode_record(json.dumps(data).encode(), SCHEME).analysis.article_text
    assert signed.paragraph_hashes is None
    assert signed.hashes() == page.analysis.article_text.paragraph_hashes


def test_a_record_of_a_crawler_reading_words_otherwise_is_signed_again_by_the_writer():
    # A crawler of an earlier version (a shared crawl upgraded one machine at a time) read words otherwise: a
    # word of Hindi split at each vowel sign. Its record says nothing of words; its hashes and signatures,
    # stored as they came, would not match the stored ones, and each story seen again would be a new version.
    page = analysed_demo_page()
    assert page.analysis.extraction.teasers
    data = json.loads(encode_record(page, SCHEME))
    del data["words"]
    signed = data["analysis"]["article_text"]
    signed.update(content_hash="0" * 40, word_count=1, signature=None, paragraph_hashes=None)
    data["analysis"]["teaser_signatures"] = [None] * len(page.analysis.extraction.teasers)
    assert plain(decode_record(json.dumps(data).encode(), SCHEME)) == plain(page)
    # A record that reads words as the writer does is taken as it is.
    data["words"] = json.loads(encode_record(page, SCHEME))["words"]
    kept = decode_record(json.dumps(data).encode(), SCHEME).analysis.article_text
    assert (kept.content_hash, kept.word_count, kept.signature) == ("0" * 40, 1, None)


def test_the_extraction_parts_timings_travel_and_a_record_without_them_is_read():
    page = analysed_demo_page()
    data = json.loads(encode_record(page, SCHEME))
    assert data["analysis"]["extraction"]["cpu_s"].keys() == {"parse", "teasers", "metadata", "text", "cleaning"}
    del data["analysis"]["extraction"]["cpu_s"]  # as a crawler of an earlier version sends it
    assert decode_record(json.dumps(data).encode(), SCHEME).analysis.extraction.cpu_s == {}
    data["analysis"]["extraction"]["cpu_s"] = {"text": "slow"}
    with pytest.raises(RecordError, match="cpu_s"):
        decode_record(json.dumps(data).encode())


def test_a_record_without_the_teasers_over_the_limit_is_read_as_none_left_out():
    data = json.loads(encode_record(records()[1], SCHEME))
    assert data["analysis"]["extraction"]["teasers_over_limit"] == 7
    del data["analysis"]["extraction"]["teasers_over_limit"]  # as a crawler of an earlier version sends it
    assert decode_record(json.dumps(data).encode(), SCHEME).analysis.extraction.teasers_over_limit == 0
    data["analysis"]["extraction"]["teasers_over_limit"] = "7"
    with pytest.raises(RecordError, match="teasers_over_limit"):
        decode_record(json.dumps(data).encode(), SCHEME)


# -- requests ---------------------------------------------------------------------------------------
def news_spider() -> NewsSpider:
    return NewsSpider(urls=f"{HERALD}/")


def test_a_request_survives_the_shared_queue_with_its_bytes_and_callbacks():
    spider = news_spider()
    codec = RequestCodec(allowed_callbacks(spider))
    request = Request(
        f"{HERALD}/articles/a.html",
        callback=spider.parse,
        errback=spider.failed,
        headers={"If-None-Match": '"caf\xe9"', "If-Modified-Since": "Tue, 24 Mar 2026 18:45:00 GMT"},
        meta={
            "link_depth": 2,
            "handle_httpstatus_list": [304],
            "known_kind": "article",
            "redirect_urls": [f"{HERALD}/old"],
            "redirect_reasons": [301, "meta refresh"],
            "raw": b"\x00\xff",
            "pair": (1, 2),
        },
        priority=-3,
        flags=["retried"],
        cb_kwargs={"note": "x"},
    )
    data = codec.dumps(request.to_dict(spider=spider))
    assert json.loads(data)["meta"]["raw"] == {"$bytes": "AP8="}
    back = request_from_dict(codec.loads(data), spider=spider)
    assert back.url == request.url and back.priority == -3 and back.flags == ["retried"]
    assert back.callback == spider.parse and back.errback == spider.failed
    assert back.headers.getlist("If-None-Match") == request.headers.getlist("If-None-Match")
    assert back.meta == {**request.meta, "pair": [1, 2]}
    assert back.cb_kwargs == {"note": "x"} and not back.dont_filter


def test_only_the_spiders_own_callbacks_may_be_named():
    callbacks = allowed_callbacks(news_spider())
    assert {"parse", "failed"} <= callbacks
    assert not callbacks & {"start", "closed", "from_crawler", "_request", "update_settings", "log"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"url": "http://x/", "_class": "os.system"}, "request subclass"),
        ({"url": "http://x/", "callback": "closed"}, "not a callback"),
        ({"url": "http://x/", "errback": "_request"}, "not a callback"),
        ({"url": "http://x/", "headers": {"A": "b"}}, "headers"),
        ({"url": 5}, "not a request"),
    ],
)
def test_a_queue_entry_naming_what_it_must_not_is_refused(entry, message):
    codec = RequestCodec(allowed_callbacks(news_spider()))
    with pytest.raises(RequestCodecError, match=message):
        codec.loads(json.dumps(entry).encode())


def test_a_pickled_entry_is_refused_unread():
    import pickle

    codec = RequestCodec(frozenset({"parse"}))
    with pytest.raises(RequestCodecError, match="not JSON"):
        codec.loads(pickle.dumps({"url": "http://x/"}))


def test_a_request_that_cannot_travel_as_json_is_named():
    spider = Spider("s")
    codec = RequestCodec(allowed_callbacks(spider))
    with pytest.raises(TypeError, match=r"request\.meta\.thing holds ndarray"):
        codec.dumps(Request("http://x/", meta={"thing": np.zeros(2)}).to_dict(spider=spider))
