"""A page's fast run hands its tree to trafilatura to prune where it is: the same text, one copy of the page fewer."""

from __future__ import annotations

import sys

import trafilatura
from trafilatura.settings import Extractor

import crawler.extract.body  # noqa: F401  (installs it, as every extraction does)
from crawler.extract import handover
from crawler.extract.article import extract_page
from crawler.extract.body import extract_body
from crawler.extract.options import ExtractOptions
from crawler.extract.parsing import parse_html

STORY = " ".join(
    ["Der Gemeinderat hat am Dienstagabend nach langer Debatte beschlossen, den Tunnel unter dem Hafen zu bauen."] * 3
)
COMMENTS = (
    '<div id="comments"><h3>2 Kommentare</h3><ol class="commentlist">'
    '<li class="comment"><cite>Mareike</cite> <small class="commentmetadata">8. Dezember 2010 um 10:56</small>'
    "<p>Eine interessante Entscheidung, finde ich.</p></li>"
    '<li class="comment"><cite>Jan</cite> <small class="commentmetadata">9. Dezember 2010 um 11:02</small>'
    "<p>Endlich passiert etwas am Hafen.</p></li></ol></div>"
)


def page(comments: str = COMMENTS) -> str:
    """A story without a date of its own, under which readers' comments are dated."""
    paragraphs = "".join(f"<p>{STORY}</p>" for _ in range(4))
    return (
        '<html lang="de"><head><title>Tunnel beschlossen</title></head><body>'
        f"<article><h1>Der Rat baut den Tunnel</h1>{paragraphs}</article>{comments}</body></html>"
    )


def fast_text(tree: object) -> str:
    document = trafilatura.bare_extraction(tree, options=Extractor(output_format="python", fast=True, comments=False))
    assert document is not None
    return document.text


def test_the_handover_is_installed_on_the_trafilatura_this_project_installs():
    # A new trafilatura whose bare_extraction reads differently copies the tree again: this fails then, to have
    # it checked.
    assert handover.installed() == ["load_html"]
    core = sys.modules["trafilatura.core"]
    taking = core.load_html
    with handover.removed():
        assert core.load_html is not taking
        tree = parse_html(page())
        assert handover.handed(tree) is tree  # given as it is: bare_extraction copies it
    assert core.load_html is taking


def test_a_handed_tree_is_pruned_where_it_is_and_gives_the_text_of_a_copy():
    copied, handed = parse_html(page()), parse_html(page())
    assert copied is not None and handed is not None
    text = fast_text(copied)
    assert copied.get_element_by_id("comments") is not None  # trafilatura worked on a copy of it
    assert fast_text(handover.handed(handed)) == text
    assert "Endlich passiert" not in text and STORY in text
    assert handed.get_element_by_id("comments", None) is None  # pruned in place: no copy was made
    assert STORY in handed.text_content()  # and the rest of the page is there to be read


def test_the_article_body_is_the_same_with_the_tree_copied():
    tree = parse_html(page())
    assert tree is not None
    url = "https://example.org/lokales/tunnel"
    paragraphs = extract_body(tree, url, ExtractOptions(), set()).paragraphs
    with handover.removed():
        copied = parse_html(page())
        assert copied is not None
        assert extract_body(copied, url, ExtractOptions(), set()).paragraphs == paragraphs
        assert copied.get_element_by_id("comments") is not None
    assert paragraphs and tree.get_element_by_id("comments", None) is None


def test_a_readers_comment_does_not_date_the_story():
    # The dates are read after the text, from the tree the fast run pruned: the comments' dates are gone with
    # them. Read from the whole page, the first comment's date was taken for the story's.
    extraction = extract_page(page(), "https://example.org/lokales/tunnel")
    assert extraction.article is not None
    assert extraction.article.published is None
    dated = page(comments="<p>Veröffentlicht am 8. Dezember 2010</p>")
    assert extract_page(dated, "https://example.org/lokales/tunnel").article.published == "2010-12-08"
