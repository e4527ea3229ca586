"""The records crawlers hand to the writer, as JSON: never pickle, so whoever can write to Redis runs no code."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from crawler.config import TEASER_SCHEME
from crawler.extract.paragraphs import ParagraphHashes
from crawler.extract.results import Article, PageAnalysis, PageExtraction, Teaser
from crawler.extract.signing import SignedText, sign_teasers, sign_text
from crawler.records import AnalysedPage, PageOutcome, Record, SeenAgain
from dedup import Signature, SignatureScheme
from dedup.signatures import WORDS_PARAMS

FORMAT = 1  # bumped when the JSON changes; a writer refuses records of another format
# How the crawler read texts into words, as a page record says: a record that says otherwise, or nothing (a
# crawler of an earlier version, while a shared crawl is upgraded one machine at a time), has its hashes and
# signatures made again by the writer from the texts it carries, or they would not match the stored ones.
WORDS = ";".join(f"{param}={value}" for param, value in WORDS_PARAMS.items())


class RecordError(ValueError):
    """Bytes that are not a record this writer can store: malformed, of another format, or made otherwise."""


def scheme_tag(scheme: SignatureScheme) -> str:
    """The parameters that make signatures comparable, as a page record carries them."""
    return f"{scheme.num_perm}/{scheme.seed}/{scheme.shingle_kind}{scheme.shingle_size}/{scheme.min_shingles}"


def encode_record(record: Record, article_scheme: SignatureScheme | None = None) -> bytes:
    """One record as compact JSON; ``article_scheme`` (the crawler's) tags the signatures of a page."""
    if isinstance(record, AnalysedPage):
        fields: dict[str, Any] = {
            "type": "page",
            "url": record.url,
            "status": record.status,
            "etag": record.etag,
            "last_modified": record.last_modified,
            "site": record.site,
            "analysis": _analysis(record.analysis),
            "words": WORDS,
        }
        if article_scheme is not None:
            fields["scheme"] = scheme_tag(article_scheme)
    elif isinstance(record, PageOutcome):
        fields = {
            "type": "outcome",
            "url": record.url,
            "status": record.status,
            "kind": record.kind,
            "reason": record.reason,
            "etag": record.etag,
            "last_modified": record.last_modified,
            "target": record.target,
            "site": record.site,
            "body": _bytes(record.body),
        }
    elif isinstance(record, SeenAgain):
        fields = {"type": "seen", "url": record.url, "site": record.site}
    else:
        raise TypeError(f"not a record: {record!r}")
    fields["v"] = FORMAT
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


def decode_record(
    data: bytes,
    article_scheme: SignatureScheme | None = None,
    signed_again: Callable[[str], None] | None = None,
) -> Record:
    """The record ``data`` holds; :class:`RecordError` if it is not one.

    With ``article_scheme`` (the writer's): a page whose signatures were made with other ``DEDUP_*`` parameters,
    or whose crawler read texts into words otherwise, has its hashes and signatures made again here from the
    texts it carries, and ``signed_again`` is told why: stored as they came, they could not be compared with the
    stored ones; refused, the page would have no row at all.
    """
    try:
        fields = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"not JSON: {exc}") from None
    read = _Fields(fields, "record")
    if read.integer("v") != FORMAT:
        raise RecordError(f"record format {fields.get('v')!r}, this writer reads format {FORMAT}")
    kind = read.text("type")
    if kind == "page":
        analysis = _read_analysis(read.mapping("analysis"))
        if article_scheme is not None:
            why = _why_sign_again(read.optional_text("scheme"), read.optional_text("words"), article_scheme)
            if why is not None:
                analysis = _signed_again(analysis, article_scheme)
                if signed_again is not None:
                    signed_again(why)
        return AnalysedPage(
            read.text("url"),
            read.integer("status"),
            analysis,
            read.optional_text("etag"),
            read.optional_text("last_modified"),
            read.optional_text("site"),
        )
    if kind == "outcome":
        return PageOutcome(
            read.text("url"),
            read.optional_integer("status"),
            read.text("kind"),
            read.optional_text("reason"),
            read.optional_text("etag"),
            read.optional_text("last_modified"),
            read.optional_text("target"),
            read.optional_text("site"),
            _read_bytes(fields.get("body"), "body"),
        )
    if kind == "seen":
        return SeenAgain(read.text("url"), read.optional_text("site"))
    raise RecordError(f"unknown record type {kind!r}")


