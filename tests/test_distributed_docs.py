"""The README documents every setting, stat and command of the shared crawl: an undocumented one fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler import settings

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
SETTINGS = ("REDIS_URL", "CRAWL_REDIS_KEY", "CRAWL_PEER_TIMEOUT", "CRAWL_REDIS_WAIT", "STORE_FOLLOW")
SOURCES = sorted((REPO / "crawler" / "distributed").glob("*.py"))


@pytest.mark.parametrize("name", SETTINGS)
def test_every_setting_has_its_default_in_settings_py_and_a_row_in_the_readme(name):
    assert hasattr(settings, name)
    row = re.search(rf"^\| `{name}` \| ([^|]+) \|", README, re.MULTILINE)
    assert row, f"{name} has no row in the README's settings table"
    default = getattr(settings, name)
    if default == "":
        expected = "(empty)"
    elif isinstance(default, float):
        expected = f"`{default:g}`"
    else:
        expected = f"`{default}`"
    assert row.group(1).strip() == expected


def stats_counted() -> set[str]:
    """Every stat key the shared crawl's code counts or sets (literal keys, placeholders as written)."""
    keys = set()
    for source in SOURCES:
        text = source.read_text(encoding="utf-8")
        keys |= set(re.findall(r"(?:inc_value|set_value|_count)\(\s*\"([a-z_]+/[a-z_/]+)\"", text))
    return keys  # (Scrapy's own keys, such as finish_reason, have no namespace)


def test_every_stat_the_shared_crawl_counts_is_in_the_readme():
    counted = stats_counted()
    assert {"handoff/records", "store/stream/redelivered", "distributed/idle_waits"} <= counted
    stats_table = README[README.index("### Stats") :]
    for key in sorted(counted):
        short = "…/" + key.rsplit("/", 1)[1]
        assert f"`{key}`" in stats_table or f"`{short}`" in stats_table, key


def test_the_writer_command_and_how_to_run_it_are_documented():
    assert "scrapy store -s REDIS_URL=" in README
    assert "## Crawling on several machines" in README
    for words in ("appendonly yes", "maxmemory-policy noeviction", "requirepass", "rediss://", "XPENDING", "XLEN"):
        assert words in README, words
