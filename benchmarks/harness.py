"""Shared measuring tools: the one crawl launcher, measured subprocesses, the writer outside a crawl, percentiles."""

from __future__ import annotations

import compileall
import ctypes
import functools
import json
import os
import re
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from crawler import settings as project_settings
from crawler.config import StoreConfig
from crawler.demo.spider import LOOPBACK_SETTINGS
from crawler.store.writer import CountingStats, Writer
from tests.support.crawl import scrapy_command  # `scrapy` run as a user runs it, by the tests and the benchmarks

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"
# The project's settings as crawler/settings.py has them (Scrapy reads the same module).
PROJECT_SETTINGS = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
POLL_S = 0.02  # how often the watcher reads the process's peak RSS and checks whether it ended
TREE_POLL_S = 0.25  # how often it walks /proc for the CPU time of the process's descendants
ORPHANS_WAIT_S = 5.0  # how long a process's descendants that outlive it are waited for (its fork server ends at once)
PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>


def parse_settings(pairs: Sequence[str]) -> dict[str, str]:
    """``["NAME=value", ...]`` from the command line, as ``scrapy -s`` takes them."""
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"--set expects NAME=value, got {pair!r}")
        settings[name] = value
    return settings


# -- measured subprocesses ------------------------------------------------------------------------
@dataclass
class Measured:
    """A finished subprocess: exit code, wall and CPU seconds, peak RSS, and what it printed."""

    returncode: int
    wall_s: float
    cpu_s: float  # user + system of the process and of the children it waited for
    peak_rss_mb: float  # the process's own VmHWM, polled: wait4's ru_maxrss includes our RSS at fork time
    stdout: str
    stderr: str
    descendants_cpu_s: float = 0.0  # extraction workers and their fork server, not waited for by it: polled
    started: float = 0.0  # time.monotonic() just before the process was started (the clock of RequestLog)
    # (time.monotonic(), CPU seconds so far of the process and everything below it), as polled while it ran
    cpu_polled: list[tuple[float, float]] = field(default_factory=list)

    @property
    def tree_cpu_s(self) -> float:
        """CPU seconds of the process and everything below it."""
        return self.cpu_s + self.descendants_cpu_s

    @property
    def cores(self) -> float:
        """Cores the process and everything below it kept busy over its whole run."""
        return self.tree_cpu_s / self.wall_s

    def cores_from(self, moment: float) -> float | None:
        """Cores the process and everything below it kept busy from ``moment`` (``time.monotonic()``) to its last
        poll, the CPU at ``moment`` read between the two polls around it (None: too few polls after it)."""
        polls = self.cpu_polled
        after = next((i for i, (at, _) in enumerate(polls) if at >= moment), None)
        if after is None or after == 0 or polls[-1][0] - moment < 2 * TREE_POLL_S:
            return None
        (t0, cpu0), (t1, cpu1) = polls[after - 1], polls[after]
        cpu_then = cpu0 + (cpu1 - cpu0) * (moment - t0) / (t1 - t0)
        return (polls[-1][1] - cpu_then) / (polls[-1][0] - moment)