# -- encoding -----------------------------------------------------------------------------------------
def _bytes(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data is not None else None


def _signature(signature: Signature | None) -> dict[str, Any] | None:
    if signature is None:
        return None
    return {"values": _bytes(signature.to_bytes()), "size": signature.size}


def _analysis(analysis: PageAnalysis) -> dict[str, Any]:
    extraction = analysis.extraction
    article = extraction.article
    signed = analysis.article_text
    article_text = None
    if signed is not None:
        # The signed text is the article's text as extracted: sent once.
        same = article is not None and signed.text == article.text
        article_text = {
            "text": None if same else signed.text,
            "word_count": signed.word_count,
            "content_hash": signed.content_hash,
            "signature": _signature(signed.signature),
            # Optional: a writer computes what a record lacks (records of older crawlers).
            "paragraph_hashes": (
                [list(hashes) for hashes in signed.paragraph_hashes] if signed.paragraph_hashes is not None else None
            ),
        }
    return {
        "extraction": {
            "kind": extraction.kind,
            "reason": extraction.reason,
            "article": vars(article) if article is not None else None,
            "teasers": [[t.url, t.title, t.text, t.block, list(t.labels)] for t in extraction.teasers],
            "removed": [list(pair) for pair in extraction.removed],
            "encoding": extraction.encoding,
            "cpu_s": extraction.cpu_s,
            "teasers_over_limit": extraction.teasers_over_limit,
        },
        "article_text": article_text,
        "teaser_signatures": [_signature(s) for s in analysis.teaser_signatures],
        "extract_cpu_s": analysis.extract_cpu_s,
        "sign_cpu_s": analysis.sign_cpu_s,
    }


# -- decoding -----------------------------------------------------------------------------------------
class _Fields:
    """Typed reads of one JSON object; a missing or mistyped field is a :class:`RecordError` naming it."""

    def __init__(self, fields: Any, where: str):
        if not isinstance(fields, dict):
            raise RecordError(f"{where} is not an object")
        self.fields = fields
        self.where = where

    def _get(self, name: str, types: tuple[type, ...], optional: bool) -> Any:
        value = self.fields.get(name)
        if value is None and optional:
            return None
        # bool is an int to Python, never to a record
        if not isinstance(value, types) or isinstance(value, bool):
            raise RecordError(f"{self.where}.{name} is {value!r}")
        return value

    def text(self, name: str) -> str:
        return self._get(name, (str,), optional=False)

    def optional_text(self, name: str) -> str | None:
        return self._get(name, (str,), optional=True)

    def integer(self, name: str) -> int:
        return self._get(name, (int,), optional=False)

    def optional_integer(self, name: str) -> int | None:
        return self._get(name, (int,), optional=True)

    def number(self, name: str) -> float:
        return float(self._get(name, (int, float), optional=False))

    def listing(self, name: str) -> list[Any]:
        return self._get(name, (list,), optional=False)

    def mapping(self, name: str) -> dict[str, Any]:
        return self._get(name, (dict,), optional=False)

    def optional_mapping(self, name: str) -> dict[str, Any] | None:
        return self._get(name, (dict,), optional=True)


def _read_bytes(value: Any, name: str) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"{name} is {value!r}")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise RecordError(f"{name} is not base64") from None


def _strings(value: Any, name: str, count: int | None = None) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordError(f"{name} is {value!r}")
    if count is not None and len(value) != count:
        raise RecordError(f"{name} is {value!r}")
    return value


def _removed(value: Any) -> tuple[str, str]:
    text, reason = _strings(value, "removed", 2)
    return text, reason


def _read_signature(value: Any, name: str) -> Signature | None:
    if value is None:
        return None
    read = _Fields(value, name)
    data = _read_bytes(read.text("values"), f"{name}.values")
    if not data or len(data) % 4:
        raise RecordError(f"{name}.values holds {len(data or b'')} bytes, not whole 32-bit values")
    return Signature.from_bytes(data, read.integer("size"))


def _read_paragraph_hashes(value: Any, text: str) -> tuple[ParagraphHashes, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != text.count("\n\n") + 1:
        raise RecordError(f"article_text.paragraph_hashes is not one pair per paragraph: {value!r:.200}")
    hashes = []
    for pair in value:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not _is_hash(pair[0])
            or not (pair[1] is None or _is_hash(pair[1]))
        ):
            raise RecordError(f"article_text.paragraph_hashes holds {pair!r:.200}")
        hashes.append(ParagraphHashes(pair[0], pair[1]))
    return tuple(hashes)


