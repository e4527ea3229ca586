"""A site's known chrome cut from an article before it is signed: the paragraphs the writer side learned."""

from __future__ import annotations

from crawler.extract.paragraphs import Paragraph
from crawler.extract.words import count_words
from crawler.handoff import KnownChrome

CHROME = "site_chrome"  # the reason recorded for a paragraph cut as the site's chrome


def has_words(paragraphs: list[str], minimum: int) -> bool:
    """Whether the paragraphs hold ``minimum`` words at least; they are counted only that far."""
    total = 0
    for paragraph in paragraphs:
        if total >= minimum:
            break
        total += count_words(paragraph)
    return total >= minimum


def is_chrome(paragraph: str, block: int, chrome: KnownChrome) -> bool:
    """Whether a paragraph whose block hash is ``block`` is the site's chrome."""
    return len(paragraph) <= chrome.max_chars and block in chrome.blocks


def cut_chrome(paragraphs: list[Paragraph], chrome: KnownChrome) -> tuple[list[Paragraph], list[tuple[str, str]]]:
    """The paragraphs without the site's known chrome, and what was cut; never cut down below ``min_words``."""
    kept: list[Paragraph] = []
    cut: list[tuple[str, str]] = []
    for paragraph in paragraphs:
        if is_chrome(paragraph.text, paragraph.hashes.block, chrome):
            cut.append((paragraph.text, CHROME))
        else:
            kept.append(paragraph)
    if not cut or not has_words([p.text for p in kept], chrome.min_words):
        return paragraphs, []
    return kept, cut
