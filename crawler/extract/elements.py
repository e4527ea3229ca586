"""The elements a page states its metadata in (<meta>, <link>, <title>, <h1>, <time>, JSON-LD), found in one walk."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from functools import cached_property

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract import xpath_forms

# Each `//tag[...]` XPath walks the whole tree, a fraction of a millisecond on a news page's thousands
# of elements; the metadata reader asked about twenty of them. One walk collecting the few elements
# they look at, then plain tests on those, answers the same questions in document order.
_TAGS = ("meta", "link", "title", "h1", "h2", "time", "script")
# Any tag may carry microdata: a walk of its own, when asked (in the form lxml evaluates faster).
_WITH_ITEMPROP = etree.XPath(xpath_forms.faster("//*[@itemprop]"))
_TEXT_NODES = etree.XPath("text()")


class PageElements:
    """The page's <meta>, <link>, <title>, <h1>, <h2>, <time> and JSON-LD <script> elements, in document order."""

    def __init__(self, tree: HtmlElement):
        self.tree = tree
        found: dict[str, list[HtmlElement]] = {tag: [] for tag in _TAGS}
        for element in tree.iter(*_TAGS):
            found[element.tag].append(element)
        self.metas = found["meta"]
        self.links = found["link"]
        self.titles = found["title"]
        self.h1s = found["h1"]
        self.h2s = found["h2"]
        self.times = found["time"]
        self.scripts = found["script"]

    def meta_content(
        self,
        properties: Collection[str] = (),
        names: Collection[str] = (),
        http_equivs: Collection[str] = (),
    ) -> list[str]:
        """The ``content`` of each <meta> whose property, name or http-equiv is one of those given
        (``//meta[@property="..." or @name="..."]/@content``)."""
        return self.metas_where(
            lambda meta: (
                meta.get("property") in properties or meta.get("name") in names or meta.get("http-equiv") in http_equivs
            )
        )

    def metas_where(self, test: Callable[[HtmlElement], bool], in_head: bool = False) -> list[str]:
        """The ``content`` of each <meta> that passes ``test``; ``in_head``: only those inside <head>."""
        return [
            content
            for meta in self.metas
            if (content := meta.get("content")) is not None and test(meta) and (not in_head or _inside_head(meta))
        ]

    def head_title(self) -> HtmlElement | None:
        """The first <title> inside <head> (``//head//title``): an SVG's <title> in the body is no page title."""
        return next((title for title in self.titles if _inside_head(title)), None)

    def link_hrefs(self, rel: str) -> list[str]:
        """The ``href`` of each <link> whose rel is exactly ``rel`` (``//link[@rel="..."]/@href``)."""
        return [href for link in self.links if link.get("rel") == rel and (href := link.get("href")) is not None]

    def first_time(self) -> list[str]:
        """The ``datetime`` of the first <time> that has one (``(//time[@datetime])[1]/@datetime``)."""
        for time in self.times:
            value = time.get("datetime")
            if value is not None:
                return [value]
        return []

    @cached_property
    def json_ld(self) -> list[str]:
        """The texts of the page's JSON-LD scripts (``//script[@type="application/ld+json"]/text()``)."""
        return [
            str(text)
            for script in self.scripts
            if script.get("type") == "application/ld+json"
            for text in _TEXT_NODES(script)
        ]

    def metadata_strings(self) -> Iterator[str]:
        """Every <meta> content, then every JSON-LD text: where a page writes names and dates as it means them."""
        yield from (content for meta in self.metas if (content := meta.get("content")))
        yield from self.json_ld

    @cached_property
    def with_itemprop(self) -> list[HtmlElement]:
        return _WITH_ITEMPROP(self.tree)

    def itemprop_values(self, itemprop: str) -> list[str]:
        """The ``content`` and ``datetime`` of each element whose itemprop is ``itemprop``, in document order
        and, within an element, in the order its attributes are written (as XPath's union gives them)."""
        return [
            value
            for element in self.with_itemprop
            if element.get("itemprop") == itemprop
            for name, value in element.items()
            if name in ("content", "datetime")
        ]


def _inside_head(element: HtmlElement) -> bool:
    return any(True for _ in element.iterancestors("head"))


# What shows no text of its own: a script's, a style sheet's or a template's text is code (CSS-in-JS
# libraries put a <style> inside the very heading it styles).
NOT_SHOWN = frozenset(("script", "style", "noscript", "template"))


def text_pieces(root: HtmlElement, enter: Callable[[HtmlElement], bool]) -> Iterator[str]:
    """The text pieces of ``root`` in document order: its text, then for each child its pieces the same way if
    ``enter(child)``, and its tail either way (``root``'s own tail is no part of it). Only pieces with text.

    ``enter`` is asked when the child is reached, after the pieces before it were given. A walk with a stack of
    its own, not a function calling itself: a page may nest elements deeper than Python's recursion limit.
    """
    if root.text:
        yield root.text
    entered: list[tuple[HtmlElement, Iterator[HtmlElement]]] = [(root, iter(root))]  # with children still to come
    while entered:
        parent, children = entered[-1]
        child = next(children, None)
        if child is None:
            entered.pop()
            if entered and parent.tail:
                yield parent.tail
        elif enter(child):
            if child.text:
                yield child.text
            entered.append((child, iter(child)))  # its tail once it is finished
        elif child.tail:
            yield child.tail


def _shown(element: HtmlElement) -> bool:
    return isinstance(element.tag, str) and element.tag not in NOT_SHOWN


def visible_text(element: HtmlElement) -> str:
    """The text ``element`` shows: ``text_content()`` without what the ``NOT_SHOWN`` elements inside it hold
    (their tails are shown), and none for such an element itself or a comment."""
    if not _shown(element):
        return ""
    if next(element.iter(*NOT_SHOWN), None) is None:
        return element.text_content()  # the common case: lxml looks for those tags, in one call
    return "".join(text_pieces(element, _shown))


__all__ = ["NOT_SHOWN", "PageElements", "text_pieces", "visible_text"]
