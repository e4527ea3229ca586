"""Texts made to a given likeness, for the near-duplicate indexes."""

from __future__ import annotations

import random


def template_family(size: int, seed: int = 3) -> tuple[str, str, list[str]]:
    """A text, a near-copy of it (Jaccard 0.9) and ``size`` texts that share half their words with it (a
    site's template: every look-up of the text finds them all in its bands, none of them a copy)."""
    rng = random.Random(seed)
    words = iter(f"w{n}" for n in rng.sample(range(10**7), 100 + 60 + 50 * size))
    template, own = [next(words) for _ in range(100)], [next(words) for _ in range(50)]
    copy = template + own[:45] + [next(words) for _ in range(5)]
    others = [template + [next(words) for _ in range(50)] for _ in range(size)]
    return " ".join(template + own), " ".join(copy), [" ".join(o) for o in others]


# Common characters of Chinese news writing, for stories of a given length in a script without spaces.
_HAN = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后"
    "多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合"
    "还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只"
)


def chinese_story(clauses: int = 40, seed: int = 1) -> str:
    """A made-up story in Chinese: ``clauses`` clauses of 8 to 16 characters, in paragraphs of ten."""
    rng = random.Random(seed)
    parts = ["".join(rng.choice(_HAN) for _ in range(rng.randint(8, 16))) for _ in range(clauses)]
    sentences = ["，".join(parts[i : i + 2]) + "。" for i in range(0, clauses, 2)]
    return "\n\n".join("".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5))


def with_characters_changed(text: str, count: int, seed: int = 2) -> str:
    """``text`` with ``count`` of its Chinese characters, each in another clause, replaced by another one."""
    rng = random.Random(seed)
    characters = list(text)
    clauses = [i for i, c in enumerate(characters) if c in _HAN and (i == 0 or characters[i - 1] in "，。\n")]
    for position in rng.sample(clauses, count):
        characters[position] = next(c for c in "某甲乙丙" if c != characters[position])
    return "".join(characters)


# Hindi words, most with the vowel signs (matras) that re's \w does not take for letters.
_HINDI = (
    "सरकार नीति किसान विकास योजना देश राज्य मंत्री घोषणा बैठक अधिकारी शहर गांव पानी बिजली सड़क स्कूल अस्पताल "
    "बाजार कीमत लोग नागरिक चुनाव अदालत पुलिस रिपोर्ट समिति बजट निवेश उद्योग रोजगार मौसम बारिश नदी पुल परियोजना"
).split()
_HINDI_JOINING = "की के को में से पर ने और".split()


def hindi_story(seed: str, sentences: int = 20) -> list[str]:
    """A made-up story in Hindi, as paragraphs of five sentences; each sentence holds "की" at least once."""
    rng = random.Random(seed)
    lines = []
    for _ in range(sentences):
        words = _alternating(rng, _HINDI, _HINDI_JOINING, rng.randint(9, 13))
        words[1] = "की"
        lines.append(" ".join(words) + " है।")
    return _in_paragraphs(lines)


# Thai words, most with the vowel signs and tone marks re's \w does not take for letters. Thai writes a phrase's
# words without spaces between them, and a space between phrases.
_THAI = (
    "รัฐบาล ประกาศ นโยบาย ใหม่ เกษตรกร ราคา สูงขึ้น ประชาชน กรุงเทพ ฝนตก น้ำท่วม ถนน โรงเรียน โรงพยาบาล ตลาด "
    "เศรษฐกิจ การเลือกตั้ง ศาล ตำรวจ รายงาน คณะกรรมการ งบประมาณ การลงทุน อุตสาหกรรม สภาพอากาศ แม่น้ำ สะพาน โครงการ"
).split()
_THAI_JOINING = "ว่า และ ของ ใน ที่ จะ ได้ ไม่".split()


def thai_story(seed: str, sentences: int = 20) -> list[str]:
    """A made-up story in Thai, as paragraphs of five sentences; each sentence speaks of rice ("ข้าว")."""
    rng = random.Random(seed)
    sentences_made = []
    for _ in range(sentences):
        phrases = [
            "".join(_alternating(rng, _THAI, _THAI_JOINING, rng.randint(3, 5))) for _ in range(rng.randint(3, 4))
        ]
        phrases[0] = "ข้าว" + phrases[0]
        sentences_made.append(" ".join(phrases))
    return _in_paragraphs(sentences_made)


def _alternating(rng: random.Random, words: list[str], joining: list[str], count: int) -> list[str]:
    """``count`` words drawn at random: a word of ``words``, then one of ``joining``, in turn."""
    return [rng.choice(words) if n % 2 == 0 else rng.choice(joining) for n in range(count)]


def _in_paragraphs(sentences: list[str]) -> list[str]:
    """The sentences as paragraphs of five."""
    return [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
