"""Recognises sitemaps, feeds and robots.txt by their bytes, and lists the page URLs they name."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, replace
from io import BytesIO

import lxml.etree

from crawler.extract.decoding import stated_encoding
from crawler.fetch.dates import as_utc, parse_moment

GZIP_MAGIC = b"\x1f\x8b"
PROLOGUE = re.compile(rb"^(\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>|\xef\xbb\xbf)*", re.DOTALL | re.IGNORECASE)
FIRST_TAG = re.compile(rb"<([A-Za-z][\w:.-]*)")
# Elements of HTML and of no feed or sitemap (feeds have their <title> and <link>).
HTML_ELEMENT = re.compile(rb"<(?:!doctype\s+html|html|head|meta|style|script|body|div|p)\b", re.IGNORECASE)
# An HTML document's own elements: none of them in a server's warning.
DOCUMENT_ROOTS = ("html", "head", "body")
HTML_DOCUMENT = re.compile(rb"<(?:" + "|".join(DOCUMENT_ROOTS).encode() + rb")\b", re.IGNORECASE)
MARKUP_FIRST = re.compile(rb"\s*<")  # a body that begins as markup does: a server's warning, a page
# A sitemap's or a feed's first tag ("<rdf:RDF" with its prefix), where one begins after a server's output.
LISTING_ROOT = re.compile(rb"<(?:[A-Za-z][\w.-]*:)?(?:urlset|sitemapindex|rss|feed|rdf)\b", re.IGNORECASE)
ROBOTS_LINE = re.compile(r"^\s*(user-agent|disallow|allow|sitemap|crawl-delay|host)\s*:", re.IGNORECASE)
SITEMAP_ROOTS = {"urlset", "sitemapindex"}
FEED_ROOTS = {"rss", "feed", "rdf"}
FEED_DATES = {"pubDate", "updated", "published", "date"}  # RSS 2.0, Atom, RSS 1.0 (dc:date)
FEED_PUBLISHED = FEED_DATES - {"updated"}  # Atom's <updated> is the last change, not the publication
SAME_DATE_ENTRIES = 3  # this many entries, or more, with one publication moment: the listing's own date
CHARACTER_REFERENCE = re.compile(rb"&#([xX][0-9a-fA-F]{1,8}|[0-9]{1,10});")  # "&#xD800;", "&#55296;"
DAY_CHARS = len("2022-05-03")  # a listed publication date this long gives the day, no time
HEAD_BYTES = 4096  # what classify reads of a body
# How far classify looks for a sitemap's or feed's XML declaration after a server's output: PHP's warnings are
# a line each, but Xdebug prints each as a table of its call stack, some kilobytes.
OUTPUT_BYTES = 65536


class TooLarge(ValueError):
    """A gzip file that unpacks beyond the size limit."""


class BadCompression(ValueError):
    """A body that starts like a gzip file but does not unpack."""


def unpack(body: bytes, max_size: int) -> bytes:
    """The body itself, or its decompressed content when it is a gzip file (a ``.xml.gz`` sitemap).

    Raises :class:`TooLarge` when it unpacks beyond ``max_size`` bytes (0: no limit), without ever
    holding more than that, and :class:`BadCompression` when nothing can be unpacked. A file cut
    short gives what it holds, as a browser would.
    """
    if body[:2] != GZIP_MAGIC:
        return body
    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = unpacker.decompress(body, max_size + 1 if max_size else 0)
    except zlib.error as exc:
        raise BadCompression(f"not a valid gzip file: {exc}") from exc
    if max_size and len(data) > max_size:
        raise TooLarge(f"unpacks beyond {max_size} bytes")
    if not data and not unpacker.eof:
        raise BadCompression("a gzip file with nothing in it")
    return data


def classify(body: bytes, declared: str | None = None) -> str:
    """'sitemap', 'feed', 'robots', 'html' or 'other', from what the bytes hold, not from the URL (``declared``: the
    charset the server sent, which names UTF-16 or UTF-32 without a byte order mark)."""
    head, decoded = _head(body, declared)
    root = _root_name(head)
    listing = _listing_kind(root) or _listing_after_output(head if decoded else body, root)
    if listing is not None:
        return listing
    if root is not None:
        return "html"
    # Text before the first tag (a stray "<", a server's warning): HTML when an element only HTML has follows, in
    # the head too (a page may open with 4 KB of <style>).
    if HTML_ELEMENT.search(head):
        return "html"
    text = head.decode("utf-8", "replace")
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if lines and sum(bool(ROBOTS_LINE.match(line)) for line in lines) >= max(1, len(lines) // 2):
        return "robots"
    # A server's warnings, in markup, longer than the head (a dozen PHP notices, their tags mangled: "<<br />")
    # before the document: its own <html>, <head> or <body> further on. Not in text that is no markup (JSON).
    if not decoded and MARKUP_FIRST.match(body) and HTML_DOCUMENT.search(body, 0, OUTPUT_BYTES):
        return "html"
    return "other"


def _root_name(head: bytes) -> str | None:
    """The name of the first tag after the prologue of the document ``head`` begins (lower case, without a namespace
    prefix), or None when text comes first."""
    prologue = PROLOGUE.match(head)  # matches always, if only the empty string
    match = FIRST_TAG.match(head, prologue.end() if prologue else 0)
    return match.group(1).decode("ascii", "ignore").split(":")[-1].lower() if match else None


def _listing_kind(root: str | None) -> str | None:
    """'sitemap' or 'feed' for a document whose first tag is ``root``, else None."""
    return "sitemap" if root in SITEMAP_ROOTS else "feed" if root in FEED_ROOTS else None


def _output_before_document(body: bytes, within: int | None = None) -> int:
    """Where a sitemap or feed begins after other bytes (a server's warning printed before it), else 0: at an XML
    declaration (it may only begin a document, so what precedes it is not the document's), or, where there is
    none, at a sitemap's or feed's first tag that no element of HTML's own comes before (the warnings are written
    with <br>, <b>, <font> and <table>; a page may quote a feed in a script). ``within``: look no further than
    this many bytes."""
    declaration = body.find(b"<?xml", 1, within)
    if declaration > 0:
        return declaration
    listing = LISTING_ROOT.search(body, 1, within if within is not None else len(body))
    if listing is None or HTML_ELEMENT.search(body, 0, listing.start()):
        return 0
    return listing.start()


def _listing_after_output(body: bytes, root: str | None) -> str | None:
    """'sitemap' or 'feed' when one begins after other bytes, within OUTPUT_BYTES (see _output_before_document),
    and those bytes are no HTML document's beginning. ``root``: the body's first tag."""
    if root in DOCUMENT_ROOTS:
        return None  # a document from its first tag: nothing after it begins one (nor is looked for)
    start = _output_before_document(body, OUTPUT_BYTES)
    if not start or HTML_DOCUMENT.search(body, 0, start):
        return None
    return _listing_kind(_root_name(body[start : start + HEAD_BYTES]))


def _head(body: bytes, declared: str | None) -> tuple[bytes, bool]:
    """The body's beginning, and whether it was decoded: in UTF-8 when it is UTF-16 or UTF-32 (with a byte order
    mark, or as ``declared``): the extraction reads such a page (browsers read UTF-16), but the patterns of
    :func:`classify` read bytes, and that markup is no ASCII."""
    encoding = stated_encoding(body, declared)
    if encoding is not None and encoding.startswith(("utf-16", "utf-32")):
        # Without the NUL characters a page copied through another wide encoding holds beside each of its own
        # ("<\0\0\0html"): the extraction reads it so, as lxml does.
        text = body[: 4 * HEAD_BYTES].decode(encoding, "ignore").replace("\x00", "")
        return text.encode("utf-8")[:HEAD_BYTES], True
    return body[:HEAD_BYTES], False


@dataclass(frozen=True)
class Listed:
    """A page a sitemap or feed lists, with the date it gives for its last change (ISO 8601 UTC) and the
    one it gives for its publication (as :func:`publication_date` reads it), if any."""

    url: str
    changed: str | None = None
    published: str | None = None


def sitemap_entries(body: bytes) -> tuple[str, list[Listed]]:
    """('urlset' or 'sitemapindex', the pages or sitemaps listed, each with its newest date).

    A page's date is the later of ``<lastmod>`` and a news sitemap's ``<news:publication_date>``; the
    latter is its publication date too.
    """
    root = _xml_root(body)
    if root is None:
        return "urlset", []
    kind = _local_name(root)
    entries = []
    for element in root.iter("{*}url", "{*}sitemap"):
        loc = element.find("{*}loc")
        if loc is None or not (loc.text or "").strip():
            continue
        dates = [listed_date(d.text) for d in element.iter("{*}lastmod", "{*}publication_date")]
        published = next((d.text for d in element.iter("{*}publication_date")), None)
        entries.append(
            Listed(loc.text.strip(), max((d for d in dates if d), default=None), publication_date(published))
        )
    return ("sitemapindex" if kind == "sitemapindex" else "urlset"), _each_its_own_date(entries)


def feed_entries(body: bytes) -> list[Listed]:
    """The items of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, with their ``<pubDate>``/``<updated>`` dates."""
    root = _xml_root(body)
    if root is None:
        return []
    entries = []
    for element in root.iter("{*}item", "{*}entry"):
        link = _feed_link(element)
        if link:
            stated = [
                (_local_name(child), child.text)
                for child in element
                if isinstance(child.tag, str) and _local_name(child) in FEED_DATES
            ]
            dates = [listed_date(text) for _, text in stated]
            published = next((text for name, text in stated if name in FEED_PUBLISHED), None)
            entries.append(Listed(link, max((d for d in dates if d), default=None), publication_date(published)))
    return _each_its_own_date(entries)


def _each_its_own_date(entries: list[Listed]) -> list[Listed]:
    """``entries`` without their publication dates when all of them give the same moment: a feed or sitemap
    that dates every item with the moment it was made dates none of them. (One day for all is kept: a
    day's news sitemap may date its stories by the day alone.)"""
    dates = {entry.published for entry in entries}
    moment = next(iter(dates)) if len(dates) == 1 else None
    if len(entries) < SAME_DATE_ENTRIES or moment is None or len(moment) <= DAY_CHARS:
        return entries
    return [replace(entry, published=None) for entry in entries]


def _feed_link(element: lxml.etree._Element) -> str | None:
    for child in element:
        if not isinstance(child.tag, str) or _local_name(child) != "link":
            continue
        href = child.get("href")
        if href and child.get("rel", "alternate") == "alternate":
            return href.strip()
        if child.text and child.text.strip():
            return child.text.strip()
    guid = element.find("{*}guid")
    if guid is not None and guid.get("isPermaLink", "true") == "true" and (guid.text or "").startswith("http"):
        return (guid.text or "").strip()
    return None


def _without_surrogate(reference: re.Match[bytes]) -> bytes:
    """A character reference as it is, but none to a surrogate ("&#xD800;"): the recovering parser keeps what it
    names as bytes that are no UTF-8, and reading the text or name that holds them raises."""
    digits = reference.group(1)
    code = int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
    return b"" if 0xD800 <= code <= 0xDFFF else reference.group(0)


def _local_name(element: lxml.etree._Element) -> str:
    """An element's name without its namespace, also where the prefix was never declared: the recovering
    parser keeps it in the name ("rdf:RDF" of a feed that forgot its xmlns:rdf), which lxml's QName refuses."""
    return str(element.tag).rpartition("}")[2].rpartition(":")[2]


def _xml_root(body: bytes) -> lxml.etree._Element | None:
    # No entities, no network, no huge trees: a hostile sitemap costs no more than its bytes.
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    if b"&#" in body:
        body = CHARACTER_REFERENCE.sub(_without_surrogate, body)
    root = _parsed_xml(body, parser)
    if root is not None and _listing_kind(_local_name(root).lower()) is not None:
        return root
    start = _output_before_document(body)  # a server's output before the document: read from where it begins
    return _parsed_xml(body[start:], parser) if start else root


def _parsed_xml(body: bytes, parser: lxml.etree.XMLParser) -> lxml.etree._Element | None:
    try:
        return lxml.etree.parse(BytesIO(body), parser).getroot()
    except lxml.etree.XMLSyntaxError:
        return None


def listed_date(text: str | None) -> str | None:
    """A sitemap's W3C datetime, an RSS RFC 822 date or an Atom RFC 3339 date as ISO 8601 UTC; None if unreadable.

    A date without a time counts as its first second (UTC): "changed that day" is not newer than a
    fetch later that day.
    """
    when = parse_moment(text.strip()) if text else None
    return as_utc(when).isoformat(timespec="seconds") if when else None


def publication_date(text: str | None) -> str | None:
    """A listing's publication date as the publisher means it: the day ("2022-05-03") when it gives no time,
    else the moment in ISO 8601 with the offset it was given in (its day is the publisher's, not UTC's);
    None if unreadable."""
    text = (text or "").strip()
    when = parse_moment(text) if text else None
    if when is None:
        return None
    return when.date().isoformat() if len(text) <= DAY_CHARS else when.isoformat(timespec="seconds")


def robots_sitemaps(body: bytes) -> list[str]:
    """The URLs of the ``Sitemap:`` lines of a robots.txt."""
    text = body.decode("utf-8", "replace")
    return [
        line.split(":", 1)[1].strip()
        for line in text.splitlines()
        if line.strip().lower().startswith("sitemap:") and line.split(":", 1)[1].strip()
    ]
