"""Store rate: rows/s of the crawl's writer side (Writer.write), with a reader querying the database meanwhile."""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.harness import load_average, open_writer, parse_settings, percentile, stat_delta
from crawler.extract.results import Article, PageAnalysis, PageExtraction, Teaser
from crawler.extract.signing import sign_text
from crawler.records import AnalysedPage
from dedup import SignatureScheme

TABLES = (
    "articles",
    "article_bands",
    "article_signatures",
    "teasers",
    "teaser_bands",
    "teaser_signatures",
    "teaser_sightings",
    "pages",
)
READER_QUERIES = {
    "latest": "SELECT id, title, site, published FROM unique_articles ORDER BY id DESC LIMIT 20",
    "search": "SELECT rowid, title FROM articles_fts WHERE articles_fts MATCH ? LIMIT 20",
}
READER_MOMENT_S = 0.1  # "never blocked for more than a moment"
IDLE_READ_S = 2.0  # the reader alone afterwards, on the full database: its latencies without a writer
LISTING_SHARE = 0.1  # pages that are listings: teasers and a pages row, no article
COPY_SHARE = 0.05  # articles that are lightly edited copies of an earlier one (near-duplicates)
TEASERS_PER_PAGE = 10
BLOCKS = ("Popular", "Editor's choice", "Related articles")
# The steps of Writer.write, each timed by the writer itself (README.md "Stats").
STEPS = (
    ("timing/store/chrome_s", "chrome: SiteChrome.strip"),
    ("timing/store/dedup_s", "dedup: Deduplicator.decide_article"),
    ("timing/store/article_s", "article: row, FTS, band keys, signature"),
    ("timing/store/learn_s", "learn: SiteChrome.learn"),
    ("timing/store/teasers_s", "teasers: rows and sightings"),
    ("timing/store/pages_s", "pages: pages row"),
)


