"""Words gathered from other packages' data are kept on disk and read back by the next crawl, never stale."""

from __future__ import annotations

import os

import pytest

from crawler.extract.kept_words import cache_dir, kept_words
from tests.support.fresh_python import run_python


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "storyonce"


def test_words_are_gathered_once_then_read_from_the_kept_file(cache):
    gathered = []

    def gather() -> list[str]:
        gathered.append(1)
        return ["janvier", "", "März", "十二月", "end"]

    assert cache_dir() == cache
    assert kept_words("months", "pkg 1.0", gather) == ["janvier", "", "März", "十二月", "end"]
    assert kept_words("months", "pkg 1.0", gather) == ["janvier", "", "März", "十二月", "end"]
    assert len(gathered) == 1
    assert (cache / "months.txt").exists() and [p.name for p in cache.iterdir()] == ["months.txt"]  # no leftovers


def test_a_file_made_from_other_versions_or_cut_short_is_gathered_again(cache):
    kept_words("months", "pkg 1.0", lambda: ["janvier", "février"])
    assert kept_words("months", "pkg 2.0", lambda: ["januar"]) == ["januar"]  # another version: gathered anew
    assert kept_words("months", "pkg 2.0", lambda: ["never"]) == ["januar"]  # and kept for it
    path = cache / "months.txt"
    path.write_text(path.read_text(encoding="utf-8").removesuffix("\nend"), encoding="utf-8")  # a crash mid-write
    assert kept_words("months", "pkg 2.0", lambda: ["januari"]) == ["januari"]
    path.write_bytes(b"\xff\xfe not UTF-8")
    assert kept_words("months", "pkg 2.0", lambda: ["ianuarie"]) == ["ianuarie"]


def test_words_that_cannot_be_kept_are_gathered_at_every_call(tmp_path, monkeypatch):
    blocked = tmp_path / "a file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert kept_words("months", "pkg 1.0", lambda: ["enero"]) == ["enero"]
    assert kept_words("months", "pkg 1.0", lambda: ["gennaio"]) == ["gennaio"]
    assert kept_words("lines", "pkg 1.0", lambda: ["two\nlines"]) == ["two\nlines"]  # never kept: one a line


# In a fresh interpreter: how many of dateparser's locales it loaded to give htmldate its month names, and
# whether they are the names htmldate gathers itself.
INSTALL = """
import htmldate.extractors as extractors
from dateparser.languages.loader import LocaleDataLoader
from crawler.extract.month_names import install_month_names
gather = extractors.month_words
install_month_names()
loaded = len(LocaleDataLoader._loaded_locales)
print(loaded, extractors.month_words() == gather() and len(gather()) > 1000)
"""


def test_htmldate_gets_its_month_names_from_the_file_an_earlier_crawl_kept(tmp_path):
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}

    def install() -> tuple[int, str]:
        loaded, same = run_python(INSTALL, env=environment).split()
        return int(loaded), same

    first_loaded, first_same = install()
    assert first_loaded > 100 and first_same == "True"  # gathered: every locale loaded, as htmldate does
    second_loaded, second_same = install()
    assert second_loaded == 0 and second_same == "True"  # read back: no locale loaded, the same names
