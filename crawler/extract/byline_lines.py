"""The author a line of the article's own text names: "Von Daniela Obers", "By Jan Kupitz", "Autor: Fritz Imhof"."""

from __future__ import annotations

import re

from crawler.extract.authors import BYLINE_WORD, looks_like_a_person

# A byline's word or the label "Autor:", "Author:", then the name, as the whole paragraph.
_BYLINE_LINE = re.compile(rf"^(?:{BYLINE_WORD}|autor|autorin|author)\s*:?\s+(?P<name>\S.*?)\s*$", re.IGNORECASE)
# Where a story's text states its byline: in the first paragraphs (under the headline and the lead)
# or the last ones (signed at the end).
FIRST_PARAGRAPHS = 3
LAST_PARAGRAPHS = 2


def byline_line_author(text: str) -> str | None:
    """The person a paragraph of its own near the start or the end of ``text`` names after "By", "Von",
    "Por", "Autor:" ... : two or three capitalised words, as bylines write a name; else None.

    A whole paragraph only, so that a sentence ("Von Anfang an war klar, ...") never reads as a byline.
    """
    paragraphs = text.split("\n\n")
    for paragraph in (*paragraphs[:FIRST_PARAGRAPHS], *paragraphs[-LAST_PARAGRAPHS:]):
        match = _BYLINE_LINE.match(paragraph)
        if match and looks_like_a_person(match["name"]):
            return match["name"]
    return None


__all__ = ["byline_line_author"]
