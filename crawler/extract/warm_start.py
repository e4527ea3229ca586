"""Imported first by the workers' fork server: patterns compiled at an earlier crawl are not compiled again."""

from __future__ import annotations

from crawler.extract.kept_patterns import KeptPatterns

KEPT_PATTERNS = KeptPatterns()
KEPT_PATTERNS.install()  # kept again, with what the warm-up adds, at the warm-up's end (crawler.extract.warmup)