def _process_table() -> dict[int, tuple[int, float, float]]:
    """Every running process: its parent's pid, its own CPU seconds so far, and those of the children it reaped."""
    table: dict[int, tuple[int, float, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        own = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
        reaped = (int(fields[13]) + int(fields[14])) / CLOCK_TICKS  # cutime + cstime: the children it waited for
        table[int(entry.name)] = (int(fields[1]), own, reaped)
    return table


def _tree_of(root: int, table: dict[int, tuple[int, float, float]]) -> set[int]:
    """``root`` and every process below it in ``table``."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = {root}, [root]
    while todo:
        for pid in children.get(todo.pop(), ()):
            if pid not in found:
                found.add(pid)
                todo.append(pid)
    return found & table.keys()


def process_tree_cpu(root: int, seen: Iterable[int] = ()) -> dict[int, tuple[int, float, float]]:
    """Every running process in ``root``'s tree, ``root`` included, and those of ``seen`` still running wherever they
    are now (a process whose parent ended is reparented): its parent's pid, its CPU seconds so far, and those of
    the children it reaped (whole, their last moments included)."""
    table = _process_table()
    return {pid: table[pid] for pid in _tree_of(root, table) | (set(seen) & table.keys())}


class DescendantsCpu:
    """CPU seconds of every process below a root, polled from /proc, each ended process's last slice included.

    A process's CPU is read while it runs, so what it spends after the last poll would be lost with it
    (about 1 ms a page of a 226-page crawl, polled every 0.25 s). Once ended and reaped, all of it is in
    its reaper's cutime + cstime: a process that ends while its parent lives (the fork server reaps its
    extraction workers) counts through its parent, whole. Those that outlive the root (its fork server)
    are ours to reap, as a subreaper (:func:`become_subreaper`): :meth:`reap_orphans` takes their CPU
    whole, with that of the children they reaped. Only one whose parent ended first and that was reaped
    elsewhere counts by its last poll. The root's own children that end while it lives are the root's to
    wait for: wait4 gives the root's CPU with theirs.
    """

    def __init__(self, root: int):
        self.root = root
        self._last: dict[int, tuple[int, float, float]] = {}  # pid: (parent, own, reaped) at its last poll
        self._through_parent: set[int] = set()  # ended while their parent lived: in the parent's reaped
        self._whole: dict[int, float] = {}  # outlived the root, reaped by us: CPU seconds with their children's

    def poll(self) -> float:
        """Read the tree now; the CPU seconds of the root's descendants so far."""
        table = _process_table()
        alive = _tree_of(self.root, table)
        for pid, (parent, _, _) in self._last.items():
            if pid not in alive and parent in alive:
                self._through_parent.add(pid)
        for pid in alive - {self.root}:
            self._last[pid] = table[pid]
        return self.seconds

    def reap_orphans(self, timeout: float) -> None:
        """Once the root has ended: wait for the descendants that outlived it, now our children, and take
        their CPU whole. One still running under its own parent is that parent's to reap."""
        pending = [pid for pid in self._last if pid not in self._through_parent]
        give_up = time.monotonic() + timeout
        while pending and time.monotonic() < give_up:
            for pid in list(pending):
                try:
                    reaped, _, usage = os.wait4(pid, os.WNOHANG)
                except ChildProcessError:  # not ours: reaped by its parent, or it runs on under it
                    if not Path(f"/proc/{pid}").exists():
                        pending.remove(pid)
                    continue
                if reaped:
                    self._whole[pid] = usage.ru_utime + usage.ru_stime
                    pending.remove(pid)
            if pending:
                time.sleep(0.01)

    @property
    def seconds(self) -> float:
        """The descendants' CPU seconds as of the last poll (and of the orphans reaped)."""
        whole = self._whole

        def counted_by_last_poll(pid: int, parent: int) -> bool:
            # A child of a process we reaped ended before it (or we would have reaped it): in its CPU.
            return pid not in whole and pid not in self._through_parent and parent not in whole

        polled = sum(
            own + reaped for pid, (parent, own, reaped) in self._last.items() if counted_by_last_poll(pid, parent)
        )
        return polled + sum(whole.values())


@functools.cache  # once a process: it stays the reaper
def become_subreaper() -> None:
    """Make this process the reaper of its descendants' orphans (Linux): a crawl's fork server outlives the
    crawl by a moment, and reaped by init its CPU, and its workers', would be lost to the count."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def process_cpu(pid: int) -> float:
    """CPU seconds of one running process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def tree_cpu(root: int) -> float:
    """CPU seconds so far of a running process and everything below it."""
    return process_cpu(root) + DescendantsCpu(root).poll()


class MeasuredProcess:
    """A subprocess started from the repository root and watched from a thread until it ends.

    The thread polls the process's peak RSS and its descendants' CPU time, and reaps it with wait4,
    which gives the process's own rusage (not that of our other children). The caller may work
    meanwhile (serve pages, extract); :meth:`wait` collects the result, :meth:`stop` ends it early.
    Output goes to files, never pipes: a pipe nobody reads while the caller works would stall it.
    """

    def __init__(self, command: list[str], timeout: float = 1800, log: Path | None = None, cwd: Path | None = None):
        """``log``: write the process's stderr (a crawl's log) to this file instead of a temporary one;
        ``cwd``: start it there instead, with its modules first on the path (another checkout of this
        project, another Scrapy project)."""
        env = {**os.environ, "PYTHONPATH": str(cwd or REPO)}
        become_subreaper()
        self._out: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 -- read and closed by wait()
        self._err: IO[bytes] = open(log, "w+b") if log else tempfile.TemporaryFile()  # noqa: SIM115
        self._stop = threading.Event()
        self._result: tuple[int, float, float, float, float] | None = None
        self._polled: list[tuple[float, float]] = []
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            command, cwd=cwd or REPO, env=env, stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL
        )
        self._watcher = threading.Thread(target=self._watch, args=(timeout,), name="measure", daemon=True)
        self._watcher.start()

    def _watch(self, timeout: float) -> None:
        pid = self.process.pid
        deadline = self.started + timeout
        status_file = Path(f"/proc/{pid}/status")
        peak_kb = 0
        below = DescendantsCpu(pid)
        polled = self._polled
        next_tree_poll = self.started
        while True:
            if time.monotonic() >= next_tree_poll:
                polled.append((time.monotonic(), process_cpu(pid) + below.poll()))
                next_tree_poll = time.monotonic() + TREE_POLL_S
            try:
                for line in status_file.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
            except (OSError, ValueError):
                pass
            reaped, status, usage = os.wait4(pid, os.WNOHANG)
            if reaped:
                break
            if self._stop.is_set() or time.monotonic() > deadline:
                self.process.kill()
                reaped, status, usage = os.wait4(pid, 0)
                break
            time.sleep(POLL_S)
        wall = time.monotonic() - self.started
        self.process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4; tell Popen
        cpu = usage.ru_utime + usage.ru_stime
        below.reap_orphans(ORPHANS_WAIT_S)
        self._result = (self.process.returncode, wall, cpu, peak_kb / 1024, below.seconds)

    def wait(self) -> Measured:
        self._watcher.join()
        assert self._result is not None
        returncode, wall, cpu, peak_mb, descendants = self._result
        texts = []
        for file in (self._out, self._err):
            file.seek(0)
            texts.append(file.read().decode("utf-8", "replace"))
            file.close()
        return Measured(returncode, wall, cpu, peak_mb, texts[0], texts[1], descendants, self.started, self._polled)

    def running(self) -> bool:
        return self._watcher.is_alive()

    def stop(self) -> None:
        """End the process if it still runs (on an error in the caller): nothing outlives the benchmark."""
        self._stop.set()
        self._watcher.join()


