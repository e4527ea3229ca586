"""Finds teaser blocks in a page's chrome: headline links with a short blurb, grouped under a block heading."""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.results import Teaser
from crawler.extract.words import WORD, clean
from crawler.urls import is_fetchable, normalize_url

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
SKIPPED = ("script", "style", "noscript", "template", "svg", "button", "select", "form", "iframe")
TITLE_CLASS = re.compile(r"(^|[-_ ])(title|heading|header|label|kicker)([-_ ]|$)", re.IGNORECASE)
META_CLASS = re.compile(r"(^|[-_ ])(meta|date|time|byline|label|kicker|category|tag|badge)s?([-_ ]|$)", re.I)
VISIBLE_TEXT = "descendant-or-self::text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"
MAX_ITEM_CHARS = 700  # a teaser is a headline and a few sentences; more is a story or a list
MAX_LABEL_WORDS = 4
MAX_BLOCK_LABEL_WORDS = 6
MIN_HEADLINE_WORDS = 4
LIST_SEARCH_LEVELS = 3  # a teaser sits in a list of teasers no more than this far up
LABEL_SEARCH_LEVELS = 5


# Never less than the length of the visible text: libxml2's whitespace-normalised string value holds
# script bodies and runs of non-ASCII spaces too, and the text pieces joined with a space each.
_TEXT_LENGTH_BOUND = etree.XPath("string-length(normalize-space()) + count(.//text())")
# The links that can be headlines: in a heading, or with a text that can be 20 characters long (by
# the bound above). libxml2 drops the menu entries ("Home", "Sport") before Python sees them.
_HEADLINE_CANDIDATES = etree.XPath(
    "//a[@href][ancestor::h1 or ancestor::h2 or ancestor::h3 or ancestor::h4 or ancestor::h5 or ancestor::h6"
    " or string-length(normalize-space()) + count(.//text()) >= 20]"
)
LOOKS_LIKE_URL = re.compile(r"://|^www\.|\.(com|org|net|html?)\b", re.IGNORECASE)


def words(text: str) -> int:
    return len(WORD.findall(text))


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
        hrefs = [page_url, *tree.xpath('//link[@rel="canonical"]/@href|//meta[@property="og:url"]/@content')]
        self.self_urls = {normalize_url(h, page_url).rstrip("/") for h in hrefs if h.strip()}
        self._targets: dict[HtmlElement, str | None] = {}
        self._texts: dict[HtmlElement, str] = {}
        self._script_holders: set[HtmlElement] = set()
        for script in tree.iter("script", "style", "noscript"):
            self._script_holders.add(script)
            for ancestor in script.iterancestors():
                if ancestor in self._script_holders:
                    break  # its ancestors are in already
                self._script_holders.add(ancestor)
        # The links inside a heading: the only ones whose heading must be looked up.
        self._in_headings = {link for heading in tree.iter(*HEADINGS) for link in heading.iter("a")}

    def text(self, element: HtmlElement) -> str:
        """Visible text (no script or style bodies), whitespace collapsed."""
        cached = self._texts.get(element)
        if cached is None:
            # itertext is several times faster than the filtering XPath; only elements that hold
            # a script or style need the XPath.
            parts = element.xpath(VISIBLE_TEXT) if element in self._script_holders else element.itertext()
            cached = self._texts[element] = clean(" ".join(parts))
        return cached

    def longer_than(self, element: HtmlElement, limit: int) -> bool:
        """Whether the element's visible text is longer than ``limit``; when a bound computed by
        libxml2 fits, the text itself need not be built."""
        if element not in self._texts and _TEXT_LENGTH_BOUND(element) <= limit:
            return False
        return len(self.text(element)) > limit

    def line_text(self, element: HtmlElement) -> str:
        """The element's own line: its text without that of block-level children (a blurb <p> under a link)."""
        parts = [element.text or ""]
        for child in element:
            if isinstance(child.tag, str) and child.tag not in BLOCKS and child.tag not in SKIPPED:
                parts.append(self.text(child))
            parts.append(child.tail or "")
        return clean(" ".join(parts))

    def target(self, link: HtmlElement) -> str | None:
        """The normalised http(s) URL a link points to, or None."""
        if link not in self._targets:
            href = (link.get("href") or "").strip()
            url = None
            if href and not href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
                try:
                    url = normalize_url(href, self.page_url)
                except ValueError:
                    url = None
                if url is not None and not is_fetchable(url):
                    url = None
            self._targets[link] = url
        return self._targets[link]

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
            block = blocks[container]
            key = (target, block)
            if key not in teasers or len(text) > len(teasers[key].text):
                teasers[key] = Teaser(target, title, text, block, labels)
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
        return text, link

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
            if any(
                (other_target := self.target(other)) is not None
                and other_target != target
                and words(self.text(other)) > MAX_LABEL_WORDS
                for other in ancestor.iter("a")
            ):
                break
            container = ancestor
        return container

    def _blurb_and_labels(self, container: HtmlElement, headline: HtmlElement) -> tuple[str, tuple[str, ...]]:
        parts: list[str] = []
        labels: list[str] = []

        def walk(element: HtmlElement) -> None:
            if element is headline or not isinstance(element.tag, str) or element.tag in SKIPPED:
                return
            own = self.text(element)
            is_meta = element.tag == "time" or META_CLASS.search(element.get("class", "")) is not None
            if element is not container and own and (is_meta or words(own) <= MAX_LABEL_WORDS) and element.tag != "p":
                labels.append(own)  # a section name, badge or time stamp: not part of the blurb
                return
            if element.text:
                parts.append(element.text)
            for child in element:
                walk(child)
                if child.tail:
                    parts.append(child.tail)

        walk(container)
        return clean(" ".join(parts)), tuple(dict.fromkeys(labels))

    def _block_labels(self, items: set[HtmlElement]) -> dict[HtmlElement, str]:
        """For each teaser, the nearest heading before it within a few levels up that is no teaser's own.

        One pass in document order: every open element remembers the last heading seen inside it,
        so a page with thousands of teasers costs one walk, not one walk per teaser.
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
        stack: list[list] = []  # [element, last heading text inside it so far]
        inside_item = 0
        for event, element in etree.iterwalk(root, events=("start", "end")):
            if not isinstance(element.tag, str):
                continue
            if event == "end":
                stack.pop()
                if element in items:
                    inside_item -= 1
                continue
            if element in items:
                labels[element] = self._nearest_label(stack)
                inside_item += 1
            elif not inside_item and self._is_heading(element):
                text = self.text(element)
                if text and words(text) <= MAX_BLOCK_LABEL_WORDS:
                    for entry in stack:
                        entry[1] = text
            stack.append([element, ""])

    @staticmethod
    def _nearest_label(stack: list[list]) -> str:
        for element, heading in reversed(stack[-LABEL_SEARCH_LEVELS:]):
            if element.tag in ("body", "html"):
                break
            if heading:
                return heading
            if element.get("aria-label"):
                return clean(element.get("aria-label"))
        return ""

    def _is_heading(self, element: HtmlElement) -> bool:
        if element.tag in HEADINGS:
            return True
        classes = element.get("class")
        return bool(classes) and TITLE_CLASS.search(classes) is not None and len(element.xpath(".//a")) <= 1
