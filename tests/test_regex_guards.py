"""trafilatura's regular-expression XPath tests, guarded by the attribute's presence, select the same elements."""

from __future__ import annotations

from pathlib import Path

import crawler.extract.body  # noqa: F401  (installs the guards, as every extraction does)
from crawler.extract import regex_guards
from crawler.extract.parsing import parse_html

FIXTURE = Path(__file__).parent / "fixtures" / "magazine_article.html"
# Elements with and without ids and classes, empty ones, both orders, and the words trafilatura's
# patterns look for (comments, share buttons, sidebars, cookie banners, hidden parts, teasers).
ATTRIBUTES = [
    "",
    'class=""',
    'id=""',
    'class="comments"',
    'id="comments"',
    'id="comment-list" class="body"',
    'class="article-body" id="share-top"',
    'class="sidebar"',
    'class="cookie-banner"',
    'id="CookieBanner"',
    'class="post-content entry"',
    'class=" hidden"',
    'id="hidden-part"',
    'style="display:none"',
    'class="teaser"',
    'class="ad-slot"',
    'class="author-name"',
    'class="infinite-scroll"',
    'id="mvp-post-add-box"',
    'class="tag-list"',
    'class="bottom link"',
]
TAGS = ["div", "section", "ul", "ol", "p", "span", "aside", "details", "article", "a"]


def varied_page() -> str:
    blocks = []
    for n, attributes in enumerate(ATTRIBUTES):
        for tag in TAGS:
            inner = "<h1>Heading</h1>" if n % 3 == 0 else f'<a href="/{n}">link {n}</a>'
            blocks.append(f"<{tag} {attributes}>Text {n} {inner}<p {ATTRIBUTES[-n]}>more words here</p></{tag}>")
    return "<html><head><title>Varied</title></head><body><main>" + "".join(blocks) + "</main></body></html>"


def test_guarding_wraps_attribute_tests_and_leaves_what_could_match_nothing():
    assert regex_guards.guarded("//*[re:test(@class, 'menu|nav')]") == (
        "//*[((@class) and re:test(@class, 'menu|nav'))]"
    )
    assert regex_guards.guarded("//*[re:test(@id|@class, '^shar', 'i')]") == (
        "//*[((@id or @class) and re:test(@id|@class, '^shar', 'i'))]"
    )
    # A pattern that matches the empty string is true for an element without the attribute.
    assert regex_guards.guarded("//*[re:test(@class, 'x?')]") == "//*[re:test(@class, 'x?')]"
    assert regex_guards.guarded("//*[re:test(@class, '^$')]") == "//*[re:test(@class, '^$')]"
    # Guarding twice changes nothing.
    once = regex_guards.guarded("//div[re:test(@id, 'a') or re:test(@class, 'b')]")
    assert regex_guards.guarded(once) == once


def test_installed_guards_select_what_trafilaturas_expressions_select():
    regex_guards.install()
    installed = regex_guards.installed()
    assert len(installed) >= 10  # the boilerplate, comment and body expressions
    pages = [parse_html(varied_page()), parse_html(FIXTURE.read_text(encoding="utf-8"))]
    selected = 0
    for original, guarded in installed:
        assert guarded.path != original.path
        for page in pages:
            assert page is not None
            expected = original(page)
            assert guarded(page) == expected, original.path
            selected += len(expected)
    assert selected > 100  # the pages exercise the expressions, not only their empty results


def test_installing_again_changes_nothing_and_removing_restores_trafilatura():
    from trafilatura.xpaths import OVERALL_DISCARD_XPATH

    regex_guards.install()
    assert regex_guards.install() == 0
    guarded_paths = [x.path for x in OVERALL_DISCARD_XPATH]
    with regex_guards.removed():
        assert all(") and re:test(" not in x.path for x in OVERALL_DISCARD_XPATH)
    assert [x.path for x in OVERALL_DISCARD_XPATH] == guarded_paths
    assert any(") and re:test(" in path for path in guarded_paths)
