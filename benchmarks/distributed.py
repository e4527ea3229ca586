"""Distributed: the writer's rate up to 1M articles, the stream's cost per item, Redis memory, 1 vs 2 vs 3 crawlers."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from scrapy import Request

from benchmarks.corpus import CORPUS, load_corpus
from benchmarks.harness import (
    OUT,
    MeasuredProcess,
    load_average,
    open_writer,
    parse_settings,
    process_cpu,
    scrapy_command,
    store_config,
    tree_cpu,
)
from benchmarks.signature_arrays import signature_of
from benchmarks.sites import ROBOTS_TXT, Files, files_route, sitemap
from crawler.config import TEASER_SCHEME
from crawler.demo.server import LoopbackHandler, LoopbackServer
from crawler.demo.spider import LOOPBACK_SETTINGS
from crawler.distributed.config import RedisConfig
from crawler.distributed.consumer import StreamStore
from crawler.distributed.history import RedisMirror, mark_mirror
from crawler.distributed.record_codec import decode_record, encode_record
from crawler.distributed.request_codec import RequestCodec, allowed_callbacks
from crawler.extract.paragraphs import paragraph_hashes
from crawler.extract.results import Article, PageAnalysis, PageExtraction, Teaser
from crawler.extract.signing import SignedText
from crawler.extract.words import count_words
from crawler.records import AnalysedPage
from crawler.spiders.news import NewsSpider
from dedup import content_hash
from tests.support.redis_server import RedisServer

SITES = 100  # hosts the synthetic articles are spread over (site chrome and revisits are per site)
COPY_SHARE = 0.05  # articles that are near-duplicates of a recent one (25 % of their MinHash values differ)
TEASERS_PER_PAGE = 3
CHUNK = 10_000
# Building the large database: big transactions and a 2 GB page cache, as benchmarks/index_scale.py
# builds its index (with 500-record batches, random band keys would rewrite most of the band table into
# the WAL at every commit). The rate at each size is then measured with the writer's own batches.
BUILD_BATCH = 50_000
BUILD_CACHE_KIB = 2_000_000
QUICK = {"articles": 20_000, "checkpoints": "0,20000", "segment": 2_000, "pages": 120, "requests": 20_000}
FULL = {"articles": 1_000_000, "checkpoints": "0,250000,500000,1000000", "segment": 10_000, "pages": None}


# -- synthetic records ------------------------------------------------------------------------------
class Records:
    """AnalysedPages as crawlers hand them over (text, metadata, teasers, signatures), made cheaply.

    Article signatures are random MinHash values (5 % are edited copies of a recent one, which the
    writer links as near-duplicates), so a million need no shingling; teaser blurbs come from a pool
    signed with the real teaser scheme. Texts are words drawn Zipf-like, in paragraphs of 60.
    """

    def __init__(self, seed: int, num_perm: int):
        self.rng = np.random.default_rng(seed)
        self.num_perm = num_perm
        syllables = ["ka", "lo", "mir", "ten", "sa", "vor", "el", "du", "ran", "ist", "ber", "an", "os", "ti"]
        words = {"".join(self.rng.choice(syllables, size=self.rng.integers(1, 4))) for _ in range(6000)}
        self.vocabulary = np.array(sorted(words))
        weights = 1 / np.arange(1, len(self.vocabulary) + 1)
        self.weights = weights / weights.sum()
        blurbs = [" ".join(self._words(25)) + "." for _ in range(2000)]
        self.pool = [(" ".join(self._words(7)).capitalize(), blurb) for blurb in blurbs]
        self.pool_signatures = TEASER_SCHEME.signatures(blurbs)
        self.recent: list[np.ndarray] = []

    def _words(self, count: int) -> list[str]:
        return [str(w) for w in self.rng.choice(self.vocabulary, size=count, p=self.weights)]

    def page(self, number: int) -> AnalysedPage:
        words = self._words(int(self.rng.integers(150, 400)))
        text = "\n\n".join(" ".join(words[k : k + 60]) + "." for k in range(0, len(words), 60))
        if self.recent and self.rng.random() < COPY_SHARE:
            values = self.recent[int(self.rng.integers(0, len(self.recent)))].copy()
            edited = self.rng.random(self.num_perm) < 0.25
            values[edited] = self.rng.integers(0, 2**32, size=int(edited.sum()), dtype=np.uint32)
        else:
            values = self.rng.integers(0, 2**32, size=self.num_perm, dtype=np.uint32)
        self.recent = [*self.recent[-999:], values]
        # With the paragraph hashes a crawler sends along: the writer does not make them.
        signed = SignedText(
            text,
            count_words(text),
            content_hash(text),
            signature_of(values, len(words)),
            paragraph_hashes(text),
        )
        shown = self.rng.choice(len(self.pool), size=TEASERS_PER_PAGE, replace=False)
        site = f"bench-{number % SITES}.example"
        teasers = [
            Teaser(f"http://{site}/a/{int(self.rng.integers(0, 10**7))}", *self.pool[j], "Popular") for j in shown
        ]
        article = Article(text=text, title=" ".join(words[:8]).capitalize(), published="2026-11-30", language="en")
        analysis = PageAnalysis(
            PageExtraction("article", None, article, teasers), signed, [self.pool_signatures[j] for j in shown]
        )
        return AnalysedPage(f"http://{site}/a/{number}", 200, analysis, etag=f'"{number}"')

    def pages(self, first: int, count: int) -> list[AnalysedPage]:
        return [self.page(n) for n in range(first, first + count)]


def redis_config(server: RedisServer, prefix: str) -> RedisConfig:
    config = RedisConfig.from_settings(
        {"REDIS_URL": server.url, "CRAWL_REDIS_KEY": prefix, "CRAWL_PEER_TIMEOUT": 60, "CRAWL_REDIS_WAIT": 30}
    )
    assert config is not None
    return config


# -- the writer -------------------------------------------------------------------------------------
def build(db: Path, records: Records, start: int, size: int) -> float:
    """Store articles ``start`` .. ``size`` through the Writer in big transactions; returns records/s."""
    writer = open_writer(db, {"SQLITE_BATCH_SIZE": BUILD_BATCH}, start_run=False)
    writer.db.conn.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
    began = time.perf_counter()
    for first in range(start, size, CHUNK):
        for page in records.pages(first, min(CHUNK, size - first)):
            writer.write(page)
        if (first + CHUNK) % 100_000 == 0:
            print(f"  built {first + CHUNK:,} articles ({load_average()})", flush=True)
    writer.commit()
    writer.finish("finished")
    return (size - start) / max(time.perf_counter() - began, 1e-9)


def direct_rate(db: Path, pages: list[AnalysedPage], settings: dict[str, str]) -> dict[str, float]:
    """Records/s of the Writer itself with its own batches (SQLITE_BATCH_SIZE): a single-machine crawl's writer."""
    writer = open_writer(db, settings)
    began = time.perf_counter()
    for page in pages:
        writer.write(page)
    writer.commit()
    seconds = time.perf_counter() - began
    store_s = writer.stats.get_value("timing/store_s", 0.0)
    writer.finish("finished")
    return {"per_s": len(pages) / seconds, "write_ms": 1000 * store_s / len(pages)}


