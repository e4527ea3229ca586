"""Shared test helpers: the sample site on loopback, real `scrapy crawl` runs, database reads."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.demo_server import DEMO_SITE, SiteGroup

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).with_name("fixtures")

# Loopback servers are ours: no politeness delays in tests.
FAST = {"AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0", "LOG_LEVEL": "INFO"}


@dataclass
class CrawlResult:
    returncode: int
    stdout: str
    stderr: str
    db: Path

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        return query(self.db, sql, params)

    def stats(self) -> dict:
        (raw,) = self.rows("SELECT stats FROM runs ORDER BY id DESC LIMIT 1")[0]
        return json.loads(raw)


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def run_crawl(spider: str, db: Path, args: dict | None = None, settings: dict | None = None, timeout: int = 300):
    """Run ``scrapy crawl`` in a subprocess from the repository root, as a user would."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", f"SQLITE_PATH={db}"]
    for key, value in {**FAST, **(settings or {})}.items():
        command += ["-s", f"{key}={value}"]
    for key, value in (args or {}).items():
        command += ["-a", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env)
    return CrawlResult(done.returncode, done.stdout, done.stderr, db)


@pytest.fixture
def demo_sites():
    with SiteGroup(DEMO_SITE) as sites:
        yield sites


@pytest.fixture(scope="session")
def manifest() -> dict:
    return json.loads((DEMO_SITE / "manifest.json").read_text(encoding="utf-8"))


def site_url(sites: SiteGroup, ref: str) -> str:
    """'herald:/articles/x.html' -> the URL of that page on the running site."""
    name, path = ref.split(":", 1)
    return sites.base_url(name) + path
