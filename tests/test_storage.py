"""Storage: schema by migrations, idempotent writes, WAL, batches that vanish whole when not committed."""

from __future__ import annotations

import sqlite3

from crawler.storage import ArticleRow, Storage, migrations


def article(url: str, text: str = "Some text of the article.", **extra) -> ArticleRow:
    fields = dict(
        url=url, canonical_url=None, site="x.org", title="A title", author=None, published=None, language="en",
        description=None, sitename=None, text=text, word_count=len(text.split()), content_hash="h",
        duplicate_of=None, similarity=None,
    )
    return ArticleRow(**{**fields, **extra})


def test_schema_created_by_migrations_and_reopening_is_a_no_op(tmp_path):
    db = tmp_path / "crawl.db"
    Storage(db).close()
    storage = Storage(db)
    tables = set(storage.db.table_names())
    assert {"articles", "teasers", "teaser_sightings", "pages", "runs", "articles_fts", "dedup_params"} <= tables
    assert "unique_articles" in storage.db.view_names()
    assert [m.name for m in migrations.applied(storage.db)] == [m.name for m in migrations._migrations]
    assert not migrations.pending(storage.db)
    assert storage.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    storage.close()


def test_record_page_is_an_upsert(tmp_path):
    storage = Storage(tmp_path / "crawl.db")
    run = storage.start_run("news", {})
    storage.record_page("http://x.org/a", 500, "error", "http_500", run)
    storage.record_page("http://x.org/a", 200, "article", None, run, etag='"e1"')
    storage.commit()
    assert storage.db.execute("SELECT url, status, kind, reason, etag FROM pages").fetchall() == [
        ("http://x.org/a", 200, "article", None, '"e1"')
    ]


def test_uncommitted_batch_is_invisible_to_readers_and_lost_whole_on_crash(tmp_path):
    db = tmp_path / "crawl.db"
    storage = Storage(db)
    run = storage.start_run("news", {})
    storage.insert_article(article("http://x.org/a"), run)
    storage.record_page("http://x.org/a", 200, "article", None, run)
    reader = sqlite3.connect(db)
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 0  # not committed yet
    storage.conn.close()  # the process dies before the batch commits
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    assert reader.execute("SELECT count(*) FROM pages").fetchone()[0] == 0
    assert reader.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_committed_batch_is_visible_with_search_and_views(tmp_path):
    storage = Storage(tmp_path / "crawl.db")
    run = storage.start_run("news", {})
    first = storage.insert_article(article("http://x.org/a", "Harbour tunnel vote passes"), run)
    storage.insert_article(article("http://x.org/b", "Harbour tunnel vote passes again", duplicate_of=first), run)
    storage.commit()
    hits = storage.db.execute(
        "SELECT a.url FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid WHERE articles_fts MATCH 'tunnel'"
    ).fetchall()
    assert sorted(hits) == [("http://x.org/a",), ("http://x.org/b",)]
    assert storage.db.execute("SELECT url FROM unique_articles").fetchall() == [("http://x.org/a",)]


def test_touching_an_article_does_not_reindex_its_text(tmp_path):
    storage = Storage(tmp_path / "crawl.db")
    run = storage.start_run("news", {})
    article_id = storage.insert_article(article("http://x.org/a", "Unique words zebra"), run)
    storage.commit()
    changes_before = storage.conn.total_changes
    storage.touch_article(article_id)
    assert storage.conn.total_changes - changes_before == 1  # the row itself, no FTS trigger work
    storage.commit()
    assert storage.db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'zebra'").fetchone()[0] == 1


def test_teaser_sightings_are_counted_once_per_page_and_block(tmp_path):
    storage = Storage(tmp_path / "crawl.db")
    teaser = storage.insert_teaser("Headline", "Short blurb…", "http://x.org/story")
    assert storage.add_sighting(teaser, "http://x.org/", "Popular", "Headline", "Short blurb…")
    assert storage.add_sighting(teaser, "http://x.org/", "Editor's choice", "Headline", "Short blurb, longer version.")
    assert not storage.add_sighting(teaser, "http://x.org/", "Popular", "Headline", "Short blurb…")
    storage.commit()
    assert storage.db.execute("SELECT seen_count, text FROM teasers").fetchall() == [
        (2, "Short blurb, longer version.")
    ]


def test_teaser_links_to_its_article_whichever_is_stored_first(tmp_path):
    storage = Storage(tmp_path / "crawl.db")
    run = storage.start_run("news", {})
    early = storage.insert_teaser("Headline", "Blurb", "http://x.org/story")
    article_id = storage.insert_article(article("http://x.org/story"), run)
    late = storage.insert_teaser("Other headline", "Blurb", "http://x.org/story")
    storage.commit()
    rows = dict(storage.db.execute("SELECT id, article_id FROM teasers").fetchall())
    assert rows == {early: article_id, late: article_id}


def test_cross_site_canonical_does_not_make_the_original_stored(tmp_path):
    storage = Storage(tmp_path / "crawl.db")
    run = storage.start_run("news", {})
    storage.insert_article(
        article("http://wire.org/copy", canonical_url="http://herald.org/original", site="wire.org"), run
    )
    same_site = storage.insert_article(
        article("http://herald.org/b?print=1", canonical_url="http://herald.org/b", site="herald.org"), run
    )
    assert storage.article_id_for_url("http://herald.org/original") is None
    assert storage.article_id_for_url("http://herald.org/b") == same_site
