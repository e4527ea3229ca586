"""Shared measuring tools: the crawler's own session outside Scrapy, measured subprocesses, memory, percentiles."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"

# Our loopback servers: no politeness, enough concurrency to keep 2 cores busy.
FAST_CRAWL = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "ROBOTSTXT_OBEY": "0",
    "LOG_LEVEL": "INFO",
}


def parse_settings(pairs: Sequence[str]) -> dict[str, str]:
    """``["NAME=value", ...]`` from the command line, as ``scrapy -s`` takes them."""
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"--set expects NAME=value, got {pair!r}")
        settings[name] = value
    return settings


def scrapy_command(spider: str, args: dict[str, str], settings: dict[str, str]) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for name, value in args.items():
        command += ["-a", f"{name}={value}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


@dataclass
class Measured:
    """A finished subprocess: exit code, wall and CPU seconds, peak RSS, and what it printed."""

    returncode: int
    wall_s: float
    cpu_s: float  # user + system of the process and of the children it waited for
    peak_rss_mb: float  # the process's own VmHWM, polled: wait4's ru_maxrss includes our RSS at fork time
    stdout: str
    stderr: str
    descendants_cpu_s: float = 0.0  # extraction workers: forked by a fork server, never waited for


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _descendants_cpu(root: int, seen: dict[int, float]) -> None:
    """Record the CPU seconds so far of every process below ``root`` (polled: they are not our children)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    below, todo = set(), [root]
    while todo:
        parent = todo.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in below:
                below.add(pid)
                todo.append(pid)
    for pid in below:
        seen[pid] = max(seen.get(pid, 0.0), times[pid])


def run_measured(command: list[str], timeout: float = 1800) -> Measured:
    """Run ``command`` from the repository root; its own rusage comes from wait4, not from our other children."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = start + timeout
        peak_kb = 0
        status_file = Path(f"/proc/{process.pid}/status")
        below: dict[int, float] = {}
        next_tree_poll = start
        while True:
            if time.perf_counter() >= next_tree_poll:
                _descendants_cpu(process.pid, below)
                next_tree_poll = time.perf_counter() + 0.25
            try:
                for line in status_file.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
            except (OSError, ValueError):
                pass
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4; tell Popen
        out.seek(0)
        err.seek(0)
        return Measured(
            process.returncode,
            wall,
            usage.ru_utime + usage.ru_stime,
            peak_kb / 1024,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            sum(below.values()),
        )


def memory_mb() -> dict[str, float]:
    """This process's current (VmRSS) and peak (VmHWM) resident memory, in MB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return values


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile; ``p`` in [0, 100]."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


class StageTimer:
    """Adds up the time spent in chosen methods of live objects, by wrapping them on the instance."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, owner: object, method: str, label: str) -> None:
        original: Callable = getattr(owner, method)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start
                self.calls[label] += 1

        setattr(owner, method, timed)

    def add(self, label: str, seconds: float) -> None:
        self.seconds[label] += seconds
        self.calls[label] += 1


def open_session(db_path: Path | str, overrides: dict[str, str] | None = None, start_run: bool = True):
    """The crawler's own CrawlSession (storage, dedup indexes, run record) on ``db_path``, built from the
    project's settings exactly as ``scrapy crawl`` builds it, but driven directly instead of by Scrapy.

    Returns ``(session, spider)``; give both to :func:`close_session`. ``start_run=False`` opens the
    database without recording a run, so measuring an existing database does not write to it.
    """
    from scrapy import Spider
    from scrapy.utils.project import get_project_settings
    from scrapy.utils.reactor import install_reactor, is_reactor_installed
    from scrapy.utils.test import get_crawler

    from crawler.session import CrawlSession

    cwd = os.getcwd()
    os.chdir(REPO)  # get_project_settings finds scrapy.cfg from the working directory
    try:
        settings = get_project_settings()
    finally:
        os.chdir(cwd)
    if not is_reactor_installed():
        # The session schedules its periodic commit on the reactor; it never runs here, so batches
        # are committed by size (SQLITE_BATCH_SIZE) and at the end, not every SQLITE_COMMIT_INTERVAL.
        install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
    values = settings.copy_to_dict()
    values.update({"CRAWL_SUMMARY": False, "LOG_LEVEL": "WARNING", **(overrides or {}), "SQLITE_PATH": str(db_path)})
    crawler = get_crawler(settings_dict=values)
    session = CrawlSession(crawler)
    spider = Spider(name="benchmark")
    if start_run:
        session.spider_opened(spider)
    return session, spider


def close_session(session, spider) -> None:
    session.spider_closed(spider, "finished")


def time_commits(session) -> list[float]:
    """Make the session's storage record how long each commit takes; returns the list it fills."""
    commits: list[float] = []
    original_commit = session.storage.commit

    def timed_commit() -> None:
        started = time.perf_counter()
        original_commit()
        commits.append(time.perf_counter() - started)

    session.storage.commit = timed_commit
    return commits
