"""Source fingerprints are kept on disk while a function's file is unchanged, and made again when it changes."""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import marshal
import os

import pytest

from crawler.extract import kept_fingerprints
from crawler.extract.kept_fingerprints import NAME, kept_fingerprint
from crawler.extract.released import source_fingerprint
from tests.support.fresh_python import run_python


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    kept_fingerprints.forget_loaded()
    yield tmp_path / "cache" / "storyonce"
    kept_fingerprints.forget_loaded()


def _read(function) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def _counting(made: list):
    def fingerprint_of(function):
        made.append(function)
        return _read(function)

    return fingerprint_of


def _module_from(path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_fingerprint_is_made_once_then_read_from_the_kept_file(cache):
    made: list = []
    fingerprint = kept_fingerprint(json.dumps, _counting(made))
    assert fingerprint == _read(json.dumps) and made == [json.dumps]
    kept_fingerprints.forget_loaded()  # as a new process: read from the file
    assert kept_fingerprint(json.dumps, _counting(made)) == fingerprint and made == [json.dumps]
    # The project's own check reads the same, whether kept or not.
    assert source_fingerprint(json.dumps) == fingerprint
    assert source_fingerprint(json.JSONDecoder) == _read(json.JSONDecoder)  # a class, by its name
    assert [path.name for path in cache.iterdir()] == [NAME]  # no leftovers


def test_a_changed_source_file_is_read_again(cache, tmp_path):
    source = tmp_path / "released_library.py"
    source.write_text("def parse(text):\n    return text.split()\n")
    made: list = []
    first = _module_from(source, "released_library")
    before = kept_fingerprint(first.parse, _counting(made))
    # Another release: the same function, other code (and so another size).
    source.write_text("def parse(text):\n    return text.split(',')\n")
    second = _module_from(source, "released_library")
    after = kept_fingerprint(second.parse, _counting(made))
    assert before != after and after == _read(second.parse) and len(made) == 2
    # The same size, written later: read again too.
    source.write_text("def parse(text):\n    return text.split(';')\n")
    stamp = os.stat(source)
    os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000))
    third = _module_from(source, "released_library")
    assert kept_fingerprint(third.parse, _counting(made)) == _read(third.parse) != after and len(made) == 3
    # What was kept of the file's earlier versions is gone: the file keeps one version of each source.
    files = marshal.loads((cache / NAME).read_bytes())[1]
    assert list(files[str(source)]["fingerprints"].values()) == [_read(third.parse)]


@pytest.mark.parametrize(
    "kept", [b"not marshal", marshal.dumps((0, {})), marshal.dumps([1, 2]), marshal.dumps((1, {"a": 1}))[:-3]]
)
def test_an_unreadable_or_foreign_kept_file_is_made_again(cache, kept):
    cache.mkdir(parents=True)
    (cache / NAME).write_bytes(kept)
    made: list = []
    assert kept_fingerprint(json.dumps, _counting(made)) == _read(json.dumps) and len(made) == 1
    kept_fingerprints.forget_loaded()
    assert kept_fingerprint(json.dumps, _counting(made)) == _read(json.dumps) and len(made) == 1  # kept anew


def test_a_function_without_a_source_file_is_not_kept(cache):
    namespace: dict = {}
    exec("def made_at_run_time():\n    return 1\n", namespace)  # a function with no source file
    calls: list = []
    for _ in range(2):
        assert kept_fingerprint(len, lambda function: calls.append(function)) is None
        assert kept_fingerprint(namespace["made_at_run_time"], lambda function: calls.append(function)) is None
    assert len(calls) == 4 and not (cache / NAME).exists()


# In a fresh interpreter: the workers' fork server's warm-up, with inspect.getsource counted.
WARM_UP = """
import inspect, json
read = []
getsource = inspect.getsource
inspect.getsource = lambda function: read.append(function) or getsource(function)
import crawler.extract.warm_start, crawler.extract.warmup
from crawler.extract import date_search_forms, handover, justext_forms, step_forms, xpath_forms
forms = (date_search_forms, handover, justext_forms, step_forms, xpath_forms)
print(json.dumps({"read": len(read), "installed": [len(form.installed()) for form in forms]}))
"""


def test_the_fork_servers_warm_up_reads_no_source_at_the_next_crawl(tmp_path):
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    first = json.loads(run_python(WARM_UP, env=environment))
    second = json.loads(run_python(WARM_UP, env=environment))
    assert first["read"] >= 10 and second["read"] == 0
    # The same faster forms in place, each of them.
    assert first["installed"] == second["installed"] and all(first["installed"]), first["installed"]