def stream_rate(db: Path, pages: list[AnalysedPage], server: RedisServer, settings: dict[str, str]) -> dict:
    """The same records through Redis: the crawler side (encode + XADD) timed apart, then `scrapy store`'s
    loop (XREADGROUP, decode, Writer, commit with the stream position, mirror, XACK and trim) draining them."""
    config = redis_config(server, f"bench{time.monotonic_ns()}")
    client = config.connect()
    stream = config.keys.stream
    client.xadd(stream, {"type": "start", "run": "bench", "spider": "news", "args": "{}"})
    sizes = []
    began = time.perf_counter()
    for number, page in enumerate(pages, 1):
        data = encode_record(page)
        sizes.append(len(data))
        client.xadd(stream, {"type": "record", "run": "bench", "crawler": "b", "seq": number, "data": data})
    produce_s = time.perf_counter() - began
    client.xadd(stream, {"type": "end", "run": "bench", "reason": "finished"})
    stream_bytes = client.memory_usage(stream, samples=0) or 0
    sample = [fields[b"data"] for _, fields in client.xrange(stream, count=2000) if b"data" in fields]
    began = time.perf_counter()
    for data in sample:
        decode_record(data)
    decode_ms = 1000 * (time.perf_counter() - began) / len(sample)
    last_run = None
    if db.exists():
        with sqlite3.connect(db) as conn:
            last_run = conn.execute("SELECT max(id) FROM runs").fetchone()[0]
    # Steady state: the page history in Redis is taken as current (a whole copy is measured apart).
    mark_mirror(client, config.keys, os.path.realpath(db), last_run)
    store = StreamStore(config.connect(), config, store_config(db, settings), False, lambda summary: None)
    began = time.perf_counter()
    assert store.run()
    seconds = time.perf_counter() - began
    return {
        "per_s": len(pages) / seconds,
        "produce_us": 1e6 * produce_s / len(pages),
        "entry_bytes": sum(sizes) / len(sizes),
        "redis_bytes_per_entry": stream_bytes / (len(pages) + 2),
        "decode_ms": decode_ms,
    }


