"""The database as people use it: feed exports, re-extraction from kept pages, Datasette with the shipped metadata."""

from __future__ import annotations

import asyncio
import csv
import json
import sqlite3
from pathlib import Path

import pytest
from datasette.app import Datasette

from crawler.datasette import metadata_for
from dedup import content_hash
from tests.support.crawl import crawl, scrapy

pytestmark = pytest.mark.e2e

ARTICLE_FIELDS = {"url", "title", "author", "published", "language", "text", "word_count", "duplicate_of", "version"}
QUERIES = [
    "articles_containing",
    "latest_articles",
    "stories_and_copies",
    "most_shown_teasers",
    "added_by_run",
    "failed_by_run",
    "learned_chrome",
    "updated_or_gone",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo crawl with its pages kept and its articles exported, then re-extracted after a rule change."""
    root = tmp_path_factory.mktemp("demo")
    db = root / "crawl.db"
    settings = {"DEMO_PORTS": "0", "STORE_HTML": True}
    first = crawl(
        "demo",
        db,
        settings={
            **settings,
            "FEEDS": json.dumps(
                {
                    str(root / "articles.jsonl"): {"format": "jsonlines"},
                    str(root / "articles.csv"): {"format": "csv"},
                }
            ),
        },
    )
    assert first.returncode == 0, first.stderr[-3000:]
    # The text an older version of the cleaning rules stored for two articles (one stale line more).
    with sqlite3.connect(db) as conn:
        stale = conn.execute("SELECT id, text FROM articles ORDER BY id LIMIT 2").fetchall()
        for article_id, text in stale:
            old = text + "\n\nShare this story with your friends on every network we know."
            conn.execute(
                "UPDATE articles SET text = ?, content_hash = ? WHERE id = ?", (old, content_hash(old), article_id)
            )
    reextract = scrapy("reextract", "-s", f"SQLITE_PATH={db}")
    return {"root": root, "db": db, "first": first, "stale": stale, "reextract": reextract}


def test_feed_exports_hold_one_item_per_stored_article(demo):
    lines = (demo["root"] / "articles.jsonl").read_text().splitlines()
    items = [json.loads(line) for line in lines]
    assert len(items) == 20 and set(items[0]) >= ARTICLE_FIELDS
    assert all(item["text"] and item["word_count"] > 25 for item in items)
    assert sum(item["duplicate_of"] is not None for item in items) == 4
    assert not {"body", "analysis", "signature", "html", "etag"} & set(items[0])  # nothing internal
    # The page's og:image (absolute) and article:section reach the item; tags and categories are lists.
    tunnel = next(item for item in items if item["url"].endswith("/harbour-tunnel-vote.html"))
    assert tunnel["image"].endswith("/static/img/harbour-tunnel-vote.svg") and tunnel["image"].startswith("http://")
    assert tunnel["categories"] == ["Business"] and isinstance(tunnel["tags"], list)
    with open(demo["root"] / "articles.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 20 and {row["url"] for row in rows} == {item["url"] for item in items}
    assert "Traceback" not in demo["first"].stderr


def test_reextract_of_a_database_that_is_not_there_is_one_line_and_makes_none(tmp_path):
    db = tmp_path / "never-crawled.db"
    result = scrapy("reextract", "-s", f"SQLITE_PATH={db}")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Cannot re-extract: there is no database at {db}: crawl first, or name it with -s SQLITE_PATH=..."
    )
    assert not db.exists()


def test_reextract_rebuilds_from_kept_pages_and_records_new_versions(demo):
    result = demo["reextract"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("Re-extraction finished (finished)")
    assert "18 seen again, 2 updated" in result.stdout
    with sqlite3.connect(demo["db"]) as conn:
        for article_id, stale_text in demo["stale"]:
            text, version = conn.execute("SELECT text, version FROM articles WHERE id = ?", (article_id,)).fetchone()
            assert version == 2 and "Share this story" not in text and text == stale_text
            old = conn.execute("SELECT text FROM article_versions WHERE article_id = ? AND version = 1", (article_id,))
            assert "Share this story" in old.fetchone()[0]
        kept = conn.execute("SELECT count(*), sum(length(body)) FROM page_html").fetchone()
        runs = conn.execute("SELECT spider, finish_reason FROM runs ORDER BY id").fetchall()
    assert kept[0] == 20 and kept[1] < 20 * 20_000  # compressed: a few KB a page
    assert runs == [("demo", "finished"), ("reextract", "finished")]


def datasette_get(db: Path, path: str) -> dict | list:
    async def get() -> dict | list:
        datasette = Datasette(files=[str(db)], metadata=metadata_for(db.stem), settings={"truncate_cells_html": 300})
        response = await datasette.client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        return response.json()

    return asyncio.run(get())


@pytest.mark.parametrize("query", QUERIES)
def test_every_canned_query_returns_rows(demo, query):
    assert demo["reextract"].returncode == 0  # updated_or_gone has the re-extracted articles
    rows = datasette_get(demo["db"], f"/crawl/{query}.json?_shape=array")
    assert rows, query


def test_datasette_hides_internals_links_tables_and_searches_the_views(demo):
    db = demo["db"]
    tables = {t["name"]: t for t in datasette_get(db, "/crawl.json")["tables"]}
    for internal in ("article_bands", "article_signatures", "teaser_bands", "dedup_params", "page_html"):
        assert tables[internal]["hidden"], internal
    assert not tables["articles"]["hidden"] and not tables["pages"]["hidden"]
    page = datasette_get(db, "/crawl/pages.json?kind=article&_size=1&_labels=on")["rows"][0]
    assert isinstance(page["article_id"], dict) and page["article_id"]["label"]  # a link with the article's title
    facets = datasette_get(db, "/crawl/articles.json?_size=1")["facet_results"]
    assert {"site", "language"} <= set(facets)
    hits = datasette_get(db, "/crawl/live_articles.json?_search=harbour&_shape=array")
    assert hits and all("arbour" in (h["title"] + h["text"]) for h in hits)
    # A piece of a word, which the full-text search does not find (as a word inside a clause of Chinese):
    # the canned query scans for it.
    assert not datasette_get(db, "/crawl/live_articles.json?_search=arbou&_shape=array")
    found = datasette_get(db, "/crawl/articles_containing.json?text=arbou&_shape=array")
    assert {h["id"] for h in found} == {h["id"] for h in hits}
