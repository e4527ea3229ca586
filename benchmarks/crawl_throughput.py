"""Crawl throughput: `scrapy crawl news` over the corpus on loopback vs plain trafilatura, stages from its own stats."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trafilatura

from benchmarks.corpus import CorpusPage, annotated_days, load_corpus
from benchmarks.crawl_trace import TRACE_SETTINGS, summarise
from benchmarks.extract_cpu import TARGET_EXTRACT_RATIO
from benchmarks.harness import (
    CLOCK_TICKS,
    OUT,
    Crawl,
    CrawlRun,
    MeasuredProcess,
    libraries_as_released,
    load_average,
    parse_settings,
    scrapy_command,
)
from benchmarks.sites import serve_corpus
from crawler.demo.server import LoopbackServer

# The targets of issue #12, for the crawl at the default settings (politeness off only):
TARGET_WALL_RATIO = 0.9  # the whole crawl's wall time over plain text-only trafilatura's (goal 0.6)
GOAL_WALL_RATIO = 0.6
TARGET_CPU_RATIO = 1.25  # CPU per page, every stage, over plain text-only trafilatura's

TARGET_STARTUP_S = 1.0  # process start -> first request the server received
TARGET_CORES = 1.8  # cores busy over the whole crawl
# The writer side's CPU (store + commits, its thread's CPU time) as a fraction of extraction + signing
# (the workers' CPU time). CPU against CPU: the writer's wall time in a crawl also counts the time its
# thread waits for a core while both are busy with extraction.
TARGET_STORE_SHARE = 0.05
CORES = os.cpu_count() or 1

# The crawls, in this order. Each runs with LOOPBACK_SETTINGS (the project's settings with politeness
# off: our own server, on loopback) plus only what it changes:
CRAWLS: dict[str, dict[str, Any]] = {
    # As a user has it: CONCURRENT_REQUESTS_PER_DOMAIN=4, robots.txt fetched and obeyed.
    "default": {},
    # For comparison: the corpus is one site, so the per-domain limit is all that caps concurrency.
    "32 concurrent": {"CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 32},
    # What fetching alone costs (Scrapy's downloader + the spider): no extraction, no writer, no database.
    "fetch only": {"ITEM_PIPELINES": "{}"},
}
# The crawl's own stage timings (runs.stats, see README.md "Stats"): key, label, what it measures.
STAGES = (
    ("timing/extract_cpu_s", "extract", "worker CPU: trafilatura, teasers, metadata"),
    ("timing/extract/parse_cpu_s", "  parse", "decoding, parsing"),
    ("timing/extract/links_cpu_s", "  links", "the page's links (--depth 1)"),
    ("timing/extract/teasers_cpu_s", "  teasers", "teaser finder"),
    ("timing/extract/metadata_cpu_s", "  metadata", "title, author, dates, ..."),
    ("timing/extract/text_cpu_s", "  text", "trafilatura's fast run"),
    ("timing/extract/thorough_cpu_s", "  thorough", "its thorough run, where needed"),
    ("timing/extract/cleaning_cpu_s", "  cleaning", "teaser lines, furniture"),
    ("timing/sign_cpu_s", "sign", "worker CPU: paragraphs, chrome cut, MinHash"),
    ("timing/store_s", "store", "writer wall: Writer.write"),
    ("timing/store/chrome_s", "  chrome", "site chrome cut"),
    ("timing/store/dedup_s", "  dedup", "decide_article"),
    ("timing/store/article_s", "  article", "row, FTS, band keys, signature"),
    ("timing/store/learn_s", "  learn", "site chrome learned"),
    ("timing/store/teasers_s", "  teasers", "teasers, sightings"),
    ("timing/store/pages_s", "  pages", "pages row"),
    ("timing/store/commit_s", "commits", "writer wall: Writer.commit"),
    ("timing/store_cpu_s", "store CPU", "writer thread CPU: Writer.write"),
    ("timing/store/commit_cpu_s", "commit CPU", "writer thread CPU: Writer.commit"),
)
THOROUGH_KEPT = "extract/thorough/kept"
STORE_PARTS = [key for key, label, _ in STAGES if key.startswith("timing/store/") and label.startswith("  ")]


def plain_trafilatura(pages: list[CorpusPage], with_metadata: bool = False) -> tuple[float, float, int]:
    """Wall and CPU seconds of trafilatura.extract over every page, one after the other; texts found.

    ``with_metadata``: also title, author, date, ... as the crawl stores them (the same information).
    """
    # trafilatura and htmldate as released, as in the whole process below
    with libraries_as_released():
        trafilatura.extract(pages[0].html, url=pages[0].url, with_metadata=with_metadata)  # warm-up, not per page
        found = 0
        wall, cpu = time.perf_counter(), time.process_time()
        for page in pages:
            if trafilatura.extract(page.html, url=page.url, with_metadata=with_metadata):
                found += 1
        return time.perf_counter() - wall, time.process_time() - cpu, found


# Plain trafilatura as a user runs it: a process that imports trafilatura and extracts the saved pages
# (in its fast mode when a later argument says "fast", with its metadata when one says "metadata").
PLAIN_PROCESS = """
import json, sys, trafilatura
found, fast, with_metadata = 0, "fast" in sys.argv[2:], "metadata" in sys.argv[2:]
for path, url in json.load(open(sys.argv[1])):
    with open(path, "rb") as page:
        found += bool(trafilatura.extract(page.read(), url=url, fast=fast, with_metadata=with_metadata))
