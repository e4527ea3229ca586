"""A page's title, author, dates, description, site name, language, canonical URL, image, tags and
categories, read from its tree."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.metadata import examine_meta, extract_meta_json, normalize_authors
from trafilatura.settings import Document

from crawler.extract.author_boxes import author_box_name
from crawler.extract.author_links import linked_author
from crawler.extract.authors import after_a_label, korean_names, looks_like_a_person, names_only_the_site, tidy_authors
from crawler.extract.byline_lines import byline_line_author
from crawler.extract.bylines import byline_text
from crawler.extract.dateparsing import dates_read_in
from crawler.extract.dates import modified_date, published_date
from crawler.extract.elements import NOT_SHOWN, PageElements, text_pieces, visible_text
from crawler.extract.headline_bylines import headline_byline_author
from crawler.extract.language import guess_language, normalize_tag
from crawler.extract.terms import kind_links, linked_terms
from crawler.extract.titles import TitleSources, name_key, page_title, usable_headings
from crawler.extract.words import clean, composed, count_words
from crawler.urls import normalize_url

logger = logging.getLogger(__name__)

_RUN_TOGETHER_CHARS = 10  # a first and a last name written as one word are at least this long

_LANGUAGE = (etree.XPath("/html/@lang"), etree.XPath("/html/@xml:lang"))  # the root's own: no walk
# A part of an <h1> marked as a subtitle: before more of the heading it is a kicker (sites mark their
# roofline so), after the headline a deck.
_SUBTITLE_MARK = r"sub-?title|sub-?headline"
# Parts of an <h1> that are not the headline: a kicker above it ("Climate: ..."), text for screen
# readers only, a separator hidden from sight.
_KICKER = re.compile(
    rf"kicker|roofline|dachzeile|topline|overline|eyebrow|supertitle|{_SUBTITLE_MARK}|topic|label|titleheader"
    r"|\b(h1-?)?small\b",
    re.I,
)
# The part of an <h1> marked as the headline itself (not a subheadline, a deck under it).
_HEADLINE_MARK = re.compile(r"(?<!sub)(?<!sub-)headline|(^|[\s_-])(post-?|entry-?|article-?)?title($|[\s_-])", re.I)
# A tag list is a handful of words; hundreds of "keywords" are search-engine bait, not tags.
MAX_TERMS = 30
MAX_TERM_CHARS = 80
# Not titles.EDGE_PUNCTUATION, which also holds « » › ‹: a headline may open with a quotation mark.
_KICKER_SEPARATORS = " :|·•–—-"
# A deck after the headline inside an <h1>.
_SUBTITLE = re.compile(rf"{_SUBTITLE_MARK}|\bdeck\b|\bdek\b|standfirst", re.I)
_HIDDEN = re.compile(r"visually-hidden|sr-only|screen-reader|hiddendash|visuallyhidden", re.I)
# A named character reference in a script's text ("Redacci&oacute;n"): the HTML parser leaves scripts
# as written, and trafilatura's JSON-LD reader decodes only "&amp;" and numeric ones, then splits the
# names at the semicolon ("Redacci; Oacute; n"). Those that could change the JSON or its markup stay.
_NAMED_REFERENCE = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_KEPT_REFERENCES = frozenset(("amp", "quot", "lt", "gt"))
# An address after the name in a byline ("Jane Doe jane.doe@example.com", "홍길동 기자 hong@yna.co.kr"):
# trafilatura's reader makes its parts words of the name ("Jane Doe jane doe com").
_EMAIL_ADDRESS = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# The header of a reader's comment that byline markup matched ("Ann Example says:", "ann said, on
# August 3, 2019 at 3:12 pm"): a commenter, not the story's author.
_COMMENT_HEADER = re.compile(r"^\s*\S.{0,60}?\s(?:says|said|sagt|schreibt|schrieb)\b\s*(?:[:,]|$)", re.IGNORECASE)
_STRUCTURED_TYPES = ("application/ld+json", "application/settings+json")  # what trafilatura's reader reads


@dataclass
class PageMetadata:
    """What a page says about itself; every field may be None."""

    title: str | None = None
    author: str | None = None
    published: str | None = None
    description: str | None = None
    sitename: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    modified: str | None = None


def _decode_characters(text: str) -> str:
    return _NAMED_REFERENCE.sub(
        lambda m: m.group(0) if m.group(1).lower() in _KEPT_REFERENCES else html.unescape(m.group(0)), text
    )


def _structured_scripts(elements: PageElements) -> HtmlElement:
    """What trafilatura's JSON-LD reader is given: an element holding the page's JSON-LD scripts, in order,
    with each character a script writes as a named reference decoded.

    The reader finds its scripts with an XPath over what it is given: over the whole page, a walk of
    every node, where the page's elements already know its scripts."""
    holder = etree.Element("div")
    for script in elements.scripts:
        kind = script.get("type")
        if kind in _STRUCTURED_TYPES:
            etree.SubElement(holder, "script", type=kind).text = _decode_characters(script.text or "")
    return holder


