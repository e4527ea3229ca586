"""jusText's paragraph maker, walked here, makes the paragraphs jusText makes, and trafilatura reads the same text."""

from __future__ import annotations

import trafilatura
from justext.core import ParagraphMaker, classify_paragraphs, revise_paragraph_classification
from lxml import etree
from trafilatura.settings import Extractor

import crawler.extract.body  # noqa: F401  (installs it, as every extraction does)
from crawler.extract import justext_forms
from crawler.extract.parsing import parse_html
from crawler.extract.stoplists import stoplist_union

SENTENCE = "The harbour council voted on Tuesday evening to build the tunnel after years of debate."
# Each part of a page the maker reads in its own way: a paragraph's block elements and the inline ones inside it,
# a single <br> (a space) and two in a row (a new paragraph, not counted among the tags), links (their characters
# counted), comments (no event, but their tail is text), blocks holding only white space or a lone <br> (dropped),
# names repeated among siblings (their place in the path), a namespaced element, text after a block's end (tails).
PAGES = {
    "story": f"<html><head><title>Tunnel</title></head><body><article><h1>Tunnel</h1><p>{SENTENCE}</p>"
    f"<p>{SENTENCE} <b>Residents</b> <i>fear</i> noise.</p></article></body></html>",
    "breaks": f"<html><body><div>{SENTENCE}<br>{SENTENCE}<br><br>{SENTENCE}<br/><br/><br/>{SENTENCE}</div>"
    "<div><br></div><p>   \n\t </p></body></html>",
    "links": f"<html><body><ul><li><a href='/a'>Home</a></li><li><a href='/b'>World news</a> and more</li></ul>"
    f"<p>{SENTENCE} <a href='/c'>Read the council's report</a> today.</p></body></html>",
    "comments": f"<html><body><div><!-- a note -->{SENTENCE}<!-- another -->tail of a comment</div>"
    f"<table><tr><td>Cell one</td><td>{SENTENCE}</td></tr></table></body></html>",
    "nested": "<html><body>"
    + "".join(f"<div><div><p>{SENTENCE} {n}</p><span>after</span></div>tail {n}</div>" for n in range(4))
    + "<svg xmlns='http://www.w3.org/2000/svg'><text>Drawn words</text></svg>"
    + "<footer>© The Herald</footer></body></html>",
}


def paragraphs(tree: etree._Element) -> list[tuple]:
    """Everything jusText reads of the paragraphs made of ``tree``, after classifying them as trafilatura does."""
    made = ParagraphMaker.make_paragraphs(tree)
    classify_paragraphs(made, stoplist_union(), 50, 150, 0.1, 0.2, 0.25, True)
    revise_paragraph_classification(made, 150)
    return [
        (p.dom_path, p.xpath, p.text_nodes, p.chars_count_in_links, p.tags_count, p.text, p.class_type, len(p))
        for p in made
    ]


def test_the_maker_is_walked_on_the_justext_this_project_installs():
    # A new jusText whose maker reads differently is left as released: this fails then, to have it checked.
    assert justext_forms.installed() == ["make_paragraphs"]
    walked = ParagraphMaker.__dict__["make_paragraphs"]
    with justext_forms.removed():
        assert ParagraphMaker.__dict__["make_paragraphs"] is not walked
    assert ParagraphMaker.__dict__["make_paragraphs"] is walked


def test_each_page_makes_the_paragraphs_justext_makes():
    for name, html in PAGES.items():
        tree = parse_html(html)
        assert tree is not None
        walked = paragraphs(tree)
        with justext_forms.removed():
            released = paragraphs(tree)
        assert walked == released, name
        assert walked, name  # something to compare
    breaks = paragraphs(parse_html(PAGES["breaks"]))
    assert len(breaks) == 3  # two <br>s in a row (or three) begin a paragraph; a block of white space is none


def test_a_tree_the_walk_would_read_otherwise_is_made_as_released():
    root = etree.fromstring(f"<html><body><p>{SENTENCE}</p></body></html>")
    root.addprevious(etree.ProcessingInstruction("page", "instruction"))
    assert justext_forms.make_paragraphs(root) is None  # its instruction's tail would be read: left to jusText
    with justext_forms.removed():
        released = [p.text for p in ParagraphMaker.make_paragraphs(root)]
    assert [p.text for p in ParagraphMaker.make_paragraphs(root)] == released == [SENTENCE]
    assert justext_forms.make_paragraphs(etree.fromstring("<p>x</p>").getroottree()) is None  # a tree, no element


def test_trafilaturas_thorough_run_reads_the_same_text(monkeypatch):
    """A short page whose thorough run reaches jusText: the text it extracts with the walked maker and as released."""
    menu = "".join(f"<li><a href='/s{n}'>Section {n}</a></li>" for n in range(60))
    html = (
        f"<html><body><nav><ul>{menu}</ul></nav><div class='x'><span>{SENTENCE}</span></div>"
        f"<div class='y'>{SENTENCE} {SENTENCE}<br><br>{SENTENCE}</div></body></html>"
    )
    options = Extractor(output_format="python", fast=False, comments=False)
    walked = []
    walk = justext_forms.make_paragraphs
    monkeypatch.setattr(justext_forms, "make_paragraphs", lambda root: walked.append(root) or walk(root))
    text = trafilatura.bare_extraction(parse_html(html), options=options).text
    assert walked  # the page reached jusText
    with justext_forms.removed():
        assert trafilatura.bare_extraction(parse_html(html), options=options).text == text
    assert SENTENCE in text
