"""The README documents every setting, stat and command the project adds or changes: an undocumented one fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import scrapy
from scrapy.settings import default_settings

from crawler import settings
from crawler.extract.body import THOROUGH_REASONS

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
SOURCES = sorted((REPO / "crawler").rglob("*.py"))
OWN_SETTINGS = sorted(name for name in dir(settings) if name.isupper() and not hasattr(default_settings, name))
CHANGED_SCRAPY_SETTINGS = sorted(
    name
    for name in dir(settings)
    if name.isupper() and hasattr(default_settings, name) and getattr(settings, name) != getattr(default_settings, name)
)
COMMANDS = sorted(
    path.stem for path in (REPO / "crawler" / "commands").glob("*.py") if "class Command" in path.read_text()
)
# A stat key as the code writes it: a literal, or an f-string whose {placeholders} fill whole segments.
STAT_CALL = re.compile(r"(?:inc_value|set_value|max_value|min_value|_count)\(\s*f?\"([a-z_{}.]+(?:/[a-z_{}.]+)+)\"")


def settings_row(name: str) -> re.Match[str] | None:
    """The README table row whose first cell names ``name`` (alone or among others), or None."""
    names = r"(?:`[A-Z_]+`, )*" + f"`{name}`" + r"(?:, `[A-Z_]+`)*"
    return re.search(rf"^\| {names} \| ([^|]+) \|", README, re.MULTILINE)


def written_default(value: object) -> set[str]:
    """How the README may write a default: as Python prints it, floats also without a trailing .0."""
    if value == "":
        return {"(empty)"}
    written = {str(value)}
    if isinstance(value, float):
        written.add(f"{value:g}")
    return written


@pytest.mark.parametrize("name", OWN_SETTINGS)
def test_every_setting_of_the_project_has_a_row_with_its_default(name):
    row = settings_row(name)
    assert row, f"{name} has no row in the README's settings tables"
    cell = row.group(1).strip()
    shown = cell if cell == "(empty)" else cell.strip("`").split(" ")[0]  # "30 s": the unit follows
    assert shown in written_default(getattr(settings, name)), f"{name}: the README says {cell}"


@pytest.mark.parametrize("name", CHANGED_SCRAPY_SETTINGS)
def test_every_scrapy_setting_the_project_changes_has_a_row(name):
    assert settings_row(name), f"{name} differs from Scrapy's default but has no row in the README"


def stats_counted(sources: list[Path]) -> set[str]:
    """Every stat key counted or set in ``sources`` (literal keys and f-string keys, as written)."""
    return {key for source in sources for key in STAT_CALL.findall(source.read_text(encoding="utf-8"))}


def documented(key: str) -> bool:
    """Whether the README names ``key``, its first segment as written: a {placeholder} segment may be
    written as <name>, … or an example; any later segment as <name> or … standing for several keys
    (``pages/<kind>/<reason>``, ``site/<name>/…``); or the key shortened to ``…/<last segment>``
    beside a sibling's full key."""
    first, *rest = key.split("/")
    segments = [re.escape(first)]
    for segment in rest:
        example = r"|[a-z_]+" if "{" in segment else "|" + re.escape(segment)
        segments.append(r"(?:<[^>`]+>|…" + example + ")")
    if re.search("`" + "/".join(segments) + "`", README):
        return True
    last = key.rsplit("/", 1)[1]
    return "{" not in last and f"`…/{last}`" in README


def test_every_stat_the_project_counts_is_in_the_readme():
    scrapy_own = stats_counted(sorted(Path(scrapy.__file__).parent.rglob("*.py")))
    # Scrapy's own keys (robotstxt/... of the robots.txt part the project reimplements) are Scrapy's to document.
    counted = stats_counted(SOURCES) - scrapy_own
    # Keys of each part of the project, so that a change to the pattern cannot make this pass on nothing.
    assert {"handoff/records", "store/failed", "reextract/pages", "chrome/blocks_learned"} <= counted
    undocumented = sorted(key for key in counted if not documented(key))
    assert not undocumented, f"stats the README does not name: {undocumented}"


def test_every_reason_for_the_thorough_run_is_named_in_the_readme():
    # extract/thorough/<reason> is one documented key; a reason added to the code and not to its row fails here.
    assert [reason for reason in THOROUGH_REASONS if f"`{reason}`" not in README] == []


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented(name):
    scrapy_own = (Path(scrapy.__file__).parent / "commands" / f"{name}.py").exists()
    # The project's own commands by their whole command line; Scrapy's, which it only keeps off the
    # database, may be named in the list that says so.
    assert f"scrapy {name}" in README or (scrapy_own and f"`{name}`" in README), name


def test_the_writer_command_and_how_to_run_it_are_documented():
    assert "scrapy store -s REDIS_URL=" in README
    assert "## Crawling on several machines" in README
    for words in ("appendonly yes", "maxmemory-policy noeviction", "requirepass", "rediss://", "XPENDING", "XLEN"):
        assert words in README, words
