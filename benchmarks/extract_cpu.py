"""Extraction CPU per page against plain trafilatura: each run page after page in a process of its own, in rounds.

    PYTHONPATH=. python -m benchmarks.extract_cpu [--limit N] [--rounds N] [--news-sitemap]

Three extractors over the corpus pages: plain ``trafilatura.extract`` (text only), plain
``trafilatura.extract(with_metadata=True)``, and the workers' own ``analyse_page`` (extraction and
signatures, with the crawl's settings, in a process prepared as the workers' fork server prepares
them). Each runs over all the pages, one after another, in a fresh process, as a user's loop or a
worker does; only the loop is timed, not the imports. A round runs the three in turn, the order
changing from round to round, and the table gives each one's median over the rounds: on a shared
machine the load changes from minute to minute, and the median of rounds side by side says what one
run cannot. With ``--news-sitemap``, a fourth run gives ``analyse_page`` each annotated page's
publication day as a news sitemap listing it would (what spares htmldate's search on pages that state
no date of their own).

(An earlier version timed the three page by page in turn in one process. That made plain trafilatura
15 to 25 % dearer than in a loop of its own, and ours hardly so: caches and the garbage collector
then serve three extractors at once. The ratios it printed flattered ours.)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from benchmarks.corpus import annotated_days, load_corpus

TARGET_EXTRACT_RATIO = 1.1  # extraction alone over plain with_metadata=True
RUNS = ("plain", "plain_meta", "ours")
LISTED = "ours_listed"  # ours, each page given the publication day a news sitemap would list


def run_one(kind: str, limit: int | None) -> dict[str, float]:
    """CPU seconds of one extractor's loop over the pages, in this process (after one page to warm up)."""
    pages = load_corpus(limit)
    if kind in ("ours", LISTED):
        import crawler.extract.warmup  # noqa: F401 -- what the workers' fork server imports before forking
        from benchmarks.harness import PROJECT_SETTINGS
        from crawler.config import ExtractConfig
        from crawler.extract.analysis import analyse_page

        config = ExtractConfig.from_settings(PROJECT_SETTINGS)
        days = annotated_days(pages) if kind == LISTED else {}
        listed = {page.url: days[page.path] for page in pages if page.path in days}
        extract_key, sign_key = ("extract", "sign") if kind == "ours" else ("extract_listed", "sign_listed")
        sums = {extract_key: 0.0, sign_key: 0.0}

        def extract(html: bytes, url: str) -> None:
            result = analyse_page(
                html,
                url,
                None,
                None,
                listed.get(url),
                False,
                config.options,
                config.article_scheme,
                config.teaser_scheme,
            )
            sums[extract_key] += result.extract_cpu_s
            sums[sign_key] += result.sign_cpu_s

    else:
        import trafilatura  # as released: nothing of the crawler is imported in this process

        with_metadata = kind == "plain_meta"
        sums = {}

        def extract(html: bytes, url: str) -> None:
            trafilatura.extract(html, url=url, with_metadata=with_metadata)

    extract(pages[0].html, pages[0].url)
    sums.update(dict.fromkeys(sums, 0.0))
    started = time.process_time()
    for page in pages:
        extract(page.html, page.url)
    return {kind: time.process_time() - started, **sums, "pages": len(pages)}


def measure(kind: str, limit: int | None) -> dict[str, float]:
    command = [sys.executable, "-m", "benchmarks.extract_cpu", "--only", kind]
    if limit is not None:
        command += ["--limit", str(limit)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"extract_cpu: the {kind} run failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="use only the first N corpus pages")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the three runs (default 3)")
    parser.add_argument(
        "--news-sitemap", action="store_true", help="also run ours as if a news sitemap gave each page's day"
    )
    # One run, in the process it is given.
    parser.add_argument("--only", choices=(*RUNS, LISTED), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.only:
        print(json.dumps(run_one(options.only, options.limit)))
        return 0
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")
    from benchmarks.harness import load_average  # here, not above: the runs' processes import no crawler module

    print(f"extract_cpu: {options.rounds} rounds, load average {load_average()} at start")
    rounds: list[dict[str, float]] = []
    pages = 0
    runs = (*RUNS, LISTED) if options.news_sitemap else RUNS
    for number in range(options.rounds):
        order = runs[number % len(runs) :] + runs[: number % len(runs)]
        measured: dict[str, float] = {}
        for kind in order:
            measured.update(measure(kind, options.limit))
        pages = int(measured["pages"])
        rounds.append({name: 1000 * value / measured["pages"] for name, value in measured.items() if name != "pages"})
        ms = rounds[-1]
        print(
            f"round {number + 1} ({', '.join(order)}): plain {ms['plain']:.2f}, with_metadata {ms['plain_meta']:.2f},"
            f" ours {ms['ours']:.2f} ms/page ({ms['ours'] / ms['plain']:.2f}x plain)"
            + (f"; listed with their day {ms[LISTED]:.2f}" if LISTED in ms else "")
        )
    median = {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}
    print(f"\n{pages} corpus pages; CPU ms/page, median of {options.rounds} rounds{'':8}vs plain text only")
    rows = (
        ("plain trafilatura.extract (text only)", "plain"),
        ("plain trafilatura.extract(with_metadata=True)", "plain_meta"),
        ("ours: analyse_page (what a worker does per page)", "ours"),
        ("  extraction (timing/extract_cpu_s)", "extract"),
        ("  signatures (timing/sign_cpu_s)", "sign"),
    )
    if options.news_sitemap:
        rows += (("ours, pages listed with their day (news sitemap)", LISTED), ("  extraction", "extract_listed"))
    for label, name in rows:
        print(f"{label:48}{median[name]:>10.2f}  {median[name] / median['plain']:.2f}x")
    worker = [r["ours"] / r["plain"] for r in rounds]
    print(
        f"ours vs plain text only, median of the rounds' ratios: {statistics.median(worker):.2f}x"
        f" (rounds {min(worker):.2f}x to {max(worker):.2f}x)"
    )
    ratios = [r["extract"] / r["plain_meta"] for r in rounds]
    ratio = statistics.median(ratios)
    verdict = "PASS" if ratio <= TARGET_EXTRACT_RATIO else "FAIL"
    print(
        f"target: extraction <= {TARGET_EXTRACT_RATIO}x plain with_metadata: {ratio:.2f}x"
        f" (rounds {min(ratios):.2f}x to {max(ratios):.2f}x) {verdict}"
    )
    print(f"load average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
