"""A blog's links to its author's archive ("View all posts by …", rel="author"): the one name they give."""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.authors import ARCHIVE_PHRASE

_ARCHIVE_LINKS = etree.XPath('//a[@rel="author" or contains(@href, "/author/")]')
# The title blog software gives a link to an author's archive; the name follows it.
_ARCHIVE_TITLE = re.compile(rf"^(?:{ARCHIVE_PHRASE}|(?:posts|articles|beiträge|artikel) (?:by|von))\s+", re.IGNORECASE)
# Where other people's names are linked the same way: comments, sidebars, widgets. Whole class or id
# tokens only ("comments-area", "widget_recent"), not substrings: themes put "has-comments" on <body>.
_ASIDE_TOKEN = re.compile(
    r"^(?:comments?|commentlist|comment-list|comments-area|sidebar|widget|(?:comment|widget)[-_].*"
    r"|.*[-_](?:comments|sidebar|widget))$"
)
# Class tokens that say how a page is laid out, not that an element is a sidebar ("one-sidebar" on
# the main column of a theme with one sidebar).
_LAYOUT_TOKEN = re.compile(r"^(?:no|one|two|three|has|with|without)-sidebars?$")
# What themes put after the phrase in a link's text: "View all posts by Ann Example →".
_TRAILING_MARKS = re.compile(r"[\s→»›…>|·:–—-]+$")
MAX_NAME_CHARS = 60


def archive_link_author(tree: HtmlElement) -> str | None:
    """The name the page's author-archive links give, when all of them outside comments and sidebars
    give the same one; None when there are none, or several people (a listing, a multi-author page).

    A link counts when its title is blog software's "View all posts by NAME" (the name is taken from
    it) or it is marked rel="author" (its text). A link to /author/ saying anything else ("more",
    "9 articles") is not read.
    """
    names: list[str] = []
    for link in _ARCHIVE_LINKS(tree):
        title = " ".join((link.get("title") or "").split())
        if _ARCHIVE_TITLE.match(title):
            name = _ARCHIVE_TITLE.sub("", title)
        elif link.get("rel") == "author":
            name = _ARCHIVE_TITLE.sub("", " ".join(link.text_content().split()))
        else:
            continue
        name = _TRAILING_MARKS.sub("", name)
        if name and len(name) <= MAX_NAME_CHARS and not _aside(link):
            names.append(name)
    return names[0] if names and len({name.casefold() for name in names}) == 1 else None


def _aside(element: HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        if ancestor.tag in ("aside", "footer", "nav"):
            return True
        if ancestor.tag == "body":
            return False
        tokens = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}".lower().split()
        if any(_ASIDE_TOKEN.match(token) and not _LAYOUT_TOKEN.match(token) for token in tokens):
            return True
    return False