def _is_hash(value: Any) -> bool:
    """A signed 64-bit integer, as the database stores a hash."""
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _read_article(value: dict[str, Any] | None) -> Article | None:
    if value is None:
        return None
    read = _Fields(value, "article")
    lists = {name: tuple(_strings(value.get(name) or [], f"article.{name}")) for name in ARTICLE_LISTS}
    return Article(
        text=read.text("text"),
        title=read.optional_text("title"),
        author=read.optional_text("author"),
        published=read.optional_text("published"),
        language=read.optional_text("language"),
        description=read.optional_text("description"),
        sitename=read.optional_text("sitename"),
        canonical_url=read.optional_text("canonical_url"),
        image=read.optional_text("image"),
        tags=lists["tags"],
        categories=lists["categories"],
        modified=read.optional_text("modified"),
    )


ARTICLE_LISTS = ("tags", "categories")


def _read_teaser(value: Any) -> Teaser:
    if not isinstance(value, list) or len(value) != 5:
        raise RecordError(f"teaser is {value!r}")
    url, title, text, block = _strings(value[:4], "teaser", 4)
    return Teaser(url, title, text, block, tuple(_strings(value[4], "teaser labels")))


def _read_cpu_s(value: dict[str, Any] | None) -> dict[str, float]:
    """The CPU seconds of each part of an extraction (absent in records of older crawlers)."""
    parts = _Fields(value or {}, "extraction.cpu_s")
    return {part: parts.number(part) for part in parts.fields}


def _why_sign_again(tag: str | None, words: str | None, article_scheme: SignatureScheme) -> str | None:
    """Why a page record's hashes and signatures do not fit the writer's (None when they do)."""
    if tag is not None and tag != scheme_tag(article_scheme):
        return (
            f"signatures made with DEDUP_* parameters {tag}, the writer's are {scheme_tag(article_scheme)}: "
            "give the crawlers the writer's settings"
        )
    if words != WORDS:
        return "a crawler of an earlier version read texts into words otherwise"
    return None


def _signed_again(analysis: PageAnalysis, article_scheme: SignatureScheme) -> PageAnalysis:
    """``analysis`` with the hashes and signatures of its article text and teasers made as this writer makes them."""
    signed = analysis.article_text
    return replace(
        analysis,
        article_text=sign_text(signed.text, article_scheme) if signed is not None else None,
        teaser_signatures=sign_teasers(analysis.extraction.teasers, TEASER_SCHEME),
    )


def _read_analysis(value: dict[str, Any]) -> PageAnalysis:
    read = _Fields(value, "analysis")
    extraction_fields = _Fields(read.mapping("extraction"), "extraction")
    article = _read_article(extraction_fields.optional_mapping("article"))
    extraction = PageExtraction(
        kind=extraction_fields.text("kind"),
        reason=extraction_fields.optional_text("reason"),
        article=article,
        teasers=[_read_teaser(t) for t in extraction_fields.listing("teasers")],
        removed=[_removed(pair) for pair in extraction_fields.listing("removed")],
        encoding=extraction_fields.optional_text("encoding"),
        cpu_s=_read_cpu_s(extraction_fields.optional_mapping("cpu_s")),
        # Absent in records of older crawlers: none left out, as far as the writer can know.
        teasers_over_limit=extraction_fields.optional_integer("teasers_over_limit") or 0,
    )
    signed = None
    signed_fields = read.optional_mapping("article_text")
    if signed_fields is not None:
        text_read = _Fields(signed_fields, "article_text")
        text = text_read.optional_text("text")
        if text is None:
            if article is None:
                raise RecordError("article_text refers to the article's text, and there is no article")
            text = article.text
        signed = SignedText(
            text,
            text_read.integer("word_count"),
            text_read.text("content_hash"),
            _read_signature(signed_fields.get("signature"), "article_text.signature"),
            _read_paragraph_hashes(signed_fields.get("paragraph_hashes"), text),
        )
    teaser_signatures = [_read_signature(s, "teaser_signatures") for s in read.listing("teaser_signatures")]
    if teaser_signatures and len(teaser_signatures) != len(extraction.teasers):
        raise RecordError(f"{len(teaser_signatures)} teaser signatures for {len(extraction.teasers)} teasers")
    return PageAnalysis(extraction, signed, teaser_signatures, read.number("extract_cpu_s"), read.number("sign_cpu_s"))