def read_metadata(tree: HtmlElement, url: str) -> PageMetadata:
    """The page's metadata, structured data first: OpenGraph, meta tags and JSON-LD (read by
    trafilatura's own readers), then the markup (``<h1>``, bylines, htmldate) only where they say nothing.
    """
    return MetadataReader(tree, url).read()


class MetadataReader:
    """One page's metadata, each part read when first asked for (the title is needed before the rest)."""

    def __init__(self, tree: HtmlElement, url: str, listed_published: str | None = None):
        self.tree = tree
        self.url = url
        self.listed_published = listed_published  # what the sitemap or feed that listed the page says
        self.elements = PageElements(tree)

    @cached_property
    def structured(self) -> Document:
        """What OpenGraph, the meta tags and JSON-LD say, as trafilatura reads them."""
        metadata = examine_meta(self.tree)
        # trafilatura drops a one-word author from the meta tags (a site or user name, not a person); but
        # Chinese, Japanese and Korean write a person's name as one word ("张三", "홍길동").
        author = metadata.author
        person = author and (" " in author or looks_like_a_person(author) or korean_names(author))
        tagged_author = author if person else None
        # The people JSON-LD names replace the meta tags' author rather than join it: beside them, that
        # is most often the company ("Prisma Média; Marie Merlet", "Condé Nast; Fiona Bornhöft").
        metadata.author = None
        try:
            metadata = extract_meta_json(_structured_scripts(self.elements), metadata)
        except Exception:  # a bug in trafilatura's JSON-LD reader costs only the JSON-LD
            logger.debug("JSON-LD metadata unreadable", exc_info=True)
        metadata.author = metadata.author or tagged_author
        return metadata

    @cached_property
    def site_names(self) -> list[str]:
        """What the page calls its site: ``og:site_name``, ``application-name``, the publisher's name."""
        elements, structured = self.elements, self.structured
        names = elements.meta_content(properties=("og:site_name",), names=("application-name",))
        return [_unescape(n) for n in [*names, *([structured.sitename] if structured.sitename else [])]]

    @cached_property
    def title(self) -> str | None:
        return composed(page_title(_title_sources(self.elements, self.structured, self.site_names), self.url))

    def author(self, text: str = "") -> str | None:
        """The person a byline line of the article's ``text`` names, else the authors the structured data
        names, else the byline's, else the one the links to an author's archive name, else the person a line
        beside the headline names after "By", else the one an "about the author" box names; without what is
        not a person. The site's own name is the author only when no later source names a person instead
        ("Die FURCHE" in the structured data, "Ursula Baatz" in the byline). A long one-word name is spelt as
        a later source spells it in words ("arianschlichenmayer" in the JSON-LD, "Arian Schlichenmayer")."""
        site_only = None
        headline = name_key(self.title or "")
        sources = self._authors_found(text)
        for found in sources:
            # A byline's markup around the headline (a rating widget's): the story's title, no one's name
            # (unless the title is a person's name: a page about its author).
            if not found or (name_key(found) == headline and not looks_like_a_person(found)):
                continue
            # Bylines hold much else: against the site's name, only a person's name.
            person = site_only is None or looks_like_a_person(found)
            if person and not names_only_the_site(found, self.url, self.site_names):
                return _spelled_out(found, sources)
            site_only = site_only or found
        return site_only

    def _authors_found(self, text: str) -> Iterator[str | None]:
        """The authors each source names, tidied, most trusted first."""
        elements, site_names = self.elements, self.site_names
        # What the reader sees above or below the story: structured data may name the web editor, or the
        # site ("Von Matthias Lauerer" in the text, "Isabell Angele" in the JSON-LD).
        yield tidy_authors(byline_line_author(text), self.url, site_names, ())
        yield tidy_authors(clean(self.structured.author), self.url, site_names, elements.metadata_strings())
        written = after_a_label(_EMAIL_ADDRESS.sub(" ", byline_text(self.tree) or "").strip())
        if written and not _COMMENT_HEADER.match(written):
            # The byline as written is a source too: it spells initials with their full stops.
            sources = [written, *elements.metadata_strings()]
            yield tidy_authors(clean(normalize_authors(None, written)), self.url, site_names, sources)
        # Blogs often name their author only in the links to the author's archive, or in a "By" before one.
        yield tidy_authors(linked_author(self.tree, elements.h1s), self.url, site_names, elements.metadata_strings())
        # A byline under the headline whose markup says nothing of an author: read from its words.
        yield tidy_authors(headline_byline_author(elements.h1s), self.url, site_names, elements.metadata_strings())
        # A box about the author beside the story, as blog themes add one: its heading names them.
        yield tidy_authors(author_box_name(self.tree), self.url, site_names, elements.metadata_strings())

    @property
    def published(self) -> str | None:
        try:
            return published_date(self.tree, self.url, self.elements, self.listed_published)
        except Exception:  # htmldate reads anything a page holds: a bug there costs only the date
            logger.warning("date unreadable on %s", self.url, exc_info=True)
            return None

    def read(self, text: str = "") -> PageMetadata:
        """Everything the page says about itself. ``text``, the article's, gives the language when the
        markup declares none; dates in words are read in both (pages declare the wrong one too) and English."""
        structured = self.structured
        declared = declared_language(self.tree, self.elements)
        with dates_read_in(_date_languages(declared, text)):
            published, modified = self.published, modified_date(self.tree, self.elements)
        return PageMetadata(
            title=self.title,
            author=composed(self.author(text)),
            published=published,
            description=composed(clean(structured.description) or None),
            sitename=composed(clean(structured.sitename) or None),
            language=declared or (guess_language(text) if text else None),
            canonical_url=canonical_url(self.tree, self.url, self.elements),
            image=_absolute(structured.image, self.url),
            tags=_terms(structured.tags or self._catstags("tag")),
            categories=_terms(structured.categories or self._catstags("category")),
            modified=modified,
        )

    @cached_property
    def _kind_links(self) -> list[HtmlElement]:
        return kind_links(self.tree)

    def _catstags(self, kind: str) -> list[str]:
        try:
            return linked_terms(self.tree, kind, self._kind_links, self.elements)
        except Exception:  # a bug in trafilatura's search costs only the tags
            logger.debug("%s unreadable on %s", kind, self.url, exc_info=True)
            return []


