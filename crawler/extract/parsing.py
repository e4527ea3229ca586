"""HTML text to the one lxml tree that trafilatura, the teaser finder and the metadata reader all share."""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction, fromstring

# trafilatura's parser options (trafilatura.utils.HTML_PARSER). lxml.html's own element class lookup
# is a Python callback run for every element Python touches (a million calls per thousand pages);
# one C-level default class gives every element the same HtmlElement methods trafilatura uses.
_PARSER = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)
# The repairs trafilatura's load_html makes before parsing: characters XML forbids, a doctype that
# libxml2 misreads, a self-closing <html/>.
_INVALID_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DOCTYPE_TAG = re.compile("^< ?! ?DOCTYPE[^>]*/[^<>]*>", re.IGNORECASE)
_FAULTY_HTML = re.compile(r"(<html.*?)\s*/>", re.IGNORECASE)


def parse_html(html: str) -> HtmlElement | None:
    """The page's tree, or None when the text is not HTML (as trafilatura's ``load_html`` decides)."""
    beginning = html[:50].lower()
    html = _INVALID_XML_CHARS.sub("", html)
    if "doctype" in beginning:
        first_line, _, rest = html.partition("\n")
        html = _DOCTYPE_TAG.sub("", first_line, count=1) + "\n" + rest
    for line in html[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            html = _FAULTY_HTML.sub(r"\1>", html, count=1)
            break
    try:
        tree = fromstring(html.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except (etree.LxmlError, ValueError):  # "Document is empty", and the like
        return None
    # A text without an html tag that parses into a single block is a fragment or not HTML at all.
    if tree is None or ("html" not in beginning and len(tree) < 2):
        return None
    return tree
