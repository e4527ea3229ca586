"""HTML text to the one lxml tree that trafilatura, the teaser finder and the metadata reader all share."""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction, fromstring
from trafilatura.utils import repair_faulty_html

# trafilatura's parser options (trafilatura.utils.HTML_PARSER). lxml.html's own element class lookup
# is a Python callback run for every element Python touches (a million calls per thousand pages);
# one C-level default class gives every element the same HtmlElement methods trafilatura uses.
_PARSER = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)


# Where a document begins: its doctype or its <html> tag.
_DOCUMENT_START = re.compile(r"<!doctype\s|<html[\s>]", re.IGNORECASE)


def parse_html(html: str) -> HtmlElement | None:
    """The page's tree, or None when the text is not HTML (as trafilatura's ``load_html`` decides).

    Output a server wrote before the document (PHP's "<br /><b>Warning</b>: ..." lines) makes the
    parser read the page as a fragment: its <head>, with the <title> and <meta> elements, lands in one
    <div> with the rest. Such a page is read from its doctype or <html> tag on.
    """
    tree = _parsed(html)
    if tree is not None and tree.tag != "html":
        start = _DOCUMENT_START.search(html, 1)
        document = _parsed(html[start.start() :]) if start is not None else None
        head = document.find("head") if document is not None else None
        # Only a document with a <head> of its own: "<html" quoted in a fragment's script is no start.
        if head is not None and len(head):
            tree = document
    return tree


def _parsed(html: str) -> HtmlElement | None:
    beginning = html[:50].lower()
    html = repair_faulty_html(html, beginning)  # the repairs load_html makes (doctype, <html/>, bad characters)
    try:
        tree = fromstring(html.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except (etree.LxmlError, ValueError):  # "Document is empty", and the like
        return None
    # A text without an html tag that parses into a single block is a fragment or not HTML at all.
    if tree is None or ("html" not in beginning and len(tree) < 2):
        return None
    return tree
