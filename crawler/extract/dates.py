"""When a page was published: its URL and structured data first, htmldate's search only when they say nothing."""

from __future__ import annotations

import re

from htmldate import find_date
from htmldate.extractors import extract_url_date, try_date_expr
from htmldate.utils import Extractor
from htmldate.validators import get_max_date, get_min_date
from lxml import etree
from lxml.html import HtmlElement

DAY_FORMAT = "%Y-%m-%d"
# Where pages state their publication date, most trusted first (measured on the evaluation corpus:
# a date in the URL is the publication day; OpenGraph beats JSON-LD, which often carries a time zone
# that moves the day).
_OPENGRAPH = etree.XPath('//meta[@property="article:published_time" or @name="article:published_time"]/@content')
_ITEMPROP = etree.XPath('//*[@itemprop="datePublished"]/@content | //*[@itemprop="datePublished"]/@datetime')
_META_DATE = etree.XPath(
    "//meta[@name='date' or @name='Date' or @name='DATE' or @name='dc.date' or @name='DC.date' "
    "or @name='DC.date.issued' or @name='dcterms.date' or @name='pubdate' or @name='publishdate' "
    "or @name='parsely-pub-date' or @name='sailthru.date']/@content"
)
_TIME = etree.XPath("(//time[@datetime])[1]/@datetime")
_JSON_LD = etree.XPath('//script[@type="application/ld+json"]/text()')
_JSON_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{4,60})"')
ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def _options() -> Extractor:
    # Dates after the end of today are implausible; computed per call, a worker lives for days.
    return Extractor(True, get_max_date(None), get_min_date(None), False, DAY_FORMAT)


def json_ld_blocks(tree: HtmlElement) -> list[str]:
    """The texts of the page's JSON-LD scripts (read once per page, for both of its dates)."""
    return [str(block) for block in _JSON_LD(tree)]


def stated_dates(tree: HtmlElement, json_ld: list[str]) -> list[str]:
    """The publication dates the page's structured data states, in order of trust (raw strings)."""
    stated = [*_OPENGRAPH(tree)]
    stated += [m.group(1) for block in json_ld for m in _JSON_DATE.finditer(block)]
    stated += _ITEMPROP(tree) + _META_DATE(tree) + _TIME(tree)
    return [s.strip() for s in stated if s and s.strip()]


def published_date(tree: HtmlElement, url: str, json_ld: list[str] | None = None) -> str | None:
    """The day the page was published (YYYY-MM-DD), or the full timestamp the page states for that day.

    The URL's date, then the page's structured data (OpenGraph, JSON-LD, itemprop, meta tags,
    ``<time>``); only when none gives a date does htmldate search the markup, and only when its
    quick search finds nothing does it read the whole text (its slowest step).
    """
    options = _options()
    stated = stated_dates(tree, json_ld_blocks(tree) if json_ld is None else json_ld)
    day = extract_url_date(url, options)
    for text in stated:
        if day is not None:
            break
        day = try_date_expr(text, DAY_FORMAT, True, options.min, options.max)
    if day is None:
        day = find_date(tree, extensive_search=False, url=url) or find_date(tree, extensive_search=True, url=url)
    if day is None:
        return None
    # A page that states the time too keeps it: the store sorts stories of one day by it.
    for text in stated:
        if text[:10] == day and ISO_TIMESTAMP.match(text):
            return text.replace(" ", "T")
    return day


_MODIFIED = etree.XPath(
    '//meta[@property="article:modified_time" or @name="article:modified_time" or @property="og:updated_time" '
    'or @name="last-modified" or @name="dcterms.modified" or @name="DC.date.modified"]/@content '
    '| //*[@itemprop="dateModified"]/@content | //*[@itemprop="dateModified"]/@datetime'
)
_JSON_MODIFIED = re.compile(r'"dateModified"\s*:\s*"([^"]{4,60})"')


def modified_date(tree: HtmlElement, json_ld: list[str] | None = None) -> str | None:
    """When the page says it was last changed (its structured data only): a timestamp if it gives one,
    else the day; None if it states nothing readable."""
    stated = [*_MODIFIED(tree)]
    blocks = json_ld_blocks(tree) if json_ld is None else json_ld
    stated += [m.group(1) for block in blocks for m in _JSON_MODIFIED.finditer(block)]
    options = _options()
    for text in (s.strip() for s in stated if s and s.strip()):
        if ISO_TIMESTAMP.match(text):
            return text.replace(" ", "T")
        day = try_date_expr(text, DAY_FORMAT, True, options.min, options.max)
        if day is not None:
            return day
    return None