def run_measured(command: list[str], timeout: float = 1800) -> Measured:
    """Run ``command`` from the repository root to its end (see :class:`MeasuredProcess`)."""
    return MeasuredProcess(command, timeout).wait()


# -- the one crawl launcher -----------------------------------------------------------------------
def byte_compile_project(checkout: Path = REPO) -> None:
    """Byte-compile the project's modules, as ``pip install`` does for an installed project.

    A crawl started from this checkout then loads them as a user's installed project does (and as a
    checkout does from its second run), instead of compiling about a hundred modules at every start,
    in the crawl process and again in the workers' fork server: 0.1 s of a core before the first
    request when PYTHONDONTWRITEBYTECODE is set, as it is on some CI machines. Compiles only what changed.
    """
    for package in ("crawler", "dedup"):
        compileall.compile_dir(checkout / package, quiet=1)


@dataclass
class CrawlRun:
    """A finished ``scrapy crawl``: how the process ran, and the database it wrote."""

    measured: Measured
    db: Path

    @property
    def returncode(self) -> int:
        return self.measured.returncode

    @property
    def seconds(self) -> float:
        """Wall seconds of the whole process, startup included."""
        return self.measured.wall_s

    @property
    def output(self) -> str:
        """The crawl's log."""
        return self.measured.stderr

    def check(self) -> CrawlRun:
        if self.returncode != 0:
            raise RuntimeError(f"scrapy crawl failed ({self.returncode}):\n{self.output[-3000:]}")
        return self

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()

    def stats(self) -> dict[str, Any]:
        """The stats the crawl recorded with its run (``runs.stats``); empty when it wrote no database."""
        if not self.db.exists():
            return {}
        rows = self.rows("SELECT stats FROM runs ORDER BY id DESC LIMIT 1")
        return json.loads(rows[0][0]) if rows and rows[0][0] else {}

    def logged_stats(self) -> dict[str, float]:
        """Numeric values of Scrapy's closing 'Dumping Scrapy stats' log record (also without a database)."""
        dump = self.output.rpartition("Dumping Scrapy stats:")[2]
        return {k: float(v) for k, v in re.findall(r"'([^']+)': (-?\d+(?:\.\d+)?)\b", dump)}


