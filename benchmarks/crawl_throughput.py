"""Crawl throughput: `scrapy crawl news` over the corpus on loopback vs plain trafilatura, with a per-stage breakdown."""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import trafilatura

from benchmarks.corpus import CorpusPage, load_corpus, serve_corpus
from benchmarks.harness import (
    FAST_CRAWL,
    Measured,
    StageTimer,
    close_session,
    load_average,
    open_session,
    parse_settings,
    run_measured,
    scrapy_command,
)

TARGET_RATIO = 1.6
TARGET_DEDUP_STORE_SHARE = 0.05  # dedup + store as a fraction of extraction time
# Scrapy's own stats that are timestamps or durations, not per-stage timings of ours.
SCRAPY_TIME_KEYS = {"elapsed_time_seconds", "start_time", "finish_time"}
STAGE_SOURCES = {
    "extract": "crawler.analysis.analyse_page (ExtractPipeline's work)",
    "dedup": "SiteChrome.strip + Deduplicator.decide_article (ChromePipeline's and DedupPipeline's work)",
    "store": "CrawlSession.store + closing commit (SQLitePipeline's work), real Storage in a temp file",
}
TIMING_KEY = re.compile(r"(time|seconds|_ms\b|_s\b|duration|cpu)", re.IGNORECASE)


def plain_trafilatura(pages: list[CorpusPage], with_metadata: bool = False) -> tuple[float, float, int]:
    """Wall and CPU seconds of trafilatura.extract over every page, one after the other; texts found.

    ``with_metadata``: also title, author, date, ... as the crawl stores them (the same information).
    """
    trafilatura.extract(pages[0].html, url=pages[0].url, with_metadata=with_metadata)  # warm-up, not per page
    found = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for page in pages:
        if trafilatura.extract(page.html, url=page.url, with_metadata=with_metadata):
            found += 1
    return time.perf_counter() - wall, time.process_time() - cpu, found


def crawl(base: str, db: Path, settings: dict[str, str]) -> tuple[Measured, float]:
    """A real `scrapy crawl news` subprocess; returns it and the loopback server's CPU seconds meanwhile."""
    command = scrapy_command(
        "news", {"urls": f"{base}/sitemap.xml", "depth": "0"}, {**FAST_CRAWL, **settings, "SQLITE_PATH": str(db)}
    )
    server_cpu = time.process_time()  # the server runs in our threads; nothing else runs here meanwhile
    measured = run_measured(command)
    return measured, time.process_time() - server_cpu


def logged_stats(stderr: str) -> dict[str, float]:
    """Numeric values from Scrapy's closing 'Dumping Scrapy stats' log record."""
    dump = stderr.rpartition("Dumping Scrapy stats:")[2]
    return {k: float(v) for k, v in re.findall(r"'([^']+)': (-?\d+(?:\.\d+)?)\b", dump)}


def run_stats(db: Path) -> dict:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT stats FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def check_crawl(db: Path, pages: list[CorpusPage], measured: Measured) -> list[str]:
    """Reasons to distrust the crawl's speed: a failed process, or fewer pages stored than served."""
    problems = []
    if measured.returncode != 0:
        problems.append(f"scrapy exited with {measured.returncode}")
    if not db.exists():
        return [*problems, "no database written"]
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM pages WHERE url LIKE '%/p/%'").fetchone()[0]
        errors = conn.execute("SELECT count(*) FROM pages WHERE kind = 'error'").fetchone()[0]
    if stored < len(pages):
        problems.append(f"pages table holds {stored} corpus pages, {len(pages)} were served")
    if errors:
        problems.append(f"{errors} pages recorded as errors")
    return problems


