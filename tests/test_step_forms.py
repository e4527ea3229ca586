"""trafilatura's steps in their faster forms give what its released steps give."""

from __future__ import annotations

import contextlib
import re
import sys
from copy import deepcopy
from pathlib import Path

import pytest
import trafilatura
from lxml import etree

import crawler.extract.body  # noqa: F401  (installs the faster forms, as every extraction does)
from crawler.extract import step_forms, xpath_forms
from crawler.extract.parsing import parse_html

FIXTURE = Path(__file__).parent / "fixtures" / "magazine_article.html"
BANNER = re.compile(step_forms._BANNER_PATTERN, re.IGNORECASE)
CLASSES = [
    "story",
    "cookie-banner",
    "CookieNotice",
    "coo\u212aie-bar",  # the Kelvin sign, which re.IGNORECASE matches with "k"
    "cook\u0130e-consent",  # a dotted capital I, which it matches with "i"
    "Übersicht",  # not ASCII, no banner
    "consent-manager",
    "cookies-not-set",  # "cookie" but no banner name
    "site-footer",
    "moove_gdpr_cookie_info_bar",
    "article-body",
]
PARAGRAPH = (
    "The harbour council voted on Tuesday evening to build the tunnel after years of debate, and the mayor "
    "said work would begin next summer. Residents near the station fear noise and lorries for years."
)


def page(classes: list[str], paragraphs: int = 3, soft_hyphens: bool = False) -> str:
    """A story among menus, asides, a footer and blocks with the given classes (and ids)."""
    text = PARAGRAPH.replace("harbour", "har\u00adbour") if soft_hyphens else PARAGRAPH
    blocks = "".join(
        f'<div class="{name}"><p>Block {n} says {name} with some words.</p><span>tail {n}</span></div>'
        f'<section id="{name}-{n}">Section {n}<p>More text in section {n}.</p></section> after {n}'
        for n, name in enumerate(classes)
    )
    story = "".join(f"<p>{text} Paragraph {n}.</p>" for n in range(paragraphs))
    return (
        "<html><head><title>Tunnel</title><style>p {}</style></head><body>"
        '<nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        f"<main><article><h1>Council backs tunnel</h1>{story}</article>{blocks}</main>"
        "<aside>Popular <a href='/x'>x</a></aside> between<footer>Footer text</footer> end"
        "<script>var a = 1;</script>done</body></html>"
    )


def pages() -> list[str]:
    return [
        page(CLASSES),
        page(CLASSES[:1] + CLASSES[5:6], soft_hyphens=True),
        page(["story", "article-body"], paragraphs=1),  # short: trafilatura measures the page for its retry
        page([], paragraphs=0),
        FIXTURE.read_text(encoding="utf-8"),
    ]


def test_every_step_is_in_place_on_the_trafilatura_this_project_installs():
    # A new trafilatura whose steps read differently keeps its own: this fails then, to have them checked.
    step_forms.install()
    assert set(step_forms.installed()) == {
        "_prepare_tree",
        "basic_cleaning",
        "prune_unwanted_nodes",
        "remove_control_characters",
    }
    assert step_forms.install() == 0
    baseline = sys.modules["trafilatura.baseline"]
    faster = baseline.basic_cleaning
    with step_forms.removed():
        assert baseline.basic_cleaning is not faster
    assert baseline.basic_cleaning is faster


def test_a_page_is_searched_for_banners_whenever_a_class_or_id_could_name_one():
    for name in [*CLASSES, "", "COOKIE-BAR", "x cmplz-y", "conſent-banner"]:  # the long s matches "s"
        tree = parse_html(f'<html><body><div class="a"><p class="{name}">x</p></div></body></html>')
        assert tree is not None
        if BANNER.search(name):
            assert step_forms.may_name_a_banner(tree), name
    for name in ("story", "Übersicht", "article-body site-footer"):
        tree = parse_html(f'<html><body><div id="{name}"><p class="{name}">x</p></div></body></html>')
        assert tree is not None
        assert not step_forms.may_name_a_banner(tree), name