def _date_languages(declared: str | None, text: str) -> Iterator[str | None]:
    """The languages to read a page's dates in: the one it declares, then the one its text is in
    (guessed only if a date needs it: most pages have none that dateparser must read)."""
    yield declared
    if text:
        yield guess_language(text)


def _terms(values: list[str] | None) -> tuple[str, ...]:
    """Tags or categories, one per entry: meta tags give them comma-separated ("Council, Budget")."""
    terms = (clean(html.unescape(part)) for value in values or () for part in value.split(","))
    return tuple(dict.fromkeys(t for t in terms if t and len(t) <= MAX_TERM_CHARS))[:MAX_TERMS]


def _absolute(link: str | None, url: str) -> str | None:
    """An image link as an absolute http(s) URL, or None. Only made absolute: an image server may sign
    its query, so it is not normalised like a page's URL."""
    if not link or not link.strip():
        return None
    try:
        absolute = urljoin(url, link.strip())
    except ValueError:
        return None
    return absolute if absolute.startswith(("http://", "https://")) else None


def _title_sources(elements: PageElements, structured: Document, site_names: list[str]) -> TitleSources:
    title = elements.head_title()
    og_title = elements.meta_content(properties=("og:title",))
    twitter_title = elements.meta_content(names=("twitter:title",))
    title_tag = _unescape(title.text_content()) if title is not None else ""
    headings: list[str] = []
    logos: list[str] = []
    for heading in elements.h1s:
        (logos if _links_home(heading) else headings).append(_headline_text(heading))
    # Without an <h1> headline, the <h2>s: an older blog theme's post title (its name may be an <h2> too).
    subheadings: list[str] = []
    for heading in elements.h2s if not usable_headings(headings) else ():
        (logos if _links_home(heading) else subheadings).append(_headline_text(heading))
    return TitleSources(
        title_tag=title_tag,
        headline=_uncut(_unescape(structured.title or ""), title_tag),
        og_title=_uncut(_unescape(og_title[0]) if og_title else "", title_tag),
        twitter_title=_uncut(_unescape(twitter_title[0]) if twitter_title else "", title_tag),
        h1=headings,
        h2=subheadings,
        # An <h1> (or <h2>) linking to the home page names the site: "Story | Liebe geht durch den Magen" on
        # a blog whose logo is that <h1>.
        site_names=[*site_names, *(logo for logo in logos if logo)],
        sections=[_unescape(s) for s in elements.meta_content(properties=("article:section",))],
    )


