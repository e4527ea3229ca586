"""Text normalisation and shingling: what two texts must share to count as the same words."""

from __future__ import annotations

import hashlib
import re
import unicodedata

WORD = re.compile(r"\w+", re.UNICODE)
# Typographic variants that wire services and CMSs swap freely; folding them keeps copies identical.
_FOLD = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "}
_FOLDABLE = re.compile("[" + "".join(_FOLD) + "]")


def _fold(text: str) -> str:
    # Not str.translate: with a dict table it looks up every character, ten times slower on non-ASCII
    # text than one regex scan, and most paragraphs have nothing to fold.
    if _FOLDABLE.search(text) is None:
        return text
    for variant, plain in _FOLD.items():
        text = text.replace(variant, plain)
    return text


def tokens(text: str) -> list[str]:
    """Case-folded word tokens of ``text`` after Unicode (NFKC) normalisation; punctuation is dropped."""
    return WORD.findall(unicodedata.normalize("NFKC", _fold(text)).casefold())


def normalize_text(text: str) -> str:
    """The text reduced to its words, single-spaced: the form that hashes and shingles are built on."""
    return " ".join(tokens(text))


def content_hash(text: str) -> str:
    """A hash of the normalised text: equal for texts that differ only in case, spacing or punctuation."""
    return hash_of_tokens(tokens(text))


def hash_of_tokens(words: list[str]) -> str:
    """:func:`content_hash` of a text whose :func:`tokens` are ``words`` (tokenising is the costly part)."""
    return hashlib.sha1(" ".join(words).encode("utf-8")).hexdigest()


def shingles(text: str, size: int, kind: str = "word") -> set[bytes]:
    """The set of shingles of ``text``: runs of ``size`` consecutive words, or characters for ``kind="char"``.

    Character shingles are taken over the normalised text (words joined by one space).
    Returns an empty set for a text shorter than one shingle.
    """
    return shingles_of_tokens(tokens(text), size, kind)


def shingles_of_tokens(words: list[str], size: int, kind: str = "word") -> set[bytes]:
    """:func:`shingles` of a text whose :func:`tokens` are ``words``."""
    if size < 1:
        raise ValueError(f"shingle size must be at least 1, got {size!r}")
    if kind == "word":
        # zip over shifted lists (they end together at the last whole run), not a slice per position:
        # a third less time on an article
        return {" ".join(run).encode("utf-8") for run in zip(*(words[k:] for k in range(size)), strict=False)}
    if kind == "char":
        joined = " ".join(words)
        return {joined[i : i + size].encode("utf-8") for i in range(len(joined) - size + 1)}
    raise ValueError(f"shingle kind must be 'word' or 'char', got {kind!r}")
