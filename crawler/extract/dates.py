"""When a page was published: its URL and structured data first, htmldate's search only when they say nothing."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from htmldate import find_date
from htmldate.extractors import extract_url_date, try_date_expr
from htmldate.utils import Extractor
from htmldate.validators import get_max_date, get_min_date, is_valid_date
from lxml import etree
from lxml.html import HtmlElement

from crawler.extract import date_search_forms
from crawler.extract.elements import PageElements
from crawler.fetch.dates import parse_moment

date_search_forms.install()  # the same dates, less CPU (see the module)

DAY_FORMAT = "%Y-%m-%d"
# Where pages state their publication date, most trusted first (measured on the evaluation corpus:
# a date in the URL is the publication day; OpenGraph beats JSON-LD, which often carries a time zone
# that moves the day).
_PUBLISHED_META = {"article:published_time"}  # as a property or a name
_DATE_META_NAMES = {
    "date", "Date", "DATE", "dc.date", "DC.date", "DC.date.issued", "dcterms.date", "pubdate", "publishdate",
    "parsely-pub-date", "sailthru.date",
}  # fmt: skip
_JSON_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{4,60})"')
ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def _options() -> Extractor:
    # Dates after the end of today are implausible; computed per call, a worker lives for days.
    return Extractor(True, get_max_date(None), get_min_date(None), False, DAY_FORMAT)


def stated_dates(elements: PageElements) -> list[str]:
    """The publication dates the page's structured data states, in order of trust (raw strings)."""
    stated = elements.meta_content(properties=_PUBLISHED_META, names=_PUBLISHED_META)
    stated += [date for block in elements.json_ld for date in _json_ld_published(block)]
    stated += elements.itemprop_values("datePublished") + elements.meta_content(names=_DATE_META_NAMES)
    stated += elements.first_time()
    return [s.strip() for s in stated if s and s.strip()]


def _json_ld_published(block: str) -> list[str]:
    """The ``datePublished`` values of a JSON-LD block, the page's own first: those of its top-level objects
    (and of its ``@graph``) before those of objects nested in them (the claim a fact check reviews, a video, a
    comment), each level in the block's order. A block that names one, or that is no valid JSON, in its order."""
    found = _JSON_DATE.findall(block)
    if len(found) < 2:
        return found
    try:
        pending: list[tuple[object, int]] = [(json.loads(block), 0)]
    except (ValueError, RecursionError):  # a hostile page's thousands of nested brackets too
        return found
    dated: list[tuple[int, int, str]] = []
    while pending:  # (a loop, not a function calling itself: see test_extracting_a_page_leaves_no_reference_cycles)
        node, depth = pending.pop()
        if isinstance(node, list):
            pending.extend((item, depth) for item in reversed(node))
        elif isinstance(node, dict):
            value = node.get("datePublished")
            if isinstance(value, str):
                dated.append((depth, len(dated), value))
            pending.extend((item, depth if key == "@graph" else depth + 1) for key, item in reversed(node.items()))
    return [value for _, _, value in sorted(dated)]


def published_date(
    tree: HtmlElement, url: str, elements: PageElements | None = None, listed: str | None = None
) -> str | None:
    """The day the page was published (YYYY-MM-DD), or the full timestamp the page states for that day.

    The URL's date, then the page's structured data (OpenGraph, JSON-LD, itemprop, meta tags,
    ``<time>``), then ``listed``, the date the news sitemap or feed that listed the page gives for its
    publication (a day, or an ISO 8601 timestamp); only when none gives a date does htmldate search the
    markup (a guess among the dates a page shows, and the costliest step), and only when its quick search
    finds nothing does it read the whole text (where a year alone is no day). Dates written out in words
    are read in the languages :func:`~crawler.extract.dateparsing.dates_read_in` names.
    """
    options = _options()
    stated = stated_dates(elements or PageElements(tree))
    day = extract_url_date(url, options)
    for text in stated:
        if day is not None:
            break
        day = _stated_day(text, options)
        local = _in_local_time(text, stated) if day is not None else None
        if local is not None:  # the day it was where it was published
            return local.isoformat()
    if day is None and listed and is_valid_date(listed[:10], DAY_FORMAT, options.min, options.max):
        return listed
    if day is None:
        day = find_date(tree, extensive_search=False, url=url)
        day = day or _a_day(find_date(tree, extensive_search=True, url=url))
    if day is None:
        return None
    # A page that states the time too keeps it: the store sorts stories of one day by it.
    for text in stated:
        if text[:10] == day and ISO_TIMESTAMP.match(text):
            return text.replace(" ", "T")
    return day


