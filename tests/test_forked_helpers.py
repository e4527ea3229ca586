"""The workers' fork server and the resource tracker, forked from a process with one thread, not started anew."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.crawl import REPO, CrawlProcess, committed_articles, wait_for
from tests.support.faults import FaultServer
from tests.support.fork_servers import children_of, fork_servers

HELPERS = """
import json, os, sys, threading
from pathlib import Path
from crawler.extract.forked_helpers import helpers_forked_from_here
from crawler.extract.workers import WorkerPool, start_fork_server
from tests.support.fork_servers import children_of, fork_servers
from tests.support.pool_tasks import behave

if sys.argv[1] == "with a thread":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
held = open(sys.argv[2], "w")  # a descriptor of this process's own, open as the helpers start
print("written before the fork", end="")  # left in the buffer (stdout is a pipe) as the helpers are started
with helpers_forked_from_here() as forked:
    start_fork_server(behave)
pool = WorkerPool(behave, ("!",), workers=1, timeout=60, max_tasks=10, max_memory_mb=1024.0)
result = pool.submit("page").result(timeout=120)
read = lambda pid, name: Path(f"/proc/{pid}/{name}").read_bytes().decode(errors="replace")
own_command = read(os.getpid(), "cmdline")
helpers = {read(pid, "comm").strip(): read(pid, "cmdline") == own_command for pid in children_of(os.getpid())}
servers = fork_servers()
workers = [child for server in servers for child in children_of(server)]
holding = [
    pid for pid in children_of(os.getpid()) + workers for fd in os.listdir(f"/proc/{pid}/fd")
    if os.path.realpath(f"/proc/{pid}/fd/{fd}") == os.path.realpath(sys.argv[2])
]
pool.close()
print()
print(json.dumps([forked, result, helpers, len(servers), len(workers), len(holding)]))
"""


def run_helpers(case: str, held: Path) -> tuple[list[str], str]:
    # Buffered output, as a crawl's is when it is not on a terminal.
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", HELPERS, case, str(held)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.splitlines(), done.stderr


def test_a_process_with_one_thread_forks_its_fork_server_and_resource_tracker(tmp_path):
    """They start with what the process has loaded, named so that ps and top tell them apart; the workers fork
    from the fork server and serve pages as ever, and what the process had not yet written is written once."""
    (before, report), stderr = run_helpers("alone", tmp_path / "held.txt")
    assert before == "written before the fork"
    forked, result, helpers, servers, workers, holding = json.loads(report)
    assert forked is True and result == "page!"
    # Forks keep the command line of the process they are forked from; a new interpreter's is its own.
    assert helpers == {"forkserver": True, "resourcetracker": True}
    assert (servers, workers) == (1, 1)
    # A descriptor the process had open (its database, a socket, the write end of the fork server's "alive"
    # pipe) kept by a helper would outlive the process: the fork server ends when that pipe's last writer closes.
    assert holding == 0
    assert "Traceback" not in stderr


def test_a_process_running_threads_starts_them_as_new_interpreters(tmp_path):
    """A thread holding a lock as the process forks would leave it held for good in the child: with more than one
    thread, multiprocessing starts its helpers as it always does."""
    (before, report), stderr = run_helpers("with a thread", tmp_path / "held.txt")
    assert before == "written before the fork"
    forked, result, helpers, servers, workers, holding = json.loads(report)
    assert forked is False and result == "page!"
    assert set(helpers.values()) == {False}  # command lines of their own: `python -c "from multiprocessing..."`
    assert "forkserver" not in helpers and "resourcetracker" not in helpers
    assert (servers, workers, holding) == (1, 1, 0)
    assert "Traceback" not in stderr


def _ended(pid: int) -> bool:
    """Whether the process has exited (gone, or a zombie its new parent has not reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.e2e
def test_a_crawl_forks_its_helpers_and_none_outlives_it_killed(tmp_path):
    """``scrapy crawl`` forks the workers' fork server and the resource tracker from itself as it starts; killed
    as kill -9 or the OOM killer would, it leaves none of them behind, nor a worker: each ends as the pipes the
    crawl held close."""
    db = tmp_path / "crawl.db"
    with FaultServer() as site:
        urls = [site.url("/article/harbour-tunnel"), site.url("/article/ice-core"), site.url("/held/never-answered")]
        process = CrawlProcess("news", db, {"urls": ",".join(urls), "depth": 0}, {"EXTRACT_WORKERS": 2})
        # Two articles stored, the third page waited for: the crawl runs, its workers idle.
        wait_for(lambda: committed_articles(db) == 2, message=lambda: process.stderr[-2000:])
        helpers = children_of(process.pid)
        workers = [worker for server in fork_servers(process.pid) for worker in children_of(server)]
        read = lambda pid, name: Path(f"/proc/{pid}/{name}").read_bytes()  # noqa: E731
        assert sorted(read(pid, "comm").strip() for pid in helpers) == [b"forkserver", b"resourcetracker"]
        assert {read(pid, "cmdline") for pid in helpers} == {read(process.pid, "cmdline")}  # forks keep it
        assert len(workers) == 2
        process.signal(signal.SIGKILL)
        process.wait()
        wait_for(lambda: all(map(_ended, helpers + workers)), timeout=60, message="a helper outlived the crawl")


CTRL_C_WHILE_WARMING_UP = """
import os, signal, sys, threading, time
from pathlib import Path
from crawler.extract.forked_helpers import helpers_forked_from_here
from crawler.extract.workers import WorkerPool, start_fork_server
from tests.support.fork_servers import fork_servers
from tests.support.pool_tasks import behave

if sys.argv[1] == "with a thread":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
gate = Path(os.environ["PRELOAD_GATE"])
with helpers_forked_from_here():
    start_fork_server(behave, ["crawler.extract.warm_start", "tests.support.gated_preload"])
while not gate.with_suffix(".begun").exists():
    time.sleep(0.01)
(server,) = fork_servers()
os.kill(server, signal.SIGINT)  # as Ctrl-C in the terminal reaches every process of the crawl's group
time.sleep(0.2)
gate.touch()
pool = WorkerPool(behave, ("!",), workers=1, timeout=60, max_tasks=10, max_memory_mb=1024.0)
print(pool.submit("page").result(timeout=60), fork_servers() == [server])  # the same fork server served it
pool.close()
"""


@pytest.mark.parametrize("case", ["alone", "with a thread"])
def test_ctrl_c_does_not_stop_the_fork_server_while_it_warms_up(tmp_path, case):
    """Ctrl-C reaches every process of the crawl's group; the crawl decides when to stop. It killed the fork
    server in its warm-up, and the crawl, stopping, waited for ever for workers that could not start."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PRELOAD_GATE": str(tmp_path / "gate")}
    done = subprocess.run(
        [sys.executable, "-c", CTRL_C_WHILE_WARMING_UP, case], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["page!", "True"]
    assert "KeyboardInterrupt" not in done.stderr


CRAWL_GONE = """
import os, socket, sys, threading
from multiprocessing import forkserver
from crawler.extract.forked_helpers import helpers_forked_from_here
from crawler.extract.workers import WorkerPool, start_fork_server
from tests.support.fork_servers import fork_servers
from tests.support.pool_tasks import behave

if sys.argv[1] == "with a thread":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
with helpers_forked_from_here():
    start_fork_server(behave, ["crawler.extract.warm_start"])
pool = WorkerPool(behave, ("!",), workers=1, timeout=60, max_tasks=10, max_memory_mb=1024.0)
print(pool.submit("page").result(timeout=120))
# A worker forked, and its task never handed over: the crawl closed its end first. The worker reads that end.
status_r, data_w = forkserver._forkserver.connect_to_new_process([])
os.close(data_w)
forkserver.read_signed(status_r)  # the worker's pid
print(forkserver.read_signed(status_r))  # its exit status
# A worker asked for, and the request never finished: the fork server reads the end of it.
(server,) = fork_servers()
with socket.socket(socket.AF_UNIX) as client:
    client.connect(forkserver._forkserver._forkserver_address)
print(os.waitstatus_to_exitcode(os.waitpid(server, 0)[1]))
pool.close()
"""


@pytest.mark.parametrize("case", ["alone", "with a thread"])
def test_a_helper_that_finds_the_crawl_gone_ends_without_a_traceback(tmp_path, case):
    """The crawl gone while it asks for a worker or hands one its task (stopped at once by a second Ctrl-C, or
    ended): the fork server and the worker it was starting end, and print no traceback after the crawl's own
    last words, as if they had crashed."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", CRAWL_GONE, case], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["page!", "1", "1"]  # each of the two ended with status 1
    assert "Traceback" not in done.stderr and "EOFError" not in done.stderr, done.stderr[-2000:]