def test_the_page_measure_and_the_extractions_are_trafilaturas_own():
    assert set(step_forms.installed()) == {
        "_prepare_tree",
        "basic_cleaning",
        "prune_unwanted_nodes",
        "remove_control_characters",
    }
    compared = 0
    for html in pages():
        results = []
        for released in (True, False):
            tree = parse_html(html)
            assert tree is not None
            if released:
                with step_forms.removed():
                    results.append(_everything(tree))
            else:
                results.append(_everything(tree))
        assert results[0] == results[1]
        compared += sum(bool(part) for part in results[0])
    assert compared >= 12  # the pages give text, not only empty results


def test_the_banners_are_cleaned_as_trafilatura_cleans_them():
    baseline = sys.modules["trafilatura.baseline"]
    tree = parse_html(page(CLASSES))
    assert tree is not None
    cleaned = etree.tostring(baseline.basic_cleaning(parse_html(page(CLASSES))))
    with step_forms.removed():
        expected = etree.tostring(baseline.basic_cleaning(tree))
    assert cleaned == expected
    assert b"cookie-banner" not in expected and b"cookies-not-set" in expected  # a banner went, a lookalike stayed


def _everything(tree: etree._Element) -> tuple[str, ...]:
    """html2txt's page measure, the baseline, and fast and thorough extraction, each on its own copy."""
    return (
        trafilatura.html2txt(deepcopy(tree)),
        trafilatura.baseline(deepcopy(tree))[1],
        trafilatura.extract(deepcopy(tree), fast=True) or "",
        trafilatura.extract(deepcopy(tree), fast=False) or "",
        trafilatura.extract(deepcopy(tree), fast=True, favor_recall=True) or "",
        trafilatura.extract(deepcopy(tree), fast=True, include_comments=True) or "",
    )


# Strings as pages hold them: indents, line breaks and non-breaking spaces (white space, not printable: kept),
# the information separators str.isspace() counts as space, control and format characters (dropped).
CONTROL_STRINGS = [
    "",
    "plain words",
    "\n      ",
    "Line one\r\n\tline two\u2028\u3000end",
    "price\xa0100\u202f€",
    "rows\x1c\x1d\x1e\x1fend",
    "bell\x07 and null\x00 and escape\x1b[0m",
    "zero\u200bwidth\u2060joiner\ufeffmark",
    "soft\xadhyphen and a lone \ud800 surrogate",
    "\x0b\x0c vertical tab and form feed \x85 next line",
]


def test_control_characters_are_cleared_as_trafilatura_clears_them():
    utils = sys.modules["trafilatura.utils"]
    form = utils.remove_control_characters
    with step_forms.removed():
        released = utils.remove_control_characters
        assert released is not form
        wanted = [released(string) for string in CONTROL_STRINGS]
    assert [form(string) for string in CONTROL_STRINGS] == wanted
    assert wanted[2] == CONTROL_STRINGS[2] and wanted[6] == "bell and null and escape[0m"  # the cases differ
    assert sys.modules["trafilatura.baseline"].remove_control_characters is form  # where block spacing reads it


@pytest.mark.parametrize("kelvin", ["coo\u212aie-law", "COOKIE-LAW"], ids=["not-ascii", "ascii"])
def test_banners_inside_other_removed_parts_and_on_the_cleaned_element_itself_are_cleaned_as_released(kelvin):
    # A banner in an aside (both go), one named by its class and its id (it goes once), one named in capitals
    # or with the Kelvin sign for "k" (the page's values then not all ASCII), tails after each; the element
    # cleaned names a banner itself and stays, as trafilatura's ".//" leaves it.
    baseline = sys.modules["trafilatura.baseline"]
    html = (
        '<html><body><div class="cookie-notice" id="page">lead<aside>x<div class="CookieBot">in</div>after</aside>'
        f'one<p class="cookie-bar" id="onetrust-banner">twice</p>two<span id="{kelvin}">law</span>three'
        '<p class="story">Story text.</p>four<div id="site-footer">f</div>five</div></body></html>'
    )
    cleaned = {}
    for released in (True, False):
        tree = parse_html(html)
        assert tree is not None
        root = tree.find(".//div")
        with step_forms.removed() if released else contextlib.nullcontext():
            cleaned[released] = etree.tostring(baseline.basic_cleaning(root), encoding=str)
        assert root.getparent() is not None
    assert cleaned[False] == cleaned[True]
    assert cleaned[True].startswith('<div class="cookie-notice" id="page">leadonetwothree<p class="story">')
    assert cleaned[True].endswith("fourfive</div>")


