"""HTML text to the one lxml tree that trafilatura, the teaser finder and the metadata reader all share."""

from __future__ import annotations

import copy
import re

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction, fromstring
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, repair_faulty_html

# trafilatura's parser options (trafilatura.utils.HTML_PARSER), and libxml2's huge_tree: without it the
# parser stops at 256 levels of nesting, and a page whose unclosed tags nest its story deeper (a <div> or
# <font> opened in every post, never closed) loses it; with it, 2,048 (Scrapy's selectors use it too).
# The page itself is no bigger than DOWNLOAD_MAXSIZE. lxml.html's own element class lookup is a Python
# callback run for every element Python touches (a million calls per thousand pages); one C-level default
# class gives every element the same HtmlElement methods trafilatura uses.
_PARSER = HTMLParser(
    collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True
)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)


# The characters trafilatura's load_html deletes before parsing (trafilatura.utils.INVALID_XML_CHARS): the
# C0 controls other than tab, newline and carriage return, and the non-characters U+FFFE and U+FFFF.
# In UTF-8 a control is one byte that is part of no other character: one C call over the encoded page
# finds them, and a search of the text finds each non-character; trafilatura's pattern reads every character.
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])

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
    try:
        tree = fromstring(_repaired_utf8(html, beginning), parser=_PARSER)
    except (etree.LxmlError, ValueError):  # "Document is empty", and the like
        return None
    # A text without an html tag that parses into a single block is a fragment or not HTML at all.
    if tree is None or ("html" not in beginning and len(tree) < 2):
        return None
    return tree


def _repaired_utf8(html: str, beginning: str) -> bytes:
    """``html`` as trafilatura's ``repair_faulty_html`` repairs it for libxml2 (bad characters deleted,
    a doctype with a slash and a self-closing ``<html/>`` mended), in UTF-8."""
    data = html.encode("utf-8", "surrogatepass")
    if len(data.translate(None, _CONTROL_BYTES)) != len(data) or "\ufffe" in html or "\uffff" in html:
        return repair_faulty_html(html, beginning).encode("utf-8", "surrogatepass")  # 2 of 990 corpus pages
    # Nothing to delete: the rest of repair_faulty_html, as it does it, on the page's first lines; the
    # page is encoded again only where one of them changes it.
    repaired = html
    if "doctype" in beginning:
        end = html.find("\n")
        first_line = html[:end] if end >= 0 else html
        mended = DOCTYPE_TAG.sub("", first_line, count=1)
        if mended != first_line or end < 0:  # it ends the first line with a newline, if it had none
            repaired = mended + "\n" + (html[end + 1 :] if end >= 0 else "")
    for line in repaired[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            repaired = FAULTY_HTML.sub(r"\1>", repaired, count=1)
            break
    return data if repaired is html else repaired.encode("utf-8", "surrogatepass")


def nesting_cut(tree: HtmlElement, levels: int) -> HtmlElement:
    """A copy of ``tree`` in which the elements nested deeper than ``levels`` below it are unwrapped: their
    text and tails stay where they were, inside the element at that depth."""
    copied: HtmlElement = copy.deepcopy(tree)
    deeper: list[HtmlElement] = []
    below: list[tuple[HtmlElement, int]] = [(copied, 0)]  # a walk with a stack: the nesting is what is too deep
    while below:
        element, level = below.pop()
        for child in element:
            if isinstance(child.tag, str):
                if level + 1 > levels:
                    deeper.append(child)
                below.append((child, level + 1))
    for element in reversed(deeper):  # the innermost first: each is unwrapped with no element left inside it
        element.drop_tag()
    return copied
