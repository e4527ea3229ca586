"""XPath expressions in faster forms, trafilatura's and the project's, select the same elements in the same order."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

import crawler.extract.body  # noqa: F401  (installs the faster forms, as every extraction does)
from crawler.extract import author_boxes, elements, regex_literals, step_forms, walked_paths, xpath_forms
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
    'aria-hidden="true"',
    'role="navigation" class="caption"',
    'data-component="MostPopularStories"',
    'style="border: 1px"',
    'class="CookieBanner"',
    'id="COOKIE-NOTICE-top"',
    'class="coo\u212aie-bar"',  # the Kelvin sign, which re.IGNORECASE matches with "k"
    'class="Comments-Area"',
    'id="ArticleComments"',
    'class="post-comments comment-list"',
]
# "list" and "item" are what trafilatura renames lists and their items to before it prunes.
TAGS = ["div", "section", "ul", "ol", "p", "span", "aside", "details", "article", "a", "list", "item", "main"]


def varied_page() -> str:
    blocks = []
    for n, attributes in enumerate(ATTRIBUTES):
        for tag in TAGS:
            inner = "<h1>Heading</h1>" if n % 3 == 0 else f'<a href="/{n}">link {n}</a>'
            blocks.append(f"<{tag} {attributes}>Text {n} {inner}<p {ATTRIBUTES[-n]}>more words here</p></{tag}>")
    return "<html><head><title>Varied</title></head><body><main>" + "".join(blocks) + "</main></body></html>"


def test_guarding_wraps_attribute_tests_and_leaves_what_could_match_nothing():
    assert xpath_forms.guarded("//*[re:test(@class, '[mn]a')]") == "//*[((@class) and re:test(@class, '[mn]a'))]"
    # Strings every match holds, shorter than three characters: not tested first.
    assert xpath_forms.guarded("//*[re:test(@id|@class, '^sh', 'i')]") == (
        "//*[((@id or @class) and re:test(@id|@class, '^sh', 'i'))]"
    )
    # Every match holds "comment": the attribute's value is searched for it in C first.
    assert xpath_forms.guarded("//*[re:test(@id|@class, '^comment[s-]|comment-?list')]") == (
        "//*[((@id or @class) and (contains(@id|@class, 'comment'))"
        " and re:test(@id|@class, '^comment[s-]|comment-?list'))]"
    )
    # Not where case is ignored, nor past six strings: there the C steps cost more than the call they spare.
    assert "contains(" not in xpath_forms.guarded("//*[re:test(@class, 'cookie-?bar|borlabs', 'i')]")
    assert "contains(" not in xpath_forms.guarded("//*[re:test(@class, 'aaa|bbb|ccc|ddd|eee|fff|ggg')]")
    # A pattern that matches the empty string is true for an element without the attribute.
    assert xpath_forms.guarded("//*[re:test(@class, 'x?')]") == "//*[re:test(@class, 'x?')]"
    assert xpath_forms.guarded("//*[re:test(@class, '^$')]") == "//*[re:test(@class, '^$')]"
    # Guarding twice changes nothing.
    once = xpath_forms.guarded("//div[re:test(@id, 'abc') or re:test(@class, 'b')]")
    assert xpath_forms.guarded(once) == once


def test_installed_forms_select_what_trafilaturas_expressions_select():
    xpath_forms.install()
    installed = xpath_forms.installed()
    assert len(installed) >= 10  # the boilerplate, comment and body expressions
    pages = [parse_html(varied_page()), parse_html(FIXTURE.read_text(encoding="utf-8"))]
    selected = 0
    for original, faster in installed:
        # A walk answers for the path as it is; the other forms are paths of their own.
        assert faster.path != original.path or isinstance(faster, walked_paths.WalkedPath)
        for page in pages:
            assert page is not None
            for context in (page, *page.iter("main", "article")):  # trafilatura prunes subtrees too
                expected = original(context)
                assert faster(context) == expected, original.path
                selected += len(expected)
    assert selected > 100  # the pages exercise the expressions, not only their empty results


def test_installing_again_changes_nothing_and_removing_restores_trafilatura():
    from trafilatura.xpaths import BODY_XPATH, OVERALL_DISCARD_XPATH

    xpath_forms.install()
    assert xpath_forms.install() == 0
    faster = [*BODY_XPATH, *OVERALL_DISCARD_XPATH]
    with xpath_forms.removed():
        released = [*BODY_XPATH, *OVERALL_DISCARD_XPATH]
        assert all(isinstance(x, etree.XPath) and ") and re:test(" not in x.path for x in released)
        assert all(x.path.lstrip().startswith((".//*", "(.//")) for x in released)
    assert [*BODY_XPATH, *OVERALL_DISCARD_XPATH] == faster  # the same objects, not compiled again
    assert all(isinstance(x, walked_paths.WalkedPath) for x in OVERALL_DISCARD_XPATH)
    # A union of two first elements is no walk: its rewritten path.
    assert any(isinstance(x, etree.XPath) and " | (descendant::main)[1]" in x.path for x in BODY_XPATH)


def test_a_named_first_step_becomes_one_step_per_name_and_only_when_its_predicates_filter():
    assert xpath_forms.named_steps(".//*[self::div or self::list][@id='a' or contains(@class, 'b')]") == (
        ".//div[@id='a' or contains(@class, 'b')] | .//list[@id='a' or contains(@class, 'b')]"
    )
    assert xpath_forms.named_steps(".//*[self::div or self::p][@id][not(.//h1)]") == (
        ".//div[@id][not(.//h1)] | .//p[@id][not(.//h1)]"
    )
    # A bracket inside a quoted string is text, not a predicate.
    assert xpath_forms.named_steps(".//*[self::div][contains(@class, '[x]')]") == ".//div[contains(@class, '[x]')]"
    # Positions count among each parent's children: "the first div or p" is no "first div" plus "first p".
    for kept in (
        ".//*[self::div or self::p][1]",
        ".//*[self::div or self::p][@id][last()]",
        ".//*[self::div or self::p][position() < 3]",
        ".//*[self::div or self::p][count(a)]",
        "(.//*[self::div or self::p][@id])[1]",
        ".//*[self::div or self::p]/a",  # a further step
        ".//*[self::div or @id='x']",  # not only names
    ):
        assert xpath_forms.named_steps(kept) == kept, kept
    # From the document's root as well.
    assert xpath_forms.named_steps("//*[self::div or self::p][@id]") == "//div[@id] | //p[@id]"


def test_a_predicate_on_one_attribute_becomes_a_step_to_that_attribute_and_back():
    assert xpath_forms.attribute_steps("//*[@itemprop]") == "/descendant::*/@itemprop/.."
    assert xpath_forms.attribute_steps(".//*[contains(@class, 'a') or @class='b']") == (
        "descendant::*/@class[contains(., 'a') or .='b']/.."
    )
    assert xpath_forms.attribute_steps(".//*[@class-name='x' or @class='y']") == (
        ".//*[@class-name='x' or @class='y']"  # two attributes, one named like the start of the other
    )
    for kept in (
        ".//*[@id='a' or @class='b']",  # two attributes
        ".//*[not(@class)]",  # true without it
        ".//*[@class and text()]",  # reads more than the attribute
        ".//*[@class]/a",  # a further step
        ".//*[@class][1]",  # a position
        ".//*[contains(@class, '@class')]",  # the attribute's name in a string
        ".//div[@class='x']",  # a named step: no element is tested for nothing
    ):
        assert xpath_forms.attribute_steps(kept) == kept, kept
    page = parse_html(varied_page())
    assert page is not None
    selected = 0
    for path in (
        "//*[@itemprop]",
        ".//*[@aria-hidden]",
        ".//*[contains(@class, 'comment') or @class='sidebar']",
        ".//*[re:test(@id, '^comment')]",
        "//*[starts-with(@style, 'display')]",
    ):
        faster = etree.XPath(xpath_forms.faster(path), namespaces={"re": xpath_forms.REGEXP_NS})
        assert "/.." in faster.path, path
        for context in (page, *page.iter("main", "article")):
            expected = etree.XPath(path, namespaces={"re": xpath_forms.REGEXP_NS})(context)
            assert faster(context) == expected, path
            selected += len(expected)
    assert selected > 100


def test_a_first_step_through_double_slash_walks_the_descendants_once_where_its_predicates_filter():
    # ".//div[P]" asks every node below for its div children; "descendant::div[P]" is the same elements.
    assert xpath_forms.descendant_steps(".//div[@id] | .//p[not(.//h1)]") == (
        "descendant::div[@id] | descendant::p[not(.//h1)]"
    )
    assert xpath_forms.descendant_steps("//*[@itemprop]") == "/descendant::*[@itemprop]"
    assert xpath_forms.descendant_steps(".//a[contains(@href, '|')] | .//b") == (
        "descendant::a[contains(@href, '|')] | descendant::b"
    )
    # In parentheses, with a position taken of the whole: the first in document order either way.
    assert xpath_forms.descendant_steps("(.//*[self::div or self::main][@id])[1] | (.//main)[1]") == (
        "(descendant::div[@id] | descendant::main[@id])[1] | (descendant::main)[1]"
    )
    for kept in (
        ".//div[1]",  # the first div child of each element, not the first div
        ".//div[@id][last()]",
        ".//div[position() < 3]",
        "(.//div[1])[1]",
        ".//div//p",  # a further step
        "(.//div)[1]//p",
        "./div[@id]",
        "string(.//div)",
    ):
        assert xpath_forms.descendant_steps(kept) == kept, kept


def test_attributes_are_tested_for_presence_first_only_where_their_absence_means_no_match():
    predicate = "@class='x' or contains(@style, 'none') or starts-with(@id|@class, 'r')"
    assert xpath_forms.attribute_filtered(f".//*[{predicate}]") == f".//*[@class or @id or @style][{predicate}]"
    # From the document's root as well.
    assert xpath_forms.attribute_filtered(f"//*[{predicate}]") == f"//*[@class or @id or @style][{predicate}]"
    for kept in (
        ".//*[@class or @id]",  # the presence test already
        "//*[@itemprop]",
        ".//*[not(@class)]",  # true on an element without the attribute
        ".//*[@class='' or string(@id)='']",  # so is this
        ".//*[@class='x' or text()='y']",  # reads more than attributes
        ".//*[@class='x' or .//h1]",
        ".//*[@class='x' or self::p]",
        ".//*[@*='x']",
        ".//*[@class='x' or normalize-space()='y']",  # a function of the element itself
        ".//*[@class='x' or lang('en')]",  # of its ancestors
        ".//*[@class][@id]",  # two predicates
        ".//div[@class='x']",
    ):
        assert xpath_forms.attribute_filtered(kept) == kept, kept


def test_each_rewrite_selects_the_same_elements_on_a_varied_page():
    page = parse_html(varied_page())
    assert page is not None
    paths = [
        (
            ".//*[self::div or self::section or self::aside]"
            "[((@id) and re:test(@id, 'comment|share')) or contains(@class, 'sidebar')]"
        ),
        ".//*[self::ul or self::ol or self::p][not(.//h1)][@class or @id]",
        (
            ".//*[@class='comments-title' or contains(@style, 'display:none') or @aria-hidden='true'"
            " or starts-with(@id|@class, 'hid')]"
        ),
        ".//*[contains(translate(@role, 'N', 'n'), 'nav') or contains(@data-component, 'Popular')]",
        "(.//*[self::section or self::div][@class or @id])[1] | (.//main)[1]",
        "//*[self::p or self::span][@class]",
    ]
    namespaces = {"re": xpath_forms.REGEXP_NS}
    for path in paths:
        faster = xpath_forms.faster(path)
        assert faster != path
        expected = etree.XPath(path, namespaces=namespaces)(page)
        assert expected, path  # the page has such elements
        assert etree.XPath(faster, namespaces=namespaces)(page) == expected, path


def test_the_projects_own_whole_page_expressions_select_what_their_double_slash_spelling_selects():
    spelled = {
        elements._WITH_ITEMPROP: "//*[@itemprop]",
        author_boxes._MAYBE_A_BOX: "//*[contains(@class, 'uthor') or contains(@class, 'utor')]",
        step_forms._BASIC_CLEAN_WITHOUT_BANNERS: step_forms._WITHOUT_BANNERS_PATH,
    }
    marked = (
        '<div itemprop="author" class="autor-box"><span itemprop="name">Ann Example</span></div>'
        '<aside><svg><title>icon</title></svg></aside><div id="site-footer">f</div><div class="a footer">g</div>'
        "<footer>h</footer><script>var x;</script><style>p {}</style><template>t</template><fencedframe></fencedframe>"
    )
    pages = [parse_html(varied_page().replace("<main>", "<main>" + marked)), parse_html(FIXTURE.read_text("utf-8"))]
    for form, path in spelled.items():
        assert form.path != path
        selected = 0
        for page in pages:
            assert page is not None
            for context in (page, *page.iter("main", "article")):  # basic cleaning runs on parts of pages
                expected = etree.XPath(path)(context)
                assert form(context) == expected, path
                selected += len(expected)
        assert selected > 3, path  # the pages exercise the expression


def test_the_strings_a_pattern_requires():
    assert regex_literals.required_literals("comment-?list|comment-page") == frozenset({"comment"})
    assert regex_literals.required_literals("cookie[-_]?(?:banner|bar)|notice[-_]{0,2}cookie|borlabs") == frozenset(
        {"cookie", "notice", "borlabs"}
    )
    assert regex_literals.required_literals("(?:post-|entry-)title|headline") == frozenset({"title", "headline"})
    assert regex_literals.required_literals("^[Cc]omment(?!ary)|comol") == frozenset({"omment", "comol"})
    assert regex_literals.required_literals("(?:ab)+cd") == frozenset({"ab"})
    for none in ("x?", "[a-z]+", "(?:ab)?", "a|[xy]", "(?i)abc", "(", "\\d{4}"):
        assert regex_literals.required_literals(none) is None, none