print(found)
"""

# The startup target's floor: a Scrapy project as `scrapy startproject` makes it (robots.txt obeyed) with one
# spider fetching one page. Scrapy's own start (its imports, the crawler, the engine) takes this long to the
# first request on this machine whatever a project does; ours adds its writer, workers and middlewares.
MINIMAL_PROJECT = {
    "scrapy.cfg": "[settings]\ndefault = minimal.settings\n",
    "minimal/__init__.py": "",
    "minimal/settings.py": 'BOT_NAME = "minimal"\nSPIDER_MODULES = ["minimal.spiders"]\nROBOTSTXT_OBEY = True\n',
    "minimal/spiders/__init__.py": "",
    "minimal/spiders/one.py": (
        "import scrapy\n\n\nclass One(scrapy.Spider):\n    name = 'one'\n\n"
        "    async def start(self):\n        yield scrapy.Request(self.url)\n\n"
        "    def parse(self, response):\n        pass\n"
    ),
}


@dataclass(frozen=True)
class MinimalScrapy:
    """The minimal Scrapy project fetching one page: the floor of any crawl built on Scrapy."""

    first_request_s: float  # process start -> the first request the server received
    cpu_s: float  # the whole process's CPU: Scrapy's own start, one page, its close


def minimal_scrapy(server: LoopbackServer, folder: Path, path: str) -> MinimalScrapy:
    """The minimal Scrapy project (made in ``folder`` if not there) crawling the one page at ``path``, started
    as the crawl is."""
    for name, text in MINIMAL_PROJECT.items():
        file = folder / name
        if not file.exists():
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text)
    server.log.clear()
    command = scrapy_command("crawl", "one", "-a", f"url={server.base_url}{path}")
    measured = MeasuredProcess(command, cwd=folder).wait()
    first = min((hit.at for hit in server.log.hits), default=None)
    if measured.returncode != 0 or first is None:
        raise RuntimeError(f"the minimal Scrapy project failed: {measured.stderr[-2000:]}")
    return MinimalScrapy(first - measured.started, measured.tree_cpu_s)


def save_pages(pages: list[CorpusPage], folder: Path) -> Path:
    """Each page as a file in ``folder``, for plain trafilatura as a whole process; the list of them (a manifest)."""
    listed = []
    for page in pages:
        path = folder / f"{page.index}.html"
        path.write_bytes(page.html)
        listed.append((str(path), page.url))
    manifest = folder / "pages.json"
    manifest.write_text(json.dumps(listed))
    return manifest


def plain_trafilatura_process(
    manifest: Path, fast: bool = False, with_metadata: bool = False
) -> tuple[float, float, int]:
    """Wall and CPU seconds of a whole process running trafilatura.extract over the pages ``manifest`` lists:
    its start and trafilatura's import included, as the crawl's are; texts found.

    ``fast``: its fast mode, without the fallback extractors: the least a page's text costs any crawler
    built on trafilatura. (A process of its own: run in this one after the other loops, it measured up
    to 1.5x dearer.) ``with_metadata``: title, author, date, ... too, the fields the crawl stores.
    """
    flags = [name for name, wanted in (("fast", fast), ("metadata", with_metadata)) if wanted]
    command = [sys.executable, "-c", PLAIN_PROCESS, str(manifest), *flags]
    measured = MeasuredProcess(command).wait()
    if measured.returncode != 0:
        raise RuntimeError(f"plain trafilatura failed: {measured.stderr[-2000:]}")
    return measured.wall_s, measured.cpu_s, int(measured.stdout.split()[-1])


@dataclass
class CrawlResult:
    """One crawl of the corpus, with what the loopback server saw of it."""

    label: str
    run: CrawlRun
    first_request_s: float | None  # process start -> the server received its first request
    requested: set[str]  # paths the server was asked for
    server_cpu_s: float  # this process meanwhile: the loopback server and the watcher thread
    machine_busy_s: float  # CPU seconds every process on the machine used meanwhile (/proc/stat)
    machine_idle_s: float  # CPU seconds no process used
    stats: dict[str, Any] = field(default_factory=dict)  # runs.stats; empty for the fetch-only crawl
    problems: list[str] = field(default_factory=list)

    @property
    def fetch_only(self) -> bool:
        return "ITEM_PIPELINES" in CRAWLS[self.label]

    @property
    def cores_after_start(self) -> float | None:
        """Cores busy from the first request on: what the crawl keeps busy once its start (Scrapy's import, the
        workers' warm-up, on one core for much of it) is behind it."""
        if self.first_request_s is None:
            return None
        return self.run.measured.cores_from(self.run.measured.started + self.first_request_s)

    @property
    def elapsed_s(self) -> float | None:
        """Scrapy's elapsed_time_seconds: spider opened to closed, without process startup and shutdown."""
        value = self.stats.get("elapsed_time_seconds") or self.run.logged_stats().get("elapsed_time_seconds")
        return float(value) if value else None


def crawl_corpus(
    server: LoopbackServer,
    label: str,
    db: Path,
    settings: dict[str, Any],
    checkout: Path | None = None,
    depth: int = 0,
) -> CrawlResult:
    """A real `scrapy crawl news -a urls=<base>/sitemap.xml -a depth=0` into ``db``, as a user starts it
    (``checkout``: as that checkout of the project runs it; ``depth``: another depth, for pages served with
    ``links_home``)."""
    server.log.clear()
    cpu = time.process_time()
    busy, idle = machine_cpu()
    args = {"urls": f"{server.base_url}/sitemap.xml", "depth": str(depth)}
    pending = Crawl(db, args, settings, checkout=checkout)
    try:
        run = pending.wait()
    finally:
        pending.stop()
    server_cpu = time.process_time() - cpu
    busy_after, idle_after = machine_cpu()
    hits = server.log.hits
    first = min((hit.at for hit in hits), default=None)
    return CrawlResult(
        label,
        run,
        None if first is None else first - run.measured.started,
        {hit.path for hit in hits},
        server_cpu,
        busy_after - busy,
        idle_after - idle,
        run.stats(),
    )


def machine_cpu() -> tuple[float, float]:
    """CPU seconds the whole machine has been busy and idle since boot: other work on a shared machine
    takes cores the crawl would use, and "cores busy" alone cannot tell that from a crawl that idles."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS, idle / CLOCK_TICKS


def check_crawl(result: CrawlResult, pages: list[CorpusPage]) -> None:
    """Reasons to distrust a crawl's speed: a failed process, pages not requested, or not in the pages table."""
    problems = result.problems
    run = result.run
    if run.returncode != 0:
        problems.append(f"scrapy exited with {run.returncode}")
    missing = [p.path for p in pages if p.path not in result.requested]
    if missing:
        problems.append(f"{len(missing)} of {len(pages)} pages never requested (first: {missing[0]})")
    if result.fetch_only:
        return  # no writer: nothing recorded
    if not run.db.exists():
        problems.append("no database written")
        return
    recorded = {urlsplit(url).path for (url,) in run.rows("SELECT url FROM pages")}
    unrecorded = [p.path for p in pages if p.path not in recorded]
    if unrecorded:
        problems.append(f"{len(unrecorded)} served pages not in the pages table (first: {unrecorded[0]})")
    errors = run.rows("SELECT count(*) FROM pages WHERE kind = 'error'")[0][0]
    if errors:
        problems.append(f"{errors} pages recorded as errors")


# The crawl's start is told from its cost per page by a crawl of this many pages beside the crawl of all of them
# (and plain's, by a process over as many): the CPU a whole process takes at each, a line through the two.
START_PAGES = 2


@dataclass(frozen=True)
class StartSplit:
    """A whole process's CPU as its start (imports, workers, the database; what it costs over no page) and a
    cost per page, from a run over START_PAGES pages and one over all ``n``."""

    start_s: float
    per_page_s: float

    @classmethod
    def of(cls, few_cpu_s: float, n: int, cpu_s: float) -> StartSplit:
        per_page = (cpu_s - few_cpu_s) / (n - START_PAGES)
        return cls(few_cpu_s - START_PAGES * per_page, per_page)


@dataclass(frozen=True)
class StartCosts:
    """What the crawl and plain trafilatura cost before their first page, and then a page."""

    crawl: StartSplit
    plain: StartSplit


def measure_start(
    pages: list[CorpusPage],
    folder: Path,
    settings: dict[str, Any],
    crawl: CrawlResult,
    plain_cpu_s: float,
) -> StartCosts:
    """The default crawl and plain text-only as whole processes over the first START_PAGES pages (the crawl's
    from a server of its own, listing only them), set against their runs over all of ``pages``."""
    few = pages[:START_PAGES]
    folder.mkdir(parents=True, exist_ok=True)
    with serve_corpus(few) as server:
        small = crawl_corpus(server, "default", folder / "start.db", settings)
    check_crawl(small, few)
    if small.problems:
        raise RuntimeError(f"the crawl of {START_PAGES} pages failed: {'; '.join(small.problems)}")
    few_plain = plain_trafilatura_process(save_pages(few, folder))[1]
    n = len(pages)
    return StartCosts(
        StartSplit.of(small.run.measured.tree_cpu_s, n, crawl.run.measured.tree_cpu_s),
        StartSplit.of(few_plain, n, plain_cpu_s),
    )


@dataclass
class Plain:
    """trafilatura.extract over every page in one process, one page after another."""

    label: str
    wall_s: float
    cpu_s: float


@dataclass(frozen=True)
class Baselines:
    """Plain trafilatura over the same pages, each run by name, in the order the table prints them."""

    text_only: Plain  # trafilatura.extract in this process
    with_metadata: Plain  # with_metadata=True in this process
    process: Plain  # text only as a whole process, as a user runs it: what the targets compare against
    fast_process: Plain  # fast=True as a whole process: the CPU budget's trafilatura part
    metadata_process: Plain  # with_metadata=True as a whole process: the same fields as the crawl's

    def in_order(self) -> tuple[Plain, ...]:
        return (self.text_only, self.with_metadata, self.process, self.fast_process, self.metadata_process)


class Report:
    """The tables: the plain baselines, then one column per crawl."""

    def __init__(
        self,
        n: int,
        plain: Baselines,
        results: list[CrawlResult],
        minimal: MinimalScrapy,
        start: StartCosts | None = None,
    ):
        self.n = n
        self.plain = plain
        self.results = results
        self.minimal = minimal  # a minimal Scrapy project: startup's floor
        self.start = start  # the default crawl's start and cost per page, when measured

    def per_page(self, seconds: float | None) -> float | None:
        return None if seconds is None else 1000 * seconds / self.n

    def ratio(self, result: CrawlResult, seconds: float | None, baseline: Plain) -> float | None:
        """The crawl's pages/s over a plain run's; the fetch-only crawl extracts nothing to compare."""
        return None if result.fetch_only or not seconds else baseline.wall_s / seconds

    def row(self, label: str, value: Callable[[CrawlResult], float | None], fmt: str = "{:.2f}") -> None:
        cells = []
        for result in self.results:
            number = value(result)
            cells.append(f"{'-' if number is None else fmt.format(number):>16}")
        print(f"{label:56}" + "".join(cells))

    @staticmethod
    def store_share(result: CrawlResult, clock: str = "cpu") -> float | None:
        """The writer side (store + commits) as a share of extraction + signing, from the crawl's own stats:
        its thread's CPU time (``clock`` "cpu") or its wall time ("wall")."""
        stats = result.stats
        extract = stats.get("timing/extract_cpu_s", 0.0) + stats.get("timing/sign_cpu_s", 0.0)
        if clock == "cpu":
            store = stats.get("timing/store_cpu_s", 0.0) + stats.get("timing/store/commit_cpu_s", 0.0)
        else:
            store = stats.get("timing/store_s", 0.0) + stats.get("timing/store/commit_s", 0.0)
        return store / extract if extract else None

    def print(self) -> None:
        n, text_only, with_metadata = self.n, self.plain.text_only, self.plain.with_metadata
        print(f"{'plain trafilatura, 1 process, one page after another':56} {'pages/s':>8} {'ms/page':>8} CPU ms/page")
        for plain in self.plain.in_order():
            rate, ms, cpu_ms = n / plain.wall_s, 1000 * plain.wall_s / n, 1000 * plain.cpu_s / n
            print(f"{plain.label:56} {rate:8.2f} {ms:8.2f} {cpu_ms:11.2f}")
        print(f"{'a minimal Scrapy project (one page): first request, s':56} {self.minimal.first_request_s:8.2f}")

        print()
        print(f"{'scrapy crawl news (LOOPBACK_SETTINGS +)':56}" + "".join(f"{r.label:>16}" for r in self.results))
        row, per_page, ratio = self.row, self.per_page, self.ratio
        row("wall incl. process startup, s", lambda r: r.run.seconds)
        row("startup: process start -> first request served, s", lambda r: r.first_request_s)
        row("Scrapy elapsed (spider opened -> closed), s", lambda r: r.elapsed_s)
        row("pages/s by elapsed", lambda r: n / r.elapsed_s if r.elapsed_s else None)
        row("  vs plain text only", lambda r: ratio(r, r.elapsed_s, text_only), "{:.2f}x")
        row("  vs plain with_metadata", lambda r: ratio(r, r.elapsed_s, with_metadata), "{:.2f}x")
        row("pages/s by wall", lambda r: n / r.run.seconds)
        row("  vs plain text only", lambda r: ratio(r, r.run.seconds, text_only), "{:.2f}x")
        row("  vs plain text only, a whole process", lambda r: ratio(r, r.run.seconds, self.plain.process), "{:.2f}x")
        row("CPU ms/page, crawl process + workers", lambda r: per_page(r.run.measured.tree_cpu_s))
        row("  crawl process", lambda r: per_page(r.run.measured.cpu_s))
        row("  extraction workers (polled)", lambda r: per_page(r.run.measured.descendants_cpu_s))
        row("cores busy (CPU s / wall s)", lambda r: r.run.measured.cores)
        row("  from the first request on (polled)", lambda r: r.cores_after_start)
        row(f"idle CPU s ({CORES} cores x wall - busy)", lambda r: CORES * r.run.seconds - r.run.measured.tree_cpu_s)
        row("  of which other processes used, CPU s", lambda r: r.machine_busy_s - r.run.measured.tree_cpu_s)
        row("  of which nobody used (machine idle), CPU s", lambda r: r.machine_idle_s)
        row("peak RSS of the crawl process, MB", lambda r: r.run.measured.peak_rss_mb, "{:.0f}")
        row("this process meanwhile (server, watcher), CPU s", lambda r: r.server_cpu_s)
        print("stages, ms/page, from the crawl's runs.stats timing/*:")
        for key, label, meaning in STAGES:
            row(f"  {label:<10} {meaning}", lambda r, key=key: per_page(r.stats.get(key)) if r.stats else None)
        row("  store: other (page outcomes, bookkeeping)", lambda r: per_page(store_other(r.stats)))
        row("pages given the thorough run (extract/thorough/*)", lambda r: thorough_runs(r.stats), "{:.0f}")
        row("  of them, its result kept", lambda r: r.stats.get(THOROUGH_KEPT, 0) if r.stats else None, "{:.0f}")
        wall_share = self.store_share
        row("  store + commits, wall, as % of extract + sign", lambda r: _percent(wall_share(r, "wall")), "{:.1f} %")
        row("  store + commits, CPU, as % of extract + sign", lambda r: _percent(self.store_share(r)), "{:.1f} %")

        print()
        for result in self.results:
            if not result.fetch_only:
                self.print_targets(result)
        print(
            f"load average at the end: {load_average()} (other work on the machine slows every figure: "
            "compare CPU ms/page when it is high)"
        )

    def print_targets(self, result: CrawlResult) -> None:
        """Issue #12's targets for one crawl, PASS or FAIL, with the figures they compare."""
        n, plain = self.n, self.plain
        text_only, with_metadata, process = plain.text_only, plain.with_metadata, plain.process
        measured = result.run.measured
        # Against plain as a whole process: the crawl's own start and imports are in its figures too.
        wall_ratio = measured.wall_s / process.wall_s
        cpu_ratio = measured.tree_cpu_s / process.cpu_s
        extract = result.stats.get("timing/extract_cpu_s")
        extract_ratio = extract / with_metadata.cpu_s if extract else None
        cores = measured.cores
        share = self.store_share(result)
        checks = [
            (
                (
                    f"whole crawl {measured.wall_s:.1f} s = {wall_ratio:.2f}x plain text only's whole process"
                    f" {process.wall_s:.1f} s (<= {TARGET_WALL_RATIO}x; goal {GOAL_WALL_RATIO}x); in-process"
                    f" plain {text_only.wall_s:.1f} s: {measured.wall_s / text_only.wall_s:.2f}x"
                ),
                wall_ratio <= TARGET_WALL_RATIO,
            ),
            (
                (
                    f"CPU, every stage: {1000 * measured.tree_cpu_s / n:.1f} ms/page = {cpu_ratio:.2f}x plain text"
                    f" only's whole process {1000 * process.cpu_s / n:.1f} (<= {TARGET_CPU_RATIO}x); in-process"
                    f" plain {1000 * text_only.cpu_s / n:.1f}: {measured.tree_cpu_s / text_only.cpu_s:.2f}x"
                ),
                cpu_ratio <= TARGET_CPU_RATIO,
            ),
            (
                (
                    f"extraction CPU {_ms(extract, n)} ms/page = {_ratio(extract_ratio)} plain with_metadata's"
                    f" {1000 * with_metadata.cpu_s / n:.1f} (<= {TARGET_EXTRACT_RATIO}x)"
                ),
                extract_ratio is not None and extract_ratio <= TARGET_EXTRACT_RATIO,
            ),
            (
                (
                    f"startup to the first request {_seconds(result.first_request_s)} (<= {TARGET_STARTUP_S:g} s);"
                    f" a minimal Scrapy project's {self.minimal.first_request_s:.2f} s"
                ),
                result.first_request_s is not None and result.first_request_s <= TARGET_STARTUP_S,
            ),
            (
                (
                    f"cores busy {cores:.2f} (>= {TARGET_CORES}); from the first request on"
                    f" {_cores(result.cores_after_start)}; the machine was idle"
                    f" {result.machine_idle_s:.1f} CPU s, other processes used"
                    f" {result.machine_busy_s - measured.tree_cpu_s:.1f}"
                ),
                cores >= TARGET_CORES,
            ),
            (
                (
                    f"writer CPU (store + commits) {_percent_text(share)} of extract + sign CPU"
                    f" (<= {100 * TARGET_STORE_SHARE:.0f} %); its wall time"
                    f" {_percent_text(self.store_share(result, 'wall'))}"
                ),
                share is not None and share <= TARGET_STORE_SHARE,
            ),
        ]
        print(f"targets, {result.label}:")
        for text, ok in checks:
            print(f"  {'PASS' if ok else 'FAIL'}  {text}")
        print(self.cpu_budget(result))
        if self.start is not None and result.label == "default":
            print(self.start_and_per_page(self.start))
        print(self.same_fields(result))

    def cpu_budget(self, result: CrawlResult) -> str:
        """How the CPU target's budget splits for this crawl (see :class:`BudgetSplit`)."""
        fetch = next((r for r in self.results if r.fetch_only and not r.problems), None)
        if fetch is None:
            return "  (the CPU target's budget by part needs the fetch-only crawl too: --crawl 'fetch only')"
        plain = self.plain
        split = BudgetSplit.of(
            self.n,
            plain.process.cpu_s,
            plain.fast_process.cpu_s,
            fetch.run.measured.tree_cpu_s,
            result.run.measured.tree_cpu_s,
        )
        return budget_line([split])

    def start_and_per_page(self, start: StartCosts) -> str:
        """The CPU target's figure split into each whole process's start and its cost per page: what the
        ratio would be over many more pages, and how much of the crawl's start is Scrapy's own."""
        crawl, plain = start.crawl, start.plain
        return (
            f"  (not a target) start and per page ({START_PAGES} pages crawled beside): the crawl's start"
            f" {crawl.start_s:.2f} s of CPU (a minimal Scrapy project fetching one page:"
            f" {self.minimal.cpu_s:.2f} s in all), plain's {plain.start_s:.2f} s; then"
            f" {1000 * crawl.per_page_s:.1f} ms/page = {crawl.per_page_s / plain.per_page_s:.2f}x plain's"
            f" {1000 * plain.per_page_s:.1f}"
        )

    def same_fields(self, result: CrawlResult) -> str:
        """Every stage's CPU against plain trafilatura giving the same fields (title, author, date, ...) as a
        whole process: what a user who wants them pays without crawling, teasers, dedup or a database."""
        plain = self.plain.metadata_process
        cpu = result.run.measured.tree_cpu_s
        return (
            f"  (not a target) CPU, every stage: {cpu / plain.cpu_s:.2f}x plain with_metadata=True's whole"
            f" process {1000 * plain.cpu_s / self.n:.1f} ms/page: the same fields, without crawling, teasers,"
            " dedup or a database"
        )

    def print_checks(self) -> bool:
        """One line per crawl; False when a crawl's figures are not to be trusted."""
        ok = True
        for result in self.results:
            stats = result.stats
            if result.fetch_only:
                responses = result.run.logged_stats().get("response_received_count", 0)
                recorded = f"{responses:.0f} responses, nothing stored (no item pipelines)"
            else:
                kinds = {k: v for k, v in stats.items() if k.startswith("pages/") and k.count("/") == 1}
                articles = stats.get("store/articles/new", 0)
                recorded = f"recorded {json.dumps(kinds, sort_keys=True)}, stored {articles} articles"
            print(f"check, {result.label}: {self.n} pages served; {recorded}")
            if result.problems:
                ok = False
                print("  CHECK FAILED, this crawl's speed is not to be trusted: " + "; ".join(result.problems))
                print("  last lines of its log:\n" + "\n".join(result.run.output.splitlines()[-15:]))
        if ok:
            print("check: OK, every corpus page was requested and is in the pages table, and no page failed")
        return ok


def thorough_runs(stats: dict[str, Any]) -> int | None:
    """Pages whose fast result looked wrong, so that trafilatura's thorough run was paid for (every reason).

    Read by their keys' prefix: importing the extraction's modules here would change the plain trafilatura this
    process measures (they install faster forms of its XPath expressions)."""
    if not stats:
        return None
    return sum(count for key, count in stats.items() if key.startswith("extract/thorough/") and key != THOROUGH_KEPT)


def store_other(stats: dict[str, Any]) -> float | None:
    """Writer time outside the timed steps: page outcomes (sitemaps, robots), the write call itself."""
    if "timing/store_s" not in stats:
        return None
    return stats["timing/store_s"] - sum(stats.get(key, 0.0) for key in STORE_PARTS)


def _percent(share: float | None) -> float | None:
    return None if share is None else 100 * share


def _percent_text(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.1f} %"


def _ms(seconds: float | None, n: int) -> str:
    return "-" if seconds is None else f"{1000 * seconds / n:.1f}"


def _ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def _seconds(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f} s"


def _cores(cores: float | None) -> str:
    return "-" if cores is None else f"{cores:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, help="use only the first N corpus pages")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="extra scrapy setting for every crawl"
    )
    parser.add_argument(
        "--crawl",
        action="append",
        choices=list(CRAWLS),
        help="run only this crawl (repeatable; default: all of them)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        metavar="N",
        help="then run plain as a whole process and the default crawl N times more, interleaved, for median ratios",
    )
    parser.add_argument(
        "--news-sitemap",
        action="store_true",
        help="serve a news sitemap giving each annotated page's publication day, as news sites do (its dates "
        "spare the crawl htmldate's search on pages that state none)",
    )
    parser.add_argument(
        "--depth",
        type=int,
        default=0,
        help="-a depth for the crawls but fetch only (default 0); 1 is the spider's default: every page's links"
        " listed, its relative links leading to its own site (a <base href> of its address), out of scope",
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="sample the engine, downloader, scraper and extraction queues (benchmarks/out/trace-*.jsonl)",
    )
    options = parser.parse_args(argv)
    extra = parse_settings(options.set)

    pages = load_corpus(options.limit)
    n = len(pages)
    size_mb = sum(len(p.html) for p in pages) / 1e6
    print(
        f"crawl_throughput: {n} corpus pages ({size_mb:.1f} MB of HTML), {CORES} CPUs, "
        f"load average {load_average()} at start"
    )
    if extra:
        print(f"extra settings for every crawl: {extra}")
    if options.depth:
        print(f"crawls at depth {options.depth} (fetch only at 0): every page's links listed, all out of scope")
    crawls = {label: CRAWLS[label] for label in options.crawl or CRAWLS}
    # The start told from the cost per page, with the default crawl, where the small crawl is served and crawled
    # as the crawl of all pages is (a plain sitemap, at depth 0).
    splits_start = "default" in crawls and n >= 10 * START_PAGES and not options.news_sitemap and not options.depth
    steps = 6 + len(crawls) + splits_start

    wall, cpu, found = plain_trafilatura(pages)
    text_only = Plain("trafilatura.extract (text only)", wall, cpu)
    print(f"[1/{steps}] plain trafilatura, text only: {wall:.1f} s, text on {found}/{n} pages", flush=True)
    wall, cpu, _ = plain_trafilatura(pages, with_metadata=True)
    with_metadata = Plain("trafilatura.extract(with_metadata=True)", wall, cpu)
    print(f"[2/{steps}] plain trafilatura, with_metadata=True: {wall:.1f} s", flush=True)
    results: list[CrawlResult] = []
    rounds: list[Round] = []
    start: StartCosts | None = None
    if options.news_sitemap:
        print(f"a news sitemap: {len(annotated_days(pages))} of the pages listed with their publication day")
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_corpus(pages, options.news_sitemap, links_home=options.depth > 0) as server,
    ):
        manifest = save_pages(pages, Path(tmp))
        wall, cpu, found = plain_trafilatura_process(manifest)
        process = Plain("a whole process of it (start, import, text only)", wall, cpu)
        print(f"[3/{steps}] plain trafilatura, a whole process, text only: {wall:.1f} s, text on {found}/{n} pages")
        wall, cpu, found = plain_trafilatura_process(manifest, fast=True)
        fast_process = Plain("a whole process of fast=True (no fallback extractors)", wall, cpu)
        print(f"[4/{steps}] plain trafilatura, fast mode, a whole process: {wall:.1f} s, text on {found}/{n} pages")
        wall, cpu, found = plain_trafilatura_process(manifest, with_metadata=True)
        metadata_process = Plain("a whole process of with_metadata=True", wall, cpu)
        print(f"[5/{steps}] plain trafilatura, with_metadata=True, a whole process: {wall:.1f} s")
        minimal = minimal_scrapy(server, Path(tmp) / "minimal", pages[0].path)
        print(
            f"[6/{steps}] a minimal Scrapy project, one page: first request after {minimal.first_request_s:.2f} s,"
            f" {minimal.cpu_s:.2f} s of CPU"
        )
        for step, (label, settings) in enumerate(crawls.items(), start=7):
            traced = {}
            trace = OUT / f"trace-{label.replace(' ', '-')}.jsonl"
            if options.trace:
                OUT.mkdir(parents=True, exist_ok=True)
                traced = TRACE_SETTINGS(trace)
            depth = 0 if label == "fetch only" else options.depth  # fetching alone lists no links
            db = Path(tmp) / f"crawl-{step}.db"
            result = crawl_corpus(server, label, db, {**settings, **extra, **traced}, depth=depth)
            check_crawl(result, pages)
            results.append(result)
            print(f"[{step}/{steps}] scrapy crawl, {label}: {result.run.seconds:.1f} s", flush=True)
            if options.trace and not result.fetch_only:
                print(summarise(trace), flush=True)
        default = next((r for r in results if r.label == "default" and not r.problems), None)
        if splits_start and default is not None:
            start = measure_start(pages, Path(tmp) / "start", {**CRAWLS["default"], **extra}, default, process.cpu_s)
            print(f"[{steps}/{steps}] the default crawl and plain over {START_PAGES} pages: their start", flush=True)
        if options.rounds > 1:
            # With the fetch-only crawl asked for, each round measures the CPU budget's parts too.
            fetch_only = {**CRAWLS["fetch only"], **extra} if "fetch only" in crawls else None
            rounds = interleaved_rounds(
                pages, server, manifest, options.rounds, {**CRAWLS["default"], **extra}, fetch_only, options.depth
            )

    baselines = Baselines(text_only, with_metadata, process, fast_process, metadata_process)
    report = Report(n, baselines, results, minimal, start)
    print()
    report.print()
    rounds_ok = True
    if rounds:
        print()
        rounds_ok = print_rounds(rounds, n)
    print()
    return 0 if report.print_checks() and rounds_ok else 1


