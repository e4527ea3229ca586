"""The one way tests run the crawler: ``scrapy crawl`` subprocesses, started as a user starts them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crawler.demo.spider import LOOPBACK_SETTINGS

REPO = Path(__file__).resolve().parents[2]
# Loopback servers are ours: no politeness delays in tests.
TEST_SETTINGS = {**LOOPBACK_SETTINGS, "LOG_LEVEL": "INFO"}


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def committed_articles(db: Path) -> int:
    """Articles a crawl has committed so far, read as any reader would (read-only); 0 before the file exists."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0  # not created yet


def wait_for(condition: Callable[[], bool], timeout: float = 120, message: str | Callable[[], str] = "") -> None:
    """Poll ``condition`` until it holds; a test waits for events, never for an amount of time.

    ``message`` may be a function, called only on a timeout: a process's output as it is then.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError((message() if callable(message) else message) or "condition not met")
        time.sleep(0.02)


def scrapy_command(*args: str) -> list[str]:
    """``scrapy args...`` as users run it: the console script installed beside this interpreter, run by it.

    Not ``python -m scrapy``: multiprocessing treats a main module started as a file otherwise (each
    extraction worker ran it again, see crawler.extract.workers). The benchmarks run it so too: a figure
    must meet what users meet.
    """
    script = Path(sys.executable).with_name("scrapy")
    return [sys.executable, str(script), *args] if script.exists() else [sys.executable, "-m", "scrapy", *args]


def scrapy(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """A short ``scrapy`` command run to its end, its output captured."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(scrapy_command(*args), cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


class ScrapyProcess:
    """A ``scrapy`` command run as a user runs it, its output kept in files a test reads afterwards."""

    def __init__(
        self,
        command: list[str],
        cwd: Path = REPO,
        env: dict[str, str] | None = None,
        preexec_fn: Callable[[], None] | None = None,
    ):
        # Files, not pipes: a pipe nobody reads while the test waits would stall the crawl. They live as
        # long as this object, whose output a test reads after the process ended.
        self._out = tempfile.TemporaryFile()  # noqa: SIM115
        self._err = tempfile.TemporaryFile()  # noqa: SIM115
        environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
        self.process = subprocess.Popen(
            scrapy_command(*command),
            cwd=cwd,
            stdout=self._out,
            stderr=self._err,
            env=environment,
            preexec_fn=preexec_fn,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def stdout(self) -> str:
        self._out.seek(0)
        return self._out.read().decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        self._err.seek(0)
        return self._err.read().decode("utf-8", "replace")


class CrawlProcess(ScrapyProcess):
    """A ``scrapy crawl`` subprocess: started like a user starts it, signalled, reaped with its peak memory."""

    def __init__(
        self,
        spider: str,
        db: Path,
        args: dict[str, Any] | None = None,
        settings: dict[str, Any] | None = None,
        preexec_fn: Callable[[], None] | None = None,
        cwd: Path = REPO,
        env: dict[str, str] | None = None,
    ):
        """``cwd``: where the command runs (the repository, where scrapy.cfg is, unless a test says);
        ``env``: more environment variables."""
        self.db = db
        command = ["crawl", spider, "-s", f"SQLITE_PATH={db}"]
        for key, value in {**TEST_SETTINGS, **(settings or {})}.items():
            command += ["-s", f"{key}={value}"]
        for key, value in (args or {}).items():
            command += ["-a", f"{key}={value}"]
        super().__init__(command, cwd=cwd, env=env, preexec_fn=preexec_fn)
        self.returncode: int | None = None
        self.peak_rss_mb: float | None = None
        self.run_id: int | None = None  # the run this process recorded, once it ended

    def running(self) -> bool:
        """Whether the process still runs, without reaping it (wait() must reap it to read its memory)."""
        if self.returncode is not None:
            return False
        try:
            return os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        except ChildProcessError:
            return False

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float = 300) -> CrawlProcess:
        """Reap the process with wait4, which reports its own peak RSS (not its siblings')."""
        deadline = time.monotonic() + timeout
        while self.returncode is None:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                self.process.returncode = self.returncode
                self.peak_rss_mb = usage.ru_maxrss / 1024  # Linux reports KiB
                self.run_id = self._last_run()
            elif time.monotonic() > deadline:
                self.process.kill()
                raise TimeoutError(f"crawl still running after {timeout} s:\n{self.stderr[-3000:]}")
            else:
                time.sleep(0.05)
        return self

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        return query(self.db, sql, params)

    def _last_run(self) -> int | None:
        if not Path(self.db).exists():
            return None  # the crawl did not start (and connecting would create the file)
        try:
            return self.rows("SELECT max(id) FROM runs")[0][0]
        except sqlite3.Error:
            return None

    def stats(self) -> dict:
        """The stats this process's run recorded (later runs on the same database have their own)."""
        (raw,) = self.rows("SELECT stats FROM runs WHERE id = ?", (self.run_id,))[0]
        return json.loads(raw)

    def pages(self) -> dict[str, tuple]:
        """url -> (status, kind, reason) of every pages row."""
        return {url: tuple(rest) for url, *rest in self.rows("SELECT url, status, kind, reason FROM pages")}


def crawl(
    spider: str, db: Path, args: dict[str, Any] | None = None, settings: dict[str, Any] | None = None, **kwargs: Any
) -> CrawlProcess:
    """Run a crawl to its end."""
    return CrawlProcess(spider, db, args, settings, **kwargs).wait()
