"""The crawl process loads no extractor: trafilatura runs in the workers, whose fork server imports it."""

from __future__ import annotations

import subprocess
import sys

from tests.support.crawl import REPO

CRAWL_PROCESS_MODULES = [
    "crawler.commands.crawl",
    "crawler.spiders.news",
    "crawler.extract.pipeline",
    "crawler.store.pipeline",
    "crawler.records",
    "crawler.config",
]


def test_the_crawl_process_modules_do_not_import_trafilatura():
    code = (
        f"import {', '.join(CRAWL_PROCESS_MODULES)}, sys; "
        "print(sorted(m for m in ('trafilatura', 'htmldate', 'justext') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
