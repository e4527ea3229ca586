"""Page bytes to a clean article: parsed once, then trafilatura's text, teasers cut out, metadata read."""

from __future__ import annotations

import re
import time
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Set
from itertools import pairwise
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.extract.body import Body, extract_body, label_key
from crawler.extract.boilerplate import is_furniture
from crawler.extract.decoding import charset_from_content_type, decode_html, sniff_binary
from crawler.extract.links import links_in
from crawler.extract.metadata import MetadataReader
from crawler.extract.options import ExtractOptions
from crawler.extract.paragraphs import normalized_paragraph
from crawler.extract.parsing import parse_html
from crawler.extract.results import Article, PageExtraction, Teaser
from crawler.extract.teasers import HEADINGS, MIN_HEADLINE_WORDS, find_teasers
from crawler.extract.words import count_words, count_words_in
from crawler.urls import scope_key
from dedup.shingles import normalize_text

MIN_LISTING_TEASERS = 3
# A page showing this many teasers, or holding this many links, is an index of a site's stories (an
# archive of every story, a page-long site map), whatever else it holds: the corpus's article pages show
# at most 431 teasers and hold at most 2,215 links. Its text is not read: trafilatura took 20 s on 20,000
# teasers and 22 s on 100,000 links, past EXTRACT_TIMEOUT, and the page was lost with the links a deeper
# crawl would follow.
ARCHIVE_TEASERS = 5000
INDEX_LINKS = 20000
LINK_LIST_SHARE = 0.8  # an "article" whose words are this much link labels is an index page
# A roundup's or a listicle's items found in the story's text are the story, not other stories to cut: an item
# whose blurb runs to LONG_BLURB_WORDS (a paragraph on a book, a product, a course), or one with a blurb of
# OFF_SITE_BLURB_WORDS that links off the site on a page linking to MIN_ROUNDUP_SITES other sites or more (the
# newsletters, tools or products it recommends). A teaser's blurb is a sentence to three (up to 48 words on the
# demo site): on the WCXB set's 971 article pages, every line cut with a blurb of 60 words or more (92), and six
# in seven with a blurb of 15 off the site (127 of 148), were the story's. Still teasers: one other site's
# headlines with their blurbs (a publication's feed in a blog's sidebar), and links off the site without a blurb
# ("Watch on Instagram", "To the offer"). A flat listicle's items have no blurb of their own: each is a heading
# linking off the site with the story's paragraph on it below (no element holds the two), and it is the story's
# when that paragraph, of OFF_SITE_BLURB_WORDS or more, stays in its text (on WCXB, 108 lines, where one was not
# the story's). A call to action ("View it at Amazon") or an ad line between paragraphs is no heading, and a
# headline cut short (CUT_SHORT) is a teaser's: they go.
LONG_BLURB_WORDS = 60
OFF_SITE_BLURB_WORDS = 15
MIN_ROUNDUP_SITES = 2
CUT_SHORT = ("...", "…")
# The last segment of a URL path that names a site's service pages rather than a story. ("About us"
# pages are prose the site wrote about itself, and stay articles.)
SERVICE_PAGE = re.compile(
    r"/(contact|contact-us|kontakt|impressum|imprint|legal|legal-notice|privacy|privacy-policy|datenschutz"
    r"|datenschutzerklaerung|terms|terms-of-use|terms-of-service|tos|agb|cookies?"
    r"|cookie-policy|disclaimer|login|register|subscribe|newsletter|mentions-legales|aviso-legal)"
    r"(\.[a-z]{2,5})?/?$",
    re.IGNORECASE,
)
DEFAULT_OPTIONS = ExtractOptions()


class _Laps:
    """CPU seconds of each part of one page's extraction, as it goes (the process's own CPU time)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._since = time.process_time()

    def done(self, part: str) -> None:
        now = time.process_time()
        self.seconds[part] = self.seconds.get(part, 0.0) + now - self._since
        self._since = now

    def move(self, seconds: float, source: str, part: str) -> None:
        """Count ``seconds`` timed with ``source`` as ``part``'s: a part timed inside another."""
        self.seconds[source] -= seconds
        self.seconds[part] = self.seconds.get(part, 0.0) + seconds


