"""The author a line of the article's own text names: "Von Daniela Obers", "By Jan Kupitz", "Autor: Fritz Imhof"."""

from __future__ import annotations

import re

from crawler.extract.authors import BYLINE_LEAD, people_named

# A byline's word or a label ("Autor:", "Words:"), then the names, as the whole paragraph; a credit for the
# pictures after them ("Photos: Simon Kohler", "Illustration von Markus Roost") is no part of them.
_BYLINE_LINE = re.compile(
    rf"^{BYLINE_LEAD}\s*:?\s+(?P<names>\S.*?)(?:\s+(?:photos?|fotos?|bilder|illustrations?)\s*(?::|von|by)\s.*)?\s*$",
    re.IGNORECASE,
)
# Where a story's text states its byline: in the first paragraphs (under the headline and the lead)
# or the last ones (signed at the end).
FIRST_PARAGRAPHS = 3
LAST_PARAGRAPHS = 2


def byline_line_author(text: str) -> str | None:
    """The people a paragraph of its own near the start or the end of ``text`` names after "By", "Von",
    "Por", "Autor:" ... : each two or three capitalised words, as bylines write a name; else None.

    A whole paragraph only, so that a sentence ("Von Anfang an war klar, ...") never reads as a byline.
    """
    paragraphs = text.split("\n\n")
    for paragraph in (*paragraphs[:FIRST_PARAGRAPHS], *paragraphs[-LAST_PARAGRAPHS:]):
        match = _BYLINE_LINE.match(paragraph)
        people = people_named(match["names"]) if match else None
        if people:
            return people
    return None


__all__ = ["byline_line_author"]
