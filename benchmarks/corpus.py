"""The evaluation corpus (../shared/corpus/trafilatura-eval): loading and scoring (benchmarks.sites serves it)."""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("CORPUS_DIR", REPO.parent / "shared" / "corpus" / "trafilatura-eval"))
SPACE = re.compile(r"\s+")


@dataclass
class CorpusPage:
    """One page of the corpus with its ground truth."""

    index: int
    url: str
    html: bytes
    with_snippets: list[str]
    without_snippets: list[str]
    meta: dict = field(default_factory=dict)  # title, author, date, ... where the corpus has them

    @property
    def path(self) -> str:
        """Where the page is served on loopback."""
        return f"/p/{self.index}.html"


def load_corpus(limit: int | None = None) -> list[CorpusPage]:
    records = json.loads((CORPUS / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for index, (url, record) in enumerate(records.items()):
        if limit is not None and index >= limit:
            break
        name = record["file"]
        file = CORPUS / "cache" / f"{name}.gz"
        if not file.exists():
            file = CORPUS / "eval" / f"{name}.gz"
        meta = {k: v for k, v in record.items() if k not in ("file", "with", "without")}
        pages.append(
            CorpusPage(index, url, gzip.decompress(file.read_bytes()), record["with"], record["without"], meta)
        )
    return pages


def collapse(text: str | None) -> str:
    return SPACE.sub(" ", text or "").strip()


@dataclass
class Score:
    true_positives: int = 0
    false_negatives: int = 0
    false_positives: int = 0
    true_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(pages: Iterable[CorpusPage], outputs: dict[int, str | None]) -> Score:
    """The corpus's own scoring: snippets found or not in the whitespace-collapsed output, summed."""
    result = Score()
    for page in pages:
        text = collapse(outputs.get(page.index))
        for snippet in page.with_snippets:
            if collapse(snippet) in text:
                result.true_positives += 1
            else:
                result.false_negatives += 1
        for snippet in page.without_snippets:
            if collapse(snippet) in text:
                result.false_positives += 1
            else:
                result.true_negatives += 1
    return result


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def annotated_days(pages: list[CorpusPage]) -> dict[str, str]:
    """Each page's annotated publication day (path -> YYYY-MM-DD), where the corpus gives a well-formed one:
    what a news sitemap would say of it."""
    days = {}
    for page in pages:
        day = page.meta.get("date")
        day = str(day[0] if isinstance(day, list) and day else day or "")[:10]
        if _DAY.match(day):
            days[page.path] = day
    return days
