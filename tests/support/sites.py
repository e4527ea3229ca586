"""The sample site as tests use it: its ground truth and the URLs of its pages on the running servers."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.demo.server import DEMO_SITE, SiteGroup

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def manifest() -> dict:
    """The sample site's ground truth: its articles, copies, pages without an article and why."""
    return json.loads((DEMO_SITE / "manifest.json").read_text(encoding="utf-8"))


def site_url(sites: SiteGroup, ref: str) -> str:
    """'herald:/articles/x.html' -> the URL of that page on the running site."""
    name, path = ref.split(":", 1)
    return sites.base_url(name) + path