@dataclass(frozen=True)
class Round:
    """One round of the interleaved comparison: plain text-only as a whole process just before and just after
    the default crawl (its figures the mean of the two); with the budget's parts, plain's fast mode as a whole
    process and the fetch-only crawl too."""

    plain_wall_s: float
    plain_cpu_s: float
    crawl: CrawlResult
    plain_drift: float  # plain's CPU after the crawl over its CPU before: how far the machine moved meanwhile
    fast_cpu_s: float | None = None
    fetch: CrawlResult | None = None
    minimal_start_s: float | None = None  # the minimal Scrapy project's first request, in the same minute

    def budget(self, n: int) -> BudgetSplit | None:
        """The round's CPU budget split; None when it did not measure the parts."""
        if self.fast_cpu_s is None or self.fetch is None:
            return None
        fetch_cpu_s, crawl_cpu_s = self.fetch.run.measured.tree_cpu_s, self.crawl.run.measured.tree_cpu_s
        return BudgetSplit.of(n, self.plain_cpu_s, self.fast_cpu_s, fetch_cpu_s, crawl_cpu_s)


def interleaved_rounds(
    pages: list[CorpusPage],
    server: LoopbackServer,
    manifest: Path,
    rounds: int,
    settings: dict[str, Any],
    fetch_only: dict[str, Any] | None = None,
    depth: int = 0,
) -> list[Round]:
    """``rounds`` rounds of plain, the crawl, plain again, the crawl set against the mean of the plain runs on
    either side of it: a machine that grows busier or quieter meanwhile (its speed drifts by a fifth within
    minutes) weighs on both alike, and the medians say what a single round cannot. With
    ``fetch_only`` (that crawl's settings), each round also runs plain's fast mode as a whole process and
    the fetch-only crawl: the budget's parts measured in the same minutes as the crawl they are set against."""
    done = []
    for number in range(rounds):
        before = plain_trafilatura_process(manifest)
        crawl = crawl_corpus(server, "default", manifest.with_name(f"round-{number}.db"), settings, depth=depth)
        check_crawl(crawl, pages)
        after = plain_trafilatura_process(manifest)
        plain_wall, plain_cpu = (before[0] + after[0]) / 2, (before[1] + after[1]) / 2
        fast_cpu, fetch = None, None
        if fetch_only is not None:
            fast_cpu = plain_trafilatura_process(manifest, fast=True)[1]
            fetch = crawl_corpus(server, "fetch only", manifest.with_name(f"round-{number}-fetch.db"), fetch_only)
            check_crawl(fetch, pages)
        minimal_start = minimal_scrapy(server, manifest.with_name("minimal"), pages[0].path).first_request_s
        done.append(Round(plain_wall, plain_cpu, crawl, after[1] / before[1], fast_cpu, fetch, minimal_start))
        print(
            f"[round {number + 1}/{rounds}] plain {before[0]:.1f} s, crawl {crawl.run.seconds:.1f} s,"
            f" plain {after[0]:.1f} s",
            flush=True,
        )
    return done


