"""Text normalisation and shingling: what two texts must share to count as the same words."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from dedup.marks import COMBINING_MARKS, UNSPACED_MARKS

# A word: letters and digits with the combining marks written in it. \w alone stops at every vowel sign of
# Hindi or Bengali: "भारत" read as "भ", "रत", and "की" and "के" as the same word. In Thai, Lao, Khmer and Burmese,
# written without spaces, a sign ends the word it is written in ("ไม่ใช่" reads "ไม่", "ใช่"): where \w alone split
# them too, but dropped the sign, so that "ไม่" (not) and "ไม้" (wood) were one word. A mark after no letter (an
# emoji's variation selector) is no word. Possessive (nothing to backtrack): as fast as \w+ was.
WORD = re.compile(rf"\w++(?:[{COMBINING_MARKS}]\w*+)*+[{UNSPACED_MARKS}]*+")
_MARK = re.compile(f"[{COMBINING_MARKS}]")
_UNSPACED_MARK = re.compile(f"[{UNSPACED_MARKS}]")
# Kana and CJK ideographs, as a regex class's ranges: scripts written without spaces (Chinese, Japanese),
# where \w+ reads a whole clause as one token.
IDEOGRAPHS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_IDEOGRAPH = re.compile(f"[{IDEOGRAPHS}]")
_IDEOGRAPH_OR_RUN = re.compile(f"[{IDEOGRAPHS}]|[^{IDEOGRAPHS}]+")
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
    """The set of shingles of ``text``: runs of ``size`` consecutive words (each ideograph and kana a word: see
    :func:`shingle_words`), or characters for ``kind="char"``.

    Character shingles are taken over the normalised text (words joined by one space).
    Returns an empty set for a text shorter than one shingle.
    """
    return shingles_of_tokens(tokens(text), size, kind)


def holds_ideographs(text: str) -> bool:
    """Whether ``text`` holds a kana or CJK ideograph (see IDEOGRAPHS)."""
    return not text.isascii() and _IDEOGRAPH.search(text) is not None  # isascii() reads a flag: no scan


def holds_marks(text: str) -> bool:
    """Whether the words of ``text`` hold a combining mark (see dedup.marks), as :func:`tokens` reads them: the
    texts whose tokens lost their marks before words kept them."""
    return _read_in_words(_MARK, text)


def holds_unspaced_marks(text: str) -> bool:
    """Whether the words of ``text`` hold a mark of Thai, Lao, Khmer or Burmese (see dedup.marks), as :func:`tokens`
    reads them: the texts whose tokens lost their signs before each sign ended a word."""
    return _read_in_words(_UNSPACED_MARK, text)


def _read_in_words(mark: re.Pattern[str], text: str) -> bool:
    # NFKC as tokens() takes it: it composes most Latin accents, takes the nukta out of "क़" (U+0958) and puts a sign
    # into Thai's SARA AM ("ำ"). isascii() reads a flag: an ASCII text is not scanned.
    return not text.isascii() and mark.search(unicodedata.normalize("NFKC", text)) is not None


def shingle_words(words: list[str]) -> list[str]:
    """The words word shingles are runs of: ``words`` with each ideograph and kana a word of its own.

    A token of Chinese or Japanese is a whole clause: one character changed in it (a figure, a name)
    changed every shingle over the clause, and a teaser's blurb of two clauses made no shingle at all.
    Each character counts as a word, as it does where the crawler counts words.
    """
    if not holds_ideographs(" ".join(words)):  # one scan in C: most texts hold none
        return words
    return [part for word in words for part in (_IDEOGRAPH_OR_RUN.findall(word) if holds_ideographs(word) else [word])]


def shingles_of_tokens(words: list[str], size: int, kind: str = "word") -> set[bytes]:
    """:func:`shingles` of a text whose :func:`tokens` are ``words``."""
    if size < 1:
        raise ValueError(f"shingle size must be at least 1, got {size!r}")
    if kind == "word":
        words = shingle_words(words)
        # zip over shifted lists (they end together at the last whole run), not a slice per position:
        # a third less time on an article
        return {" ".join(run).encode("utf-8") for run in zip(*(words[k:] for k in range(size)), strict=False)}
    if kind == "char":
        joined = " ".join(words)
        return {joined[i : i + size].encode("utf-8") for i in range(len(joined) - size + 1)}
    raise ValueError(f"shingle kind must be 'word' or 'char', got {kind!r}")