def _uncut(headline: str, title_tag: str) -> str:
    """A meta tag's headline that ends where ``<title>`` goes on with a quotation mark was cut there: its
    site wrote content="... de "incapacitado"", and the attribute ends at the unescaped mark. The
    ``<title>`` text, which holds the rest (and is cut of the site's name like any other), replaces it."""
    cut = headline and title_tag != headline and title_tag.startswith(headline)
    return title_tag if cut and title_tag[len(headline) :].lstrip()[:1] in ('"', "'") else headline


def _unescape(text: str) -> str:
    """Entities left in a meta value or JSON string ("Caf&#233;", "&amp;") as the characters they name."""
    return clean(html.unescape(text)) if "&" in text else clean(text)


def _headline_text(heading: HtmlElement) -> str:
    """An <h1>'s headline: its words, without a kicker above it, a subtitle after it or text meant for
    screen readers."""
    parts: list[str] = []
    kicker_cut = _gather_headline(_marked_headline(heading), parts)
    # Entities the page escaped twice show as written ("SQL &#x26; AI"): its <title> and meta tags have the
    # character, and so does the headline.
    text = _unescape("".join(_spaced(parts)))
    # What separated a kicker from the headline goes with it ("Kicker: Headline" without the kicker).
    return text.lstrip(_KICKER_SEPARATORS) if kicker_cut else text


def _gather_headline(heading: HtmlElement, parts: list[str]) -> bool:
    """Add the shown text of ``heading`` (a heading, or a part of one) to ``parts``; whether a kicker was cut."""
    kicker_cut = False
    # Whether an element entered is at the top: the heading, or its only child (all the way down).
    tops = {heading: True}

    def headline_part(child: HtmlElement) -> bool:
        nonlocal kicker_cut
        parent = child.getparent()
        top = tops[parent]
        attributes = f"{child.get('class', '')} {child.get('aria-hidden', '')}"
        # Text for screen readers only is no part of the headline shown, except the punctuation that sets a kicker
        # apart for them and for a copy of the text ("Eskalation im Nordatlantik<span class="visually-hidden">:
        # </span>"): without it the two run together.
        hidden = _HIDDEN.search(attributes) and not _only_punctuation(child)
        skip = hidden or child.get("aria-hidden") == "true" or _permalink(child)
        # Only a kicker that is followed by more of the heading: otherwise it is the headline. A part marked as
        # a subtitle after the headline (decided when reached: after some of it) is its deck
        # ("<small class="article-subtitle">").
        kicker = top and (child.tag == "small" or _KICKER.search(attributes)) and _rest_of(child)
        subtitle = top and not kicker and _SUBTITLE.search(attributes) and "".join(parts).strip()
        kicker_cut = kicker_cut or bool(kicker)
        shown = isinstance(child.tag, str) and child.tag not in NOT_SHOWN
        if shown and not (skip or kicker or subtitle):
            tops[child] = top and len(parent) == 1
            return True
        return False

    for piece in text_pieces(heading, headline_part):
        parts.append(piece)  # one at a time: a subtitle is told by the pieces before it
    return kicker_cut