def stage_breakdown(pages: list[CorpusPage], base: str, settings: dict[str, str]) -> tuple[StageTimer, int]:
    """Time each pipeline step in this process, on the same pages and with the crawl's own classes.

    extract = crawler.analysis.analyse_page (what ExtractPipeline runs), dedup = Deduplicator.decide_article
    (DedupPipeline), store = CrawlSession.store (SQLitePipeline) into a real Storage in a temp file.
    """
    from crawler.analysis import analyse_page
    from crawler.items import FetchedPage
    from crawler.urls import normalize_url
    from dedup import content_hash

    timer = StageTimer()
    articles = 0
    with tempfile.TemporaryDirectory() as tmp:
        session, spider = open_session(Path(tmp) / "stages.db", settings)
        # Sub-steps of store, timed where the session calls them (they nest inside "store").
        timer.wrap(session.dedup, "store_article", "store: article row + FTS + band keys + signature")
        timer.wrap(session.dedup, "store_teasers", "store: teasers (lookup, merge, sightings)")
        timer.wrap(session.storage, "record_page", "store: pages row")
        timer.wrap(session.storage, "commit", "store: commits")
        # Warm-up, as for plain trafilatura: first-call imports and caches are not a per-page cost.
        analyse_page(
            pages[0].html, base, "text/html", session.extract_options, session.article_scheme, session.teaser_scheme
        )
        for page in pages:
            url = normalize_url(base + page.path)
            start = time.perf_counter()
            analysis = analyse_page(
                page.html, url, "text/html", session.extract_options, session.article_scheme, session.teaser_scheme
            )
            timer.add("extract", time.perf_counter() - start)
            # The signing inside analyse_page, timed again on its own to show its share.
            extraction = analysis.extraction
            start = time.perf_counter()
            if extraction.article is not None:
                content_hash(extraction.article.text)
                session.article_scheme.signature(extraction.article.text)
            session.teaser_scheme.signatures(t.text for t in extraction.teasers)
            timer.add("extract: of which content hash + MinHash signatures (timed again)", time.perf_counter() - start)

            item = FetchedPage(url=url, status=200, body=b"", content_type="text/html", analysis=analysis)
            start = time.perf_counter()
            if extraction.article is not None:
                articles += 1
                if session.chrome is not None:  # ChromePipeline: the site's learned chrome, cut before dedup
                    chrome_start = time.perf_counter()
                    text, removed = session.chrome.strip(url, extraction.article.text)
                    if removed:
                        extraction.article.text = text
                        analysis.content_hash = content_hash(text)
                        analysis.signature = session.article_scheme.signature(text)
                        analysis.chrome_removed = removed
                    timer.add("dedup: of which site chrome cut (ChromePipeline)", time.perf_counter() - chrome_start)
                item.decision = session.dedup.decide_article(url, analysis)
            timer.add("dedup", time.perf_counter() - start)
            start = time.perf_counter()
            session.store(item)
            timer.add("store", time.perf_counter() - start)
        start = time.perf_counter()
        close_session(session, spider)  # the last commit, as when the spider closes
        timer.add("store", time.perf_counter() - start)
    return timer, articles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, help="use only the first N corpus pages")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="extra scrapy setting (repeatable)"
    )
    parser.add_argument("--no-stages", action="store_true", help="skip the per-stage breakdown")
    options = parser.parse_args(argv)
    extra = parse_settings(options.set)

    pages = load_corpus(options.limit)
    n = len(pages)
    size_mb = sum(len(p.html) for p in pages) / 1e6
    print(
        f"crawl_throughput: {n} corpus pages ({size_mb:.1f} MB of HTML), {os.cpu_count()} CPUs, "
        f"load average {load_average()} at start"
    )
    if extra:
        print(f"extra settings: {extra}")

    plain_wall, plain_cpu, found = plain_trafilatura(pages)
    plain_rate = n / plain_wall
    meta_wall, meta_cpu, _ = plain_trafilatura(pages, with_metadata=True)
    print(f"[1/4] plain trafilatura done: {plain_wall:.1f} s, text found on {found}/{n} pages", flush=True)

    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, serve_corpus(pages) as base:
        db = Path(tmp) / "crawl.db"
        full, server_cpu = crawl(base, db, extra)
        stats = run_stats(db) if db.exists() else {}
        logged = logged_stats(full.stderr)
        elapsed = stats.get("elapsed_time_seconds") or logged.get("elapsed_time_seconds")
        problems = check_crawl(db, pages, full)
        print(f"[2/4] scrapy crawl done: {full.wall_s:.1f} s", flush=True)

        # The same crawl without item pipelines: what fetching (Scrapy's downloader + the spider) costs alone.
        fetch_only, _ = crawl(base, Path(tmp) / "fetch-only.db", {**extra, "ITEM_PIPELINES": "{}"})
        fetch_elapsed = logged_stats(fetch_only.stderr).get("elapsed_time_seconds") or fetch_only.wall_s
        fetched = logged_stats(fetch_only.stderr).get("response_received_count", 0)
        if fetch_only.returncode != 0 or fetched < n:
            problems.append(f"fetch-only crawl: exit {fetch_only.returncode}, {fetched:.0f} responses for {n} pages")
        print(f"[3/4] fetch-only crawl done: {fetch_only.wall_s:.1f} s", flush=True)

        timer, articles = (None, 0) if options.no_stages else stage_breakdown(pages, base, extra)
        print("[4/4] stage breakdown done" if timer else "[4/4] stage breakdown skipped", flush=True)

    crawl_rate = n / elapsed if elapsed else float("nan")
    wall_rate = n / full.wall_s
    print()
    print(f"{'':48} {'pages/s':>8} {'ms/page':>8} {'vs plain':>9} {'CPU ms/page':>12}")
    rows = [
        ("plain trafilatura.extract, 1 process", plain_rate, plain_cpu),
        ("  the same with_metadata=True (what we store)", n / meta_wall, meta_cpu),
        ("scrapy crawl news, crawl time (stats elapsed)", crawl_rate, None),
        ("scrapy crawl news, process wall incl. startup", wall_rate, full.cpu_s),
    ]
    for label, rate, cpu in rows:
        cpu_text = f"{1000 * cpu / n:12.2f}" if cpu is not None else ""
        print(f"{label:48} {rate:8.2f} {1000 / rate:8.2f} {rate / plain_rate:8.2f}x {cpu_text}")
    verdict = "PASS" if crawl_rate / plain_rate >= TARGET_RATIO else "FAIL"
    print(f"target: crawl >= {TARGET_RATIO}x plain (2.0x is the limit on 2 cores): {verdict}")
    tree_cpu = full.cpu_s + full.descendants_cpu_s
    print(
        f"CPU: plain {plain_cpu:.1f} s over {plain_wall:.1f} s wall; crawl process {full.cpu_s:.1f} s + its "
        f"extraction workers {full.descendants_cpu_s:.1f} s (polled) over {full.wall_s:.1f} s wall = "
        f"{tree_cpu / full.wall_s:.2f} cores busy, {1000 * tree_cpu / n:.1f} ms of CPU per page, "
        f"scrapy process peak RSS {full.peak_rss_mb:.0f} MB; loopback server (this process) {server_cpu:.1f} s"
    )
    if elapsed:
        print(f"crawl startup + shutdown outside 'elapsed': {full.wall_s - elapsed:.1f} s")
    print(
        f"load average at the end: {load_average()} (other work on the machine slows both sides: "
        "compare CPU ms/page when it is high)"
    )

    print()
    print("Where the crawl's time goes (ms per page, all pages; each stage run on its own, one core):")
    print(
        f"  fetch    {1000 * fetch_elapsed / n:8.2f}  subprocess: scrapy crawl with ITEM_PIPELINES={{}}, "
        "stats elapsed / pages (download + spider, no pipelines)"
    )
    if timer:
        for stage, source in STAGE_SOURCES.items():
            note = f" ({articles} articles)" if stage == "dedup" else ""
            print(f"  {stage:<8} {1000 * timer.seconds[stage] / n:8.2f}  in-process: {source}{note}")
            for label in sorted(k for k in timer.seconds if k.startswith(f"{stage}: ")):
                name = label.removeprefix(f"{stage}: ")
                print(f"    {name:<52} {1000 * timer.seconds[label] / n:6.2f}  ({timer.calls[label]} calls)")
        extract, dedup, store = (timer.seconds[k] for k in STAGE_SOURCES)
        share = (dedup + store) / extract
        verdict = "PASS" if share <= TARGET_DEDUP_STORE_SHARE else "FAIL"
        print(
            f"  dedup + store = {100 * share:.1f} % of extract "
            f"(target <= {100 * TARGET_DEDUP_STORE_SHARE:.0f} %): {verdict}"
        )
        if elapsed:
            total = fetch_elapsed + extract + dedup + store
            print(
                f"  the stages one after the other: {1000 * total / n:.2f} ms/page; "
                f"the crawl took {1000 * elapsed / n:.2f} ms/page"
            )

    timing_keys = {k: v for k, v in stats.items() if TIMING_KEY.search(k) and k not in SCRAPY_TIME_KEYS}
    if timing_keys:
        print("Timing stats the crawler recorded itself (runs.stats):")
        for key, value in sorted(timing_keys.items()):
            print(f"  {key} = {value}")
    else:
        print("(the crawl's runs.stats holds no per-stage timings; the breakdown above is measured here)")

    print()
    kinds = {k: v for k, v in stats.items() if k.startswith("pages/") and k.count("/") == 1}
    print(
        f"check: {n} pages served; crawl recorded {json.dumps(kinds, sort_keys=True)}; "
        f"stored {stats.get('store/articles/new', 0)} articles"
    )
    if problems:
        print("CHECK FAILED, the crawl's speed is not to be trusted: " + "; ".join(problems))
        print("last lines of the crawl's log:\n" + "\n".join(full.stderr.splitlines()[-15:]))
        return 1
    print("check: OK, every served page is in the pages table and no page failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
