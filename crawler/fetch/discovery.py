"""Recognises sitemaps, feeds and robots.txt by their bytes, and lists the page URLs they name."""

from __future__ import annotations

import re
import zlib
from io import BytesIO

import lxml.etree
from scrapy.utils.sitemap import Sitemap

GZIP_MAGIC = b"\x1f\x8b"
PROLOGUE = re.compile(rb"^(\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>|\xef\xbb\xbf)*", re.DOTALL | re.IGNORECASE)
FIRST_TAG = re.compile(rb"<([A-Za-z][\w:.-]*)")
ROBOTS_LINE = re.compile(r"^\s*(user-agent|disallow|allow|sitemap|crawl-delay|host)\s*:", re.IGNORECASE)
SITEMAP_ROOTS = {"urlset", "sitemapindex"}
FEED_ROOTS = {"rss", "feed", "rdf"}


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


def classify(body: bytes) -> str:
    """'sitemap', 'feed', 'robots', 'html' or 'other', from what the bytes hold, not from the URL."""
    head = body[:4096]
    prologue = PROLOGUE.match(head)  # matches always, if only the empty string
    match = FIRST_TAG.match(head, prologue.end() if prologue else 0)
    if match:
        root = match.group(1).decode("ascii", "ignore").split(":")[-1].lower()
        if root in SITEMAP_ROOTS:
            return "sitemap"
        if root in FEED_ROOTS:
            return "feed"
        return "html"
    if FIRST_TAG.search(head) and re.search(rb"<(html|head|body|div|p)\b", head, re.IGNORECASE):
        return "html"
    text = head.decode("utf-8", "replace")
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if lines and sum(bool(ROBOTS_LINE.match(line)) for line in lines) >= max(1, len(lines) // 2):
        return "robots"
    return "other"


def sitemap_urls(body: bytes) -> tuple[str, list[str]]:
    """('urlset' or 'sitemapindex', the <loc> URLs listed)."""
    sitemap = Sitemap(body)
    urls = [entry["loc"] for entry in sitemap if entry.get("loc")]
    return sitemap.type, urls


def feed_urls(body: bytes) -> list[str]:
    """The item links of an RSS 2.0, RSS 1.0 (RDF) or Atom feed."""
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = lxml.etree.parse(BytesIO(body), parser).getroot()
    except lxml.etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    urls = []
    for element in root.iter("{*}item", "{*}entry"):
        link = None
        for child in element:
            if not isinstance(child.tag, str) or lxml.etree.QName(child).localname != "link":
                continue
            href = child.get("href")
            rel = child.get("rel", "alternate")
            if href and rel == "alternate":
                link = href.strip()
                break
            if child.text and child.text.strip():
                link = child.text.strip()
                break
        if link is None:
            guid = element.find("{*}guid")
            if guid is not None and guid.get("isPermaLink", "true") == "true" and (guid.text or "").startswith("http"):
                link = guid.text.strip()
        if link:
            urls.append(link)
    return urls


def robots_sitemaps(body: bytes) -> list[str]:
    """The URLs of the ``Sitemap:`` lines of a robots.txt."""
    text = body.decode("utf-8", "replace")
    return [
        line.split(":", 1)[1].strip()
        for line in text.splitlines()
        if line.strip().lower().startswith("sitemap:") and line.split(":", 1)[1].strip()
    ]
