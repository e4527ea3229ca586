"""Finds teaser blocks in a page's chrome: headline links with a short blurb, grouped under a block heading."""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.elements import NOT_SHOWN, text_pieces
from crawler.extract.results import Teaser
from crawler.extract.words import WORD, clean, composed
from crawler.urls import NOT_PAGE_SCHEMES, is_fetchable, normalized_or_none

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
BLOCKS = frozenset(
    (
        "p",
        "div",
        "ul",
        "ol",
        "li",
        "dl",
        "dd",
        "dt",
        "section",
        "article",
        "aside",
        "header",
        "footer",
        "figure",
        "figcaption",
        "blockquote",
        "table",
        "tr",
        "td",
        "th",
        "form",
        "nav",
        "main",
        *HEADINGS,
    )
)
NAVIGATION = ("nav", "header", "menu")  # their links are site navigation, never teasers
SCRIPTS = tuple(sorted(NOT_SHOWN))  # what the visible text leaves out
SKIPPED = (*SCRIPTS, "svg", "button", "select", "form", "iframe")
TITLE_CLASS = re.compile(r"(^|[-_ ])(title|heading|header|label|kicker)([-_ ]|$)", re.IGNORECASE)
META_CLASS = re.compile(r"(^|[-_ ])(meta|date|time|byline|label|kicker|category|tag|badge)s?([-_ ]|$)", re.I)
MAX_ITEM_CHARS = 700  # a teaser is a headline and a few sentences; more is a story or a list
MAX_LABEL_WORDS = 4
MAX_BLOCK_LABEL_WORDS = 6
MIN_HEADLINE_WORDS = 4
MIN_SENTENCE_WORDS = 3  # after a linked sentence's full stop: the next sentence of its prose
MIN_PROSE_WORDS = 8  # a paragraph of a story's text, not a teaser's label, byline or time
LIST_SEARCH_LEVELS = 3  # a teaser sits in a list of teasers no more than this far up
LABEL_SEARCH_LEVELS = 5


# Never less than the length of the visible text: libxml2's whitespace-normalised string value holds
# script bodies and runs of non-ASCII spaces too, and the text pieces joined with a space each.
_TEXT_LENGTH_BOUND = etree.XPath("string-length(normalize-space()) + count(.//text())")
# The links that can be headlines: in a heading, or with a text that can be 20 characters long (by
# the bound above). libxml2 drops the menu entries ("Home", "Sport") before Python sees them.
# ("/descendant::" is "//" without its node set of every node; the length test first, as most
# headline links pass it and need no walk up the tree.)
_HEADLINE_CANDIDATES = etree.XPath(
    "/descendant::a[@href][string-length(normalize-space()) + count(.//text()) >= 20"
    " or ancestor::h1 or ancestor::h2 or ancestor::h3 or ancestor::h4 or ancestor::h5 or ancestor::h6]"
)
_STRING = etree.XPath("string()", smart_strings=False)
_STRING_LENGTH = etree.XPath("string-length()")
LOOKS_LIKE_URL = re.compile(r"://|^www\.|\.(com|org|net|html?)\b", re.IGNORECASE)


def words(text: str) -> int:
    return len(WORD.findall(text))


def _is_title_class(classes: str) -> bool:
    """Whether TITLE_CLASS matches. Most class lists are ASCII and name no title: substring tests
    rule those out three times faster (in ASCII, the regex matches its words in no other spelling)."""
    if classes.isascii():
        lower = classes.lower()
        if "title" not in lower and "head" not in lower and "label" not in lower and "kicker" not in lower:
            return False
    return TITLE_CLASS.search(classes) is not None


def _visible_length_floor(element: HtmlElement) -> float:
    """Never more than the length of the visible text of an element that holds scripts: its
    non-space characters, less every character of the scripts, styles and noscripts in it."""
    if any(True for _ in element.iterancestors(*SCRIPTS)):
        return 0  # inside a noscript: nothing in it is visible
    hidden = sum(_STRING_LENGTH(script) for script in element.iter(*SCRIPTS))
    return len("".join(_STRING(element).split())) - hidden