def mirror_copy(db: Path, server: RedisServer) -> dict[str, float]:
    """Copy the page history of the whole database into Redis (a writer's first start on it): time and memory."""
    config = redis_config(server, f"mirror{time.monotonic_ns()}")
    client = config.connect()
    before = client.info("memory")["used_memory"]
    writer = open_writer(db, start_run=False)
    mirror = RedisMirror(client, config.keys, writer.history, writer.db, lambda: None)
    began = time.perf_counter()
    urls = mirror.copy_all(os.path.realpath(db), None)
    seconds = time.perf_counter() - began
    writer.finish("finished")
    used = client.info("memory")["used_memory"] - before
    keys = [config.keys.pages, *client.scan_iter(match=config.keys.revisits("*"), count=1000)]
    usage = sum(client.memory_usage(key, samples=0) or 0 for key in keys)
    client.delete(*keys)
    return {
        "urls": urls,
        "seconds": seconds,
        "per_s": urls / seconds,
        "bytes_per_url": usage / urls,
        "used_memory_per_url": used / urls,
    }


def writer_part(options: argparse.Namespace, settings: dict[str, str], server: RedisServer) -> dict[str, Any]:
    checkpoints = sorted({int(c) for c in options.checkpoints.split(",")} | {0})
    records = Records(options.seed, num_perm=128)
    rows = []
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        db = Path(tmp) / "writer.db"
        built = 0
        for size in checkpoints:
            if size > built:
                print(f"building the database to {size:,} articles ...", flush=True)
                build_rate = build(db, records, built, size)
                built = size
                print(f"  {build_rate:.0f} articles/s in transactions of {BUILD_BATCH:,}", flush=True)
            segment = records.pages(10**8 + 2 * size, 2 * options.segment)  # new URLs, made before timing
            copy = Path(tmp) / "copy.db"
            if db.exists():
                shutil.copyfile(db, copy)
            direct = direct_rate(copy, segment[: options.segment], settings)
            stream = stream_rate(copy, segment[options.segment :], server, settings)
            megabytes = copy.stat().st_size / 1e6
            copy.unlink()
            for suffix in ("-wal", "-shm", ".lock"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
            rows.append({"size": size, "direct": direct, "stream": stream, "db_mb": megabytes})
            print(
                f"  at {size:,}: direct {direct['per_s']:.0f}/s, through the stream {stream['per_s']:.0f}/s",
                flush=True,
            )
        mirror = mirror_copy(db, server) if built else None
    return {"rows": rows, "mirror": mirror, "segment": options.segment}


# -- Redis memory -------------------------------------------------------------------------------------
def memory_part(server: RedisServer, requests: int) -> dict[str, float]:
    """Bytes of Redis per queued request and per duplicate-filter entry, as the crawlers write them."""
    client = server.client()
    spider = NewsSpider(urls="https://www.example-news.com/")
    codec = RequestCodec(allowed_callbacks(spider))
    rng = np.random.default_rng(3)
    before = client.info("memory")["used_memory"]
    pipe = client.pipeline(transaction=False)
    for n in range(requests):
        slug = "-".join(str(w) for w in rng.choice(["council", "harbour", "vote", "budget", "storm", "rail"], 6))
        request = Request(
            f"https://www.example-news.com/2026/11/30/{slug}-{n}.html",
            callback=spider.parse,
            errback=spider.failed,
            meta={"link_depth": 2, "depth": 2},
        )
        pipe.execute_command("ZADD", "mem:requests", 0, codec.dumps(request.to_dict(spider=spider)))
        if n % 1000 == 999:
            pipe.execute()
    pipe.execute()
    queue_used = client.info("memory")["used_memory"] - before
    queue_usage = client.memory_usage("mem:requests", samples=0) or 0
    sample = client.zrange("mem:requests", 0, 0)[0]
    client.delete("mem:requests")
    before = client.info("memory")["used_memory"]
    fingerprints = requests * 10
    for first in range(0, fingerprints, 10_000):
        client.sadd("mem:seen", *(rng.bytes(20) for _ in range(min(10_000, fingerprints - first))))
    seen_used = client.info("memory")["used_memory"] - before
    seen_usage = client.memory_usage("mem:seen", samples=0) or 0
    client.delete("mem:seen")
    return {
        "requests": requests,
        "request_json_bytes": len(sample),
        "request_bytes": queue_usage / requests,
        "request_used_memory": queue_used / requests,
        "fingerprints": fingerprints,
        "fingerprint_bytes": seen_usage / fingerprints,
        "fingerprint_used_memory": seen_used / fingerprints,
    }


# -- crawlers ----------------------------------------------------------------------------------------
def command(kind: str, settings: dict[str, Any], args: dict[str, Any] | None = None) -> list[str]:
    line = scrapy_command(*(["crawl", "news"] if kind == "crawl" else ["store"]))
    for name, value in (args or {}).items():
        line += ["-a", f"{name}={value}"]
    for name, value in settings.items():
        line += ["-s", f"{name}={value}"]
    return line


@contextmanager
def gated_corpus(limit: int | None) -> Iterator[tuple[LoopbackServer, threading.Event]]:
    """The evaluation corpus on loopback (as benchmarks.crawl_throughput serves it), every answer held
    until the returned event is set: timing starts when every process of the crawl is up."""
    pages = load_corpus(limit)
    gate = threading.Event()
    files: Files = {"/robots.txt": (ROBOTS_TXT, "text/plain")}
    serve = files_route(files)

    def route(handler: LoopbackHandler, path: str) -> None:
        while not gate.wait(0.05):
            if server.stopping.is_set():
                handler.abort()
                return
        serve(handler, path)

    server = LoopbackServer([(r"(/.*)", route)], "corpus")
    for page in pages:
        files[page.path] = (page.html, "text/html")
    files["/sitemap.xml"] = (sitemap(server.base_url, [p.path for p in pages]), "application/xml")
    with server:
        yield server, gate


def crawl_once(server: LoopbackServer, gate: threading.Event, crawlers: int, folder: Path) -> dict[str, Any]:
    """One crawl of the corpus: one machine (``crawlers`` 0) or that many crawlers and a writer around Redis.

    Timed from the moment every process is up (the site holds its answers until then) to the last
    one's end. CPU: every process of the crawl (crawlers with their extraction workers, the writer,
    Redis) and this one (the loopback site), counted from that moment.
    """
    args = {"urls": f"{server.base_url}/sitemap.xml", "depth": 0}
    db = folder / f"crawl-{crawlers}.db"
    server.log.clear()
    gate.clear()
    processes: list[MeasuredProcess] = []
    with RedisServer(appendonly=True) as redis_server:
        shared = {**LOOPBACK_SETTINGS, "LOG_LEVEL": "INFO", "SQLITE_PATH": db}
        client = redis_server.client()
        if crawlers:
            shared["REDIS_URL"] = redis_server.url
            processes.append(MeasuredProcess(command("store", shared)))
            processes += [MeasuredProcess(command("crawl", shared, args)) for _ in range(crawlers)]

            def ready() -> bool:
                return client.hlen("storyonce:crawlers") == crawlers
        else:
            processes.append(MeasuredProcess(command("crawl", shared, args)))

            def ready() -> bool:
                return len(server.log.hits) > 0  # its first request waits at the gate: it is up

        deadline = time.monotonic() + 300
        while not ready():
            stopped = [p for p in processes if not p.running()]
            if stopped or time.monotonic() > deadline:
                for p in processes:
                    p.stop()
                if not stopped:
                    raise SystemExit("a process of the crawl did not start within 300 s")
                raise SystemExit(f"a process of the crawl ended before it began:\n{stopped[0].wait().stderr[-2000:]}")
            time.sleep(0.02)
        redis_pid = redis_server.server._process.pid if redis_server.server._process else 0
        start_cpu = [tree_cpu(p.process.pid) for p in processes] + [process_cpu(redis_pid)]
        own_start = resource.getrusage(resource.RUSAGE_SELF)
        commands_before = client.info("commandstats")
        released = time.monotonic()
        gate.set()
        results = [p.wait() for p in processes]
        ended = time.monotonic()
        redis_cpu = process_cpu(redis_pid) - start_cpu[-1]
        commands = client.info("commandstats")
    own_end = resource.getrusage(resource.RUSAGE_SELF)
    if any(r.returncode for r in results):
        failed = next(r for r in results if r.returncode)
        raise SystemExit(f"a process of the crawl failed:\n{failed.stderr[-2000:]}")
    hits = server.log.hits
    pages = sum(1 for h in hits if h.path.startswith("/p/"))
    crawling = range(1, len(results)) if crawlers else range(1)
    cpu = {
        "crawlers": sum(results[i].tree_cpu_s - start_cpu[i] for i in crawling),
        "writer": results[0].tree_cpu_s - start_cpu[0] if crawlers else 0.0,
        "redis": redis_cpu,
        "site": (own_end.ru_utime + own_end.ru_stime) - (own_start.ru_utime + own_start.ru_stime),
    }
    calls = {name: stats["calls"] - commands_before.get(name, {}).get("calls", 0) for name, stats in commands.items()}
    with sqlite3.connect(db) as conn:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    return {
        "crawlers": crawlers,
        "pages": pages,
        "articles": articles,
        "fetch_s": max(h.at for h in hits) - released,
        "wall_s": ended - released,
        "pages_per_s": pages / (ended - released),
        "cpu": cpu,
        "cores_busy": sum(cpu.values()) / (ended - released),
        "redis_calls_per_page": {k: v / pages for k, v in sorted(calls.items(), key=lambda kv: -kv[1])[:6] if v},
    }


def crawler_part(limit: int | None, counts: list[int]) -> list[dict[str, Any]]:
    if not (CORPUS / "evaldata.json").exists():
        print(f"crawlers: skipped, no corpus in {CORPUS} (set CORPUS_DIR)")
        return []
    results = []
    with gated_corpus(limit) as (server, gate), tempfile.TemporaryDirectory() as tmp:
        for crawlers in counts:
            print(f"crawling the corpus with {crawlers or 'one machine, no'} crawlers ...", flush=True)
            results.append(crawl_once(server, gate, crawlers, Path(tmp)))
    return results


# -- report ------------------------------------------------------------------------------------------
def report(results: dict[str, Any]) -> None:
    writer = results.get("writer")
    if writer:
        print(f"\nwriter: records/s at each database size (segments of {writer['segment']:,} new articles)")
        print(f"{'articles stored':>16} {'db MB':>8} {'direct/s':>9} {'stream/s':>9} {'stream cost ms/item':>20}")
        for row in writer["rows"]:
            direct, stream = row["direct"]["per_s"], row["stream"]["per_s"]
            overhead = 1000 / stream - 1000 / direct
            print(f"{row['size']:>16,} {row['db_mb']:>8.0f} {direct:>9.0f} {stream:>9.0f} {overhead:>20.2f}")
        last = writer["rows"][-1]["stream"]
        print(
            f"stream, per record: {last['entry_bytes']:.0f} bytes of JSON, {last['redis_bytes_per_entry']:.0f} bytes "
            f"of Redis while it waits; crawler side encode + XADD {last['produce_us']:.0f} us; "
            f"writer side decode {last['decode_ms']:.2f} ms"
        )
        mirror = writer["mirror"]
        if mirror:
            print(
                f"page history copied into Redis on a writer's first start: {mirror['urls']:,} URLs in "
                f"{mirror['seconds']:.0f} s ({mirror['per_s']:.0f}/s), {mirror['bytes_per_url']:.0f} bytes per URL "
                f"(MEMORY USAGE; used_memory grew {mirror['used_memory_per_url']:.0f} per URL)"
            )
    memory = results.get("memory")
    if memory:
        print(
            f"\nRedis memory: a queued request {memory['request_bytes']:.0f} bytes ({memory['request_json_bytes']} "
            f"bytes of JSON; used_memory {memory['request_used_memory']:.0f}), over {memory['requests']:,}; "
            f"a duplicate-filter entry {memory['fingerprint_bytes']:.0f} bytes (used_memory "
            f"{memory['fingerprint_used_memory']:.0f}), over {memory['fingerprints']:,}"
        )
    crawls = results.get("crawlers")
    if crawls:
        print("\ncrawlers on this machine (the loopback site, Redis and the writer share its cores):")
        print(
            f"{'setup':>14} {'pages':>6} {'fetch s':>8} {'pages/s':>8} {'cores busy':>11}  "
            "CPU s: crawlers / writer / redis / site"
        )
        for crawl in crawls:
            setup = "one machine" if not crawl["crawlers"] else f"{crawl['crawlers']} + writer"
            cpu = crawl["cpu"]
            print(
                f"{setup:>14} {crawl['pages']:>6} {crawl['fetch_s']:>8.1f} {crawl['pages_per_s']:>8.1f} "
                f"{crawl['cores_busy']:>11.2f}  {cpu['crawlers']:.1f} / {cpu['writer']:.1f} / {cpu['redis']:.1f} / "
                f"{cpu['site']:.1f}"
            )
        for crawl in crawls:
            if crawl["crawlers"]:
                per_page = crawl["redis_calls_per_page"].items()
                calls = ", ".join(f"{k.removeprefix('cmdstat_')} {v:.1f}" for k, v in per_page)
                print(f"  Redis commands per page with {crawl['crawlers']} crawlers: {calls}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the script: about 2 minutes")
    parser.add_argument("--parts", default="writer,memory,crawlers", help="which parts to run")
    parser.add_argument("--articles", type=int, help="the largest database (default 1,000,000)")
    parser.add_argument("--checkpoints", help="database sizes at which the writer is measured")
    parser.add_argument("--segment", type=int, help="new articles written at each size (and as many through Redis)")
    parser.add_argument("--pages", type=int, help="corpus pages the crawlers fetch (default all 990)")
    parser.add_argument("--requests", type=int, default=100_000, help="queued requests for the memory figure")
    parser.add_argument("--crawlers", default="0,1,2,3", help="crawler counts (0: one machine without Redis)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="writer setting")
    options = parser.parse_args(argv)
    defaults = QUICK if options.quick else FULL
    for name, value in defaults.items():
        if getattr(options, name, None) is None or (name == "requests" and options.quick):
            setattr(options, name, value)
    options.articles = options.articles or FULL["articles"]
    options.checkpoints = ",".join(c for c in options.checkpoints.split(",") if int(c) <= options.articles)
    settings = parse_settings(options.set)
    parts = set(options.parts.split(","))
    print(f"distributed: {os.cpu_count()} CPUs, load average {load_average()} at start", flush=True)
    began = time.monotonic()
    results: dict[str, Any] = {}
    with RedisServer(appendonly=False) as server:
        if "memory" in parts:
            results["memory"] = memory_part(server, options.requests)
        if "writer" in parts:
            results["writer"] = writer_part(options, settings, server)
    if "crawlers" in parts:
        results["crawlers"] = crawler_part(options.pages, [int(c) for c in options.crawlers.split(",")])
    report(results)
    minutes = (time.monotonic() - began) / 60
    print(f"\n{minutes:.1f} minutes; load average at the end: {load_average()}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "distributed.json").write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