def _permalink(element: HtmlElement) -> bool:
    """A heading's link to itself drawn as a sign, no word ("¶" of Sphinx and MkDocs, "#", "§"): not headline."""
    return (
        element.tag == "a" and (element.get("href") or "").startswith("#") and not count_words(element.text_content())
    )


def _only_punctuation(element: HtmlElement) -> bool:
    """Whether ``element`` holds text, all of it punctuation (": ", " – ")."""
    text = element.text_content()
    return bool(text.strip()) and not count_words(text)


def _spaced(parts: list[str]) -> Iterator[str]:
    """The parts of a heading with a space between two that touch (the parts of a kicker and its headline
    are often shown on lines of their own), but none before punctuation: "<abbr>THW</abbr>: ...", nor after
    a letter set apart to be drawn large, where the word goes on: "<span class="drop-cap">C</span>ycle"."""
    previous = ""
    for part in parts:
        touching = previous and part and not previous[-1].isspace() and not part[0].isspace()
        if touching and part[0] not in ",.:;!?)" and not _letter_of_word(previous, part):
            yield " "
        yield part
        previous = part or previous


def _letter_of_word(letter: str, rest: str) -> bool:
    """Whether the part ``letter`` ends in one letter standing alone, which the lower-case ``rest`` goes on from."""
    alone = len(letter) == 1 or letter[-2].isspace()
    return alone and letter[-1].isalpha() and rest[0].islower()


def _marked_headline(heading: HtmlElement) -> HtmlElement:
    """The child of an <h1> marked as the headline when it ends the heading after fewer other words (a
    kicker without a mark of its own: "Climate<span class="headline">Drilling until it gets hot</span>");
    else the <h1>."""
    before: list[str] = [heading.text or ""]
    for child in heading:
        if not isinstance(child.tag, str):
            continue
        text = visible_text(child)
        marked = _HEADLINE_MARK.search(child.get("class", "")) and not _rest_of(child)
        if marked and 0 < count_words(" ".join(before)) < count_words(text):
            return child
        before += [text, child.tail or ""]
    return heading


def _rest_of(element: HtmlElement) -> bool:
    """Whether the heading shows text after ``element``."""
    if (element.tail or "").strip():
        return True
    return any(clean(visible_text(s)) or clean(s.tail or "") for s in element.itersiblings())


def _links_home(heading: HtmlElement) -> bool:
    """A heading that links to the site's home page is the site's name (blog templates), not a headline."""
    links = heading.findall(".//a")
    if len(links) != 1:
        return False
    try:
        path = urlsplit(links[0].get("href") or "").path
    except ValueError:  # an address that cannot be one ("http://[::1"): no home page
        return False
    return path in ("", "/") and clean(visible_text(links[0])) == clean(visible_text(heading))


def canonical_url(tree: HtmlElement, url: str, elements: PageElements | None = None) -> str | None:
    """The page's own idea of its URL (rel=canonical, then og:url), normalised; None if it states none."""
    elements = elements or PageElements(tree)
    for href in (*elements.link_hrefs("canonical"), *elements.meta_content(properties=("og:url",))):
        if href.strip():
            try:
                return normalize_url(href, url)
            except ValueError:
                continue
    return None


def declared_language(tree: HtmlElement, elements: PageElements | None = None) -> str | None:
    """The language the markup declares (html lang, content-language, og:locale), as a bare code."""
    for candidate in (c for xpath in _LANGUAGE for c in xpath(tree)):
        language = normalize_tag(candidate)
        if language:
            return language
    elements = elements or PageElements(tree)
    declared = elements.meta_content(http_equivs=("content-language", "Content-Language"))
    for candidate in (*declared, *elements.meta_content(properties=("og:locale",))):
        language = normalize_tag(candidate)
        if language:
            return language
    return None


def _spelled_out(name: str, later: Iterator[str | None]) -> str:
    """``name``, or a later source's spelling of the same name in more words: a login name run together
    ("Arianschlichenmayer" in the structured data, "Arian Schlichenmayer" in the byline). Only a long name
    of one word looks further: on 116 corpus pages the author found first is one word, mostly a first name
    or a user name, and reading the later sources costs about 2 ms a page."""
    if " " in name or ";" in name or len(name) < _RUN_TOGETHER_CHARS:
        return name
    key = name_key(name)
    for other in later:
        if other and " " in other and ";" not in other and name_key(other) == key:
            return other
    return name