def _page_elements(tree: HtmlElement) -> tuple[list[HtmlElement], list[HtmlElement]]:
    """The document's <link> and <meta> elements, and the tree's scripts and headings, in document order.

    One walk finds them all, but for a fragment (lxml's ``fromstring`` may return an element under
    the document's root) the head elements are searched in the whole document, as "//" does.
    """
    root = tree.getroottree().getroot()
    if root is tree:
        found = list(tree.iter("link", "meta", *SCRIPTS, *HEADINGS))
        return [e for e in found if e.tag in ("link", "meta")], found
    return list(root.iter("link", "meta")), list(tree.iter(*SCRIPTS, *HEADINGS))


def _self_url(element: HtmlElement) -> str | None:
    """The URL a <link rel="canonical"> or a <meta property="og:url"> gives the page, or None."""
    if element.tag == "link":
        return element.get("href") if element.get("rel") == "canonical" else None
    return element.get("content") if element.get("property") == "og:url" else None


def find_teasers(tree: HtmlElement, page_url: str) -> list[Teaser]:
    """Every teaser on the page, once per (link target, block), in document order.

    A teaser is a headline link (inside a heading, or making up its whole line) to another page, with
    the short text around it in the same small container; links in navigation menus are not teasers.
    """
    return _TeaserFinder(tree, page_url).find()