def print_rounds(rounds: list[Round], n: int) -> bool:
    """The rounds' table, the median ratios against the targets; False if a round's crawl is not to be trusted."""
    print(
        f"interleaved: {len(rounds)} rounds of plain text-only as a whole process, the default crawl, plain again"
        " (plain: the mean of the two; drift: plain's CPU after the crawl over before it)"
    )
    print(
        f"{'round':>5} {'plain s':>8} {'crawl s':>8} {'wall':>7} {'plain CPU':>10} {'crawl CPU':>10} {'CPU':>7}"
        f" {'drift':>6}"
    )
    walls, cpus = [], []
    for number, one in enumerate(rounds, start=1):
        measured = one.crawl.run.measured
        walls.append(measured.wall_s / one.plain_wall_s)
        cpus.append(measured.tree_cpu_s / one.plain_cpu_s)
        print(
            f"{number:>5} {one.plain_wall_s:8.1f} {measured.wall_s:8.1f} {walls[-1]:6.2f}x"
            f" {1000 * one.plain_cpu_s / n:10.1f} {1000 * measured.tree_cpu_s / n:10.1f} {cpus[-1]:6.2f}x"
            f" {one.plain_drift:6.2f}"
        )
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"targets, default, median of {len(rounds)} interleaved rounds:")
    print(
        f"  {'PASS' if wall <= TARGET_WALL_RATIO else 'FAIL'}  whole crawl {wall:.2f}x plain text only's whole"
        f" process (<= {TARGET_WALL_RATIO}x; rounds {min(walls):.2f}x to {max(walls):.2f}x)"
    )
    print(
        f"  {'PASS' if cpu <= TARGET_CPU_RATIO else 'FAIL'}  CPU, every stage: {cpu:.2f}x plain text only's whole"
        f" process (<= {TARGET_CPU_RATIO}x; rounds {min(cpus):.2f}x to {max(cpus):.2f}x)"
    )
    cores = [one.crawl.run.measured.cores for one in rounds]
    after_start = [c for c in (one.crawl.cores_after_start for one in rounds) if c is not None]
    print(
        f"  {'PASS' if statistics.median(cores) >= TARGET_CORES else 'FAIL'}  cores busy"
        f" {statistics.median(cores):.2f} (>= {TARGET_CORES}; rounds {min(cores):.2f} to {max(cores):.2f}); from the"
        f" first request on {_cores(statistics.median(after_start) if after_start else None)}"
    )
    starts = [one.crawl.first_request_s for one in rounds if one.crawl.first_request_s is not None]
    floors = [one.minimal_start_s for one in rounds if one.minimal_start_s is not None]
    if starts and floors:
        start = statistics.median(starts)
        print(
            f"  {'PASS' if start <= TARGET_STARTUP_S else 'FAIL'}  startup to the first request {start:.2f} s"
            f" (<= {TARGET_STARTUP_S:g} s; rounds {min(starts):.2f} to {max(starts):.2f} s); a minimal Scrapy"
            f" project's {statistics.median(floors):.2f} s (rounds {min(floors):.2f} to {max(floors):.2f} s)"
        )
    splits = [split for split in (r.budget(n) for r in rounds) if split is not None]
    if splits:
        print(budget_line(splits))
    problems = [
        f"round {i}: " + "; ".join(run.problems)
        for i, r in enumerate(rounds, 1)
        for run in (r.crawl, r.fetch)
        if run is not None and run.problems
    ]
    for problem in problems:
        print(f"  CHECK FAILED, {problem}")
    return not problems


