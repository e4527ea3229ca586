"""The article's paragraphs from trafilatura: fast mode, and its thorough run only where the fast result looks wrong."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Collection
from copy import copy
from dataclasses import dataclass
from functools import lru_cache

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Document, Extractor

from crawler.extract import handover, justext_forms, page_measure, step_forms, xpath_forms
from crawler.extract.elements import NOT_SHOWN
from crawler.extract.options import ExtractOptions
from crawler.extract.parsing import nesting_cut
from crawler.extract.words import WORD, clean, composed, count_words
from dedup.shingles import holds_ideographs

xpath_forms.install()  # the same texts, less CPU (see the module)
step_forms.install()  # likewise
page_measure.install()  # the page measured once for both runs (see the module)
handover.install()  # the fast run works on the page's tree, not a copy (see the module)
justext_forms.install()  # the same paragraphs, less CPU (see the module)

# A fast-mode result is navigation rather than a story when this much of it is link labels, or
# this much is lines of a few words with a median line of at most NAV_MEDIAN_WORDS (menus, lists of
# towns or names), or this share of its lines are strings of short items with separators
# ("Home • News » Sport"; not "|", which is how trafilatura writes table rows).
NAV_LINK_SHARE = 0.3
NAV_SHORT_SHARE = 0.5
NAV_SHORT_WORDS = 5
NAV_MEDIAN_WORDS = 3
NAV_SEPARATED_SHARE = 0.3
SEPARATORS = re.compile(r"\s[•·»/]\s")
MAX_ITEM_WORDS = 3
PROSE_WORDS = 8  # a line of prose has at least this many words
# It stopped early when the page's running text holds this many times its words, and this many more: its lead
# kept where the story went on in another container (a news page's 150 words of 1,000), or its first container
# where the rest is set in <div>s and <span>s (a guide's first 223 words of 2,864). Running text: text nodes of a
# sentence or more (PROSE_WORDS) outside links, scripts, forms and the page's header, footer, navigation and
# asides; counting the words of <p> elements missed the second kind. (At half the factor, news pages' running
# text outside the story sent more pages to the thorough run, whose result was the worse.)
EARLY_STOP_FACTOR = 4
EARLY_STOP_MISSING_WORDS = 500
# It skipped part of the story when, between the first and the last running text it kept, the page's running
# text it left out holds this many words, and this share of its own: a guide's numbered sections, each a heading
# and a list, passed over between its introduction and its conclusion (fast mode kept 560 words, the thorough run
# reads 1,193), a hub's chapters (521 words, 1,685). A news page's inline teaser or caption is far shorter than
# the story around it.
SKIPPED_MIN_WORDS = 300
SKIPPED_SHARE = 0.5
PROBE_CHARS = 40  # a text node is in the result when its first this many characters are
# Why the thorough run was paid for, as the crawl's stats count it (extract/thorough/<reason>).
THOROUGH_REASONS = ("no_text", "navigation", "run_together", "short", "stopped_early", "skipped_part")
# A result whose sentences run together ("for several years.A series of incidents"): a page that sets its
# paragraphs apart with elements fast mode reads as no break, or whose text came from its structured data's
# articleBody, written so (every story of The Times of India). When this many of its sentences do, one in this
# many words at least, the thorough run is asked, and its result is taken where its sentences do not, with as
# many words at least as this share. (A name read so too, "Rocket.Chat is": a story naming it throughout costs a
# thorough run, whose result reads the same and is not taken.)
RUN_TOGETHER = re.compile(r"[a-zß-öø-ÿ]{2}[.!?][\"”’)]?[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]*\s")
# Where a sentence's mark meets a capital: counted first, as few results hold several (0.03 against 0.07 ms a page).
_MARK_THEN_CAPITAL = re.compile(r"[.!?][\"”’)]?[A-ZÀ-ÖØ-Þ]")
MIN_RUN_TOGETHER = 3
RUN_TOGETHER_WORDS = 200
RUN_TOGETHER_KEPT_SHARE = 0.8
_NOT_RUNNING_TEXT = ("a", *sorted(NOT_SHOWN), "nav", "header", "footer", "aside", "button", "select", "option", "form")
# A sentence of PROSE_WORDS words runs to 40 characters: the length test first, as most text nodes fail it.
_LONG_TEXTS = etree.XPath(
    "//body//text()[string-length(normalize-space(.)) >= 40]"
    f"[not({' or '.join(f'ancestor::{tag}' for tag in _NOT_RUNNING_TEXT)})]",
    smart_strings=False,
)
MAX_NESTING = 100  # levels of elements trafilatura reads when a page nests deeper than it can (see _extracted)


@lru_cache(maxsize=1024)
def label_key(text: str) -> str:
    """The words of a text, case-folded: a link label and a paragraph with the same words match."""
    # Cached: a paragraph is keyed by the fast result's shape, the teaser cut and the listing test in turn
    # (a quarter of the calls on a page repeat one: 1.15 -> 0.7 ms a page over 300 corpus pages).
    return " ".join(WORD.findall(text.casefold()))


def paragraphs_of(text: str | None) -> list[str]:
    """Non-empty lines of trafilatura's text, NFC-normalised (bare_extraction does not normalise)."""
    return [clean(composed(line)) for line in (text or "").splitlines() if line.strip()]


