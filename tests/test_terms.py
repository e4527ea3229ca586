"""Tags and categories read from the links that can hold one: what trafilatura's extract_catstags returns."""

from __future__ import annotations

import pytest
from trafilatura.metadata import extract_catstags

from crawler.extract import terms, xpath_forms
from crawler.extract.xpath_forms import among
from tests.support.fresh_python import run_python
from tests.support.pages import page, tree_of

TERM_PAGES = [
    page(body='<div class="tags"><a href="/tags/harbour/">Harbour</a> <a href="/about/">About us</a></div>'),
    page(body='<div class="entry-meta"><a href="/category/local/">Local</a><a href="/tag/tunnel/">Tunnel</a></div>'),
    page(body='<p class="postmeta"><a href="/categories/sport/">Sport</a></p>'),
    page('<meta property="article:section" content="Weather">', '<div class="tags"><a href="/x/">X</a></div>'),
    page('<meta name="dc.subject" content="Science">'),
    page(body="<p>No tags here at all.</p>"),
    # A tag link outside every container, and one whose address holds "/tag" but not as trafilatura's
    # pattern wants it ("/tagesschau/"): neither is a tag.
    page(body='<a href="/tag/loose/">Loose</a><div class="tags"><a href="/tagesschau/today/">Today</a></div>'),
    # Containers inside containers: a link is found once, in document order; an expression that finds
    # nothing lets the next one try, one that finds something ends the search (the div's tags, not the
    # p's further down, although the p's come first in the page).
    page(
        body='<p class="entry-tags"><a href="/tags/first/">First</a></p>'
        '<div class="tags"><div class="tags"><a href="/tags/inner/">Inner</a></div>'
        '<a href="/tags/outer/">Outer</a></div>'
    ),
    # Category markup of several themes: list items and spans, a header, a re:test on the class; a
    # category link in the text that no container holds; an empty link.
    page(
        body='<header class="entry-header"><a href="/category/news/">News</a></header>'
        '<ul><li class="cat-links x"><a href="/categories/world/">World</a><a href="/category/x/"></a></li></ul>'
        '<span class="post-category"><a href="/category/news/"> News </a></span>'
        '<div class="post-meta-wrap"><a href="/categories/meta/">Meta</a></div>'
        '<p>See <a href="/category/elsewhere/">elsewhere</a></p>'
    ),
    page(
        body='<header class="entry-header"><a href="/category/news/">News</a></header>'
        '<ul><li class="cat-links x"><a href="/categories/world/">World</a><a href="/category/x/"></a></li></ul>'
        '<span class="post-category"><a href="/category/news/"> News </a></span>'
    ),
    page(body='<div class="row"><a href="/category/row/">Row</a><a href="/tags/row/">Row tag</a></div>'),
    # Addresses that are full URLs, with a query, upper case ("/Tag/" is not trafilatura's "/tag/").
    page(
        body='<div class="topics"><a href="https://news.example.org/tags/ports/?page=2">Ports</a>'
        '<a href="/Tag/Ships/">Ships</a><a href="/tagged/x/">x</a></div>'
    ),
]


@pytest.mark.parametrize("html", TERM_PAGES)
@pytest.mark.parametrize("kind", ["tag", "category"])
def test_linked_terms_are_trafilaturas(html, kind):
    with xpath_forms.removed():
        released = extract_catstags(kind, tree_of(html))
    assert terms.linked_terms(tree_of(html), kind) == released
    tree = tree_of(html)
    assert terms.linked_terms(tree, kind, terms.kind_links(tree)) == released


def test_linked_terms_found_and_not():
    found = {kind: [terms.linked_terms(tree_of(html), kind) for html in TERM_PAGES] for kind in ("tag", "category")}
    assert found["tag"][0] == ["Harbour"] and found["category"][3] == ["Weather"]
    assert found["tag"][5] == found["category"][5] == found["tag"][6] == []
    assert found["tag"][7] == ["Inner", "Outer"]
    assert found["category"][8] == ["Meta"]  # the first expression, a class that re:test matches, decides
    assert found["category"][9] == ["World", "News"]  # the header's expression comes after the list items'
    assert found["tag"][11] == ["Ports"]


def test_the_link_filters_are_in_place_on_the_trafilatura_this_project_installs():
    # A trafilatura whose reader or expressions read differently keeps its own: this fails then, to have
    # them checked.
    assert terms._FILTERS is not None
    assert {kind: len(filters) for kind, filters in terms._FILTERS.items()} == {"category": 6, "tag": 4}


def test_the_filters_are_made_from_the_released_expressions_whichever_module_loads_first():
    # xpath_forms may have put its faster forms (unions of named steps) in trafilatura's lists already.
    for first in ("crawler.extract.body", "crawler.extract.terms"):
        out = run_python(
            f"import {first}, crawler.extract.body, crawler.extract.terms as t; "
            "print(sorted((k, len(v)) for k, v in t._FILTERS.items()))"
        )
        assert out.strip() == "[('category', 6), ('tag', 4)]", first


@pytest.mark.parametrize(
    "path, wanted",
    [
        ("//div[@class='tags']//a[@href]", "$links[ancestor::div[@class='tags']]"),
        (
            "//*[self::li or self::span][@class='x']//a[@href]",
            "$links[ancestor::*[self::li or self::span][@class='x']]",
        ),
        ("//div[@class='a]b']//a[@href]", "$links[ancestor::div[@class='a]b']]"),
        ("//div[P]//p//a[@href]", None),  # two steps: "ancestor::div[P]//p" would select something else
        ("//div[1]//a[@href]", None),  # a position counts along another axis
        ("//div//a[@href]", None),
        ("//div[P] | //p[P]//a[@href]", None),
        ("//div[P]//a", None),
        (".//div[P]//a[@href]", None),
    ],
)
def test_only_a_single_filtering_step_becomes_a_filter(path, wanted):
    assert among(path, "a[@href]", "links") == wanted