def extract_page(
    body: bytes | str,
    url: str,
    content_type: str | None = None,
    options: ExtractOptions = DEFAULT_OPTIONS,
    listed_published: str | None = None,
    list_links: bool = False,
) -> PageExtraction:
    """Extract one fetched page. Never raises for bad input: the result says why there is no article.

    The page is parsed once; trafilatura, the teaser finder and the metadata reader share the tree. The links,
    the teasers and the title are read from it first; trafilatura's fast run then prunes it of its comment
    sections, where it is (:mod:`crawler.extract.handover`), before the dates and the author are read.
    ``listed_published``: the publication date a sitemap or feed gives for the page, the article's when
    the page states none (see :func:`~crawler.extract.dates.published_date`). ``list_links``: the result
    also holds the page's links (the crawl follows them), read from the same tree.
    """
    laps = _Laps()
    no_links: list[str] | None = [] if list_links else None  # a page that is no HTML links nowhere
    if isinstance(body, str):
        html, encoding = body, None
    else:
        if not body.strip():
            return PageExtraction("skipped", "empty", links=no_links)
        declared = charset_from_content_type(content_type)
        if sniff_binary(body, declared):
            return PageExtraction("skipped", "not_html", links=no_links)
        html, encoding = decode_html(body, declared)
    html = html.replace("\x00", "")  # NUL bytes stop libxml2 in the middle of a page
    if not html.strip():
        return PageExtraction("skipped", "empty", encoding=encoding, links=no_links)
    tree = parse_html(html)
    laps.done("parse")
    if tree is None:
        return PageExtraction("skipped", "not_html", encoding=encoding, links=no_links, cpu_s=laps.seconds)
    links = None
    if list_links:  # before anything reads the tree: nothing may have changed it
        links = links_in(tree, url, html, encoding)
        laps.done("links")
    teasers = find_teasers(tree, url)
    laps.done("teasers")
    # All of them cut teaser lines from the text and make a listing; only so many are kept for the store:
    # storing a teaser means looking up its near-duplicates, and an archive page listing every story of a
    # site (20,000 teasers) would hold the writer, and the downloads with it, for many seconds.
    kept = teasers[: options.max_teasers]
    over_limit = len(teasers) - len(kept)
    labels, link_count = _link_labels(tree)
    laps.done("cleaning")
    if len(teasers) >= ARCHIVE_TEASERS or link_count >= INDEX_LINKS:
        return PageExtraction(*_no_article(teasers), None, kept, [], encoding, links, laps.seconds, over_limit)
    metadata = MetadataReader(tree, url, listed_published)
    title = metadata.title
    laps.done("metadata")
    text, removed, read = _article_text(tree, url, teasers, title, labels, options, laps)
    if text and SERVICE_PAGE.search(urlsplit(url).path):
        text = ""  # contact, legal notice, privacy policy: not stories, however long
    laps.done("cleaning")  # the teaser lines and furniture cut after trafilatura's text
    # Its paragraphs' words, counted (and cached) for the shape of the result and the cut: no word spans
    # the blank lines between them.
    article: Article | None = None
    reason: str | None = None
    if not text or count_words_in(text.split("\n\n")) < options.min_words:
        kind, reason = _no_article(teasers)
    else:
        # An article is its text and what the page says about itself (the same fields, by name).
        article = Article(text=text, **vars(metadata.read(text)))
        laps.done("metadata")
        kind = "article"
    return PageExtraction(
        kind,
        reason,
        article,
        teasers=kept,
        removed=removed,
        encoding=encoding,
        links=links,
        cpu_s=laps.seconds,
        teasers_over_limit=over_limit,
        thorough=read.thorough,
        thorough_kept=read.thorough_kept,
    )


def _no_article(teasers: list[Teaser]) -> tuple[str, str]:
    """The kind and reason of a page without an article: a listing when it shows teasers."""
    return ("listing", "listing") if len(teasers) >= MIN_LISTING_TEASERS else ("skipped", "no_article")


