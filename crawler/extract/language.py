"""The language of a page: from its markup when declared, else guessed from common words."""

from __future__ import annotations

import re
from collections import Counter

# The most frequent function words of the languages news crawls meet most; enough to tell them apart.
STOPWORDS = {
    "en": "the and of to in is that for it was on with as by he at from his are have be this which an not",
    "de": "der die und das ist nicht ein eine zu den von mit sich des auf für im dem auch es an als wird",
    "fr": "le la les et des est un une du que en dans pour pas qui sur au par ce sont avec plus il elle",
    "es": "el la los las y de que en un una es por con para del se no su al lo como más pero sus",
    "it": "il di che la e un una per non sono del della le è da si con gli alla nel anche più dei",
    "pt": "o a os as e de que em um uma do da não para com se por mais dos das ao é mas foi",
    "nl": "de het een en van is dat op te in niet zijn met voor er die ook aan als maar bij door",
    "pl": "i w na z się nie do to że jest o jak po co ale od za tak przez są już dla tym",
    "ru": "и в не на что с по как это из он к но за то от его для же она так был о при",
    "uk": "і в не на що з до як це та у за від але він про його вона так було ще при",
    "sv": "och i att det som en på är av för med till den har de inte om ett var jag",
    "tr": "ve bir bu da de için ile çok olarak daha gibi ne ama kadar olan sonra en",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in STOPWORDS.items()}
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
LANG_TAG = re.compile(r"^[a-zA-Z]{2,3}(?:[-_][a-zA-Z0-9]{2,8})*$")


def normalize_tag(tag: str | None) -> str | None:
    """'en-GB' -> 'en', 'pt_BR' -> 'pt'; None for anything that is not a language tag."""
    if not tag:
        return None
    tag = tag.strip().split(",")[0].strip()
    if not LANG_TAG.match(tag):
        return None
    return re.split(r"[-_]", tag)[0].lower()


def guess_language(text: str, min_hits: int = 5) -> str | None:
    """The language whose common words make up most of ``text``, or None when too few are found."""
    counts: Counter[str] = Counter()
    for word in _TOKEN.findall(text[:5000].lower()):
        for lang, words in _WORDS.items():
            if word in words:
                counts[lang] += 1
    if not counts:
        return None
    (best, hits), *rest = [*counts.most_common(2), ("", 0)]
    runner_up = rest[0][1]
    return best if hits >= min_hits and hits > runner_up * 1.3 else None
