"""Datasette for a crawl database: the shipped metadata (titles, descriptions, facets, canned queries)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

METADATA = Path(__file__).with_name("metadata.yml")
DATABASE = "crawl"  # the name the metadata uses: Datasette names a database after its file (crawl.db)
TRUNCATE_CELLS = 300  # characters of a cell shown in a table: an article's text is a page long


def metadata_for(database: str) -> dict[str, Any]:
    """The shipped metadata, for a database Datasette names ``database`` (its file name without .db)."""
    import yaml  # Datasette's own dependency: only needed with the datasette extra

    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    metadata["databases"] = {database: metadata["databases"][DATABASE]}
    return metadata


def write_metadata(database: str, path: Path) -> Path:
    path.write_text(json.dumps(metadata_for(database), indent=2), encoding="utf-8")
    return path