@dataclass(frozen=True)
class Body:
    """The story's paragraphs, and why trafilatura's thorough run was paid for (None: it was not) and whether
    its result was kept. (The crawl counts both: the thorough run costs about as much as the fast one.)"""

    paragraphs: list[str]
    thorough: str | None = None  # one of THOROUGH_REASONS
    thorough_kept: bool = False
    thorough_cpu_s: float = 0.0  # CPU seconds of the thorough run


def extract_body(tree: HtmlElement, url: str, options: ExtractOptions, link_labels: Collection[str]) -> Body:
    """The story's paragraphs (none where there is no story), and what the thorough run did.

    trafilatura's fast mode skips the fallback extractors (readability, jusText), which cost about as
    much again. Its thorough run is paid for only when the fast result is missing, short (under
    ``options.fallback_below_words``) where the page's running text holds more, looks like navigation (link
    labels, short lines, separators, lists of names), stopped early (the page's running text holds far
    more) or skipped part of the story (running text between what it kept); the thorough result is then
    kept when it is more of a story.
    """
    measures: page_measure.Measures = {}  # what trafilatura measures of the page, for both runs
    fast = paragraphs_of(_text(_extracted(tree, _page_options(options, url, fast=True), measures, hand_over=True)))
    shape = Shape.of(fast, link_labels)
    reason = thorough_run_reason(tree, fast, shape, options.fallback_below_words)
    if reason is None:
        return Body(fast)
    started = time.process_time()
    thorough = paragraphs_of(_text(_extracted(tree, _page_options(options, url, fast=False), measures)))
    kept = bool(thorough) and shape.worse_than(Shape.of(thorough, link_labels))
    return Body(thorough if kept else fast, reason, kept, time.process_time() - started)


def _page_options(options: ExtractOptions, url: str, fast: bool) -> Extractor:
    """trafilatura's options for one run on the page: the run's own, with the page's URL."""
    page = copy(_run_options(fast, options.include_tables, options.favor_precision, options.favor_recall))
    page.url = url
    page.source = url and url.encode("utf-8", "replace").decode("utf-8")  # as Extractor sets it from a URL
    return page


@lru_cache(maxsize=16)
def _run_options(fast: bool, tables: bool, precision: bool, recall: bool) -> Extractor:
    """trafilatura's options for a run in fast mode or not, made once: ``bare_extraction`` makes them anew from
    its arguments at every call, reading each of its configuration's numbers (64 us a run; a copy, 6). No run
    changes them (the recall retry changes a copy)."""
    return Extractor(
        output_format="python", fast=fast, precision=precision, recall=recall, comments=False, tables=tables
    )


def _extracted(
    tree: HtmlElement, options: Extractor, measures: page_measure.Measures, hand_over: bool = False
) -> Document | dict | None:
    """trafilatura's ``bare_extraction`` of the page, in fast mode or not. ``hand_over``: it prunes ``tree`` where
    it is rather than a copy (see :mod:`crawler.extract.handover`); the fast run does, the first to read the text.

    trafilatura reads nested lists (and a few other parts) with functions that call themselves: a page
    nesting them some hundreds deep (unclosed <ul>s) runs out of Python's frames. Such a page is read
    again with what lies deeper than MAX_NESTING levels unwrapped, its text kept at that depth.
    """
    try:
        with page_measure.shared(measures, tree):
            return trafilatura.bare_extraction(handover.handed(tree) if hand_over else tree, options=options)
    except RecursionError:
        cut = nesting_cut(tree, MAX_NESTING)
        with page_measure.shared(measures, cut):  # another tree: measured for itself
            return trafilatura.bare_extraction(cut, options=options)


def _text(document: Document | dict | None) -> str:
    return document.text or "" if isinstance(document, Document) else ""