@dataclass(frozen=True)
class BudgetSplit:
    """How the CPU target's budget splits, ms/page: the budget (``TARGET_CPU_RATIO`` x plain text-only's
    whole process), what Scrapy fetching alone (the fetch-only crawl) and trafilatura's fast mode alone
    (a whole process) take of it, a floor for any Scrapy crawler built on trafilatura, and the crawl's
    CPU of every stage."""

    budget: float
    fetch: float
    fast: float
    crawl: float

    @classmethod
    def of(cls, n: int, plain_cpu_s: float, fast_cpu_s: float, fetch_cpu_s: float, crawl_cpu_s: float) -> BudgetSplit:
        per_page = 1000 / n
        return cls(
            TARGET_CPU_RATIO * plain_cpu_s * per_page,
            fetch_cpu_s * per_page,
            fast_cpu_s * per_page,
            crawl_cpu_s * per_page,
        )

    @property
    def left(self) -> float:
        """What the floor leaves of the budget for everything else."""
        return self.budget - self.fetch - self.fast

    @property
    def spent(self) -> float:
        """What the crawl spends on everything else."""
        return self.crawl - self.fetch - self.fast


def budget_line(splits: list[BudgetSplit]) -> str:
    """One line for one run's split, or for the medians of several rounds' (with the rounds' range)."""

    def value(part: Callable[[BudgetSplit], float], spread: bool = False) -> str:
        """The median of one part over ``splits``; with ``spread``, the rounds' range after it."""
        values = [part(split) for split in splits]
        rounds = f" (rounds {min(values):.1f} to {max(values):.1f})" if spread and len(values) > 1 else ""
        return f"{statistics.median(values):.1f}{rounds}"

    medians = f", medians of {len(splits)} rounds" if len(splits) > 1 else ""
    return (
        f"  CPU budget, ms/page{medians}: {TARGET_CPU_RATIO}x plain's whole process ="
        f" {value(lambda s: s.budget)}; of it Scrapy fetching alone (the fetch-only crawl)"
        f" {value(lambda s: s.fetch)} and trafilatura's fast mode alone (a whole process)"
        f" {value(lambda s: s.fast)}, leaving {value(lambda s: s.left, spread=True)} for all else (thorough"
        f" runs, teasers, metadata, cleaning, signatures, hand-off, store); the crawl spends"
        f" {value(lambda s: s.spent, spread=True)} on it"
    )


if __name__ == "__main__":
    sys.exit(main())
