"""Paths walked in Python select what lxml's XPath selects, in the same order; paths they do not read keep XPath."""

from __future__ import annotations

import pytest
from lxml import etree
from lxml.html import document_fromstring

from crawler.extract import walked_paths
from crawler.extract.xpath_forms import REGEXP_NS

# Attributes present, absent, empty, in both orders, in capitals; words the paths below look for.
ATTRIBUTES = [
    "",
    'class=""',
    'id=""',
    'class="post"',
    'class="post extra"',
    'id="comment-1"',
    'id="commentary"',
    'class="Comment-box" id="x"',
    'id="main-x" class="comments"',
    'class="comments" id="main-x"',
    'class="MAIN-Content"',
    'class="Main-ConTent"',
    'style="display:none" id="hidden"',
    'id="hidden" style="color: red"',
    'role="Navigation"',
    'class="teaser Teaser"',
    'itemprop="articleBody"',
    'class="article-body"',
    'data-x="1" class="infinite-scroll"',
]
TAGS = ["div", "section", "p", "span", "article", "ul", "aside"]

PATHS = [
    ".//*[self::div or self::section][@class='post' or @class='entry']",
    ".//*[self::div or self::section][@class='post'][1]",
    ".//*[self::div or self::p or self::span][@class][1]",
    "(.//*[self::div or self::article][contains(@class, 'post') or starts-with(@id, 'main')])[1]",
    "(.//*[self::div or self::article][@class='does-not-occur'])[1]",
    ".//*[contains(@class, '')]",  # every element: XPath's contains() of any string and ""
    ".//*[starts-with(@id, '')]",
    ".//div[@class != 'post']",
    ".//*[@id]",
    ".//*[not(@class) and not(@id)]",
    ".//*[self::div or self::section][re:test(@id, '^[Cc]omment(?!ary)')]",
    ".//*[self::div or self::section][re:test(@class, 'main-content', 'i')]",
    ".//*[re:test(@class, '^$')]",  # a pattern matching the empty string: true without the attribute
    ".//*[re:test(@class, 'x?')]",
    ".//*[re:test(@id|@class, '^main')]",  # the first of the two in the element's source order
    ".//*[re:test(@id|@style, 'hidden')]",
    ".//*[starts-with(@id|@class, 'comm')]",
    ".//*[contains(translate(@class, 'MCT', 'mc'), 'main-conent')]",  # "T" dropped: the second is shorter
    ".//*[contains(translate(@role, 'N', 'n'), 'navigation')]",
    ".//*[self::div or self::section or self::aside][re:test(@class, 'infinite-?scroll')][not(.//h1) or @id]",
    ".//*[self::div or self::ul][(@class='post' or @id='x') and not(self::ul)]",
    ".//p[@class='post' or contains(@class, 'teaser')]",
]

NOT_WALKED = [
    ".//*[self::div][2]",  # another position
    ".//*[self::div][position() < 3]",
    ".//*[self::div][last()]",
    ".//div[@id]/a",  # a further step
    ".//aside|.//footer",  # a union
    "//*[@id]",  # from the document's root
    ".//*[local-name()='div']",
    ".//*[@id='a' and text()]",
    ".//*[re:test(@id, 'a', 'm')]",  # a flag lxml's EXSLT ignores
    ".//*[@id|@class = 'x']",
    ".//*[count(p) > 1]",
]


def varied_page() -> etree._Element:
    blocks = []
    for n, attributes in enumerate(ATTRIBUTES):
        for tag in TAGS:
            inner = "<h1>Heading</h1>" if n % 3 == 0 else f'<a href="/{n}">link {n}</a>'
            nested = f"<div {ATTRIBUTES[-n]}>inner</div><div {ATTRIBUTES[n // 2]}>second</div>"
            blocks.append(f"<{tag} {attributes}>Text {n} {inner}<p {ATTRIBUTES[-n]}>words</p>{nested}</{tag}>")
    return document_fromstring("<html><body><main>" + "".join(blocks) + "</main><!-- a comment --></body></html>")


@pytest.mark.parametrize("path", PATHS)
def test_a_walked_path_selects_what_its_xpath_selects(path: str) -> None:
    expression = etree.XPath(path, namespaces={"re": REGEXP_NS})
    walk = walked_paths.walked(expression)
    assert walk is not None, path
    page = varied_page()
    for context in (page, *page.iter("main", "section", "ul")):
        assert walk(context) == expression(context), path
    assert walk.path == expression.path


def test_the_paths_exercise_their_results() -> None:
    page = varied_page()
    counts = [len(etree.XPath(path, namespaces={"re": REGEXP_NS})(page)) for path in PATHS]
    assert all(counts[:4]), counts  # none of the first trivially empty
    assert counts[PATHS.index(".//*[contains(translate(@class, 'MCT', 'mc'), 'main-conent')]")] > 0
    assert counts[4] == 0 and counts[5] == len(list(page.iterdescendants(etree.Element)))
    # "[1]": one per parent, where the path without it selects siblings.
    siblings = etree.XPath(".//*[self::div or self::p or self::span][@class]")(page)
    assert len({element.getparent() for element in siblings}) == counts[2] < len(siblings)


@pytest.mark.parametrize("path", NOT_WALKED)
def test_a_path_it_does_not_read_whole_keeps_its_xpath(path: str) -> None:
    assert walked_paths.walked(etree.XPath(path, namespaces={"re": REGEXP_NS})) is None


def test_another_context_or_variables_are_answered_by_the_xpath() -> None:
    expression = etree.XPath(".//*[@id]")
    walk = walked_paths.walked(expression)
    assert walk is not None
    page = varied_page()
    document = page.getroottree()
    assert walk(document) == expression(document)  # from the document node: its root element is below it
    assert walk(page, unused="x") == expression(page, unused="x")
    assert walked_paths.walked(etree.XPath(".//*[@id=$wanted]")) is None  # a variable is not read