def extract_article(html: bytes | str, url: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Article | None:
    """The article of a page, or None when the page holds none (listing, too short, not HTML)."""
    return extract_page(html, url, options=options).article


def _article_text(
    tree: HtmlElement,
    url: str,
    teasers: list[Teaser],
    title: str | None,
    labels: set[str],
    options: ExtractOptions,
    laps: _Laps,
) -> tuple[str, list[tuple[str, str]], Body]:
    """The story's text with teasers and furniture cut out (empty when there is none), what was cut, and
    trafilatura's result (:class:`~crawler.extract.body.Body`). ``labels``: the page's link labels
    (:func:`_link_labels`)."""
    body = extract_body(tree, url, options, labels)
    laps.done("text")
    if body.thorough is not None:
        laps.move(body.thorough_cpu_s, "text", "thorough")
    paragraphs = body.paragraphs
    if not paragraphs:
        return "", [], body
    others = _other_stories(teasers, title, url)
    kept, teaser_lines = strip_teasers(paragraphs, others, labels)
    site = scope_key(url)
    stories = _without_flat_items(tree, _without_the_storys_items(others, site), site, paragraphs, kept)
    if len(stories) < len(others) and count_words_in(kept) >= options.min_words:
        # The story has text of its own around a roundup's items (see LONG_BLURB_WORDS), which are part of it; a
        # page of nothing but such items is a listing of them (a section front whose blurbs run long).
        kept, teaser_lines = strip_teasers(paragraphs, stories, labels)
    furniture = {p for p in kept if is_furniture(p)}
    removed = [(p, "teaser") for p in teaser_lines] + [(p, "furniture") for p in kept if p in furniture]
    kept = [p for p in kept if p not in furniture]
    if len(teasers) < MIN_LISTING_TEASERS and count_words_in(kept) < options.min_words <= count_words_in(paragraphs):
        # Cleaning would turn a page with few teasers into "no article": trust the article instead.
        kept, removed = paragraphs, []
    if not kept or _mostly_links(labels, kept):
        return "", removed, body
    return "\n\n".join(kept), removed, body


def _other_stories(teasers: list[Teaser], title: str | None, url: str) -> list[Teaser]:
    """The teasers that stand for other stories.

    A teaser with the page's own headline, or alone under it ("Read more »" to another URL of it), is
    this story: its blurb is the story's lead, not chrome. So is one on the same site whose headline
    holds the page's ("30.04.2020 / Moritz Wichmann »Headline«" among the similar articles, linking
    to another URL of this story); on other sites that is a copy of it (a pingback), whose lines go.
    Several teasers under the page's heading make a listing of other stories, and a section's short
    heading ("World") is no headline.
    """
    own = label_key(title or "")
    if own.count(" ") + 1 < MIN_HEADLINE_WORDS:
        return teasers
    site = scope_key(url)

    def this_story(teaser: Teaser) -> bool:
        headline = label_key(teaser.title)
        return headline == own or (f" {own} " in f" {headline} " and scope_key(teaser.url) == site)

    blocks = [label_key(t.block) for t in teasers]
    under_own = blocks.count(own)
    return [
        t
        for t, block in zip(teasers, blocks, strict=True)
        if not this_story(t) and not (under_own == 1 and block == own)
    ]


def _without_the_storys_items(teasers: list[Teaser], site: str) -> list[Teaser]:
    """``teasers`` without the items of a roundup or a listicle that the story is made of (see LONG_BLURB_WORDS)."""
    blurb_words = [count_words(t.text) for t in teasers]
    if max(blurb_words, default=0) < OFF_SITE_BLURB_WORDS:
        return teasers  # most pages: no item's blurb is long enough, and no teaser's site need be read
    roundup = len({scope_key(t.url) for t in teasers} - {site}) >= MIN_ROUNDUP_SITES

    def storys_item(teaser: Teaser, words: int) -> bool:
        if words >= LONG_BLURB_WORDS:
            return True
        return roundup and words >= OFF_SITE_BLURB_WORDS and scope_key(teaser.url) != site

    return [t for t, words in zip(teasers, blurb_words, strict=True) if not storys_item(t, words)]


def _without_flat_items(
    tree: HtmlElement, teasers: list[Teaser], site: str, paragraphs: list[str], kept: list[str]
) -> list[Teaser]:
    """``teasers`` without a flat listicle's items (see LONG_BLURB_WORDS): a headline without a blurb, linking off
    the site, that the page sets as a heading and whose next line in the story's text (``paragraphs``) is a
    paragraph the story keeps (``kept``)."""
    kept_paragraphs = set(kept)
    cut_above_prose = {
        normalized_paragraph(line)
        for line, after in pairwise(paragraphs)
        if line not in kept_paragraphs and after in kept_paragraphs and count_words(after) >= OFF_SITE_BLURB_WORDS
    }
    if not cut_above_prose:
        return teasers  # most pages: what was cut is not a line above a paragraph of the story
    items = {
        headline
        for t in teasers
        if not t.text
        and (headline := normalize_text(t.title)) in cut_above_prose
        and not t.title.endswith(CUT_SHORT)  # a teaser's headline, cut to fit its box: no item's
        and scope_key(t.url) != site
    }
    if items:
        items &= {normalize_text(" ".join(h.itertext())) for h in tree.iter(*HEADINGS)}
    return [t for t in teasers if normalize_text(t.title) not in items] if items else teasers


def strip_teasers(
    paragraphs: list[str], teasers: list[Teaser], link_labels: Set[str] = frozenset()
) -> tuple[list[str], list[str]]:
    """Split paragraphs into (kept, removed): block headings, teaser labels, headlines and blurbs go.

    A paragraph goes when it is a teaser headline or a piece of a teaser's headline-plus-blurb (blurbs
    are cut at varying lengths), or when a blurb makes up most of it; a block heading or label goes when
    what follows it is no story: teasers, a link's words (``link_labels``), furniture, or nothing.
    """
    # An item's own label ("World", "Editor's choice") counts only when several teasers carry it:
    # a one-off short text inside a mis-found item could be anything, the article's included.
    label_counts = Counter(normalize_text(x) for t in teasers for x in t.labels)
    block_sizes = Counter(normalize_text(t.block) for t in teasers)
    labels = {b for b, n in block_sizes.items() if n >= 2} | {x for x, n in label_counts.items() if n >= 2}
    headlines = {normalize_text(t.title) for t in teasers}
    # One string to search for a paragraph inside any blurb (a normalised text holds no line break), and
    # the bare blurbs by length, for those that could make up most of a paragraph: a listing's thousands
    # of teasers against its thousands of lines were a loop in Python over every pair (8000: 5 s).
    blurbs = "\n".join(normalize_text(f"{t.title} {t.text}") for t in teasers)
    bare_blurbs = sorted((b for b in (normalize_text(t.text) for t in teasers) if len(b) >= 20), key=len)
    bare_lengths = [len(b) for b in bare_blurbs]
    whole_blurbs = set(bare_blurbs)  # a line that is one of them holds it (all of it): no search needed
    goes = [False] * len(paragraphs)

    def holds_a_blurb(norm: str) -> bool:
        """Whether a bare blurb is in the paragraph and at least half of it."""
        shortest, longest = bisect_left(bare_lengths, 0.5 * len(norm)), bisect_right(bare_lengths, len(norm))
        return any(blurb in norm for blurb in bare_blurbs[shortest:longest])

    def no_story_at(i: int) -> bool:
        return i == len(paragraphs) or goes[i] or label_key(paragraphs[i]) in link_labels or is_furniture(paragraphs[i])

    # From the last paragraph up, so that a label knows whether what follows it goes.
    for i in range(len(paragraphs) - 1, -1, -1):
        norm = normalized_paragraph(paragraphs[i])  # cached: the article's paragraphs are signed with it
        teaser = (
            not norm
            or norm in headlines
            or norm in whole_blurbs  # a listing's lines are its teasers': found without a search
            or (len(norm) >= 20 and norm in blurbs)
            or holds_a_blurb(norm)
        )
        # A block's heading is the heading nearest above its teasers, which is sometimes the story's
        # own last subheading ("Nur die Folie bleibt zurück" above the list after the article): it
        # heads the block only where no story follows it.
        goes[i] = teaser or (norm in labels and no_story_at(i + 1))
    kept = [p for p, gone in zip(paragraphs, goes, strict=True) if not gone]
    removed = [p for p, gone in zip(paragraphs, goes, strict=True) if gone]
    return kept, removed


def _link_labels(tree: HtmlElement) -> tuple[set[str], int]:
    """The words of every link on the page (a paragraph that is one of them is a link label), and how
    many links it holds."""
    # Each distinct text keyed once (menus repeat links), and a link without child elements read
    # without itertext: 1.4 -> 0.8 ms a page.
    texts = set()
    links = 0
    for a in tree.iter("a"):
        links += 1
        text = " ".join(a.itertext()) if len(a) else a.text
        if text:
            texts.add(text)
    labels = {label_key(text) for text in texts}
    labels.discard("")
    return labels, links


def _mostly_links(labels: set[str], paragraphs: list[str]) -> bool:
    """Whether the text is a list of link labels (an index page), not prose."""
    counts = [count_words(p) for p in paragraphs]
    linked = sum(n for p, n in zip(paragraphs, counts, strict=True) if label_key(p) in labels)
    return linked >= LINK_LIST_SHARE * sum(counts)
