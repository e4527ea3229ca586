"""Extraction CPU per page against plain trafilatura, the three timed page by page in turn under the same load.

    PYTHONPATH=. python -m benchmarks.extract_cpu [--limit N]

For every corpus page, one after another in this process: plain ``trafilatura.extract`` (text only),
plain ``trafilatura.extract(with_metadata=True)``, and the workers' own ``analyse_page`` (extraction
and signatures, with the crawl's settings). crawl_throughput times plain trafilatura and the crawl
minutes apart; on a shared machine the load changes meanwhile, and CPU time grows with it. Here
each page is timed three ways within milliseconds.
"""

from __future__ import annotations

import argparse
import time

import trafilatura

from benchmarks.corpus import load_corpus
from benchmarks.harness import PROJECT_SETTINGS, load_average
from crawler.config import ExtractConfig
from crawler.extract import regex_guards
from crawler.extract.analysis import analyse_page

TARGET_EXTRACT_RATIO = 1.1  # extraction alone over plain with_metadata=True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="use only the first N corpus pages")
    options = parser.parse_args(argv)
    pages = load_corpus(options.limit)
    config = ExtractConfig.from_settings(PROJECT_SETTINGS)
    print(f"extract_cpu: {len(pages)} corpus pages, load average {load_average()} at start")

    def analyse(html: bytes, url: str) -> tuple[float, float]:
        result = analyse_page(html, url, None, None, config.options, config.article_scheme, config.teaser_scheme)
        return result.extract_cpu_s, result.sign_cpu_s

    analyse(pages[0].html, pages[0].url)  # warm-up, as the workers' fork server does
    trafilatura.extract(pages[0].html, url=pages[0].url, with_metadata=True)
    totals = dict.fromkeys(("plain", "plain_meta", "ours", "extract", "sign"), 0.0)
    for page in pages:
        with regex_guards.removed():  # plain is trafilatura as released
            started = time.process_time()
            trafilatura.extract(page.html, url=page.url)
            plain = time.process_time()
            trafilatura.extract(page.html, url=page.url, with_metadata=True)
            plain_meta = time.process_time()
        ours_started = time.process_time()
        extract, sign = analyse(page.html, page.url)
        ours = time.process_time()
        totals["plain"] += plain - started
        totals["plain_meta"] += plain_meta - plain
        totals["ours"] += ours - ours_started
        totals["extract"] += extract
        totals["sign"] += sign
    ms = {name: 1000 * seconds / len(pages) for name, seconds in totals.items()}
    print(f"{'CPU ms/page':48}{'':>10}  vs plain text only")
    rows = (
        ("plain trafilatura.extract (text only)", "plain"),
        ("plain trafilatura.extract(with_metadata=True)", "plain_meta"),
        ("ours: analyse_page (what a worker does per page)", "ours"),
        ("  extraction (timing/extract_cpu_s)", "extract"),
        ("  signatures (timing/sign_cpu_s)", "sign"),
    )
    for label, name in rows:
        print(f"{label:48}{ms[name]:>10.2f}  {ms[name] / ms['plain']:.2f}x")
    ratio = ms["extract"] / ms["plain_meta"]
    verdict = "PASS" if ratio <= TARGET_EXTRACT_RATIO else "FAIL"
    print(f"target: extraction <= {TARGET_EXTRACT_RATIO}x plain with_metadata: {ratio:.2f}x {verdict}")
    print(f"load average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
