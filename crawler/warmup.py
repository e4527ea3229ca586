"""Imported by the extraction fork server: one extraction of a sample page warms every lazy cache."""

from __future__ import annotations

from crawler.demo_server import DEMO_SITE
from crawler.extraction import extract_page

# trafilatura, htmldate and dateparser compile patterns and load language data on first use. Done
# once here, in the process workers are forked from, every worker starts warm instead of paying it.
_SAMPLE = DEMO_SITE / "herald" / "articles" / "harbour-tunnel-vote.html"
if _SAMPLE.is_file():
    extract_page(_SAMPLE.read_bytes(), "http://127.0.0.1/articles/harbour-tunnel-vote.html")
