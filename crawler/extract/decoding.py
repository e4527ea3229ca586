"""Response bytes to HTML text: refuse binary payloads, find the charset that really decodes the page."""

from __future__ import annotations

import codecs
import itertools
import re

# Leading bytes of formats that servers are known to send as text/html by mistake.
MAGIC_NUMBERS = {
    b"%PDF-": "pdf",
    b"\x89PNG\r\n\x1a\n": "png",
    b"GIF87a": "gif",
    b"GIF89a": "gif",
    b"\xff\xd8\xff": "jpeg",
    b"RIFF": "riff",
    b"PK\x03\x04": "zip",
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\x00\x00\x01\x00": "ico",
    b"wOFF": "woff",
    b"wOF2": "woff2",
    b"\x7fELF": "elf",
    b"OggS": "ogg",
    b"ID3": "mp3",
}
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
# Byte order marks and the encodings they name; UTF-32's little-endian mark begins with UTF-16's, so it is first.
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


WIDE_ENCODINGS = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")  # as codecs names them
WIDE_SAMPLE_BYTES = 1024  # what _wide_by_nuls reads of a body
# Where UTF-32 and UTF-16 put NUL bytes among each four beside an ASCII character, and where they put the
# character (no NUL): a page's markup is ASCII, most of its text too in many languages. UTF-32 first: its
# little-endian NULs are in UTF-16's places too.
WIDE_NUL_PLACES = (
    ("utf-32-le", (1, 2, 3), (0,)),
    ("utf-32-be", (0, 1, 2), (3,)),
    ("utf-16-le", (1, 3), (0, 2)),
    ("utf-16-be", (0, 2), (1, 3)),
)
# Of those places this share NUL at least: the others are characters beyond ASCII, and where a page's first
# kilobyte has little markup its text's spaces and punctuation count (a sixth of Russian text). Of the
# characters' places a twentieth NUL at most ("一", U+4E00, is written with one).
NUL_SHARE = 0.1
CHARACTER_NUL_SHARE = 0.05


def sniff_binary(body: bytes, declared: str | None = None) -> str | None:
    """The name of the binary format ``body`` is in, or None if it may be text (``declared``: the charset the
    server sent)."""
    head = body[:16]
    for magic, name in MAGIC_NUMBERS.items():
        if head.startswith(magic):
            return name
    sample = body[:2048]
    if not sample or stated_encoding(sample, declared) is not None:
        return None
    # Text has almost no control bytes; a handful of stray NULs in a page is damage, not a format.
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return "binary" if control > len(sample) * 0.10 else None


def bom_encoding(body: bytes) -> str | None:
    """The encoding the byte order mark ``body`` begins with names, or None without one."""
    marked = next((encoding for bom, encoding in BOMS if body.startswith(bom)), None)
    # UTF-16's little-endian mark and a first character U+0000 are UTF-32's mark: what follows tells them apart.
    if marked == "utf-32" and body.startswith(codecs.BOM_UTF32_LE):
        after = body[len(codecs.BOM_UTF32_LE) : len(codecs.BOM_UTF32_LE) + WIDE_SAMPLE_BYTES]
        return "utf-16" if _wide_by_nuls(after) == "utf-16-le" else marked
    return marked


def stated_encoding(body: bytes, declared: str | None = None) -> str | None:
    """The encoding ``body`` is in beyond doubt, or None: the one its byte order mark names, else UTF-16 or
    UTF-32 as ``declared`` (the charset the server sent) in the byte order its first character is written in,
    else, declared or not, the one its NUL bytes show (see :func:`_wide_by_nuls`).

    Markup begins with ASCII ("<", white space): in those encodings a byte of it beside NUL bytes (the NULs
    first in big-endian order). A body that does not begin so is not in the encoding declared (servers
    declare UTF-16 for UTF-8 pages too), and is read as if nothing were declared.
    """
    marked = bom_encoding(body)
    if marked is not None:
        return marked
    codec = _codec(declared)
    if codec not in WIDE_ENCODINGS:
        return _wide_by_nuls(body)
    width = 2 if codec.startswith("utf-16") else 4
    first = body[:width]
    if len(first) < width:
        return None
    if first[0] < 0x80 and first[0] and not any(first[1:]):
        return f"{codec[:6]}-le"
    if first[-1] < 0x80 and first[-1] and not any(first[:-1]):
        return f"{codec[:6]}-be"
    return None


def _wide_by_nuls(body: bytes) -> str | None:
    """UTF-16 or UTF-32, in a byte order, when ``body``'s NUL bytes stand where that encoding puts them beside the
    ASCII characters of markup (a byte and one NUL, or three), and almost nowhere else; else None.

    Nothing else writes NULs so regularly: a binary file's stand anywhere, and a page damaged by a few has a
    handful. A server that sends such a page with no byte order mark and no charset (or one that lost its mark)
    sends text every byte of which is there: it is read, as plain trafilatura reads it.
    """
    sample = body[:WIDE_SAMPLE_BYTES]
    if b"\x00" not in sample:
        return None  # nearly every page: no NUL at all
    size = len(sample) // 4
    if size < WIDE_SAMPLE_BYTES // 16:
        return None  # under 256 bytes: too few characters to tell by
    # The share of NUL bytes at each place of four (little-endian: a character's low byte first).
    share = [sample[place : 4 * size : 4].count(0) / size for place in range(4)]
    for encoding, nuls, characters in WIDE_NUL_PLACES:
        if all(share[place] >= NUL_SHARE for place in nuls) and all(
            share[place] <= CHARACTER_NUL_SHARE for place in characters
        ):
            return encoding
    return None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def _decodes(body: bytes, encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``body`` and return (text, encoding used).

    Valid UTF-8 wins over a single-byte declaration (random bytes are almost never valid UTF-8, while
    a single-byte charset decodes anything); then the HTTP charset, the ``<meta>`` charset and a
    statistical guess are tried strictly; only as a last resort are undecodable bytes replaced.
    """
    encoding = stated_encoding(body, declared)
    if encoding is not None:
        return body.decode(encoding, errors="replace"), encoding
    text = _decodes(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    meta = META_CHARSET.search(body[:4096])
    candidates = [_codec(declared), _codec(meta.group(1).decode("ascii", "ignore") if meta else None)]
    guesses = (_codec(guess) for guess in _guess_encodings(body))  # lazy: the guess costs, the others do not
    for candidate in itertools.chain(candidates, guesses):
        text = _decodes(body, candidate)
        if text is not None and candidate is not None:
            return text, candidate
    return body.decode("utf-8", errors="replace"), "utf-8"


def _guess_encodings(body: bytes) -> list[str]:
    """Statistical guesses of the charset, most likely first."""
    # Imported here: the spider uses this module to recognise binary bodies, and the crawl process
    # must not load trafilatura for that (its extraction runs in the workers).
    from trafilatura.utils import detect_encoding

    return detect_encoding(body)


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None
