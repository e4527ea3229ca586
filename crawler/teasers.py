"""Finds teaser blocks in a page's chrome: headline links with a short blurb, grouped under a block heading."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from crawler.urls import is_fetchable, normalize_url

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
BLOCKS = frozenset(
    ("p", "div", "ul", "ol", "li", "dl", "dd", "dt", "section", "article", "aside", "header", "footer",
     "figure", "figcaption", "blockquote", "table", "tr", "td", "th", "form", "nav", "main", *HEADINGS)
)
NAVIGATION = ("nav", "header", "menu")  # their links are site navigation, never teasers
SKIPPED = ("script", "style", "noscript", "template", "svg", "button", "select", "form", "iframe")
TITLE_CLASS = re.compile(r"(^|[-_ ])(title|heading|header|label|kicker)([-_ ]|$)", re.IGNORECASE)
META_CLASS = re.compile(r"(^|[-_ ])(meta|date|time|byline|label|kicker|category|tag|badge)s?([-_ ]|$)", re.I)
SPACE = re.compile(r"\s+")
VISIBLE_TEXT = "descendant-or-self::text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"
MAX_ITEM_CHARS = 700  # a teaser is a headline and a few sentences; more is a story or a list
MAX_LABEL_WORDS = 4
MAX_BLOCK_LABEL_WORDS = 6
MIN_HEADLINE_WORDS = 4
LIST_SEARCH_LEVELS = 3  # a teaser sits in a list of teasers no more than this far up
LABEL_SEARCH_LEVELS = 5


@dataclass(frozen=True)
class Teaser:
    """One teaser shown on a page: where it links, its headline, its blurb and the block it sits in."""

    url: str
    title: str
    text: str
    block: str
    labels: tuple[str, ...] = ()


def clean(text: str | None) -> str:
    return SPACE.sub(" ", text or "").strip()


WORD = re.compile(r"\w+")
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
        self.self_urls = {normalize_url(page_url)}
        for href in tree.xpath('//link[@rel="canonical"]/@href'):
            self.self_urls.add(normalize_url(href, page_url))
        self._targets: dict[HtmlElement, str | None] = {}
        self._texts: dict[HtmlElement, str] = {}

    def text(self, element: HtmlElement) -> str:
        """Visible text (no script or style bodies), whitespace collapsed."""
        cached = self._texts.get(element)
        if cached is None:
            cached = self._texts[element] = clean(" ".join(element.xpath(VISIBLE_TEXT)))
        return cached

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
        for link in self.tree.iter("a"):
            target = self.target(link)
            if target is None or target in self.self_urls or self._in_navigation(link):
                continue
            headline = self._headline_of(link)
            if headline is not None:
                found.append((self._item_container(link, target), target, *headline))
        found = self._in_lists(found)
        items = {container for container, *_ in found}
        teasers: dict[tuple[str, str], Teaser] = {}
        for container, target, title, headline_element in found:
            text, labels = self._blurb_and_labels(container, headline_element)
            block = self._block_label(container, items)
            key = (target, block)
            if key not in teasers or len(text) > len(teasers[key].text):
                teasers[key] = Teaser(target, title, text, block, labels)
        return list(teasers.values())

    @staticmethod
    def _in_lists(found: list) -> list:
        """Keep teasers that share a nearby ancestor with another: a lone headline link is no teaser block."""
        holders: dict[HtmlElement, int] = {}
        chains = []
        for container, *_ in found:
            chain = []
            for ancestor in container.iterancestors():
                if len(chain) == LIST_SEARCH_LEVELS or ancestor.tag in ("body", "html"):
                    break
                chain.append(ancestor)
                holders[ancestor] = holders.get(ancestor, 0) + 1
            chains.append(chain)
        return [item for item, chain in zip(found, chains) if any(holders[a] >= 2 for a in chain)]

    @staticmethod
    def _in_navigation(element: HtmlElement) -> bool:
        return any(a.tag in NAVIGATION or a.tag in SKIPPED for a in element.iterancestors())

    def _headline_of(self, link: HtmlElement) -> tuple[str, HtmlElement] | None:
        """The headline text of a link and the element that carries it, if the link is a headline."""
        text = self.text(link)
        heading = next((a for a in link.iterancestors() if a.tag in HEADINGS), None)
        if heading is not None:
            heading_text = self.text(heading)
            if words(heading_text) >= MIN_HEADLINE_WORDS and len(text) >= 0.5 * len(heading_text):
                return heading_text, heading
        if words(text) < MIN_HEADLINE_WORDS or len(text) < 20 or len(text) > 300 or LOOKS_LIKE_URL.search(text):
            return None
        parent = link.getparent()
        # An inline link inside running text is no headline: it must be (nearly) all of its line.
        if parent is not None and len(text) < 0.8 * len(self.line_text(parent)):
            return None
        return text, link

    def _item_container(self, link: HtmlElement, target: str) -> HtmlElement:
        """The largest ancestor that still holds only this teaser: one headline target, little text."""
        container = link
        own_heading = next((a for a in link.iterancestors() if a.tag in HEADINGS), None)
        for ancestor in link.iterancestors():
            if ancestor.tag in ("body", "html", "main") or len(self.text(ancestor)) > MAX_ITEM_CHARS:
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

    def _block_label(self, container: HtmlElement, items: set[HtmlElement]) -> str:
        """The nearest heading before the teaser, within a few levels up, that is no teaser's own."""
        current = container
        for _ in range(LABEL_SEARCH_LEVELS):
            parent = current.getparent()
            if parent is None or parent.tag in ("body", "html"):
                break
            nearest = ""
            for element in parent.iter():
                if element is current:
                    break  # only what comes before the teaser can label it
                if not isinstance(element.tag, str) or element in items:
                    continue
                is_heading = element.tag in HEADINGS[1:] or (
                    TITLE_CLASS.search(element.get("class", "")) is not None and len(element.xpath(".//a")) <= 1
                )
                if not is_heading or any(a in items for a in element.iterancestors()):
                    continue
                text = self.text(element)
                if text and words(text) <= MAX_BLOCK_LABEL_WORDS:
                    nearest = text
            if nearest:
                return nearest
            if parent.get("aria-label"):
                return clean(parent.get("aria-label"))
            current = parent
        return ""
