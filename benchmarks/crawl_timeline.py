"""Where a crawl's wall time goes: each process's share of a core, and the machine's idle, step by step."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.corpus import load_corpus
from benchmarks.crawl_throughput import machine_cpu
from benchmarks.harness import Crawl, load_average, parse_settings, process_tree_cpu
from benchmarks.sites import serve_corpus
from crawler.extract.forked_helpers import FORK_SERVER, RESOURCE_TRACKER, helper_of

SAMPLE_S = 0.05  # how often /proc is read; the printed steps are a whole number of samples


@dataclass(frozen=True)
class Sample:
    """CPU seconds so far of each process in the crawl's tree (by pid), and the machine's busy and idle ones."""

    at: float  # seconds since the crawl process started
    cpu: dict[int, float]
    reaped: dict[int, float]  # CPU seconds of the children each process reaped so far
    busy: float
    idle: float


def _role(pid: int | None, parent: int, root: int) -> str:
    """What a process of the crawl's tree is: the workers are forked by the fork server, which, like the
    resource tracker, ``helper_of`` recognises (forked by the crawl or started as a new interpreter). ``pid``
    None: a process never seen (forked and ended between two samples), known by its parent alone."""
    if pid == root:
        return "crawl"
    if parent != root:
        return "workers"
    if pid is None:
        return "other"
    return {FORK_SERVER: "fork server", RESOURCE_TRACKER: "tracker"}.get(helper_of(pid) or "", "other")


def _ended_unseen(
    earlier: Sample, later: Sample, parents: dict[int, int], roles: dict[int, str], root: int
) -> dict[str, float]:
    """The CPU that processes which ended between two samples spent after the first, by role: a process's last
    moments are seen only in the CPU its parent reaped (the fork server reaps its workers)."""
    gone: dict[int, list[int]] = {}
    for pid in earlier.cpu.keys() - later.cpu.keys():
        gone.setdefault(parents[pid], []).append(pid)
    found: dict[str, float] = {}
    for parent, reaped in later.reaped.items():
        grown = reaped - earlier.reaped.get(parent, reaped)
        if grown <= 0:
            continue
        children = gone.get(parent, [])
        unseen = grown - sum(earlier.cpu[child] for child in children)
        role = roles[children[0]] if children else _role(None, parent, root)
        found[role] = found.get(role, 0.0) + max(0.0, unseen)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=226, help="the first N corpus pages (default 226)")
    parser.add_argument("--step", type=float, default=0.25, help="seconds per printed row (default 0.25)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="extra scrapy setting")
    options = parser.parse_args(argv)
    pages = load_corpus(options.limit)
    cores = os.cpu_count() or 1
    print(f"crawl_timeline: {len(pages)} corpus pages, {cores} CPUs, load average {load_average()} at start")
    with tempfile.TemporaryDirectory() as tmp, serve_corpus(pages) as server:
        # The default crawl, as crawl_throughput runs it (LOOPBACK_SETTINGS: politeness off).
        crawl = Crawl(
            Path(tmp) / "crawl.db",
            {"urls": f"{server.base_url}/sitemap.xml", "depth": "0"},
            parse_settings(options.set),
        )
        root = crawl.process.process.pid
        roles: dict[int, str] = {}
        parents: dict[int, int] = {}
        samples: list[Sample] = []
        while crawl.process.running():
            tree = process_tree_cpu(root, roles)  # the workers outlive their fork server by a moment
            for pid in tree.keys() - roles.keys():
                parents[pid] = tree[pid][0]  # as first seen: the role it has in the crawl
                roles[pid] = _role(pid, parents[pid], root)
            cpu = {pid: own for pid, (_, own, _) in tree.items()}
            reaped = {pid: children for pid, (_, _, children) in tree.items()}
            samples.append(Sample(time.monotonic() - crawl.started, cpu, reaped, *machine_cpu()))
            time.sleep(SAMPLE_S)
        run = crawl.wait()
        hits = sorted(hit.at - crawl.started for hit in server.log.hits)
    if run.returncode != 0 or not hits:
        print(f"crawl_timeline: the crawl failed (exit {run.returncode}); its log: {run.db}.log", file=sys.stderr)
        return 1
    print(f"wall {run.seconds:.2f} s; first request served at {hits[0]:.2f} s, the last at {hits[-1]:.2f} s")
    columns = sorted({"crawl", *roles.values()}, key=["crawl", "fork server", "workers", "tracker", "other"].index)
    print("\ncores used in each step by each part of the crawl (workers summed), by other processes, and idle")
    print(f"{'t (s)':>6} " + " ".join(f"{name:>11}" for name in columns) + f" {'others':>11} {'idle':>11}")
    every = max(1, round(options.step / SAMPLE_S))
    for earlier, later in zip(samples[::every], samples[every::every], strict=False):
        span = later.at - earlier.at
        used = dict.fromkeys(columns, 0.0)
        for pid, seconds in later.cpu.items():
            used[roles[pid]] += seconds - earlier.cpu.get(pid, 0.0)
        for role, seconds in _ended_unseen(earlier, later, parents, roles, root).items():
            used[role] = used.get(role, 0.0) + seconds
        idle = (later.idle - earlier.idle) / span
        # The machine is shared; /proc/stat and each process's stat are read a moment apart.
        others = max(0.0, (later.busy - earlier.busy - sum(used.values())) / span)
        row = " ".join(f"{used[name] / span:11.2f}" for name in columns)
        print(f"{later.at:6.2f} {row} {others:11.2f} {idle:11.2f}")
    print(f"load average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
