"""The writer side opened on a database file outside any crawl, with the project's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawler import settings as project_settings
from crawler.config import StoreConfig
from crawler.store.writer import CountingStats, Writer

PROJECT_SETTINGS = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}


def store_config(path: Path | str, **overrides: Any) -> StoreConfig:
    return StoreConfig.from_settings({**PROJECT_SETTINGS, **overrides, "SQLITE_PATH": str(path)})


def open_writer(path: Path | str, **overrides: Any) -> Writer:
    """A Writer on ``path`` with the project's settings (``overrides`` by setting name) and a run started."""
    writer = Writer(store_config(path, **overrides), CountingStats())
    writer.start_run("test", {})
    return writer
