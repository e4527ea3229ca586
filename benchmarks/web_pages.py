"""Text, title, author and date on WCXB's web pages of 2025 and 2026 (articles; other page types on request).

    git clone https://github.com/Murrough-Foley/web-content-extraction-benchmark ../wcxb
    PYTHONPATH=. python -m benchmarks.web_pages [--dataset DIR] [--types article,forum,...|all] [--show-losses K]

The Web Content eXtraction Benchmark (WCXB, 2026) holds 2,008 pages of 1,613 sites in seven page types, each
with its main content, title, author and publication date reviewed by hand (``<split>/ground-truth/<id>.json``,
the page beside it in ``<split>/html``). Pages listed in both of its splits are read once. Plain trafilatura
(text with and without comments, ``extract_metadata`` for the rest) and ours (``extract_page``) read each page's
bytes and URL: the calls of ``benchmarks.quality`` part (a). Text: the set's own word-level precision, recall and
F1 (``word_f1`` of its ``evaluate.py``), averaged over the pages. Title: compared as ``quality`` compares it;
authors as a set of names; date: the same day. See benchmarks/README.md ("Web pages").
"""

from __future__ import annotations

import gzip
import json
import os
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import trafilatura

from benchmarks.extraction_quality import (
    EXTRACTORS,
    Extracted,
    load_set_scorer,
    print_page_differences,
    same_text,
    set_options,
    text_key,
)

DEFAULT_DATASET = Path(os.environ.get("WCXB_DIR", "../wcxb"))
SPLITS = ("dev", "test")
PAGE_TYPES = ("article", "forum", "product", "collection", "listing", "documentation", "service")
# Between the names of a page's authors, as the set and trafilatura write them.
BETWEEN_NAMES = re.compile(r";|,|\s+and\s+|\s+&\s+")


@dataclass(frozen=True)
class WebPage:
    """One page of the set and what its reviewers read from it."""

    name: str  # split/id
    url: str
    html: bytes
    kind: str  # its page type
    text: str
    title: str
    author: str
    day: str  # YYYY-MM-DD, or "" when the set gives none


def load_pages(dataset: Path, scorer: ModuleType, kinds: set[str]) -> list[WebPage]:
    pages, seen = [], set()
    for split in SPLITS:
        for expected in sorted((dataset / split / "ground-truth").glob("*.json")):
            if expected.stem in seen:
                continue  # a page the set lists in both splits
            seen.add(expected.stem)
            data = json.loads(expected.read_text())
            kind = scorer.get_page_type(data)
            truth = data.get("ground_truth")
            if kind not in kinds or not isinstance(truth, dict):
                continue
            html = gzip.decompress((dataset / split / "html" / f"{expected.stem}.html.gz").read_bytes())
            pages.append(
                WebPage(
                    f"{split}/{expected.stem}",
                    data.get("url") or "",
                    html,
                    kind,
                    truth.get("main_content") or "",
                    truth.get("title") or "",
                    truth.get("author") or "",
                    str(truth.get("publish_date") or "")[:10],
                )
            )
    return pages


def same_people(expected: str, found: str | None) -> bool:
    """Whether ``found`` names the people ``expected`` names, in any order and however they are joined."""

    def people(names: str | None) -> set[str]:
        return {text_key(name) for name in BETWEEN_NAMES.split(names or "") if name.strip()}

    return people(expected) == people(found)


@dataclass
class Tally:
    """One extractor's sums over the pages of a type."""

    pages: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    without_text: int = 0
    right: Counter[str] = field(default_factory=Counter)
    counted: Counter[str] = field(default_factory=Counter)

    def add(self, page: WebPage, found: Extracted, scores: tuple[float, float, float]) -> None:
        self.pages += 1
        self.precision += scores[0]
        self.recall += scores[1]
        self.f1 += scores[2]
        self.without_text += not found.text
        checks = {
            "title": (page.title, same_text(page.title, found.title)),
            "author": (page.author, same_people(page.author, found.author)),
            "date": (page.day, (found.date or "")[:10] == page.day),
        }
        for name, (wanted, right) in checks.items():
            if wanted:
                self.counted[name] += 1
                self.right[name] += right

    def row(self) -> str:
        n = self.pages or 1
        fields = " ".join(
            f"{self.right[f] / self.counted[f]:>7.3f}" if self.counted[f] else f"{'-':>7}"
            for f in ("title", "author", "date")
        )
        return f"{self.f1 / n:7.4f} {self.precision / n:10.4f} {self.recall / n:7.4f} {self.without_text:8}   {fields}"


def main(argv: list[str] | None = None) -> int:
    parser = set_options(__doc__, DEFAULT_DATASET, "the WCXB repository")
    parser.add_argument("--types", default="article", help="page types, comma-separated, or 'all'")
    options = parser.parse_args(argv)
    if not (options.dataset / "evaluate.py").exists():
        print(f"web_pages: no evaluate.py in {options.dataset} (clone WCXB there, or --dataset DIR)")
        return 2
    kinds = set(PAGE_TYPES) if options.types == "all" else set(options.types.split(","))
    if not kinds <= set(PAGE_TYPES):
        print(f"web_pages: --types takes {', '.join(PAGE_TYPES)} or all, not {options.types}")
        return 2
    scorer = load_set_scorer(options.dataset, "web_pages")
    pages = load_pages(options.dataset, scorer, kinds)
    by_kind = Counter(page.kind for page in pages)
    print(
        f"web_pages: {len(pages)} pages of {options.dataset} ({', '.join(f'{k} {n}' for k, n in by_kind.items())}),"
        f" trafilatura {trafilatura.__version__}"
    )
    tallies: dict[str, dict[str, Tally]] = defaultdict(lambda: {name: Tally() for name in EXTRACTORS})
    stored: Counter[str] = Counter()  # pages of each type ours stores as an article
    differences: list[tuple[float, str]] = []
    for page in pages:
        found = {name: extract(page) for name, extract in EXTRACTORS.items()}
        scores = {name: scorer.word_f1(result.text, page.text) for name, result in found.items()}
        for name, result in found.items():
            for group in ("all", page.kind):
                tallies[group][name].add(page, result, scores[name])
        stored[page.kind] += bool(found["ours"].text)
        differences.append((scores["ours"][2] - scores["plain nc"][2], f"{page.name} {page.url}"))
    columns = ("F1", 7), ("precision", 10), ("recall", 7), ("no text", 8), ("  title", 9), ("author", 7), ("date", 7)
    header = f"{'':10} " + " ".join(f"{name:>{width}}" for name, width in columns)
    groups = ["all", *(kind for kind in PAGE_TYPES if kind in by_kind)] if len(by_kind) > 1 else ["all"]
    for group in groups:
        if len(groups) > 1:
            print(f"{group} ({tallies[group]['ours'].pages} pages):")
        print(header)
        for name, tally in tallies[group].items():
            print(f"{name:10} {tally.row()}")
    if len(by_kind) > 1:
        print("stored by ours as an article: " + ", ".join(f"{k} {stored[k]}/{by_kind[k]}" for k in by_kind))
    print_page_differences(differences, options.show_losses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