@dataclass(frozen=True)
class Shape:
    """What a text is made of: words, link labels, short lines, separated items, prose."""

    words: int
    lines: int
    link_words: int
    short_words: int
    median_words: float
    separated_lines: int
    prose_words: int
    ideographic: bool = False  # written in Chinese or Japanese characters, in part at least
    run_together: int = 0  # sentences that run into the next without a space (see RUN_TOGETHER)

    @classmethod
    def of(cls, paragraphs: list[str], link_labels: Collection[str]) -> Shape:
        counts = [count_words(p) for p in paragraphs]
        linked = [label_key(p) in link_labels for p in paragraphs]
        return cls(
            words=sum(counts),
            lines=len(paragraphs),
            link_words=sum(n for n, link in zip(counts, linked, strict=True) if link),
            short_words=sum(n for n in counts if n <= NAV_SHORT_WORDS),
            median_words=statistics.median(counts) if counts else 0,
            separated_lines=sum(1 for p, n in zip(paragraphs, counts, strict=True) if _separated(p, n)),
            prose_words=sum(n for n, link in zip(counts, linked, strict=True) if n >= PROSE_WORDS and not link),
            ideographic=any(holds_ideographs(p) for p in paragraphs),
            run_together=_run_together("\n".join(paragraphs)),
        )

    @property
    def navigation(self) -> bool:
        if not self.words:
            return False
        return (
            self.link_words >= NAV_LINK_SHARE * self.words
            or (self.short_words >= NAV_SHORT_SHARE * self.words and self.median_words <= NAV_MEDIAN_WORDS)
            or self.separated_lines >= NAV_SEPARATED_SHARE * self.lines
        )

    @property
    def runs_together(self) -> bool:
        """Whether its sentences run together, not one here and there (see RUN_TOGETHER)."""
        return self.run_together >= MIN_RUN_TOGETHER and self.run_together * RUN_TOGETHER_WORDS >= self.words

    def worse_than(self, other: Shape) -> bool:
        """Whether ``other`` is more of a story: not navigation where this is, sentences set apart where this
        runs them together (and nearly as many words), or more prose."""
        if not other.words:
            return False
        if self.navigation != other.navigation:
            return self.navigation
        if self.runs_together and not other.runs_together:
            return other.words >= RUN_TOGETHER_KEPT_SHARE * self.words
        return other.prose_words > self.prose_words


def _run_together(text: str) -> int:
    """How many of the sentences of ``text`` run into the next (see RUN_TOGETHER), or 0 for fewer than it takes."""
    if len(_MARK_THEN_CAPITAL.findall(text)) < MIN_RUN_TOGETHER:
        return 0
    return len(RUN_TOGETHER.findall(text))


def _separated(line: str, words: int) -> bool:
    """A line of short items between separators: a breadcrumb or a menu written out."""
    separators = len(SEPARATORS.findall(line))
    return separators >= 2 and words <= MAX_ITEM_WORDS * (separators + 1)


def thorough_run_reason(
    tree: HtmlElement, paragraphs: list[str], shape: Shape, fallback_below_words: int
) -> str | None:
    """Why fast mode's result, ``paragraphs`` of ``shape``, may be wrong (one of THOROUGH_REASONS): missing,
    navigation, sentences run together, short (under ``fallback_below_words``) where the page's running text
    holds more, stopped early, or with part of the story skipped; None when it looks right."""
    if not shape.words:
        return "no_text"
    if shape.navigation:
        return "navigation"
    if shape.runs_together:
        return "run_together"
    running = running_text(tree)
    total = sum(words for _, words in running)
    if shape.words < fallback_below_words:
        # Where the page's running text holds no more than fast mode found, the page is a brief: the fallback
        # extractors would read the rest of the page, its menus, forms and newsletter pitches (48 of the 990
        # corpus pages, 9 ms a page each; the one text of them that changed lost a newsletter form's labels).
        # Not in Chinese or Japanese, where a sentence is often shorter than the 40 characters a text node of
        # the running text has: their running text may miss what fast mode missed.
        return "short" if shape.ideographic or total > shape.words else None
    if _stopped_early(total, shape):
        return "stopped_early"
    return "skipped_part" if _skipped(running, paragraphs, shape) else None


def running_text(tree: HtmlElement) -> list[tuple[str, int]]:
    """The page's running text (see EARLY_STOP_FACTOR): each text node's text with its words, in document order."""
    return [(text, words) for text in _LONG_TEXTS(tree) if (words := count_words(text)) >= PROSE_WORDS]


def _skipped(running: list[tuple[str, int]], paragraphs: list[str], shape: Shape) -> bool:
    """Whether the result, of ``shape``, leaves out much running text between the first and the last it
    keeps (see SKIPPED_MIN_WORDS)."""
    result = "\n".join(paragraphs)
    kept = [composed(clean(text)[:PROBE_CHARS]) in result for text, _ in running]
    if True not in kept:
        return False
    first, last = kept.index(True), len(kept) - 1 - kept[::-1].index(True)
    skipped = sum(
        words for (_, words), is_kept in zip(running[first:last], kept[first:last], strict=True) if not is_kept
    )
    return skipped >= SKIPPED_MIN_WORDS and skipped >= SKIPPED_SHARE * shape.words


def _stopped_early(running: int, shape: Shape) -> bool:
    """Whether the page's ``running`` text holds far more words than the result: extraction stopped after the
    lead, or after the story's first container."""
    return running >= EARLY_STOP_FACTOR * shape.words and running - shape.words >= EARLY_STOP_MISSING_WORDS
