"""Paired crawls: a crawl of the corpus by several checkouts of the project, in turn, for median ratios."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.corpus import CorpusPage, load_corpus
from benchmarks.crawl_throughput import CRAWLS, check_crawl, crawl_corpus
from benchmarks.harness import load_average, parse_settings
from benchmarks.sites import serve_corpus
from crawler.demo.server import LoopbackServer


@dataclass(frozen=True)
class PairedRun:
    """One checkout's crawl in one round."""

    wall_s: float  # the whole process, startup included
    cpu_s: float  # the crawl process and its extraction workers
    first_request_s: float  # process start -> the first request the server received


def crawl_with(
    checkout: Path,
    server: LoopbackServer,
    db: Path,
    pages: list[CorpusPage],
    settings: dict[str, str],
    crawl: str = "default",
    depth: int = 0,
) -> PairedRun:
    """`crawl_throughput`'s ``crawl`` of ``pages`` as ``checkout`` runs it, into ``db``; checked as it checks it."""
    result = crawl_corpus(server, crawl, db, {**CRAWLS[crawl], **settings}, checkout, depth)
    check_crawl(result, pages)
    if result.problems or result.first_request_s is None:
        raise RuntimeError(f"{checkout}: the crawl is not to be trusted: {'; '.join(result.problems)}")
    measured = result.run.measured
    return PairedRun(measured.wall_s, measured.tree_cpu_s, result.first_request_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("checkouts", nargs="+", type=Path, help="checkouts of the project; the first is the base")
    parser.add_argument("--limit", type=int, default=226, help="the first N corpus pages (default 226)")
    parser.add_argument("--rounds", type=int, default=8, help="rounds; each runs every checkout once (default 8)")
    parser.add_argument(
        "--crawl",
        choices=sorted(CRAWLS),
        default="default",
        help="which of crawl_throughput's crawls (default: default); 'fetch only' compares the crawl process alone",
    )
    parser.add_argument(
        "--depth",
        type=int,
        default=0,
        help="-a depth (default 0); 1 is the spider's default: every page's links listed, each page's relative"
        " links leading to its own site (a <base href> of its address), so all are out of scope",
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="extra scrapy setting for every crawl"
    )
    options = parser.parse_args(argv)
    checkouts = [path.resolve() for path in options.checkouts]
    missing = [str(path) for path in checkouts if not (path / "scrapy.cfg").is_file()]
    if missing:
        print(f"paired_crawls: not a checkout of the project (no scrapy.cfg): {', '.join(missing)}", file=sys.stderr)
        return 2
    settings = parse_settings(options.set)
    pages = load_corpus(options.limit)
    print(
        f"paired_crawls: the {options.crawl} crawl of {len(pages)} corpus pages at depth {options.depth},"
        f" {len(checkouts)} checkouts,"
        f" {options.rounds} rounds, load average {load_average()} at start"
    )
    runs: dict[Path, list[PairedRun]] = {path: [] for path in checkouts}
    with tempfile.TemporaryDirectory() as tmp, serve_corpus(pages, links_home=options.depth > 0) as server:
        for number in range(options.rounds):
            # The order alternates: a machine growing busier or quieter weighs on every checkout alike.
            order = checkouts if number % 2 == 0 else checkouts[::-1]
            for path in order:
                db = Path(tmp) / f"round-{number}-{checkouts.index(path)}.db"
                run = crawl_with(path, server, db, pages, settings, options.crawl, options.depth)
                runs[path].append(run)
                print(
                    f"[round {number + 1}/{options.rounds}] {path}: wall {run.wall_s:.2f} s, CPU {run.cpu_s:.2f} s,"
                    f" first request {run.first_request_s:.2f} s",
                    flush=True,
                )
    print_comparison(runs)
    print(f"load average at the end: {load_average()}")
    return 0


def print_comparison(runs: dict[Path, list[PairedRun]]) -> None:
    """Each checkout's medians, and each one's ratios to the first's, round by round."""
    base, *others = runs
    print(f"{'checkout':50} {'wall s':>8} {'CPU s':>8} {'first request s':>16}")
    for path, done in runs.items():
        print(
            f"{path!s:50} {statistics.median(r.wall_s for r in done):8.2f}"
            f" {statistics.median(r.cpu_s for r in done):8.2f}"
            f" {statistics.median(r.first_request_s for r in done):16.2f}"
        )
    for path in others:
        pairs = list(zip(runs[base], runs[path], strict=True))
        walls = [other.wall_s / first.wall_s for first, other in pairs]
        cpus = [other.cpu_s / first.cpu_s for first, other in pairs]
        earlier = sum(other.first_request_s < first.first_request_s for first, other in pairs)
        print(
            f"{path} over {base}: wall median {statistics.median(walls):.3f} (less in"
            f" {sum(w < 1 for w in walls)} of {len(walls)}), CPU median {statistics.median(cpus):.3f}"
            f" (less in {sum(c < 1 for c in cpus)}), first request earlier in {earlier} of {len(pairs)}"
        )


if __name__ == "__main__":
    sys.exit(main())
