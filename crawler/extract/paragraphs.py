"""An article's paragraphs as the writer side recognises them: by the hash of their words and of their first words."""

from __future__ import annotations

import functools
import hashlib
from typing import NamedTuple

from dedup import normalize_text, tokens
from dedup.shingles import shingle_words

# A blurb is matched by its first words: it is shown cut at many lengths, never trimmed at the start. In
# Chinese and Japanese each character is a word (as the near-duplicate shingles read them).
PREFIX_WORDS = 8


def text_hash(normalized: str) -> int:
    """A signed 64-bit hash (SQLite's INTEGER) of a text already normalised."""
    return int.from_bytes(hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


# Cached: a worker normalises an article's paragraphs to cut teasers and again to sign them; the writer
# reads a paragraph again to match teasers and to clean articles.
@functools.lru_cache(maxsize=4096)
def normalized_paragraph(paragraph: str) -> str:
    return normalize_text(paragraph)


@functools.lru_cache(maxsize=4096)  # the same: a paragraph is hashed to cut chrome, to learn it, to clean others
def block_hash(paragraph: str) -> int:
    """A signed 64-bit hash of the paragraph's normalised words (SQLite's INTEGER): what site chrome is known by."""
    return text_hash(normalized_paragraph(paragraph))


def prefix_hash(text: str) -> int | None:
    """The hash of a text's first PREFIX_WORDS normalised words; None for a shorter text."""
    return prefix_hash_of_tokens(tokens(text))


def prefix_hash_of_tokens(words: list[str]) -> int | None:
    """:func:`prefix_hash` of a text whose :func:`dedup.tokens` are ``words``."""
    # Its start only: a token of Chinese is a clause, and a blurb's first is as many words as it needs.
    words = shingle_words(words[:PREFIX_WORDS])
    return text_hash(" ".join(words[:PREFIX_WORDS])) if len(words) >= PREFIX_WORDS else None


class ParagraphHashes(NamedTuple):
    """What the writer side looks a paragraph up by: its words (site chrome), its first words (a teaser's blurb)."""

    block: int  # block_hash
    prefix: int | None  # prefix_hash


class Paragraph(NamedTuple):
    """One paragraph of an article's text, tokenised and hashed once for signing, chrome and teasers."""

    text: str
    words: list[str]  # its dedup tokens
    hashes: ParagraphHashes


def split_paragraphs(text: str) -> list[Paragraph]:
    """The text's paragraphs (separated by blank lines), each tokenised and hashed.

    Their tokens, one paragraph after another, are the tokens of the whole text: no word spans a
    paragraph break. So a text is tokenised once, for its signature and its paragraphs' hashes both.
    """
    paragraphs = []
    for paragraph in text.split("\n\n"):
        # The cached normalised form: the teaser cut normalised the article's paragraphs already. Tokens
        # hold no whitespace, so splitting it gives them back.
        normalized = normalized_paragraph(paragraph)
        words = normalized.split()
        paragraphs.append(
            Paragraph(paragraph, words, ParagraphHashes(text_hash(normalized), prefix_hash_of_tokens(words)))
        )
    return paragraphs


def paragraph_hashes(text: str) -> tuple[ParagraphHashes, ...]:
    """The hashes of each of the text's paragraphs (``text.split("\\n\\n")``), in order."""
    return tuple(paragraph.hashes for paragraph in split_paragraphs(text))
