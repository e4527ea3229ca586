"""Text, title, authors and date on Fundus's news pages (one per publisher, 35 countries) against plain trafilatura.

    git clone https://github.com/flairNLP/fundus ../fundus
    PYTHONPATH=. python -m benchmarks.news_pages [--dataset DIR] [--show-losses K]

Fundus keeps, for each publisher it parses, a page and what its hand-written parser reads from it, checked by
its maintainers (``tests/resources/parser/test_data/<country>/<Publisher>.json``, the page beside it, its URL
in ``meta.info``). The newest page of each publisher is read here, by plain trafilatura (text with and without
comments, ``extract_metadata`` for the rest) and by ours (``extract_page``, what the workers call), on its
bytes and URL: the calls of ``benchmarks.quality`` part (a). Text: precision and recall of word 4-grams against
the body (summary, subheadings and paragraphs), summed over the pages. Title and authors: compared as
``quality`` compares them (the authors as a set). Date: the same day as written. See benchmarks/README.md
("News pages").
"""

from __future__ import annotations

import gzip
import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

from benchmarks.extraction_quality import EXTRACTORS, print_page_differences, same_text, set_options, text_key

DEFAULT_DATASET = Path(os.environ.get("FUNDUS_DIR", "../fundus"))
TEST_DATA = Path("tests/resources/parser/test_data")
SHINGLE = 4
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class NewsPage:
    """One publisher's newest test page and what Fundus reads from it."""

    name: str  # country/Publisher
    url: str
    html: bytes
    body: str
    title: str
    authors: tuple[str, ...]
    day: str  # YYYY-MM-DD, or "" when Fundus gives none


@dataclass
class Tally:
    """One system's sums over the pages."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    right: Counter[str] = field(default_factory=Counter)
    counted: Counter[str] = field(default_factory=Counter)

    def text_scores(self) -> tuple[float, float, float]:
        tp = self.true_positives
        precision = tp / (tp + self.false_positives) if tp else 0.0
        recall = tp / (tp + self.false_negatives) if tp else 0.0
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        return f1, precision, recall

    def accuracy(self, name: str) -> str:
        counted = self.counted[name]
        return f"{self.right[name] / counted:.3f} ({self.right[name]}/{counted})" if counted else "-"


def load_pages(dataset: Path) -> list[NewsPage]:
    pages = []
    for expected in sorted((dataset / TEST_DATA).glob("*/*.json")):
        versions = json.loads(expected.read_text())
        # The newest parser's fields, for the newest page (a publisher's pages and parser versions are added together).
        fields = versions[sorted(versions)[-1]]
        html_files = sorted(expected.parent.glob(f"{expected.stem}_*.html.gz"))
        meta_info = expected.parent / "meta.info"
        if not html_files or not meta_info.exists():
            continue
        meta = json.loads(meta_info.read_text()).get(html_files[-1].name)
        if meta is None:
            continue
        body = fields.get("body") or {}
        parts = list(body.get("summary") or [])
        for section in body.get("sections") or []:
            parts += section.get("headline") or []
            parts += section.get("paragraphs") or []
        pages.append(
            NewsPage(
                f"{expected.parent.name}/{expected.stem}",
                meta["url"],
                gzip.decompress(html_files[-1].read_bytes()),
                "\n".join(parts),
                fields.get("title") or "",
                tuple(fields.get("authors") or ()),
                (fields.get("publishing_date") or "")[:10],
            )
        )
    return pages


def same_people(expected: tuple[str, ...], found: str | None) -> bool:
    """Whether ``found`` (names joined by "; ", as trafilatura joins them) names the same people as ``expected``."""
    return {text_key(name) for name in (found or "").split(";") if name.strip()} == set(map(text_key, expected))


def shingles(text: str) -> Counter[tuple[str, ...]]:
    words = WORD.findall(text.casefold())
    return Counter(tuple(words[i : i + SHINGLE]) for i in range(max(0, len(words) - SHINGLE + 1)))


def page_f1(expected: Counter, found: Counter) -> float:
    matched = sum((expected & found).values())
    total = sum(expected.values()) + sum(found.values())
    return 2 * matched / total if total else 1.0


def main(argv: list[str] | None = None) -> int:
    parser = set_options(__doc__, DEFAULT_DATASET, "flairNLP/fundus")
    options = parser.parse_args(argv)
    if not (options.dataset / TEST_DATA).is_dir():
        print(f"news_pages: no {TEST_DATA} in {options.dataset} (clone fundus there, or --dataset DIR)")
        return 2
    pages = load_pages(options.dataset)
    print(f"news_pages: {len(pages)} publishers' pages of {options.dataset}, trafilatura {trafilatura.__version__}")
    tallies = {name: Tally() for name in EXTRACTORS}
    losses = []
    for page in pages:
        expected = shingles(page.body)
        found = {name: extract(page) for name, extract in EXTRACTORS.items()}
        for name, result in found.items():
            tally = tallies[name]
            got = shingles(result.text)
            matched = sum((expected & got).values())
            tally.true_positives += matched
            tally.false_positives += sum(got.values()) - matched
            tally.false_negatives += sum(expected.values()) - matched
            checks = {
                "title": (page.title, same_text(page.title, result.title)),
                "authors": (page.authors, same_people(page.authors, result.author)),
                "date": (page.day, (result.date or "")[:10] == page.day),
            }
            for field_name, (wanted, right) in checks.items():
                if wanted:
                    tally.counted[field_name] += 1
                    tally.right[field_name] += right
        difference = page_f1(expected, shingles(found["ours"].text)) - page_f1(
            expected, shingles(found["plain nc"].text)
        )
        losses.append((difference, page.name))
    print(f"{'':10} {'F1':>7} {'precision':>10} {'recall':>7}   {'title':>15} {'authors':>15} {'date':>15}")
    for name, tally in tallies.items():
        f1, precision, recall = tally.text_scores()
        fields = " ".join(f"{tally.accuracy(f):>15}" for f in ("title", "authors", "date"))
        print(f"{name:10} {f1:7.4f} {precision:10.4f} {recall:7.4f}   {fields}")
    print_page_differences(losses, options.show_losses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