class Crawl:
    """A ``scrapy crawl`` subprocess, started in the background as a user starts it; :meth:`wait` collects it.

    Its settings are :data:`LOOPBACK_SETTINGS` (the project's, with politeness off: our servers are
    on loopback) plus what the caller changes, then ``SQLITE_PATH``. Its log is written beside the
    database, as ``<db>.log``. ``checkout``: run that checkout of the project instead of this one.
    """

    def __init__(
        self,
        db: Path,
        args: dict[str, str],
        settings: dict[str, Any] | None = None,
        spider: str = "news",
        timeout: float = 900,
        checkout: Path | None = None,
    ):
        self.db = db
        byte_compile_project(checkout or REPO)
        command = scrapy_command("crawl", spider)
        for name, value in args.items():
            command += ["-a", f"{name}={value}"]
        for name, value in {**LOOPBACK_SETTINGS, **(settings or {}), "SQLITE_PATH": str(db)}.items():
            command += ["-s", f"{name}={value}"]
        self.process = MeasuredProcess(command, timeout, log=db.with_name(db.name + ".log"), cwd=checkout)

    @property
    def started(self) -> float:
        """time.monotonic() just before the process started."""
        return self.process.started

    def wait(self) -> CrawlRun:
        return CrawlRun(self.process.wait(), self.db)

    def stop(self) -> None:
        self.process.stop()


def start_crawl(start_urls: list[str], db: Path, settings: dict[str, Any] | None = None, timeout: float = 900) -> Crawl:
    """Start ``scrapy crawl news -a urls=... -a depth=0`` in the background (see :class:`Crawl`)."""
    return Crawl(db, {"urls": ",".join(start_urls), "depth": "0"}, settings, timeout=timeout)


def run_crawl(
    start_urls: list[str], db: Path, settings: dict[str, Any] | None = None, timeout: float = 900
) -> CrawlRun:
    """Run one crawl to its end (see :func:`start_crawl`)."""
    pending = start_crawl(start_urls, db, settings, timeout)
    try:
        return pending.wait()
    finally:
        pending.stop()


# -- the writer side outside a crawl --------------------------------------------------------------
def store_config(path: Path | str, overrides: dict[str, Any] | None = None) -> StoreConfig:
    """The writer's configuration from the project's settings, ``overrides`` by setting name, on ``path``."""
    return StoreConfig.from_settings({**PROJECT_SETTINGS, **(overrides or {}), "SQLITE_PATH": str(path)})


def open_writer(path: Path | str, overrides: dict[str, Any] | None = None, start_run: bool = True) -> Writer:
    """The crawl's own :class:`Writer` on ``path``, built as ``scrapy crawl`` builds it, driven directly.

    Its stats are a :class:`CountingStats`: the writer's own ``timing/*`` keys say where its time went.
    ``start_run=False`` opens the database without recording a run, so measuring an existing database
    does not write to it. Close it with ``writer.finish(reason)``.
    """
    writer = Writer(store_config(path, overrides), CountingStats())
    if start_run:
        writer.start_run("benchmark", {})
    return writer


def stat_delta(after: dict[str, Any], before: dict[str, Any], key: str) -> float:
    """How much a numeric stat grew between two snapshots of a stats dict."""
    return float(after.get(key, 0) or 0) - float(before.get(key, 0) or 0)


# -- small tools ----------------------------------------------------------------------------------
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


# The crawler's faster forms of trafilatura's, htmldate's and jusText's parts, by kind (benchmarks/xpath_forms.py
# --forms), each giving every page the same analysis; and the fast run's tree handed to trafilatura, not copied,
# which leaves the page's later readers its tree without the comments (the metadata may differ).
FORM_KINDS = ("xpath", "steps", "terms", "dates", "measure", "paragraphs")
HANDOVER = "handover"


@contextmanager
def libraries_as_released(kinds: Sequence[str] = (*FORM_KINDS, HANDOVER)) -> Iterator[None]:
    """trafilatura, htmldate and jusText exactly as released within the block: the crawler's replacements of the
    ``kinds`` given (all of them by default) taken out, and put back after."""
    from crawler.extract import date_search_forms, handover, justext_forms, page_measure, step_forms, terms, xpath_forms

    removers = {
        "xpath": xpath_forms.removed,
        "steps": step_forms.removed,
        "terms": terms.removed,
        "dates": date_search_forms.removed,
        "measure": page_measure.removed,
        "paragraphs": justext_forms.removed,
        HANDOVER: handover.removed,
    }
    with ExitStack() as stack:
        for kind in kinds:
            stack.enter_context(removers[kind]())
        yield
