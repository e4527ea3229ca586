"""jusText's paragraph maker in a form that walks the tree itself, making the same paragraphs."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from typing import Any

from justext.core import PARAGRAPH_TAGS
from justext.paragraph import Paragraph
from justext.utils import normalize_whitespace
from lxml import etree

from crawler.extract.released import Placed, as_released, known_release, place

# trafilatura's thorough run reads a short page with jusText too, whose paragraph maker is a SAX handler: lxml
# turns the tree into events (an object of attributes for every element), and at every block element it starts a
# paragraph that reads the path to it as two strings, though most hold no text and are dropped (7,543 made, 2,307
# kept, over the 226 first corpus pages). jusText then reads each kept paragraph's text, which it joins and
# normalises again at every read: seven times a paragraph as it classifies them. Here one walk of the tree makes
# the same paragraphs, the path read only for those kept, each one's text made once: 6.6 -> 2.5 ms a page (over
# the 990 corpus pages' trees as jusText is given them, the same paragraphs on each).
_RELEASED_SOURCES = {
    # sha256 of inspect.getsource(...) as jusText 3.0 has them: another version makes its paragraphs as it does.
    ("justext.core", "ParagraphMaker"): "b41fe77fbc5b6a64",
    ("justext.core", "PathInfo"): "a0654d40b436e45d",
    ("justext.paragraph", "Paragraph"): "638810ac2d88e31c",
    ("justext.utils", "normalize_whitespace"): "9bffba6a89181d2c",
}
_COMMENT, _INSTRUCTION = etree.Comment, etree.ProcessingInstruction
_PLACED: list[Placed] = []


class MadeParagraph(Paragraph):
    """jusText's paragraph, made with all of its text: its text joined and normalised once."""

    def __init__(self, tags: list[str], steps: list[str], nodes: list[str], in_links: int, tags_count: int, text: str):
        # Not Paragraph.__init__, which reads the two strings from a PathInfo.
        self.dom_path = ".".join(tags)
        self.xpath = "/" + "/".join(steps)
        self.text_nodes = nodes
        self.chars_count_in_links = in_links
        self.tags_count = tags_count
        self.class_type = ""
        self._text = text

    @property
    def text(self) -> str:
        return self._text


class _Maker:
    """The state of jusText's ParagraphMaker as one walk of a tree changes it, event by event as lxml's SAX
    producer fires them: an element's start, its text, its children, its end, its tail."""

    def __init__(self) -> None:
        self.paragraphs: list[Paragraph] = []
        self.tags: list[str] = []  # the path: the names of the open elements,
        self.steps: list[str] = []  # each with its place among its parent's children of that name ("li[2]"),
        self.children: list[dict[str, int]] = []  # and how many of each name each open element has had so far
        self.link = self.br = False
        # The paragraph being filled: its text nodes, the characters of them in links, its tags, where it began.
        self.nodes: list[str] = []
        self.in_links = self.tags_count = 0
        self.at_tags: list[str] = []
        self.at_steps: list[str] = []

    def start_paragraph(self) -> None:
        """Keep the paragraph being filled where its text is more than white space, and begin the next one here."""
        if self.nodes:
            text = normalize_whitespace("".join(self.nodes).strip())
            if text:  # jusText keeps a paragraph whose length (of its text) is not 0
                made = MadeParagraph(self.at_tags, self.at_steps, self.nodes, self.in_links, self.tags_count, text)
                self.paragraphs.append(made)
        self.nodes = []
        self.in_links = self.tags_count = 0
        self.at_tags, self.at_steps = self.tags[:], self.steps[:]

    def start(self, name: str) -> None:
        siblings = self.children[-1] if self.children else {}
        order = siblings.get(name, 0) + 1
        siblings[name] = order
        self.tags.append(name)
        self.steps.append(f"{name}[{order}]")
        self.children.append({})
        if name in PARAGRAPH_TAGS or (name == "br" and self.br):
            if name == "br":  # <br><br> separates paragraphs; not counted among the tags of either
                self.tags_count -= 1
            self.start_paragraph()
        else:
            self.br = name == "br"
            if self.br:
                self.nodes.append(" ")
            elif name == "a":
                self.link = True
            self.tags_count += 1

    def end(self, name: str) -> None:
        self.tags.pop()
        self.steps.pop()
        self.children.pop()
        if name in PARAGRAPH_TAGS:
            self.start_paragraph()
        if name == "a":
            self.link = False

    def characters(self, content: str | None) -> None:
        if not content or content.isspace():
            return
        text = normalize_whitespace(content)
        self.nodes.append(text)
        if self.link:
            self.in_links += len(text)
        self.br = False


def make_paragraphs(root: Any) -> list[Paragraph] | None:
    """The paragraphs jusText's ParagraphMaker makes of ``root``; None where its walk would not be the one lxml's SAX
    producer makes (a tree with processing instructions beside its root, or holding an entity: as released)."""
    if not isinstance(getattr(root, "tag", None), str):
        return None
    if _is_instruction(root.getprevious()) or _is_instruction(root.getnext()):
        return None
    maker = _Maker()
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag
        if not isinstance(tag, str):
            if tag is not _COMMENT and tag is not _INSTRUCTION:
                return None
            if event == "end":  # a comment or instruction fires no event of its own; its tail does
                maker.characters(element.tail)
            continue
        name = tag.split("}", 1)[1] if tag[0] == "{" and "}" in tag else tag  # the local name, as SAX gives it
        if event == "start":
            maker.start(name)
            maker.characters(element.text)
        else:
            maker.end(name)
            maker.characters(element.tail)
    maker.start_paragraph()  # the end of the document
    return maker.paragraphs


def _is_instruction(node: Any) -> bool:
    return getattr(node, "tag", None) is _INSTRUCTION


def _made_here(released: Any) -> Any:
    def made_paragraphs(cls: type, root: Any) -> list[Paragraph]:
        made = make_paragraphs(root)
        return made if made is not None else released.__func__(cls, root)

    return classmethod(made_paragraphs)


def install() -> int:
    """Put the paragraph maker in jusText's place, where jusText reads as this module knows it; returns in how many
    places it was put. Idempotent."""
    if _PLACED:
        return 0
    if all(known_release(module, name, fingerprint) for (module, name), fingerprint in _RELEASED_SOURCES.items()):
        maker = sys.modules["justext.core"].ParagraphMaker
        released = maker.__dict__["make_paragraphs"]
        place(_PLACED, maker, "make_paragraphs", released, _made_here(released))
    return len(_PLACED)


def installed() -> list[str]:
    """The names of the steps now replaced."""
    return [name for _, name, _, _ in _PLACED]


def removed() -> AbstractContextManager[None]:
    """jusText making its paragraphs as released within the block (benchmarks measure plain trafilatura so)."""
    return as_released(_PLACED)
