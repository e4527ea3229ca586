"""The author an "about the author" box beside the story names: ``<div class="author-bio"><h3>Ann Example</h3>``."""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract import xpath_forms
from crawler.extract.author_links import inside_aside
from crawler.extract.authors import looks_like_a_person

# Elements whose class may name an author box ("author-bio", "autor-box"): XPath narrows them down in C
# (in the form lxml evaluates faster).
_MAYBE_A_BOX = etree.XPath(xpath_forms.faster("//*[contains(@class, 'uthor') or contains(@class, 'utor')]"))
# The class of a box about the story's author (not "author" alone, which bylines and comments use too).
_BOX = re.compile(
    r"(?:^|[\s_-])(?:author|autor)[-_]?(?:bio|box|info|card|details|profile|about)(?:$|[\s_-])"
    r"|about[-_](?:the[-_])?author",
    re.IGNORECASE,
)
# The parts of a box that hold the name: its heading, or a name set in bold or linked.
_NAME_TAGS = ("h2", "h3", "h4", "h5", "strong", "b", "a")
# What a box's heading may say before the name ("Über Kathrin", "About Ann Example").
_ABOUT = re.compile(r"^(?:über|about|sobre|à propos de|a proposito di|mehr von|more from)\s+", re.IGNORECASE)


def author_box_name(tree: HtmlElement) -> str | None:
    """The person the page's first "about the author" box names in its heading, a bold or linked name
    (two or three capitalised words); None when there is no such box, or it names no person. Boxes in
    comments, sidebars and related stories are passed over: they name commenters and other authors."""
    for box in _MAYBE_A_BOX(tree):
        if not _BOX.search(box.get("class") or "") or inside_aside(box):
            continue
        for part in box.iter(_NAME_TAGS):
            if any(True for _ in part.iterdescendants(_NAME_TAGS)):
                continue  # its own parts are read: a heading may hold the name and a "Follow" link
            name = _ABOUT.sub("", " ".join("".join(part.itertext()).split()))
            if looks_like_a_person(name):
                return name
        return None
    return None
