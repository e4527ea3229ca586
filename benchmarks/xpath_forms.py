"""A worker's CPU with trafilatura's, htmldate's and jusText's parts as released and in faster forms.

    PYTHONPATH=. python -m benchmarks.xpath_forms [--limit N] [--rounds N]
        [--forms all|xpath|steps|terms|dates|measure|paragraphs|handover]

``crawler/extract/xpath_forms.py`` replaces trafilatura's expressions by forms that select the same
elements (rewritten paths, or walks in Python from ``crawler/extract/walked_paths.py``),
``crawler/extract/step_forms.py`` four of its steps by forms that give the same results,
``crawler/extract/terms.py`` its tag and category reader by one that reads only the links that can hold one,
``crawler/extract/date_search_forms.py`` htmldate's whole-page date patterns by forms that find the same
strings, ``crawler/extract/page_measure.py`` its page measure, made again by a page's thorough run, by the
fast run's, ``crawler/extract/justext_forms.py`` jusText's paragraph maker by a walk making the same
paragraphs. ``--forms handover``: the page's tree handed to trafilatura's fast run, which prunes it where it is,
against the copy it makes of a tree it is given (``crawler/extract/handover.py``). This runs the workers'
``analyse_page`` on every corpus page twice in a row, once with the released ones and once with the faster
forms (``--forms``: every kind that gives the same analysis, the default, or one of them; which goes first
alternates from page to page and round to round), and sums each one's thread CPU: a change of a few per cent
is lost in the minute-to-minute load of a shared machine when the two run one after the other, not when they
share every minute. It also checks that both give every page the
same analysis (article, metadata, teasers, what was cut, signatures); with the handover, the same but for the
metadata, read from the tree without its comment sections (the pages whose metadata differ are listed).
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

from benchmarks.corpus import load_corpus
from benchmarks.harness import FORM_KINDS, HANDOVER, PROJECT_SETTINGS, libraries_as_released, load_average


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="use only the first N corpus pages")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the pages (default 3)")
    parser.add_argument(
        "--forms",
        choices=("all", *FORM_KINDS, HANDOVER),
        default="all",
        help="which faster forms to compare (default all: every kind that gives the same analysis)",
    )
    options = parser.parse_args(argv)
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")

    import crawler.extract.warmup  # noqa: F401 -- a worker's process, faster forms installed
    from crawler.config import ExtractConfig
    from crawler.extract import date_search_forms, justext_forms, page_measure, step_forms, xpath_forms
    from crawler.extract.analysis import analyse_page
    from crawler.extract.results import Article, PageAnalysis

    config = ExtractConfig.from_settings(PROJECT_SETTINGS)
    pages = load_corpus(options.limit)
    print(
        f"xpath_forms: {len(pages)} corpus pages, {options.rounds} rounds, faster forms compared: {options.forms}"
        f" ({len(xpath_forms.installed())} of trafilatura's expressions, {len(step_forms.installed())} of its steps,"
        f" {len(date_search_forms.installed())} of htmldate's patterns, the page measure"
        f" {'shared' if page_measure.installed() else 'not shared'}, jusText's paragraphs"
        f" {'walked' if justext_forms.installed() else 'as released'}); load average {load_average()} at start"
    )

    kinds = FORM_KINDS if options.forms == "all" else (options.forms,)

    def analysed(html: bytes, url: str) -> tuple[PageAnalysis, float]:
        started = time.thread_time()
        schemes = (config.article_scheme, config.teaser_scheme)
        analysis = analyse_page(html, url, None, None, None, False, config.options, *schemes)
        return analysis, time.thread_time() - started

    def outcome(analysis: PageAnalysis, metadata: bool = True) -> str:
        """What the page came to, without the timings (and without the article's metadata, if not ``metadata``)."""
        article = analysis.extraction.article
        if article is not None and not metadata:
            article = Article(text=article.text)
        fields = {name: value for name, value in vars(analysis).items() if not name.endswith("cpu_s")}
        fields["extraction"] = replace(analysis.extraction, cpu_s={}, article=article)
        return repr(fields)

    ratios: list[float] = []
    differing: set[str] = set()
    metadata_differing: set[str] = set()
    for number in range(options.rounds):
        seconds = {"released": 0.0, "faster": 0.0}
        for index, page in enumerate(pages):
            order = ("released", "faster") if (index + number) % 2 == 0 else ("faster", "released")
            outcomes = {}
            for kind in order:
                if kind == "released":
                    with libraries_as_released(kinds):
                        analysis, cpu = analysed(page.html, page.url)
                else:
                    analysis, cpu = analysed(page.html, page.url)
                seconds[kind] += cpu
                outcomes[kind] = outcome(analysis), outcome(analysis, metadata=False)
            if outcomes["released"][1] != outcomes["faster"][1]:
                differing.add(page.url)
            elif outcomes["released"][0] != outcomes["faster"][0]:
                metadata_differing.add(page.url)
        released, faster = (1000 * seconds[kind] / len(pages) for kind in ("released", "faster"))
        ratios.append(faster / released)
        print(f"round {number + 1}: as released {released:.2f}, faster forms {faster:.2f} ms/page ({ratios[-1]:.3f})")
    print(
        f"faster forms vs as released, median of the rounds' ratios: {statistics.median(ratios):.3f}"
        f" (rounds {min(ratios):.3f} to {max(ratios):.3f})"
    )
    for url in sorted(metadata_differing):
        print(f"  metadata differs: {url}")
    if differing or (metadata_differing and kinds != (HANDOVER,)):
        first = sorted(differing or metadata_differing)[0]
        print(f"check: FAIL, {len(differing | metadata_differing)} pages analysed differently (first: {first})")
        return 1
    but = f" but for {len(metadata_differing)} pages' metadata" if metadata_differing else ""
    print(f"check: OK, every page analysed the same both ways{but}")
    print(f"load average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
