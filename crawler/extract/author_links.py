"""Links to an author's archive that name the author: "View all posts by …", rel="author", "By <a>…</a>"."""

from __future__ import annotations

import re
from itertools import islice

from lxml.html import HtmlElement

from crawler.extract.authors import ARCHIVE_PHRASE, BYLINE_WORD

# The title blog software gives a link to an author's archive; the name follows it.
_ARCHIVE_TITLE = re.compile(rf"^(?:{ARCHIVE_PHRASE}|(?:posts|articles|beiträge|artikel) (?:by|von))\s+", re.IGNORECASE)
# Where other people's names are linked the same way: comments, sidebars, widgets, related stories. Whole
# class or id tokens only ("comments-area", "widget_recent"), not substrings: themes put "has-comments" on <body>.
_ASIDE_TOKEN = re.compile(
    r"^(?:comments?|commentlist|comment-list|comments-area|sidebar|widget|related|(?:comment|widget|related)[-_].*"
    r"|.*[-_](?:comments|sidebar|widget|related))$"
)
_ASIDE_TAGS = frozenset(("aside", "footer", "nav"))
# Class tokens that say how a page is laid out, not that an element is a sidebar ("one-sidebar" on
# the main column of a theme with one sidebar).
_LAYOUT_TOKEN = re.compile(r"^(?:no|one|two|three|has|with|without)-sidebars?$")
# What themes put after the phrase in a link's text: "View all posts by Ann Example →".
_TRAILING_MARKS = re.compile(r"[\s→»›…>|·:–—-]+$")
MAX_NAME_CHARS = 60
# The addresses sites give an author's page, which an archive link ("View all posts by …") and a byline's
# link ("By <a href="/author/ann/">Ann Example</a>") go to.
_AUTHOR_PAGE = re.compile(
    r"/(?:authors?|autor|autoren|autorin|profile?|people|journalist|journalisten|redakteur|staff|users?|members?"
    r"|reporters?|writers?|contributors?|columnists?)/",
    re.IGNORECASE,
)
# The words a byline puts before the link.
_BYLINE_LEAD = re.compile(rf"(?:^|\s){BYLINE_WORD}\s*:?\s*$", re.IGNORECASE)
HEADLINE_LEVELS = 2  # how far up from the <h1> a byline may sit: the headline's parent and grandparent


def linked_author(tree: HtmlElement, headings: list[HtmlElement]) -> str | None:
    """The author the page's links to an author's page name: a byline's "By" link beside one of its
    ``headings`` (its <h1>s) first, since a related story's rel="author" can mislead the archive links,
    else the one name those give; None when they name nobody. The page's links are walked once."""
    links = _author_page_links(tree)
    return _byline_link_author(links, headings) or _archive_link_author(links)


def _archive_link_author(links: list[HtmlElement]) -> str | None:
    """The name the page's author-archive links give, when all of them outside comments and sidebars
    give the same one; None when there are none, or several people (a listing, a multi-author page).

    A link counts when its title is blog software's "View all posts by NAME" (the name is taken from
    it) or it is marked rel="author" (its text). A link to an author's page saying anything else ("more",
    "9 articles") is not read.
    """
    names: list[str] = []
    for link in links:
        title = " ".join((link.get("title") or "").split())
        if _ARCHIVE_TITLE.match(title):
            name = _ARCHIVE_TITLE.sub("", title)
        elif link.get("rel") == "author":
            name = _ARCHIVE_TITLE.sub("", " ".join(link.text_content().split()))
        else:
            continue
        name = _TRAILING_MARKS.sub("", name)
        if name and len(name) <= MAX_NAME_CHARS and not inside_aside(link):
            names.append(name)
    return names[0] if names and len({name.casefold() for name in names}) == 1 else None


def _byline_link_author(links: list[HtmlElement], headings: list[HtmlElement]) -> str | None:
    """The name in a link to an author's page that a byline's "By" leads, beside one of the page's
    ``headings`` (its <h1>s: in their parent or its parent), as in ``<h1>…</h1><address>By <a
    href="/author/tanderson/">Tim Anderson</a></address>``. Unlike an archive link's title, the words
    before the link say it names who wrote the page; "beside the headline" keeps out the bylines of
    related stories."""
    beside = {a for heading in headings for a in islice(heading.iterancestors(), HEADLINE_LEVELS)}
    for link in links:
        previous, parent = link.getprevious(), link.getparent()
        before = previous.tail if previous is not None else parent.text if parent is not None else None
        if not _BYLINE_LEAD.search(before or "") or beside.isdisjoint(link.iterancestors()):
            continue
        name = " ".join(link.text_content().split())
        if name and len(name) <= MAX_NAME_CHARS:
            return name
    return None


def _author_page_links(tree: HtmlElement) -> list[HtmlElement]:
    """The page's links marked rel="author" or to an address of an author's page, in document order."""
    return [a for a in tree.iter("a") if a.get("rel") == "author" or _AUTHOR_PAGE.search(a.get("href") or "")]


def is_aside(element: HtmlElement) -> bool:
    """Whether ``element`` holds what is beside a story, by its tag or its class or id: comments, a sidebar,
    a widget, related stories, the page's navigation or footer."""
    if element.tag in _ASIDE_TAGS:
        return True
    tokens = f"{element.get('class') or ''} {element.get('id') or ''}".lower().split()
    return any(_ASIDE_TOKEN.match(token) and not _LAYOUT_TOKEN.match(token) for token in tokens)


def inside_aside(element: HtmlElement) -> bool:
    """Whether ``element`` is inside comments, a sidebar, a widget, related stories, navigation or a footer."""
    for ancestor in element.iterancestors():
        if ancestor.tag == "body":
            return False
        if is_aside(ancestor):
            return True
    return False