# Each of OVERALL_DISCARD_XPATH's tests once; "@id|@class" is the first of the two in source order.
DISCARD_CASES = [
    '<div id="cookie-x" class="story">id first</div>',
    '<div class="story" id="cookie-x">class first</div>',
    '<span class="reply-1" id="x">reply class</span>',
    '<p id="x" class="reply-1">reply after id</p>',
    '<section style="color:red" id="hidden-1">style first</section>',
    '<div id="a" style="hidden">id before style</div>',
    '<div role="Navigation">role</div>',
    '<div role="NAVbar">capitals</div>',  # only "N" is lowered
    '<div data-lp-replacement-content="">replaced</div>',
    '<b aria-hidden="true">aria</b>',
    '<b class="comments-title">comments</b>',
    '<div style="display: none">display</div>',
    '<i id="akismet-x">akismet</i>',
    '<div class="X hide">hide</div>',
    '<div class="nav">nav</div>',
]


@pytest.mark.parametrize("with_backup", [True, False])
def test_the_discarded_sections_are_trafilaturas_own(with_backup):
    main_extractor = sys.modules["trafilatura.main_extractor"]
    body = "".join(f"{case} tail {n}." for n, case in enumerate(DISCARD_CASES)) + f"<p>{PARAGRAPH * 3}</p>"
    pruned = {}
    for released in (True, False):
        tree = parse_html(f'<html><body><div class="story">{body}</div></body></html>')
        assert tree is not None
        # As released: its own pruning step and its own XPath expressions (not their walked forms).
        with contextlib.ExitStack() as as_released:
            if released:
                as_released.enter_context(step_forms.removed())
                as_released.enter_context(xpath_forms.removed())
            prune = main_extractor.prune_unwanted_nodes
            pruned[released] = etree.tostring(prune(tree, main_extractor.OVERALL_DISCARD_XPATH, with_backup))
    assert pruned[False] == pruned[True]
    kept = pruned[True].decode()
    # Only the first of "@id|@class" (or "@id|@style") in source order is read: these four stay...
    assert all(case in kept for case in ("class first", "reply after id", "style first", "id before style", "capitals"))
    # ...and these go, the first two by that attribute.
    gone = ("id first", "reply class", "role", "replaced", "aria", "comments", "display", "akismet", "hide", "nav")
    assert not any(f">{text}<" in kept for text in gone)
    assert "tail 0." in kept and "harbour council" in kept


def test_the_pruning_pass_is_put_in_place_only_for_patterns_that_cannot_match_an_absent_attribute():
    from trafilatura.xpaths import OVERALL_DISCARD_XPATH

    released = [xpath_forms.released(expression).path for expression in OVERALL_DISCARD_XPATH]
    patterns = [pattern for path in released for _, pattern in step_forms._PATTERN_ARGUMENT.findall(path)]
    assert step_forms.answerable_in_one_pass(patterns)
    assert not step_forms.answerable_in_one_pass([*patterns[:3], "hidden|^$", *patterns[4:]])  # matches ""
    assert not step_forms.answerable_in_one_pass([*patterns[:3], "(unclosed", *patterns[4:]])
    assert not step_forms.answerable_in_one_pass(patterns[:5])  # not the six the pass reads