def _stated_day(text: str, options: Extractor) -> str | None:
    """The day a stated date gives: an ISO 8601 timestamp's own, read here because htmldate reads none with
    fractions of a second ("2025-02-06T19:25:34.000Z", as JavaScript writes them: it went on to the next
    date stated, a teaser's, or to its search of the page); htmldate's reading of anything else."""
    if ISO_TIMESTAMP.match(text):
        return text[:10] if is_valid_date(text[:10], DAY_FORMAT, options.min, options.max) else None
    return try_date_expr(text, DAY_FORMAT, True, options.min, options.max)


def _a_day(found: str | None) -> str | None:
    """An answer of htmldate's extensive search, unless it is 1 January: what it answers when all it found
    is a year (a copyright line, a lone "2021"), not a day. On the evaluation corpus 32 pages got one, and
    none was published that day."""
    return None if found is None or found[5:10] == "01-01" else found


def _in_local_time(text: str, stated: list[str]) -> datetime | None:
    """The moment ``text`` states in UTC, as another of the page's dates states it in its own time zone.

    Sites give the time in UTC in one place and in their own zone in another ("2019-10-18T22:04:00Z"
    and "Sat, 19 Oct 2019 00:04:00 +0200"): the day of publication is the publisher's.
    """
    moment = _moment(text)
    if moment is None or moment.utcoffset() != timedelta(0):
        return None
    for other in stated:
        local = _moment(other)
        if local is not None and local == moment and local.utcoffset() not in (None, timedelta(0)):
            return local
    return None


def _moment(text: str) -> datetime | None:
    """The moment an ISO 8601 or RFC 2822 timestamp with a time zone states; None for anything else."""
    moment = parse_moment(text)
    return moment if moment is not None and moment.tzinfo is not None else None


_MODIFIED_PROPERTIES = {"article:modified_time", "og:updated_time"}
_MODIFIED_NAMES = {"article:modified_time", "last-modified", "dcterms.modified", "DC.date.modified"}
# The XPath the two lists above stand for: when a page states its change both in <meta> tags and in
# microdata, only it knows their order in the document.
_MODIFIED = etree.XPath(
    '//meta[@property="article:modified_time" or @name="article:modified_time" or @property="og:updated_time" '
    'or @name="last-modified" or @name="dcterms.modified" or @name="DC.date.modified"]/@content '
    '| //*[@itemprop="dateModified"]/@content | //*[@itemprop="dateModified"]/@datetime'
)
_JSON_MODIFIED = re.compile(r'"dateModified"\s*:\s*"([^"]{4,60})"')


def modified_date(tree: HtmlElement, elements: PageElements | None = None) -> str | None:
    """When the page says it was last changed (its structured data only): a timestamp if it gives one,
    else the day; None if it states nothing readable. A date out of the range a publication date may take (a
    template's "0001-01-01T00:00:00", a year ahead) is no answer: the next one stated is read."""
    elements = elements or PageElements(tree)
    stated = elements.meta_content(properties=_MODIFIED_PROPERTIES, names=_MODIFIED_NAMES)
    microdata = elements.itemprop_values("dateModified")
    stated = [*_MODIFIED(tree)] if stated and microdata else stated or microdata
    stated += [m.group(1) for block in elements.json_ld for m in _JSON_MODIFIED.finditer(block)]
    options = _options()
    for text in (s.strip() for s in stated if s and s.strip()):
        day = _stated_day(text, options)
        if day is not None:
            return text.replace(" ", "T") if ISO_TIMESTAMP.match(text) else day
    return None
