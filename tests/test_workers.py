"""The extraction worker pool: results, and the failure paths that must cost only the page at fault."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from crawler.extract.workers import WorkerCrashed, WorkerPool, WorkerTimeout
from tests.support.crawl import REPO, wait_for
from tests.support.pool_tasks import behave

LIMITS = {"workers": 2, "timeout": 2.0, "max_tasks": 1000, "max_memory_mb": 1024.0}


@pytest.fixture
def pool():
    pools = []

    def make(**kwargs):
        pools.append(WorkerPool(behave, ("!",), **{**LIMITS, **kwargs}))
        return pools[-1]

    yield make
    for p in pools:
        p.close()


def test_results_come_back_with_the_fixed_arguments(pool):
    workers = pool()
    futures = [workers.submit(f"page{n}") for n in range(20)]
    assert [f.result(timeout=30) for f in futures] == [f"page{n}!" for n in range(20)]


def test_a_hanging_page_times_out_and_the_next_page_is_served(pool):
    workers = pool(workers=1, timeout=1.0)
    started = time.monotonic()
    hanging, after = workers.submit("hang"), workers.submit("fine")
    with pytest.raises(WorkerTimeout):
        hanging.result(timeout=30)
    assert after.result(timeout=30) == "fine!"
    assert time.monotonic() - started < 20
    assert workers.timeouts == 1 and workers.started == 2


def test_a_crashing_page_costs_only_itself(pool):
    workers = pool(workers=1)
    before, dying, after = workers.submit("first"), workers.submit("die"), workers.submit("after")
    assert before.result(timeout=30) == "first!"
    with pytest.raises(WorkerCrashed, match="exit code 139"):
        dying.result(timeout=30)
    assert after.result(timeout=30) == "after!"
    assert workers.crashes == 1


def test_an_exception_is_reported_and_the_worker_kept(pool):
    workers = pool(workers=1)
    with pytest.raises(RuntimeError, match="ValueError: bad page"):
        workers.submit("raise").result(timeout=30)
    assert workers.submit("ok").result(timeout=30) == "ok!"
    assert workers.started == 1


def test_workers_are_recycled_after_max_tasks(pool):
    workers = pool(workers=1, max_tasks=3)
    pids = [workers.submit("pid").result(timeout=30) for _ in range(7)]
    assert len(set(pids)) == 3  # pages 1-3, 4-6, 7
    assert workers.recycled == 2


def test_bad_parameters():
    with pytest.raises(ValueError, match="workers"):
        WorkerPool(behave, **{**LIMITS, "workers": 0})
    with pytest.raises(ValueError, match="timeout"):
        WorkerPool(behave, **{**LIMITS, "timeout": 0})
    with pytest.raises(ValueError, match="max_tasks"):
        WorkerPool(behave, **{**LIMITS, "max_tasks": 0})


def test_the_next_task_waits_in_the_workers_pipe_while_it_works(pool):
    # Handing a page over only once the previous result is in left the worker idle while the
    # parent's slot thread waited for the interpreter lock.
    # 10 s: the worker must still be on the hanging page when the test looks, even on a loaded machine.
    workers = pool(workers=1, timeout=10.0)
    hanging, queued = workers.submit("hang"), workers.submit("fine")
    slot = workers.slots[0]
    wait_for(lambda: len(slot.in_flight) == 2, timeout=30)
    assert not hanging.done() and not queued.done()
    assert queued.result(timeout=30) == "fine!"  # served by a fresh worker once the hanging one is killed


LARGE = 8 * 2**20  # characters: far more than a pipe holds either way


def test_a_large_page_and_a_large_result_crossing_in_the_pipe_do_not_wait_on_each_other(pool):
    # The slot writes the next page while the worker writes the last one's result: each larger than the pipe holds,
    # both wrote and neither read, and the crawl waited for good (a crawl of broken pages hung so).
    workers = pool(workers=1, timeout=60.0)
    pages = [workers.submit(str(n) * LARGE) for n in range(3)]
    assert [page.result(timeout=120) for page in pages] == [str(n) * LARGE + "!" for n in range(3)]


@pytest.mark.parametrize("kind", ["hang", "hold_the_lock"])
def test_a_hanging_page_with_a_large_page_behind_it_times_out_and_the_large_page_is_served(pool, kind):
    # Written while the worker was on the hanging page, the large page waited for the worker to read it, and the
    # slot with it, which then never saw the hanging page's time run out: the crawl waited for good. A page that
    # holds the interpreter lock keeps even a thread of the worker's from reading.
    workers = pool(workers=1, timeout=1.0)
    hanging, large = workers.submit(kind), workers.submit("x" * LARGE)
    with pytest.raises(WorkerTimeout):
        hanging.result(timeout=60)
    assert large.result(timeout=60) == "x" * LARGE + "!"
    assert workers.timeouts == 1


def test_workers_start_before_the_first_task(pool):
    workers = pool(workers=2)
    wait_for(lambda: workers.started == 2, timeout=30)
    assert all(slot.process is not None and slot.process.is_alive() for slot in workers.slots)


MAIN_SCRIPT = """
import os
if __name__ == "__main__":
    from crawler.extract.workers import WorkerPool
    from tests.support.pool_tasks import behave
    pool = WorkerPool(behave, ("!",), workers=2, timeout=30.0, max_tasks=1, max_memory_mb=1024.0)
    print([pool.submit(f"page{n}").result(timeout=60) for n in range(4)])
    pool.close()
    print(pool.started, os.path.basename(__file__))
