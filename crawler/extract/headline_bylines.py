"""The author a byline beside the headline names in words: "By <a>Ann Example</a>", "Ein Artikel von <b>…</b>"."""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.author_links import is_aside
from crawler.extract.authors import BYLINE_LEAD, people_named
from crawler.extract.elements import NOT_SHOWN

# A byline's words, alone ("By", then the name in a link or <strong> of its own) or before the name.
_BYLINE_LEAD = re.compile(rf"^{BYLINE_LEAD}\s*:?(?:\s+(?P<name>\S.*?))?$", re.IGNORECASE)
# A date as a byline's line writes it beside the name ("04.02.2022 | 13:10 Uhr | Uta Helkenberg"), and what
# parts them: a bar, a dash between spaces, a dot. (Not boilerplate.DATE_TOKEN, which reads dates in words
# and times too: on the corpus it read "04. November 2021 | PAID CONTENT" as a byline.)
_DATE = re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b")
_PARTS = re.compile(r"\s*[|·•]\s*|\s+[–—-]\s+")
# What a line may put before a byline's words: the bar after a date or a label before it ("| By").
_LEADING_MARKS = " |·•–—-"
# How far up from the <h1> the byline may sit: templates wrap the headline and the line under it in
# a few levels of their own (measured on the evaluation corpus: 7 bylines found up to the fourth, none wrong).
BYLINE_LEVELS = 4
# How many pieces of text before and after the headline are read: a byline is next to it, not in the story.
TEXTS_BEFORE = 6
TEXTS_AFTER = 15
# A piece of text this long after the headline is a lead or the story. A byline may follow a lead, never the
# story's paragraphs: there "By" starts a related story's byline or a quotation.
STORY_WORDS = 20
LONG_TEXTS_AFTER = 1
# The story's headline is among the page's first <h1>s; a listing may make every teaser's title one, and
# reading around each of them would walk the page again for every one.
HEADINGS_READ = 3


def headline_byline_author(headings: list[HtmlElement]) -> str | None:
    """The people a byline next to one of the page's first ``headings`` (its <h1>s) names after "By", "Von",
    "Por", "Ein Artikel von" ...: each two or three capitalised words, as bylines write a name; else None.

    Bylines whose markup names no author (no "author" or "byline" class, no link to an author's page) are
    read here from their words; the name may follow in the same piece of text or be the next one. A line
    without such words is a byline when bars or dashes part it into a date and, first or last, a name.
    """
    for heading in headings[:HEADINGS_READ]:
        texts = _texts_around(heading)
        for index, text in enumerate(texts):
            lead = _BYLINE_LEAD.match(text.lstrip(_LEADING_MARKS))
            if lead is None:
                people = _dated_name(text)
            else:
                name = lead["name"] or (texts[index + 1] if index + 1 < len(texts) else "")
                people = people_named(name.split(" | ")[0].strip(" ,|"))
            if people:
                return people
    return None


def _dated_name(text: str) -> str | None:
    """The people a line of a date and a name parted by bars or dashes names ("04.02.2022 | 13:10 Uhr | Uta
    Helkenberg", "11.12.2019 - Amelie Loevenich", "Ann Example | 27.01.2022"), or None."""
    parts = [part for part in _PARTS.split(text) if part]
    if len(parts) < 2 or not any(_DATE.search(part) for part in parts):
        return None
    for part in (parts[-1], parts[0]):
        if not _DATE.search(part):
            people = people_named(part)
            if people:
                return people
    return None


def _texts_around(heading: HtmlElement) -> list[str]:
    """The pieces of text just before and after ``heading`` inside its ancestor ``BYLINE_LEVELS`` up,
    in reading order, each with its spaces collapsed; the heading's own text left out, and nothing after
    the story has begun."""
    top = heading
    for _ in range(BYLINE_LEVELS):
        parent = top.getparent()
        if parent is None:
            break
        top = parent
    holding_heading = set(heading.iterancestors())
    before: list[str] = []
    after: list[str] = []
    long_after = 0
    inside_heading = passed_heading = False
    skipping: HtmlElement | None = None  # an element whose text is not read: a script, comments, a sidebar
    for event, element in etree.iterwalk(top, events=("start", "end")):
        if not isinstance(element.tag, str):
            continue  # an entity left unresolved (the parser removes comments and processing instructions)
        if skipping is not None:
            if element is not skipping or event == "start":
                continue
            skipping, piece = None, element.tail
        elif element is heading:
            inside_heading, passed_heading = event == "start", event == "end"
            piece = element.tail if event == "end" else None
        elif inside_heading:
            continue
        elif event == "start" and element not in holding_heading and (element.tag in NOT_SHOWN or is_aside(element)):
            skipping = element
            continue
        else:
            piece = element.text if event == "start" else element.tail if element is not top else None
        if not piece or piece.isspace():
            continue
        words = piece.split()
        if not passed_heading:
            before.append(" ".join(words))
            continue
        if len(words) >= STORY_WORDS:
            long_after += 1
            if long_after > LONG_TEXTS_AFTER:
                break
        after.append(" ".join(words))
        if len(after) >= TEXTS_AFTER:
            break
    return before[-TEXTS_BEFORE:] + after
