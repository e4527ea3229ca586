"""Text on a second set: the 181 news pages of scrapinghub's article-extraction-benchmark, scored by its own code.

    git clone https://github.com/scrapinghub/article-extraction-benchmark ../article-extraction-benchmark
    PYTHONPATH=. python -m benchmarks.article_benchmark [--dataset DIR] [--show-losses K]

Plain trafilatura (with and without comments) and ours on each page's bytes and URL, as in
``benchmarks.quality`` part (a); each page's ``articleBody`` scored with the benchmark's ``evaluate.py``
(shingles of four tokens; its bootstrap for the ± figures). The corpus the extraction is tuned on is
another one (``../shared/corpus``); see benchmarks/README.md ("A second set") for what this one was used for.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import trafilatura

from benchmarks.extraction_quality import EXTRACTORS, load_set_scorer, print_page_differences, set_options

DEFAULT_DATASET = Path(os.environ.get("AEB_DIR", "../article-extraction-benchmark"))
BOOTSTRAP = 1000  # the benchmark's own default


@dataclass(frozen=True)
class BenchmarkPage:
    """One page of the set: its bytes and the URL it was fetched from."""

    url: str
    html: bytes


def extract_all(dataset: Path, truth: dict[str, dict]) -> dict[str, dict[str, dict[str, str]]]:
    """Each extractor's ``articleBody`` for every page, in the benchmark's prediction format."""
    found: dict[str, dict[str, dict[str, str]]] = {name: {} for name in EXTRACTORS}
    for key, expected in truth.items():
        page = BenchmarkPage(expected["url"], gzip.decompress((dataset / "html" / f"{key}.html.gz").read_bytes()))
        for name, extract in EXTRACTORS.items():
            found[name][key] = {"articleBody": extract(page).text}
    return found


def page_f1(scorer: ModuleType, true: str, predicted: str) -> float:
    true_positives, false_positives, false_negatives = scorer.string_shingle_matching(true=true, pred=predicted)
    found = 2 * true_positives + false_positives + false_negatives
    return 2 * true_positives / found if found else 1.0


def main(argv: list[str] | None = None) -> int:
    parser = set_options(__doc__, DEFAULT_DATASET, "the benchmark")
    options = parser.parse_args(argv)
    dataset = options.dataset
    if not (dataset / "ground-truth.json").exists():
        print(f"article_benchmark: no ground-truth.json in {dataset} (clone the benchmark there, or --dataset DIR)")
        return 2
    scorer = load_set_scorer(dataset, "article_benchmark")
    truth = json.loads((dataset / "ground-truth.json").read_text())
    print(f"article_benchmark: {len(truth)} pages of {dataset}, trafilatura {trafilatura.__version__}")
    found = extract_all(dataset, truth)
    scores = {name: scorer.evaluate(truth, found[name], BOOTSTRAP) for name in EXTRACTORS}
    print(f"{'':10} {'F1':>15} {'precision':>15} {'recall':>15} {'accuracy':>15}")
    for name, measured in scores.items():
        cells = [f"{measured[m]:.4f} ± {measured[m + '_std']:.3f}" for m in ("f1", "precision", "recall", "accuracy")]
        print(f"{name:10} " + " ".join(f"{cell:>15}" for cell in cells))
    ours, plain_nc = scores["ours"], scores["plain nc"]
    ok = ours["f1"] > plain_nc["f1"] and ours["precision"] >= plain_nc["precision"]
    print(
        f"{'ok' if ok else 'MISSED'}: ours F1 {ours['f1'] - plain_nc['f1']:+.4f} and precision"
        f" {ours['precision'] - plain_nc['precision']:+.4f} against plain nc (target: F1 above, precision at least)"
    )
    differences = [
        (
            page_f1(scorer, page["articleBody"], found["ours"][key]["articleBody"])
            - page_f1(scorer, page["articleBody"], found["plain nc"][key]["articleBody"]),
            page["url"],
        )
        for key, page in truth.items()
    ]
    print_page_differences(differences, options.show_losses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
