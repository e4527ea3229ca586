"""Index scale: the SQLite near-duplicate index at 100k and 1M synthetic articles vs an in-memory datasketch LSH."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.harness import (
    OUT,
    REPO,
    load_average,
    memory_mb,
    open_writer,
    parse_settings,
    percentile,
    run_crawl,
    run_measured,
    stat_delta,
)
from crawler.demo.server import DEMO_SITE

TARGETS = {"open_s": 10.0, "query_ms": 1.0, "rss_mb": 2048.0}  # at 1M stored articles
DUPLICATE_SHARE = 0.05  # articles that are edited copies of an earlier one: their queries find candidates
EDITED_VALUES = 0.25  # share of a copy's MinHash values that differ from its original (Jaccard ~0.75)
CHUNK = 10_000
# Building: one transaction per 100k documents with a 2 GB page cache. Random band keys touch pages all
# over the band table, so the crawl's 500-write batches would rewrite most of it into the WAL at every
# commit: an hour for 1M rows. The crawl's own batching is measured separately (measure-insert).
BUILD_BATCH = 100_000
BUILD_CACHE_KIB = 2_000_000
# The cached database depends on the code that writes and reads it (the writer side and the dedup
# library): a change there means a rebuild.
CODE = ("crawler/store/*.py", "dedup/*.py")
PAGE = DEMO_SITE / "herald" / "articles" / "harbour-tunnel-vote.html"


def cache_path(size: int, seed: int, settings: dict[str, str]) -> Path:
    files = sorted(file for pattern in CODE for file in REPO.glob(pattern))
    code = hashlib.sha1(b"".join(str(f.relative_to(REPO)).encode() + f.read_bytes() for f in files)).hexdigest()
    key = json.dumps([size, seed, DUPLICATE_SHARE, EDITED_VALUES, CHUNK, sorted(settings.items()), code])
    return OUT / f"index-{size}-{hashlib.sha1(key.encode()).hexdigest()[:10]}.db"


def synthetic_signatures(rng: np.random.Generator, count: int, num_perm: int) -> np.ndarray:
    """Random MinHash values; a share of rows are edited copies of an earlier row of the same chunk."""
    values = rng.integers(0, 2**32, size=(count, num_perm), dtype=np.uint32)
    copies = np.flatnonzero(rng.random(count) < DUPLICATE_SHARE)
    copies = copies[copies > 0]
    originals = (rng.random(len(copies)) * copies).astype(int)
    edited = rng.random((len(copies), num_perm)) < EDITED_VALUES
    values[copies] = np.where(edited, values[copies], values[originals])
    return values


def build(path: Path, size: int, seed: int, settings: dict[str, str]) -> dict:
    """Store ``size`` signatures through the writer's own article index (NearDuplicateIndex.add on its
    SQLiteBandStore), in large transactions (see BUILD_BATCH)."""
    from benchmarks.signature_arrays import signature_of

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    for leftover in OUT.glob(partial.name + "*"):
        leftover.unlink()
    writer = open_writer(partial, settings, start_run=False)
    writer.db.conn.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
    index = writer.article_index
    rng = np.random.default_rng(seed)
    sizes = rng.integers(50, 3000, size=size)
    start = time.perf_counter()
    last_rate = 0.0
    for first in range(0, size, CHUNK):
        count = min(CHUNK, size - first)
        values = synthetic_signatures(rng, count, index.scheme.num_perm)
        chunk_start = time.perf_counter()
        for offset in range(count):
            doc_id = first + offset + 1
            index.add(doc_id, signature_of(values[offset], int(sizes[doc_id - 1])))
            if doc_id % BUILD_BATCH == 0:
                writer.commit()
        last_rate = count / (time.perf_counter() - chunk_start)
        done = first + count
        if done % (CHUNK * 10) == 0 or done == size:
            print(
                f"  built {done}/{size}: {done / (time.perf_counter() - start):.0f} docs/s so far, "
                f"{last_rate:.0f} docs/s in the last {count}",
                flush=True,
            )
    writer.commit()
    seconds = time.perf_counter() - start
    writer.finish("finished")
    build_info = {
        "size": size,
        "seconds": seconds,
        "docs_per_s": size / seconds,
        "last_chunk_docs_per_s": last_rate,
        "bands": index.bands,
        "rows": index.rows,
        "num_perm": index.scheme.num_perm,
        "threshold": index.threshold,
        "built": time.strftime("%Y-%m-%d %H:%M"),
        "load_average": load_average(),
    }
    Path(f"{partial}.lock").unlink(missing_ok=True)
    partial.rename(path)
    path.with_suffix(".json").write_text(json.dumps(build_info, indent=1))
    return build_info


def query_signatures(store, size: int, count: int, num_perm: int, seed: int):
    """``count`` hits (edited copies of stored signatures) and ``count`` misses (fresh random ones)."""
    from benchmarks.signature_arrays import signature_of, values_of

    rng = np.random.default_rng(seed + 1)
    ids = [int(i) for i in rng.integers(1, size + 1, size=count)]
    stored = store.signatures(ids)
    hits = []
    for doc_id in ids:
        values = values_of(stored[doc_id]).copy()
        edited = rng.random(num_perm) < 0.1
        values[edited] = rng.integers(0, 2**32, size=int(edited.sum()), dtype=np.uint32)
        hits.append((doc_id, signature_of(values, stored[doc_id].size)))
    misses = [signature_of(v, 500) for v in rng.integers(0, 2**32, size=(count, num_perm), dtype=np.uint32)]
    return hits, misses


def measure_open(db: Path, queries: int, seed: int, settings: dict[str, str]) -> dict:
    """In a fresh process: construct the Writer on ``db`` as a crawl does, then query its article index.

    The modules are imported already (benchmarks.harness imports the writer): imports are a process's
    startup, not the database's opening.
    """
    before = memory_mb()
    start = time.perf_counter()
    writer = open_writer(db, settings, start_run=False)
    open_s = time.perf_counter() - start
    after_open = memory_mb()
    index = writer.article_index
    size = writer.db.read("SELECT count(*) FROM article_signatures").fetchone()[0]
    hits, misses = query_signatures(index.store, size, queries, index.scheme.num_perm, seed)
    result = {"open_s": open_s, "rss_before_mb": before["VmRSS"], "rss_open_mb": after_open["VmRSS"]}
    for name, signatures in (("hit", [s for _, s in hits]), ("miss", misses)):
        latencies, cpu = [], []
        for signature in signatures:
            started, started_cpu = time.perf_counter(), time.thread_time()
            index.find(signature)
            latencies.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - started_cpu)
        result[f"{name}_first_ms"] = 1000 * latencies[0]
        # CPU time leaves out waiting for a core: wall p99 far above it means the machine was busy.
        result[f"{name}_cpu_p99_ms"] = 1000 * percentile(cpu, 99)
        result[f"{name}_p50_ms"] = 1000 * percentile(latencies, 50)
        result[f"{name}_p99_ms"] = 1000 * percentile(latencies, 99)
    result["hits_found"] = sum(any(m.doc_id == d for m in index.find(s)) for d, s in hits) / len(hits)
    result["candidates_per_hit"] = sum(len(index.query(s)) for _, s in hits) / len(hits)
    after = memory_mb()
    result["rss_queried_mb"], result["hwm_mb"] = after["VmRSS"], after["VmHWM"]
    with sqlite3.connect(db) as conn:
        result["tables_mb"] = {
            name: pages / 1e6
            for name, pages in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
            if pages > 1e6
        }
    writer.finish("finished")
    return result


def measure_insert(db: Path, inserts: int, seed: int, settings: dict[str, str]) -> dict:
    """In a fresh process, on a copy: add ``inserts`` more signatures the way a crawl's writer does,
    NearDuplicateIndex.add with a Writer.commit every SQLITE_BATCH_SIZE adds (the writer commits every
    SQLITE_BATCH_SIZE records, one article each), with the writer's page cache. Commits are timed by
    the writer itself (timing/store/commit_s)."""
    from benchmarks.signature_arrays import signature_of

    writer = open_writer(db, settings, start_run=False)
    index = writer.article_index
    size = writer.db.read("SELECT count(*) FROM article_signatures").fetchone()[0]
    batch_size = writer.config.batch_size
    rng = np.random.default_rng(seed + 2)
    values = synthetic_signatures(rng, inserts, index.scheme.num_perm)
    stats = writer.stats
    commits = []

    def commit() -> None:
        before = stats.get_stats()
        writer.commit()
        commits.append(stat_delta(stats.get_stats(), before, "timing/store/commit_s"))

    start = time.perf_counter()
    for offset in range(inserts):
        index.add(size + offset + 1, signature_of(values[offset], 1000))
        if (offset + 1) % batch_size == 0:
            commit()
    commit()
    seconds = time.perf_counter() - start
    writer.finish("finished")
    return {
        "inserts": inserts,
        "docs_per_s": inserts / seconds,
        "commits": stats.get_value("store/commits", 0),
        "commit_s": sum(commits),
        "commit_max_s": max(commits),
        "batch_size": batch_size,
    }


def measure_datasketch(db: Path, queries: int, seed: int) -> dict:
    """In a fresh process: rebuild an in-memory MinHashLSH from the stored signatures, as a cron run would have to."""
    from datasketch import LeanMinHash, MinHashLSH

    from benchmarks.signature_arrays import values_of
    from dedup import Signature

    before = memory_mb()
    with sqlite3.connect(db) as conn:
        params = json.loads(conn.execute("SELECT params FROM dedup_params WHERE namespace = 'article'").fetchone()[0])
        start = time.perf_counter()
        rows = conn.execute("SELECT doc_id, size, minhash FROM article_signatures").fetchall()
    read_s = time.perf_counter() - start
    num_perm, lsh_seed, scheme = int(params["num_perm"]), int(params["seed"]), params["permutation_scheme"]
    lsh = MinHashLSH(num_perm=num_perm, params=(int(params["bands"]), int(params["rows"])))
    start = time.perf_counter()
    with lsh.insertion_session() as session:
        for doc_id, _, blob in rows:
            session.insert(
                doc_id, LeanMinHash(seed=lsh_seed, hashvalues=np.frombuffer(blob, dtype="<u4"), scheme=scheme)
            )
    build_s = time.perf_counter() - start
    size = len(rows)
    del rows
    built = memory_mb()

    class Rows:  # the stored signatures, for picking query signatures the same way as for our index
        def signatures(self, ids):
            with sqlite3.connect(db) as conn:
                unique = sorted(set(ids))
                marks = ",".join("?" * len(unique))
                found = conn.execute(
                    f"SELECT doc_id, size, minhash FROM article_signatures WHERE doc_id IN ({marks})", unique
                )
                return {d: Signature.from_bytes(b, s) for d, s, b in found}

    hits, misses = query_signatures(Rows(), size, queries, num_perm, seed)
    result = {
        "read_s": read_s,
        "build_s": build_s,
        "us_per_doc": 1e6 * build_s / size,
        "rss_built_mb": built["VmRSS"],
        "rss_index_mb": built["VmRSS"] - before["VmRSS"],
    }
    for name, signatures in (("hit", [s for _, s in hits]), ("miss", misses)):
        minhashes = [LeanMinHash(seed=lsh_seed, hashvalues=values_of(s), scheme=scheme) for s in signatures]
        latencies = []
        for minhash in minhashes:
            started = time.perf_counter()
            lsh.query(minhash)
            latencies.append(time.perf_counter() - started)
        result[f"{name}_p50_ms"] = 1000 * percentile(latencies, 50)
        result[f"{name}_p99_ms"] = 1000 * percentile(latencies, 99)
    result["hwm_mb"] = memory_mb()["VmHWM"]
    return result


def crawl_first_item(db: Path, settings: dict[str, str]) -> dict:
    """A real `scrapy crawl news` of one loopback page into ``db`` (it writes there): when the spider opened and
    when the first item was stored, from the log's milliseconds since logging started; when the server got the
    first request (robots.txt), from process start; plus the process's wall time and peak RSS."""
    from benchmarks.corpus import CorpusPage
    from benchmarks.sites import serve_corpus

    page = CorpusPage(0, "http://herald.example/articles/harbour-tunnel-vote.html", PAGE.read_bytes(), [], [])
    # DEBUG: Scrapy logs each item stored ("Scraped from") only at that level; the format puts the
    # milliseconds since logging started in front of each record.
    log_settings = {"LOG_LEVEL": "DEBUG", "LOG_FORMAT": "%(relativeCreated)d ms %(name)s %(levelname)s: %(message)s"}
    with serve_corpus([page]) as server:
        run = run_crawl([server.url(page.path)], db, {**settings, **log_settings}, timeout=600)
        first_hit = min((hit.at for hit in server.log.hits), default=None)
    marks: dict[str, float | None] = {"first_request": None if first_hit is None else first_hit - run.measured.started}
    for label, pattern in (("opened", r"Spider opened"), ("first_item", r"Scraped from <200")):
        found = re.search(rf"^(\d+) ms \S+ \w+: {pattern}", run.output, re.MULTILINE)
        marks[label] = int(found.group(1)) / 1000 if found else None
    stored = run.returncode == 0 and marks["first_item"] is not None
    if not stored:
        print("  crawl failed:\n" + "\n".join(run.output.splitlines()[-10:]))
    return {"wall_s": run.seconds, "peak_rss_mb": run.measured.peak_rss_mb, "ok": stored, **marks}


