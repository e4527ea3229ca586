"""The near-duplicate index stays exactly in step with the stored articles across a crash."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.crawl import REPO, query

pytestmark = pytest.mark.e2e


def write(db, count: int, die_after: int = -1, batch: int = 7) -> int:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "tests.support.crash_writer", str(db), str(count), str(die_after), str(batch)]
    return subprocess.run(command, cwd=REPO, env=env, timeout=120).returncode


def check_consistent(db) -> int:
    """Every stored article has its signature and all its band keys, and nothing else is indexed."""
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    (bands,) = query(db, "SELECT json_extract(params, '$.bands') FROM dedup_params WHERE namespace = 'article'")[0]
    articles = {i for (i,) in query(db, "SELECT id FROM articles")}
    signed = {i for (i,) in query(db, "SELECT doc_id FROM article_signatures")}
    assert signed == articles
    per_doc = dict(query(db, "SELECT doc_id, count(*) FROM article_bands GROUP BY doc_id"))
    assert set(per_doc) == articles and set(per_doc.values()) <= {bands}
    pages = {u for (u,) in query(db, "SELECT url FROM pages")}
    assert pages == {u for (u,) in query(db, "SELECT url FROM articles")}
    return len(articles)


def test_a_crash_mid_batch_leaves_index_and_rows_in_step(tmp_path):
    db = tmp_path / "crawl.db"
    assert write(db, count=40, die_after=24, batch=7) == 137
    stored = check_consistent(db)
    assert stored == 21  # three committed batches of seven; the fourth died with the process
    # The next run stores the rest, each article once, and links copies across the crash.
    assert write(db, count=40) == 0
    assert check_consistent(db) == 40
    assert query(db, "SELECT count(DISTINCT url) FROM articles") == [(40,)]
    linked = query(db, "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL")[0][0]
    assert linked == len([n for n in range(40) if n % 3 == 2])