else:  # run again, by a worker as it starts
    with open(os.environ["RUNS_LOG"], "a") as log:
        log.write(__name__ + "\\n")
"""


def test_workers_do_not_run_the_main_script_again(tmp_path):
    """``scrapy`` is a console script, which multiprocessing ran again in every worker it started (importing
    Scrapy: 0.2 s of a core before the worker's first page, and again after each recycling)."""
    script, runs = tmp_path / "main_script.py", tmp_path / "runs.log"
    script.write_text(MAIN_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(REPO), "RUNS_LOG": str(runs)}
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    results, started = done.stdout.splitlines()
    assert results == str([f"page{n}!" for n in range(4)])
    count, name = started.split()
    assert int(count) >= 4 and name == "main_script.py"  # a worker recycled after each page; the script's name kept
    assert not runs.exists()


WARM_UP_CHECK = """
import sys
from scrapy.settings import Settings
from crawler import settings as project
from crawler.extract.pipeline import warm_up_early
from tests.support.fork_servers import fork_servers

settings = Settings()
settings.setmodule(project)
for pair in sys.argv[1:]:
    name, value = pair.split("=", 1)
    settings.set(name, value)
warm_up_early(settings)
print(len(fork_servers()))
print(sorted(m for m in ("numpy", "sqlite_utils") if m in sys.modules))
"""


@pytest.mark.parametrize(
    ("settings", "fork_servers"),
    [
        (["EXTRACT_WORKERS=2"], 1),
        (["EXTRACT_WORKERS=1"], 0),  # in-process extraction: no workers to warm up
        (["EXTRACT_WORKERS=2", 'ITEM_PIPELINES={"crawler.store.pipeline.StorePipeline": 300}'], 0),  # none extract
        (["EXTRACT_WORKERS=2", 'ITEM_PIPELINES={"no.such.Pipeline": 300}'], 0),  # Scrapy reports it as it starts
    ],
)
def test_a_crawl_that_extracts_in_workers_starts_their_fork_server_before_it_starts(settings, fork_servers):
    """The crawl command warms the workers' fork server up as soon as its settings are checked (on a core
    Scrapy's own start leaves idle); nothing is started for a crawl without workers."""
    done = subprocess.run(
        [sys.executable, "-c", WARM_UP_CHECK, *settings], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.splitlines()[0] == str(fork_servers)


def test_the_fork_server_starts_before_the_writer_side_pipeline_loads():
    """The pipelines after the extraction one (the writer's, which loads numpy and the database library)
    load after the fork server has started, not before: they would delay it by a fifth of a second."""
    done = subprocess.run(
        [sys.executable, "-c", WARM_UP_CHECK, "EXTRACT_WORKERS=2"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.splitlines() == ["1", "[]"]


WARM_UP_COLLECTIONS = """
import gc, importlib, json
import crawler.extract.analysis
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info["generation"]))
for module in crawler.extract.analysis.WARM_UP:
    importlib.import_module(module)
print(json.dumps([len(collections), gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()]))
"""

WORKERS_COLLECTOR = """
import json, sys
from crawler.extract.workers import WorkerPool
from tests.support.pool_tasks import collector

pool = WorkerPool(collector, (), workers=1, timeout=60, max_tasks=10, max_memory_mb=1024.0, preload=sys.argv[1:])
print(json.dumps(pool.submit(None).result(timeout=120)))
pool.close()
"""


def test_the_fork_server_warms_up_without_collecting_and_its_workers_collect():
    """The fork server's warm-up makes some 90,000 objects that live as long as the workers: the collector waits
    for its end (no collection while it loads), then freezes them and runs again, in it and in every worker."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", WARM_UP_COLLECTIONS], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    collections, enabled, threshold, frozen = json.loads(done.stdout)
    assert (collections, enabled, threshold) == (0, True, [10_000, 10, 10])
    assert frozen > 10_000
    from crawler.extract.analysis import WARM_UP

    # A warm-up cut short (a module it preloads cannot be imported, which the fork server passes over) leaves the
    # collector off in the fork server: the workers turn it on all the same.
    for preload in (WARM_UP, ["crawler.extract.warm_start", "tests.support.no_such_module"]):
        done = subprocess.run(
            [sys.executable, "-c", WORKERS_COLLECTOR, *preload], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
        enabled, threshold, frozen = json.loads(done.stdout)
        assert enabled is True, preload
        if preload == WARM_UP:
            assert threshold == [10_000, 10, 10] and frozen > 10_000


CLOSED_UNUSED = """
import time
from crawler.extract.workers import WorkerPool
from tests.support.fork_servers import fork_servers
from tests.support.pool_tasks import behave

limits = {"timeout": 2.0, "max_tasks": 10, "max_memory_mb": 1024.0}
pool = WorkerPool(behave, ("!",), workers=2, preload=["tests.support.slow_preload"], **limits)
time.sleep(1)  # the slots are waiting for their workers, which wait for the warm-up
servers = len(fork_servers())
started = time.monotonic()
pool.close()
print(servers, len(fork_servers()), pool.started, time.monotonic() - started)
again = WorkerPool(behave, ("!",), workers=1, **limits)  # a new fork server, without the slow module
print(again.submit("fine").result(timeout=60))
again.close()
"""


def test_a_pool_closed_with_nothing_done_does_not_wait_for_its_workers_warm_up():
    """A scheduled run that finds nothing new ends while the workers' fork server may still be warming up
    (a second or more of a core): closing the pool stops the server instead of waiting for workers."""
    done = subprocess.run([sys.executable, "-c", CLOSED_UNUSED], capture_output=True, text=True, timeout=100)
    assert done.returncode == 0, done.stderr[-2000:]
    servers_before, servers_after, workers_started, seconds = done.stdout.split("\n")[0].split()
    assert (servers_before, servers_after, workers_started) == ("1", "0", "0")
    assert float(seconds) < 60  # the warm-up takes 120 s
    assert done.stdout.split("\n")[1] == "fine!"  # a later pool starts a server of its own
    assert "Traceback" not in done.stderr


FORK_SERVER_KILLED = """
import os, signal, sys, time
from pathlib import Path
from crawler.extract.workers import WorkerPool
from tests.support.fork_servers import fork_servers
from tests.support.pool_tasks import behave

gate = Path(os.environ["PRELOAD_GATE"])
pool = WorkerPool(behave, ("!",), workers=2, timeout=60, max_tasks=10, max_memory_mb=1024.0,
                  preload=["tests.support.gated_preload"])
while not gate.with_suffix(".begun").exists():
    time.sleep(0.01)
time.sleep(0.3)  # both slots are waiting for their worker
(server,) = fork_servers()
os.kill(server, signal.SIGKILL)  # as the OOM killer would, in its warm-up
gate.touch()
print([pool.submit(f"page{n}").result(timeout=60) for n in range(4)], fork_servers() != [server])
pool.close()
"""


def test_a_fork_server_killed_in_its_warm_up_is_started_again(tmp_path):
    """The slots waiting for their workers when the fork server died (the OOM killer, a signal) ask again, and a
    new fork server serves them: before, their threads ended and the crawl waited for ever for its pages."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PRELOAD_GATE": str(tmp_path / "gate")}
    done = subprocess.run(
        [sys.executable, "-c", FORK_SERVER_KILLED], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[0] == str([f"page{n}!" for n in range(4)]) + " True"
    assert "Traceback" not in done.stderr


FORK_SERVER_NEVER_STARTS = """
from crawler.extract.workers import WorkerCrashed, WorkerPool
from tests.support.pool_tasks import behave

pool = WorkerPool(behave, ("!",), workers=2, timeout=60, max_tasks=10, max_memory_mb=1024.0,
                  preload=["tests.support.dying_preload"])
for n in range(3):
    try:
        print(pool.submit(f"page{n}").result(timeout=60))
    except WorkerCrashed as error:
        print("crashed:", error)
pool.close()
print("closed", pool.crashes)
"""


def test_pages_fail_rather_than_wait_when_no_worker_can_be_started():
    """A fork server that dies each time it is asked for a worker: each page fails as a crashed extraction (the
    crawl records it and goes on to its end) instead of waiting for ever."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", FORK_SERVER_NEVER_STARTS], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    *pages, closed = done.stdout.splitlines()
    assert len(pages) == 3 and all(page.startswith("crashed: no worker could be started") for page in pages)
    assert closed == "closed 3"
    assert "could not be started" in done.stderr


FORK_SERVER_DIES_WITH_PAGES_HELD = """
import os, signal
from pathlib import Path
from crawler.extract.workers import WorkerCrashed, WorkerPool
from tests.support.fork_servers import fork_servers
from tests.support.pool_tasks import behave

pool = WorkerPool(behave, ("!",), workers=1, timeout=60, max_tasks=10, max_memory_mb=1024.0,
                  preload=["tests.support.dying_preload"])
print(pool.submit("first").result(timeout=60))
Path(os.environ["PRELOAD_DIES_FROM"]).touch()  # every fork server started from now on dies in its warm-up
(server,) = fork_servers()
os.kill(server, signal.SIGKILL)
futures = [pool.submit(kind) for kind in ("die_slowly", "held", "queued")]
for future in futures:
    try:
        print(future.result(timeout=60))
    except WorkerCrashed as error:
        print("crashed:", error)
pool.close()
print("closed", pool.crashes)
"""


def test_pages_held_when_no_worker_can_be_started_are_counted_as_crashed(tmp_path):
    """The worker dies on a page while the next is with it, and no new worker can be started: the page held
    fails and is counted as a crash, as the page it died on and the pages taken afterwards are."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PRELOAD_DIES_FROM": str(tmp_path / "dies")}
    done = subprocess.run(
        [sys.executable, "-c", FORK_SERVER_DIES_WITH_PAGES_HELD], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    first, died, held, queued, closed = done.stdout.splitlines()
    assert first == "first!"
    assert died.startswith("crashed: worker died")  # its code is lost with the fork server that reported it
    assert held.startswith("crashed: no worker could be started") and queued.startswith("crashed: no worker")
    assert closed == "closed 3"


ONE_SLOT_CANNOT_START_ITS_WORKER = """
import os, signal
from pathlib import Path
from crawler.extract.workers import WorkerCrashed, WorkerPool
from tests.support.crawl import wait_for
from tests.support.fork_servers import fork_servers
from tests.support.pool_tasks import behave

dies = Path(os.environ["PRELOAD_DIES_FROM"])
pool = WorkerPool(behave, ("!",), workers=2, timeout=60, max_tasks=1000, max_memory_mb=1024.0,
                  preload=["tests.support.dying_preload"])
wait_for(lambda: pool.started == 2, timeout=60)
print("serving", pool.serving)
dies.touch()  # every fork server started from now on dies in its warm-up
(server,) = fork_servers()
os.kill(server, signal.SIGKILL)
try:
    pool.submit("die").result(timeout=60)
except WorkerCrashed as error:
    print("crashed:", error)
wait_for(lambda: pool.serving == 1, timeout=60)  # the slot whose worker died cannot start another
print("serving", pool.serving)
futures = [pool.submit("pid") for _ in range(20)]
print("pages", len({future.result(timeout=60) for future in futures}))
dies.unlink()
wait_for(lambda: pool.serving == 2, timeout=60)  # it asks again, and a new fork server starts
print("serving", pool.serving)
futures = [pool.submit("again") for _ in range(20)]
print([future.result(timeout=60) for future in futures] == ["again!"] * 20)
pool.close()
print("closed", pool.crashes)
"""


def test_pages_go_to_the_workers_left_while_one_cannot_be_started(tmp_path):
    """One slot's worker dies and no new one can be started: the pages go to the other slot's worker (none fails),
    and the slot asks again later, serving pages again once a worker starts."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PRELOAD_DIES_FROM": str(tmp_path / "dies")}
    done = subprocess.run(
        [sys.executable, "-c", ONE_SLOT_CANNOT_START_ITS_WORKER], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    first, died, *rest = done.stdout.splitlines()
    assert first == "serving 2"
    assert died.startswith("crashed: worker died")
    assert rest == ["serving 1", "pages 1", "serving 2", "True", "closed 1"]  # 20 pages served by one worker
    assert "could not be started" in done.stderr and "started again" in done.stderr
