"""A site's known chrome cut from an article before it is signed: the paragraphs the writer side learned."""

from __future__ import annotations

import functools
import hashlib

from crawler.extract.words import count_words
from crawler.handoff import KnownChrome
from dedup import normalize_text

CHROME = "site_chrome"  # the reason recorded for a paragraph cut as the site's chrome


def text_hash(normalized: str) -> int:
    """A signed 64-bit hash (SQLite's INTEGER) of a text already normalised."""
    return int.from_bytes(hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


@functools.lru_cache(maxsize=4096)  # a page's paragraphs are read to cut chrome, then again to learn it
def normalized_paragraph(paragraph: str) -> str:
    return normalize_text(paragraph)


@functools.lru_cache(maxsize=4096)  # the same: a paragraph is hashed to cut chrome, to learn it, to clean others
def block_hash(paragraph: str) -> int:
    """A signed 64-bit hash of the paragraph's normalised words (SQLite's INTEGER)."""
    return text_hash(normalized_paragraph(paragraph))


def has_words(paragraphs: list[str], minimum: int) -> bool:
    """Whether the paragraphs hold ``minimum`` words at least; they are counted only that far."""
    total = 0
    for paragraph in paragraphs:
        if total >= minimum:
            break
        total += count_words(paragraph)
    return total >= minimum


def is_chrome(paragraph: str, chrome: KnownChrome) -> bool:
    return len(paragraph) <= chrome.max_chars and block_hash(paragraph) in chrome.blocks


def cut_chrome(text: str, chrome: KnownChrome) -> tuple[str, list[tuple[str, str]]]:
    """The text without the site's known chrome, and what was cut; never cut down below ``min_words``."""
    kept: list[str] = []
    cut: list[tuple[str, str]] = []
    for paragraph in text.split("\n\n"):
        if is_chrome(paragraph, chrome):
            cut.append((paragraph, CHROME))
        else:
            kept.append(paragraph)
    if not cut or not has_words(kept, chrome.min_words):
        return text, []
    return "\n\n".join(kept), cut