class _TeaserFinder:
    """One page's tree and the per-element lookups the finder repeats, computed once."""

    def __init__(self, tree: HtmlElement, page_url: str):
        self.tree = tree
        self.page_url = page_url
        # The page's own URLs, without a trailing slash: a table of contents linking to "#part" of the
        # page under another spelling is the page itself, not a teaser.
        page, marked = _page_elements(tree)
        hrefs = [page_url, *filter(None, map(_self_url, page))]
        urls = (normalized_or_none(h, page_url) for h in hrefs if h.strip())
        self.self_urls = {url.rstrip("/") for url in urls if url is not None}
        self._targets: dict[str, str | None] = {}  # by href
        self._texts: dict[HtmlElement, str] = {}
        self._lines: dict[HtmlElement, str] = {}
        self._longer: dict[tuple[HtmlElement, int], bool] = {}
        self._script_holders: set[HtmlElement] = set()
        # The links inside a heading: the only ones whose heading must be looked up.
        self._in_headings: set[HtmlElement] = set()
        for element in marked:
            if element.tag in HEADINGS:
                self._in_headings.update(element.iter("a"))
            elif element.tag in SCRIPTS:
                self._script_holders.add(element)
                for ancestor in element.iterancestors():
                    if ancestor in self._script_holders:
                        break  # its ancestors are in already
                    self._script_holders.add(ancestor)

    def text(self, element: HtmlElement) -> str:
        """Visible text (no script or style bodies), whitespace collapsed."""
        cached = self._texts.get(element)
        if cached is None:
            # itertext, without the script and style bodies, which only elements that hold one have to
            # leave out. Most elements read here (links, labels) have no children: their text is all there is.
            if element in self._script_holders:
                return self._holder_text(element)
            joined = " ".join(element.itertext()) if len(element) else element.text or ""
            cached = self._texts[element] = clean(joined)
        return cached

    def _holder_text(self, element: HtmlElement) -> str:
        """:meth:`text` of an element holding a script or style: its text nodes but those with a script, style,
        noscript or template above them (also above the element), joined with spaces and cleaned.

        Made of its children's texts, each kept, the innermost first and without a function calling itself:
        the ancestors of a script deep in a chain of nested elements each ask for their text, and reading each
        whole subtree anew (and each text node's ancestors) took seconds on such a page. Cleaning the parts
        first changes nothing: cleaning joins the words of every part with single spaces.
        """
        if element.tag in SCRIPTS or next(element.iterancestors(*SCRIPTS), None) is not None:
            self._texts[element] = ""  # every text node below it has a script, style or noscript above it
            return ""
        pending = [element]  # the holders below it not read yet, each after its parent (read as the list grows)
        for holder in pending:
            pending.extend(
                c for c in holder if c in self._script_holders and c not in self._texts and c.tag not in SCRIPTS
            )
        for holder in reversed(pending):
            parts = [holder.text or ""]
            for child in holder:
                if isinstance(child.tag, str) and child.tag not in SCRIPTS:
                    parts.append(self.text(child))
                parts.append(child.tail or "")
            self._texts[holder] = clean(" ".join(parts))
        return self._texts[element]

    def longer_than(self, element: HtmlElement, limit: int) -> bool:
        """Whether the element's visible text is longer than ``limit``; when a bound computed by
        libxml2 settles it, the text itself need not be built. The teasers of a list all ask about
        the same ancestors: each answer is kept."""
        key = (element, limit)
        longer = self._longer.get(key)
        if longer is None:
            longer = self._longer[key] = self._longer_than(element, limit)
        return longer

    def _longer_than(self, element: HtmlElement, limit: int) -> bool:
        if element not in self._texts:
            if _TEXT_LENGTH_BOUND(element) <= limit:
                return False
            if element in self._script_holders and _visible_length_floor(element) > limit:
                return True  # the big wrappers around a page's scripts, whose text takes the slow XPath
        return len(self.text(element)) > limit

    def line_text(self, element: HtmlElement) -> str:
        """The element's own line: its text without that of block-level children (a blurb <p> under a link)."""
        # Kept: each link asks for its parent's line, and an archive's thousands of links in one <div>
        # would build the same long line for each (4000 links: 16 s of a core; 20 s stops a worker).
        line = self._lines.get(element)
        if line is None:
            parts = [element.text or ""]
            for child in element:
                if isinstance(child.tag, str) and child.tag not in BLOCKS and child.tag not in SKIPPED:
                    parts.append(self.text(child))
                parts.append(child.tail or "")
            line = self._lines[element] = clean(" ".join(parts))
        return line

    def target(self, link: HtmlElement) -> str | None:
        """The normalised http(s) URL a link points to, or None."""
        href = (link.get("href") or "").strip()
        # A page links to most of its targets more than once (picture, headline, "more").
        if href not in self._targets:
            url = None
            if href and not href.startswith(("#", *NOT_PAGE_SCHEMES)):
                url = normalized_or_none(href, self.page_url)
                if url is not None and not is_fetchable(url):
                    url = None
            self._targets[href] = url
        return self._targets[href]

    def find(self) -> list[Teaser]:
        found = []
        for link in _HEADLINE_CANDIDATES(self.tree):
            # Cheapest tests first: most links on a page are not headlines, and normalising costs.
            headline = self._headline_of(link)
            if headline is None or self._in_navigation(link):
                continue
            target = self.target(link)
            if target is not None and target.rstrip("/") not in self.self_urls:
                found.append((self._item_container(link, target), target, *headline))
        found = self._in_lists(found)
        if not found:
            return []
        blocks = self._block_labels({container for container, *_ in found})
        teasers: dict[tuple[str, str], Teaser] = {}
        for container, target, title, headline_element in found:
            text, labels = self._blurb_and_labels(container, headline_element)
            block = composed(blocks[container])
            key = (target, block)
            if key not in teasers or len(text) > len(teasers[key].text):
                # Composed (NFC), as every text the crawler stores: a query finds a word however the page wrote it.
                teasers[key] = Teaser(target, composed(title), composed(text), block, tuple(map(composed, labels)))
        return list(teasers.values())

    @staticmethod
    def _in_lists(found: list) -> list:
        """Keep teasers that share a nearby ancestor with another: a lone headline link is no teaser block."""
        holders: dict[HtmlElement, int] = {}
        chains: list[list[HtmlElement]] = []
        for container, *_ in found:
            chain: list[HtmlElement] = []
            for ancestor in container.iterancestors():
                if len(chain) == LIST_SEARCH_LEVELS or ancestor.tag in ("body", "html"):
                    break
                chain.append(ancestor)
                holders[ancestor] = holders.get(ancestor, 0) + 1
            chains.append(chain)
        return [item for item, chain in zip(found, chains, strict=True) if any(holders[a] >= 2 for a in chain)]

    @staticmethod
    def _in_navigation(element: HtmlElement) -> bool:
        return any(a.tag in NAVIGATION or a.tag in SKIPPED for a in element.iterancestors())

    def _headline_of(self, link: HtmlElement) -> tuple[str, HtmlElement] | None:
        """The headline text of a link and the element that carries it, if the link is a headline."""
        if not link.get("href"):
            return None
        text = self.text(link)
        heading = self._heading_of(link)
        if heading is not None:
            heading_text = self.text(heading)
            if words(heading_text) >= MIN_HEADLINE_WORDS and len(text) >= 0.5 * len(heading_text):
                return heading_text, heading
        if len(text) < 20 or len(text) > 300 or words(text) < MIN_HEADLINE_WORDS or LOOKS_LIKE_URL.search(text):
            return None
        parent = link.getparent()
        # An inline link inside running text is no headline: it must be (nearly) all of its line.
        if parent is not None and len(text) < 0.8 * len(self.line_text(parent)):
            return None
        if self._inside_a_sentence(link, text) or self._runs_into_a_sentence(link, text):
            return None
        return text, link

    def _inside_a_sentence(self, link: HtmlElement, text: str) -> bool:
        """Whether the link, with the inline elements that wrap it alone, has words of its line before it and
        text after it: "I know some people <span><a>are passionate about it</a></span>." The wrapper is the
        link, not a line of its own (a line break or a block around it makes one)."""
        outer = link
        while (parent := outer.getparent()) is not None and parent.tag not in BLOCKS and self.line_text(parent) == text:
            outer = parent
        if outer is link or parent is None:
            return False  # a link in no wrapper: the line test above has read its line
        before = outer.getprevious()
        if before is None:
            words_before = parent.text or ""
        elif before.tag == "br" or before.tag in BLOCKS:
            words_before = before.tail or ""
        else:
            words_before = f"{self.text(before)} {before.tail or ''}"
        return WORD.search(words_before) is not None and bool((outer.tail or "").strip())

    def _runs_into_a_sentence(self, link: HtmlElement, text: str) -> bool:
        """Whether the link's sentence ends with a full stop and its line goes on after it: a news roundup's
        items ("<li><strong><a>The attorney general is investigating WeWork</a>.</strong> The company confirmed
        ...</li>") are the story's own prose, where a teaser's headline ends without one. (A reference's title
        and its journal on the next line, after a <br>, are two lines.)"""
        stop = text.endswith(".") and not text.endswith("..")
        tail = (link.tail or "").lstrip()
        if tail and not stop and not tail.startswith("."):
            return False  # the common case, read without walking the line
        after = ("." if stop else "") + self._rest_of_line(link).lstrip()
        return after.startswith(".") and not after.startswith("..") and words(after) >= MIN_SENTENCE_WORDS

    def _rest_of_line(self, element: HtmlElement) -> str:
        """The text after the element up to the end of its line: the next line break, or the end of its block."""
        parts = []
        while element.tag not in BLOCKS:
            parts.append(element.tail or "")
            following = element.getnext()
            while following is not None and following.tag != "br" and following.tag not in BLOCKS:
                if isinstance(following.tag, str) and following.tag not in SKIPPED:
                    parts.append(self.text(following))
                parts.append(following.tail or "")
                following = following.getnext()
            parent = element.getparent()
            if following is not None or parent is None:
                break
            element = parent
        return clean(" ".join(parts))

    def _heading_of(self, link: HtmlElement) -> HtmlElement | None:
        """The heading a link sits in, if any."""
        if link not in self._in_headings:
            return None
        return next(a for a in link.iterancestors() if a.tag in HEADINGS)

    def _item_container(self, link: HtmlElement, target: str) -> HtmlElement:
        """The largest ancestor that still holds only this teaser: one headline target, little text."""
        container = link
        own_heading = self._heading_of(link)
        for ancestor in link.iterancestors():
            if ancestor.tag in ("body", "html", "main") or self.longer_than(ancestor, MAX_ITEM_CHARS):
                break
            # A second heading means the ancestor holds more than one story (or the article's own title).
            if any(h is not own_heading for h in ancestor.iter(*HEADINGS)):
                break
            # Section labels ("World") may link elsewhere; a second headline may not.
            # (The word count first: most links are short labels, whose target need not be normalised.)
            if any(
                words(self.text(other)) > MAX_LABEL_WORDS
                and (other_target := self.target(other)) is not None
                and other_target != target
                for other in ancestor.iter("a")
            ):
                break
            # Paragraphs of prose beside a headline that is a link of its own line (no heading) are a story's
            # text, not one teaser's blurb: a link among a short article's paragraphs ("SEE MORE: ...", "Click
            # for full results") would take them all. (An item under a heading may have a blurb of two.)
            if own_heading is None and self._holds_prose_beside(ancestor, link):
                break
            container = ancestor
        return container

    def _holds_prose_beside(self, element: HtmlElement, link: HtmlElement) -> bool:
        """Whether the element holds two paragraphs (``<p>`` of MIN_PROSE_WORDS words or more) besides the link's."""
        found = 0
        for paragraph in element.iter("p"):
            if words(self.text(paragraph)) >= MIN_PROSE_WORDS and link not in paragraph.iter("a"):
                found += 1
                if found == 2:
                    return True
        return False

    def _blurb_and_labels(self, container: HtmlElement, headline: HtmlElement) -> tuple[str, tuple[str, ...]]:
        """The text of the teaser's container without its headline, and its short parts (a section name, badge
        or time stamp), which are no part of the blurb."""
        if container is headline or container.tag in SKIPPED:
            return "", ()  # a headline link that is all of its item: no blurb
        labels: list[str] = []

        def blurb_part(element: HtmlElement) -> bool:
            if element is headline or not isinstance(element.tag, str) or element.tag in SKIPPED:
                return False
            own = self.text(element)
            is_meta = element.tag == "time" or META_CLASS.search(element.get("class", "")) is not None
            if own and (is_meta or words(own) <= MAX_LABEL_WORDS) and element.tag != "p":
                labels.append(own)  # a section name, badge or time stamp: not part of the blurb
                return False
            return True

        # (A function nested here that calls itself would be a reference cycle, keeping the finder and the page's
        # tree alive until the garbage collector finds it; this one does not.)
        return clean(" ".join(text_pieces(container, blurb_part))), tuple(dict.fromkeys(labels))

    def _block_labels(self, items: set[HtmlElement]) -> dict[HtmlElement, str]:
        """For each teaser, the nearest heading before it within a few levels up that is no teaser's own.

        One pass in document order: every open element knows the last heading seen inside it, so a
        page with thousands of teasers costs one walk, not one walk per teaser.
        """
        labels: dict[HtmlElement, str] = {}
        for root in self._label_roots(items):
            self._walk_labels(root, items, labels)
        return labels

    @staticmethod
    def _label_roots(items: set[HtmlElement]) -> list[HtmlElement]:
        """The subtrees a label can come from: each teaser's ancestor LABEL_SEARCH_LEVELS up, outermost only."""
        roots = set()
        for item in items:
            root = item
            for level, ancestor in enumerate(item.iterancestors()):
                if level == LABEL_SEARCH_LEVELS or ancestor.tag in ("body", "html"):
                    break
                root = ancestor
            roots.add(root)
        return [r for r in roots if not any(a in roots for a in r.iterancestors())]

    def _walk_labels(self, root: HtmlElement, items: set[HtmlElement], labels: dict[HtmlElement, str]) -> None:
        """Label the teasers under ``root`` in one walk in document order.

        An ancestor's last heading so far is the last heading seen at all if that one lies inside the
        ancestor (one that came before the ancestor started is not inside it), so the walk only
        remembers the last heading and the elements above it: no stack of open elements to update.
        """
        heading_text = ""
        above_heading: set[HtmlElement] = set()  # the ancestors of the last heading
        for element in root.iter(etree.Element):
            if element in items:
                labels[element] = self._nearest_label(element, root, heading_text, above_heading)
            elif self._is_heading(element) and not any(a in items for a in element.iterancestors()):
                # (No heading inside a teaser is a block label.)
                text = self.text(element)
                if text and words(text) <= MAX_BLOCK_LABEL_WORDS:
                    heading_text, above_heading = text, set(element.iterancestors())

    @staticmethod
    def _nearest_label(item: HtmlElement, root: HtmlElement, heading_text: str, above_heading: set) -> str:
        """The label of the nearest of the item's ancestors (up to ``root``) that holds the last heading
        or has an aria-label."""
        if item is root:
            return ""
        for level, ancestor in enumerate(item.iterancestors()):
            if level == LABEL_SEARCH_LEVELS or ancestor.tag in ("body", "html"):
                break
            if ancestor in above_heading:
                return heading_text
            aria_label = ancestor.get("aria-label")
            if aria_label:
                return clean(aria_label)
            if ancestor is root:
                break
        return ""

    def _is_heading(self, element: HtmlElement) -> bool:
        if element.tag in HEADINGS:
            return True
        classes = element.get("class")
        return bool(classes) and _is_title_class(classes) and len(element.xpath(".//a")) <= 1