def child(mode: str, db: Path, options: argparse.Namespace, settings: dict[str, str]) -> dict:
    """Run one measurement in a fresh Python process, so its RSS is its own."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.index_scale",
        mode,
        str(db),
        "--queries",
        str(options.queries),
        "--inserts",
        str(options.inserts),
        "--seed",
        str(options.seed),
    ]
    command += [f"--set={k}={v}" for k, v in settings.items()]
    measured = run_measured(command, timeout=3600)
    if measured.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{measured.stderr[-3000:]}")
    return json.loads(measured.stdout.strip().splitlines()[-1])


def verdict(value: float | None, target: float) -> str:
    return "n/a" if value is None else ("PASS" if value <= target else "FAIL")


def report(
    size: int,
    build_info: dict,
    db: Path,
    ours: dict,
    inserts: dict,
    crawl: dict,
    empty: dict,
    sketch: dict | None,
    sketch_from: int | None,
) -> None:
    mb = (os.path.getsize(db)) / 1e6
    print(
        f"\n== {size:,} stored articles (synthetic signatures, {100 * DUPLICATE_SHARE:.0f} % edited copies), "
        f"num_perm {build_info['num_perm']}, {build_info['bands']} bands x {build_info['rows']} rows =="
    )
    print(
        f"insert as a crawl's writer does (NearDuplicateIndex.add, a Writer.commit every "
        f"{inserts['batch_size']} adds), {inserts['inserts']:,} more into a copy: "
        f"{inserts['docs_per_s']:,.0f} docs/s; {inserts['commits']} commits took {inserts['commit_s']:.1f} s, "
        f"the longest {1000 * inserts['commit_max_s']:.0f} ms"
    )
    print(
        f"bulk build (NearDuplicateIndex.add, {BUILD_BATCH:,}-doc transactions, 2 GB cache): "
        f"{build_info['docs_per_s']:,.0f} docs/s overall, {build_info['last_chunk_docs_per_s']:,.0f} docs/s for the "
        f"last {CHUNK:,} ({build_info['seconds']:.0f} s, built {build_info['built']}, "
        f"load {build_info['load_average']})"
    )
    tables = ", ".join(f"{k} {v:.0f}" for k, v in ours["tables_mb"].items())
    print(f"database: {mb:,.0f} MB on disk ({tables} MB); holds only the index, no article rows or texts")
    scale = size / sketch_from if sketch and sketch_from else 1.0
    extrapolated = f" (x{scale:g} of {sketch_from:,})" if scale != 1 else ""
    print(f"{'':44} {'SQLite index (ours)':>22}   datasketch MinHashLSH in memory{extrapolated}")
    rebuild = f"{(sketch['read_s'] + sketch['build_s']) * scale:.1f} s" if sketch else "n/a"
    print(f"{'open: Writer(...) / read + rebuild':44} {ours['open_s']:>20.3f} s   {rebuild}")
    for kind in ("hit", "miss"):
        theirs = f"{sketch[f'{kind}_p50_ms']:.3f} / {sketch[f'{kind}_p99_ms']:.3f} ms" if sketch else "n/a"
        if sketch and scale != 1:
            theirs += f" (measured at {sketch_from:,})"
        print(
            f"{'query ' + kind + ' p50 / p99 (p99 of CPU time ' + format(ours[f'{kind}_cpu_p99_ms'], '.3f') + ')':44} "
            f"{ours[f'{kind}_p50_ms']:>11.3f} / {ours[f'{kind}_p99_ms']:.3f} ms   {theirs}"
        )
    index_mb = f"{sketch['rss_index_mb'] * scale:,.0f} MB" if sketch else "n/a"
    print(
        f"{'RSS: index part (after open - before)':44} {ours['rss_open_mb'] - ours['rss_before_mb']:>17.0f} MB"
        f"   {index_mb}"
    )
    theirs = f"{sketch['hwm_mb']:,.0f} MB" if sketch and scale == 1 else ""
    print(
        f"{'RSS: process after queries / peak':44} {ours['rss_queried_mb']:>9.0f} / {ours['hwm_mb']:.0f} MB   {theirs}"
    )
    print("(ours: find = band-key query + confirm from stored signatures; datasketch: query only, unconfirmed)")
    print(
        f"hit queries found their original: {100 * ours['hits_found']:.1f} %, "
        f"{ours['candidates_per_hit']:.2f} candidates per hit query; first query after open: "
        f"{ours['hit_first_ms']:.2f} ms"
    )
    if crawl["ok"] and empty["ok"]:
        print(
            f"real crawl of 1 loopback page, process start -> first item stored: {crawl['first_item']:.2f} s "
            f"(empty database: {empty['first_item']:.2f} s); spider opened at {crawl['opened']:.2f} s "
            f"(empty: {empty['opened']:.2f} s); first request (robots.txt) {crawl['first_request']:.2f} s after "
            f"process start (empty: {empty['first_request']:.2f} s); whole process {crawl['wall_s']:.1f} s, "
            f"peak RSS {crawl['peak_rss_mb']:.0f} MB (empty: {empty['peak_rss_mb']:.0f} MB)"
        )


def targets(size: int, ours: dict, crawl: dict) -> None:
    first_item = crawl["first_item"] if crawl["ok"] else None
    rss = max(ours["hwm_mb"], crawl["peak_rss_mb"] if crawl["ok"] else 0)
    rows = [
        ("open: crawl start -> first item stored", first_item, TARGETS["open_s"], "s"),
        ("query p99 (hits, the slower kind)", ours["hit_p99_ms"], TARGETS["query_ms"], "ms"),
        ("peak RSS (crawl process, measuring process)", rss, TARGETS["rss_mb"], "MB"),
    ]
    note = "" if size >= 1_000_000 else f"  (targets are for 1M; this is {size:,})"
    print(f"targets at {size:,}:{note}")
    for label, value, target, unit in rows:
        shown = "n/a" if value is None else f"{value:.3g} {unit}"
        print(f"  {label:46} {shown:>12}  <= {target:g} {unit}  {verdict(value, target)}")
    if ours["hit_p99_ms"] > TARGETS["query_ms"] >= ours["hit_cpu_p99_ms"]:
        print(
            f"  note: query p99 in CPU time is {ours['hit_cpu_p99_ms']:.3f} ms; the rest was waiting for a core "
            f"(load average {load_average()}): measure again on a quiet machine"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated numbers of stored articles")
    parser.add_argument("--queries", type=int, default=2000, help="hit queries and as many miss queries")
    parser.add_argument(
        "--inserts",
        type=int,
        default=5000,
        help="signatures added crawl-style (SQLITE_BATCH_SIZE commits) to a copy of each database",
    )
    parser.add_argument(
        "--baseline-max",
        type=int,
        default=100_000,
        help="largest size at which datasketch's LSH is rebuilt; larger sizes are extrapolated",
    )
    parser.add_argument("--rebuild", action="store_true", help="ignore databases cached in benchmarks/out/")
    parser.add_argument("--no-crawl", action="store_true", help="skip the real scrapy crawl on each database")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="crawler setting for building, opening and crawling (repeatable)",
    )
    parser.add_argument(
        "mode", nargs="?", choices=["measure-open", "measure-insert", "measure-datasketch"], help=argparse.SUPPRESS
    )
    parser.add_argument("db", nargs="?", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    settings = parse_settings(options.set)
    if options.mode == "measure-open":
        print(json.dumps(measure_open(options.db, options.queries, options.seed, settings)))
        return 0
    if options.mode == "measure-insert":
        print(json.dumps(measure_insert(options.db, options.inserts, options.seed, settings)))
        return 0
    if options.mode == "measure-datasketch":
        print(json.dumps(measure_datasketch(options.db, options.queries, options.seed)))
        return 0

    sizes = [int(s) for s in options.sizes.split(",")]
    print(
        f"index_scale: sizes {sizes}, {options.queries} hit + {options.queries} miss queries, "
        f"{os.cpu_count()} CPUs, load average {load_average()} at start; page cache warm (just built or used)"
    )
    sketch, sketch_from = None, None
    results = []
    for size in sizes:
        db = cache_path(size, options.seed, settings)
        info_file = db.with_suffix(".json")
        if db.exists() and info_file.exists() and not options.rebuild:
            build_info = json.loads(info_file.read_text())
            print(f"{size:,}: using cached {db.relative_to(REPO)}")
        else:
            print(f"{size:,}: building {db.relative_to(REPO)}", flush=True)
            build_info = build(db, size, options.seed, settings)
            os.sync()  # write the new file out now, not while the queries are timed
        ours = child("measure-open", db, options, settings)
        if size <= options.baseline_max:
            sketch, sketch_from = child("measure-datasketch", db, options, settings), size
        with tempfile.TemporaryDirectory() as tmp:
            # Inserting and crawling write to the database: do it on a copy, never in the cache.
            copy = Path(tmp) / "copy.db"
            shutil.copyfile(db, copy)
            inserts = child("measure-insert", copy, options, settings)
            # The same crawl on an empty database just before, so both see the same machine load.
            empty = {"ok": False} if options.no_crawl else crawl_first_item(Path(tmp) / "empty.db", settings)
            crawl = {"ok": False} if options.no_crawl else crawl_first_item(copy, settings)
        results.append((size, build_info, db, ours, inserts, crawl, empty, sketch, sketch_from))

    for size, build_info, db, ours, inserts, crawl, empty, sketch, sketch_from in results:
        report(size, build_info, db, ours, inserts, crawl, empty, sketch, sketch_from)
        targets(size, ours, crawl)
    print(f"\nload average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