def reader(path: str, interval: float, writing, stop, results) -> None:
    """Query the database in a loop on its own connection (Python's default 5 s busy timeout) until told to stop."""
    conn = sqlite3.connect(path, timeout=5.0)
    samples: list[tuple[bool, float]] = []  # (a write batch was in progress, seconds)
    errors: dict[str, int] = {}
    words = ["harbour", "council", "vote", "tunnel", "rates", "festival"]
    turn = 0
    while not stop.is_set():
        during = writing.is_set()
        sql = READER_QUERIES["latest" if turn % 2 == 0 else "search"]
        params = () if turn % 2 == 0 else (words[turn // 2 % len(words)],)
        start = time.perf_counter()
        try:
            conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as error:  # "database is locked" would land here
            errors[str(error)] = errors.get(str(error), 0) + 1
        samples.append((during, time.perf_counter() - start))
        turn += 1
        time.sleep(interval)
    conn.close()
    results.put((samples, errors))


class Corpus:
    """Synthetic pages whose text, teasers and signatures look like the crawler's, made before timing starts.

    Each is an :class:`AnalysedPage` as the crawl side hands it to the writer: the extraction, the
    article text signed with :func:`sign_text`, the teaser blurbs signed with the teaser scheme.
    """

    def __init__(self, count: int, seed: int, article_scheme: SignatureScheme, teaser_scheme: SignatureScheme):
        rng = np.random.default_rng(seed)
        syllables = ["ka", "lo", "mir", "ten", "sa", "vor", "el", "du", "ran", "ist", "ber", "an", "os", "ti"]
        vocabulary = np.array(sorted({"".join(rng.choice(syllables, size=rng.integers(1, 4))) for _ in range(6000)}))
        weights = 1 / np.arange(1, len(vocabulary) + 1)  # Zipf-like: some words everywhere, most rare
        weights /= weights.sum()

        def words(n: int) -> list[str]:
            return list(rng.choice(vocabulary, size=n, p=weights))

        pool = []
        for _ in range(400):
            text = " ".join(words(25)) + "."
            target = f"http://bench.example/a/{rng.integers(0, count)}.html"  # links to articles, some not yet stored
            pool.append((" ".join(words(7)).capitalize(), text, target))
        pool_signatures = teaser_scheme.signatures(text for _, text, _ in pool)
        texts: list[str] = []
        self.pages: list[AnalysedPage] = []
        for i in range(count):
            shown = rng.choice(len(pool), size=TEASERS_PER_PAGE, replace=False)
            teasers = [Teaser(pool[j][2], pool[j][0], pool[j][1], BLOCKS[k % len(BLOCKS)]) for k, j in enumerate(shown)]
            signatures = [pool_signatures[j] for j in shown]
            url = f"http://bench.example/a/{i}.html"
            if rng.random() < LISTING_SHARE:
                extraction = PageExtraction("listing", "listing", None, teasers)
                self.pages.append(AnalysedPage(url, 200, PageAnalysis(extraction, None, signatures)))
                continue
            if texts and rng.random() < COPY_SHARE:
                edited = texts[rng.integers(0, len(texts))].split()
                for k in rng.integers(0, len(edited), size=len(edited) // 10):
                    edited[k] = words(1)[0]
                body = edited
            else:
                body = words(int(rng.integers(250, 900)))
            paragraphs = [" ".join(body[k : k + 60]) + "." for k in range(0, len(body), 60)]
            text = "\n\n".join(paragraphs)
            texts.append(text)
            article = Article(
                text=text,
                title=" ".join(words(8)).capitalize(),
                author="Staff Reporter",
                published="2026-01-02T10:00:00+00:00",
                language="en",
                sitename="Bench Herald",
            )
            extraction = PageExtraction("article", None, article, teasers)
            analysis = PageAnalysis(extraction, sign_text(text, article_scheme), signatures)
            self.pages.append(AnalysedPage(url, 200, analysis))


def quarter_line(first: dict, last: dict, pages: int) -> str:
    """ms/page of dedup, of the rest of Writer.write, and of commits between two snapshots of the writer's stats."""
    dedup = stat_delta(last, first, "timing/store/dedup_s")
    write = stat_delta(last, first, "timing/store_s")
    commit = stat_delta(last, first, "timing/store/commit_s")
    return f"{1000 * dedup / pages:.2f} / {1000 * (write - dedup) / pages:.2f} / {1000 * commit / pages:.2f}"


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=5000, help="pages to store (about 90 %% articles)")
    parser.add_argument(
        "--reader-interval", type=float, default=0.001, help="seconds the reader sleeps between queries"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="crawler setting, e.g. SQLITE_BATCH_SIZE=100 (repeatable)",
    )
    options = parser.parse_args(argv)
    settings = parse_settings(options.set)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.db"
        writer = open_writer(path, settings)
        config = writer.config
        print(
            f"store_rate: {options.limit} pages, SQLITE_BATCH_SIZE {config.batch_size}, "
            f"SQLITE_COMMIT_INTERVAL {config.commit_interval:g} s, site chrome "
            f"{'on' if writer.chrome is not None else 'off'}, {os.cpu_count()} CPUs, "
            f"load average {load_average()} at start"
        )
        start = time.perf_counter()
        corpus = Corpus(options.limit, options.seed, writer.article_index.scheme, writer.teaser_index.scheme)
        print(
            f"made {len(corpus.pages)} synthetic pages with signatures in {time.perf_counter() - start:.1f} s "
            "(not timed)",
            flush=True,
        )

        context = multiprocessing.get_context("spawn")
        writing, stop, results = context.Event(), context.Event(), context.Queue()
        process = context.Process(target=reader, args=(str(path), options.reader_interval, writing, stop, results))
        process.start()
        time.sleep(1.0)  # let the reader start up before the writes begin

        stats = writer.stats
        pages = len(corpus.pages)
        bounds = [k * pages // 4 for k in range(5)]
        snapshots = [stats.get_stats()]  # the writer's stats at the start and after each quarter
        commits: list[float] = []  # seconds of each commit, from the writer's own timing/store/commit_s
        writing.set()
        began = last_commit = time.perf_counter()
        for done, page in enumerate(corpus.pages, start=1):
            before = stats.get_stats()
            writer.write(page)  # commits every SQLITE_BATCH_SIZE records
            if time.perf_counter() - last_commit >= config.commit_interval:
                # The crawl also commits every SQLITE_COMMIT_INTERVAL on its reactor; no reactor here.
                writer.commit()
            after = stats.get_stats()
            if stat_delta(after, before, "store/commits"):
                commits.append(stat_delta(after, before, "timing/store/commit_s"))
                last_commit = time.perf_counter()
            if done in bounds[1:]:
                snapshots.append(dict(after))
        before = stats.get_stats()
        writer.commit()  # the last batch, as when the crawl finishes
        wall = time.perf_counter() - began
        if stat_delta(stats.get_stats(), before, "store/commits"):
            commits.append(stat_delta(stats.get_stats(), before, "timing/store/commit_s"))
        final = stats.get_stats()
        writer.finish("finished")
        writing.clear()
        time.sleep(IDLE_READ_S)
        stop.set()
        samples, errors = results.get(timeout=60)
        process.join(timeout=60)
        rows = counts(path)
        size_mb = path.stat().st_size / 1e6

    articles = rows["articles"]
    total_rows = sum(rows.values())
    print()
    print(f"{'writer step (its own timing/* stats)':44} {'total s':>8} {'ms/page':>8} {'pages/s':>9} {'rows/s':>9}")
    steps = [(label, final.get(key, 0.0), False) for key, label in STEPS]
    steps += [
        ("Writer.write, all of it (timing/store_s)", final.get("timing/store_s", 0.0), True),
        ("commits (timing/store/commit_s)", final.get("timing/store/commit_s", 0.0), False),
        ("write + commits, wall (timed here)", wall, True),
    ]
    for label, seconds, writes in steps:
        rate = f"{total_rows / seconds:9.0f}" if writes and seconds else f"{'-':>9}"
        pages_per_s = f"{pages / seconds:9.0f}" if seconds else f"{'-':>9}"
        print(f"{label:44} {seconds:8.2f} {1000 * seconds / pages:8.3f} {pages_per_s} {rate}")
    print(
        "rows written: " + ", ".join(f"{t} {n}" for t, n in rows.items()) + f" = {total_rows} "
        f"({total_rows / pages:.1f} per page; {articles} articles); database {size_mb:.1f} MB"
    )
    sizes = [b - a for a, b in itertools.pairwise(bounds) if b > a]
    quarters = zip(itertools.pairwise(snapshots), sizes, strict=True)
    print(
        "ms/page by quarter of the run (dedup / rest of Writer.write / commits): "
        + ", ".join(quarter_line(first, last, size) for (first, last), size in quarters)
        + "  (growth = a cost that rises with the rows stored)"
    )
    print(
        f"commits: {len(commits)}, {1000 * sum(commits) / max(1, len(commits)):.1f} ms on average, "
        f"longest {1000 * max(commits, default=0):.1f} ms"
    )

    print()
    print(
        f"reader (own process and connection, WAL, 5 s busy timeout, "
        f"{options.reader_interval * 1000:g} ms between queries):"
    )
    for label, during in (("during the writes", True), (f"alone afterwards ({IDLE_READ_S:g} s)", False)):
        latencies = [s for d, s in samples if d == during]
        if latencies:
            print(
                f"  {label:<26} {len(latencies):6} queries  p50 {1000 * percentile(latencies, 50):7.2f} ms  "
                f"p99 {1000 * percentile(latencies, 99):7.2f} ms  max {1000 * max(latencies):7.2f} ms"
            )
    locked = sum(n for message, n in errors.items() if "locked" in message or "busy" in message)
    print(f"  errors: {errors or 'none'}")
    during = [s for d, s in samples if d]
    worst = max(during, default=0.0)
    ok = not locked and worst <= READER_MOMENT_S
    print(
        f"target: the reader never gets 'database is locked' and no query waits more than "
        f"{1000 * READER_MOMENT_S:.0f} ms during the writes: {'PASS' if ok else 'FAIL'} "
        f"({locked} locked, longest {1000 * worst:.1f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
