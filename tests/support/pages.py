"""Small story pages for the extraction tests, and their parsed trees."""

from __future__ import annotations

from lxml.html import HtmlElement

from crawler.extract.parsing import parse_html


def page(head: str = "", body: str = "") -> str:
    """A page with ``head`` and ``body`` markup, then a paragraph of story text."""
    return f"<html><head>{head}</head><body>{body}<p>{'Words of the story. ' * 30}</p></body></html>"


def tree_of(html: str) -> HtmlElement:
    """The page's tree, as the crawl parses it."""
    tree = parse_html(html)
    assert tree is not None
    return tree
