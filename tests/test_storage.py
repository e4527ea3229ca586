"""Storage: schema by migrations, idempotent writes, WAL, batches that vanish whole when not committed."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime

import pytest
import sqlite_utils

from crawler.extract.paragraphs import block_hash, prefix_hash
from crawler.extract.results import Article, Teaser
from crawler.extract.signing import sign_text
from crawler.store import schema, schema_script
from crawler.store.articles import ArticleRow
from crawler.store.database import Database, apply_migrations, utc_now
from crawler.store.duplicates import ArticleDecision
from crawler.store.schema import MIGRATIONS, is_current, migrations
from crawler.store.schema_script import SCRIPT, create_from_script, script_of
from dedup import SignatureScheme
from tests.support.fresh_python import run_python
from tests.support.store import open_writer

SCHEME = SignatureScheme()


def article(url: str, text: str = "Some text of the article.", **extra) -> ArticleRow:
    fields = {
        "url": url,
        "canonical_url": None,
        "site": "x.org",
        "title": "A title",
        "author": None,
        "published": None,
        "language": "en",
        "description": None,
        "sitename": None,
        "image": None,
        "tags": (),
        "categories": (),
        "modified": None,
        "text": text,
        "word_count": len(text.split()),
        "content_hash": "h",
        "duplicate_of": None,
        "similarity": None,
    }
    return ArticleRow(**{**fields, **extra})


def test_schema_created_by_migrations_and_reopening_is_a_no_op(tmp_path):
    db = tmp_path / "crawl.db"
    Database(db).close()
    database = Database(db)
    schema = sqlite_utils.Database(database.conn)
    tables = set(schema.table_names())
    assert {"articles", "teasers", "teaser_sightings", "pages", "runs", "articles_fts", "dedup_params"} <= tables
    assert "unique_articles" in schema.view_names()
    assert [m.name for m in migrations().applied(schema)] == [m.__name__ for m in MIGRATIONS]
    assert not migrations().pending(schema)
    assert database.read("PRAGMA journal_mode").fetchone()[0] == "wal"
    database.close()


def _migrated(path) -> sqlite3.Connection:
    """A database whose schema the migrations made, one by one, through sqlite-utils."""
    conn = sqlite3.connect(path)
    apply_migrations(conn)
    return conn


def _contents(conn: sqlite3.Connection) -> tuple[list, dict]:
    """The schema, and every table's rows (the migrations' records without the time they were applied)."""
    master = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()
    tables = [name for kind, name, _, sql in master if kind == "table" and not (sql or "").startswith("CREATE VIRTUAL")]
    rows = {table: conn.execute(f'SELECT * FROM "{table}"').fetchall() for table in tables}
    rows["_sqlite_migrations"] = [row[:3] for row in rows["_sqlite_migrations"]]
    return master, rows


def test_the_schema_script_is_made_from_the_current_migrations(tmp_path):
    made = script_of(_migrated(tmp_path / "migrated.db"))
    assert SCRIPT.read_text(encoding="utf-8") == made, "make it again: python -m crawler.store.schema_script"


def test_a_new_database_made_by_the_script_is_the_one_the_migrations_make(tmp_path):
    new = Database(tmp_path / "new.db")
    assert _contents(new.conn) == _contents(_migrated(tmp_path / "migrated.db"))
    assert is_current(new.conn) and not migrations().pending(sqlite_utils.Database(new.conn))
    applied = new.read("SELECT applied_at FROM _sqlite_migrations").fetchall()
    assert len(applied) == len(MIGRATIONS) and all(datetime.fromisoformat(at).tzinfo for (at,) in applied)
    new.close()


def test_the_counts_of_each_run_s_summary_read_indexes_not_the_stored_articles(tmp_path):
    # A scheduled run on a database of a year's articles must not read every article's row for its summary:
    # each count it makes reads an index alone (the live count read each row's gone_at until it was indexed).
    writer = open_writer(tmp_path / "crawl.db")
    statements: list[str] = []
    writer.db.conn.set_trace_callback(statements.append)
    writer.totals()
    writer.db.conn.set_trace_callback(None)
    counts = [sql for sql in statements if "count(*)" in sql]
    assert len(counts) == 5
    for sql in counts:
        plan = " ".join(row[3] for row in writer.db.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "COVERING INDEX" in plan, (sql, plan)
    writer.finish("finished")


def test_a_run_s_start_finds_the_runs_that_never_ended_from_an_index(tmp_path):
    # Runs add up (one every ten minutes is 52,000 a year, each with its stats): a start must not read them all.
    writer = open_writer(tmp_path / "crawl.db")
    statements: list[str] = []
    writer.db.conn.set_trace_callback(statements.append)
    writer.start_run("news", {})
    writer.db.conn.set_trace_callback(None)
    (marking,) = [sql for sql in statements if sql.startswith("UPDATE runs")]
    plan = " ".join(row[3] for row in writer.db.conn.execute(f"EXPLAIN QUERY PLAN {marking}"))
    assert "USING INDEX idx_runs_unfinished" in plan, plan
    # The first run never recorded its end: the second's start marked it.
    assert writer.db.read("SELECT finish_reason FROM runs ORDER BY id").fetchall() == [("aborted",), (None,)]
    writer.finish("finished")


def test_a_script_made_after_other_migrations_or_that_fails_leaves_them_to_make_the_schema(tmp_path):
    expected = _contents(_migrated(tmp_path / "migrated.db"))
    statements = SCRIPT.read_text(encoding="utf-8").partition("\n")[2]
    older = tmp_path / "older.sql"  # a migration added since it was made
    older.write_text(f"-- migrations: {' '.join(m.__name__ for m in MIGRATIONS[:-1])}\n{statements}")
    failing = tmp_path / "failing.sql"  # a statement this SQLite cannot run, after some it can
    failing.write_text(SCRIPT.read_text(encoding="utf-8") + "CREATE VIRTUAL TABLE x USING no_such_module;\n")
    for script in (older, failing, tmp_path / "missing.sql"):
        conn = sqlite3.connect(tmp_path / f"{script.stem}.db")
        assert not create_from_script(conn, script)
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,), script  # nothing left made
        apply_migrations(conn)
        assert _contents(conn) == expected, script


def test_the_schema_is_current_exactly_when_sqlite_utils_has_nothing_pending(tmp_path):
    """The check that spares an up-to-date database loading sqlite-utils reads what sqlite-utils records."""
    conn = sqlite3.connect(tmp_path / "crawl.db")
    schema = sqlite_utils.Database(conn)
    assert not is_current(conn) and migrations().pending(schema)  # a new file: no record of migrations at all
    for applied_up_to in range(1, len(MIGRATIONS)):
        migrations().apply(schema, stop_before=MIGRATIONS[applied_up_to].__name__)
        assert not is_current(conn) and migrations().pending(schema), applied_up_to
    migrations().apply(schema)
    assert is_current(conn) and not migrations().pending(schema)
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = ?", (MIGRATIONS[4].__name__,))
    assert not is_current(conn) and migrations().pending(schema)  # one missing in the middle


def test_an_older_database_gets_prefixes_for_its_chinese_and_japanese_teasers(tmp_path):
    writer = open_writer(tmp_path / "crawl.db")
    blurbs = [
        "记者从有关部门获悉，今年以来各项工作稳步推进",
        "見出しの記事です",
        "A blurb in English, stored without a prefix, which the migration leaves alone.",
    ]
    for n, blurb in enumerate(blurbs):
        writer.teasers.insert("t", blurb, f"http://x.org/{n}", None, None, "http://x.org/", "main")
    # As the crawler left it before: no prefix for a blurb of two clauses (two words then), and the
    # migration that gives blurbs of Chinese and Japanese their prefixes not applied yet.
    writer.db.write("DELETE FROM _sqlite_migrations WHERE name = 'm012_blurb_prefixes_by_character'")
    writer.finish("finished")
    writer = open_writer(tmp_path / "crawl.db")
    prefixes = [row[0] for row in writer.db.read("SELECT prefix_hash FROM teasers ORDER BY id")]
    assert prefixes == [prefix_hash(blurbs[0]), prefix_hash(blurbs[1]), None]  # the English one left as it was
    assert None not in prefixes[:2] and prefix_hash(blurbs[2]) is not None


def test_an_older_database_moves_its_blocks_seen_in_one_article_apart(tmp_path):
    writer = open_writer(tmp_path / "crawl.db", CHROME_MIN_STORIES=3)
    line = "Sign up for the morning newsletter, five stories before breakfast."
    rows = [  # (hash, stories, story ids, article ids, is chrome) as the crawl left them before
        (block_hash(line), 1, "[7]", "[9]", 0),  # seen once: moves
        (11, 1, "[7]", "[9, 10]", 0),  # one story in two articles (a copy): stays
        (12, 2, "[7, 8]", "[9, 12]", 0),
        (13, 3, "[7, 8, 14]", "[9, 12, 15]", 1),
    ]
    writer.db.write_many(
        "INSERT INTO site_blocks (site, hash, text, stories, story_ids, article_ids, is_chrome, first_seen, last_seen) "
        "VALUES ('x.org', ?, 'text', ?, ?, ?, ?, '2026-01-02T00:00:00+00:00', '2026-01-03T00:00:00+00:00')",
        rows,
    )
    writer.db.write("DROP TABLE site_blocks_seen_once")
    writer.db.write("DELETE FROM _sqlite_migrations WHERE name = 'm019_blocks_seen_once_kept_apart'")
    writer.finish("finished")
    writer = open_writer(tmp_path / "crawl.db", CHROME_MIN_STORIES=3)
    assert writer.db.read("SELECT hash FROM site_blocks ORDER BY hash").fetchall() == [(11,), (12,), (13,)]
    assert writer.db.read("SELECT * FROM site_blocks_seen_once").fetchall() == [
        ("x.org", block_hash(line), 7, 9, 1767312000)
    ]
    # Learned on from there: a second story shows it.
    assert writer.chrome is not None
    writer.chrome.learn("http://x.org/b", 20, 20, f"A story of its own, told at length for its readers.\n\n{line}")
    assert writer.db.read(
        "SELECT story_ids, first_seen FROM site_blocks WHERE hash = ?", (block_hash(line),)
    ).fetchall() == [("[7, 20]", "2026-01-02T00:00:00+00:00")]
    writer.finish("finished")


HINDI_ROWS = [
    ("http://x.in/rome", "रोम में बैठक हुई"),
    ("http://x.in/ram", "राम ने कहा"),
    ("http://x.in/ka", "यह उस का काम"),
]


def _searched(db, query: str) -> list[str]:
    return [
        row[0]
        for row in db.execute(
            "SELECT a.url FROM articles_fts f JOIN articles a ON a.id = f.rowid "
            "WHERE articles_fts MATCH ? ORDER BY a.url",
            (query,),
        )
    ]


def test_a_search_in_hindi_finds_the_word_with_its_vowel_signs(tmp_path):
    # With combining marks taken for separators, "राम" (Ram) was "र म" and found "रोम" (Rome), "की" was "क".
    writer = open_writer(tmp_path / "crawl.db")
    for url, text in HINDI_ROWS:
        writer.articles.insert(article(url, text, title="समाचार"), writer.run_id)
    writer.finish("finished")
    db = sqlite3.connect(tmp_path / "crawl.db")
    assert _searched(db, "राम") == ["http://x.in/ram"]
    assert _searched(db, "की") == [] and _searched(db, "का") == ["http://x.in/ka"]
    assert _searched(db, "समाचार") == [url for url, _ in sorted(HINDI_ROWS)]


@pytest.mark.parametrize("made_before", [None, "m016_search_index_filled_by_the_writer"])
def test_a_stored_article_is_indexed_for_search_once(tmp_path, made_before):
    """The writer indexes a new article itself; a database made before m016 had a trigger that did it too."""
    path = tmp_path / "crawl.db"
    if made_before:
        schema = sqlite_utils.Database(path)
        migrations().apply(schema, stop_before=made_before)
        schema.conn.close()
    writer = open_writer(path)
    for url, text in HINDI_ROWS:
        writer.articles.insert(article(url, text, title="समाचार"), writer.run_id)
    writer.finish("finished")
    db = sqlite3.connect(path)
    assert _searched(db, "राम") == ["http://x.in/ram"] and len(_searched(db, "समाचार")) == len(HINDI_ROWS)
    # Fails (the database is malformed, SQLite says) where the index holds other terms than the articles' own.
    db.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")


def test_an_older_databases_search_index_is_made_again_with_the_vowel_signs(tmp_path):
    path = tmp_path / "crawl.db"
    schema = sqlite_utils.Database(path)
    migrations().apply(schema, stop_before="m014_search_words_keep_their_marks")  # the schema as it was before
    for n, (url, text) in enumerate(HINDI_ROWS, start=1):
        schema.execute(
            "INSERT INTO articles (id, url, site, title, text, content_hash, word_count, first_seen, last_seen) "
            "VALUES (?, ?, 'x.in', 'समाचार', ?, 'h', 3, '2026', '2026')",
            (n, url, text),
        )
    schema.conn.commit()
    assert _searched(schema.conn, "राम") == ["http://x.in/ram", "http://x.in/rome"]  # as it was
    schema.conn.close()
    open_writer(path).finish("finished")
    db = sqlite3.connect(path)
    assert _searched(db, "राम") == ["http://x.in/ram"] and _searched(db, "रोम") == ["http://x.in/rome"]


def test_an_sqlite_refusing_the_tokenizer_option_keeps_the_index_as_it_was(tmp_path, monkeypatch, caplog):
    # An older SQLite knows no "categories" option; here an option this one knows no better, refused the same way
    # by the migration and by the new database's script (which then leaves the migrations to make it).
    refused = "unicode61 categories_of_a_later_release 'L*'"
    script = tmp_path / "schema.sql"
    script.write_text(SCRIPT.read_text(encoding="utf-8").replace(schema.SEARCH_TOKENIZER, refused))
    monkeypatch.setattr(schema_script, "SCRIPT", script)
    monkeypatch.setattr(schema, "SEARCH_TOKENIZER", refused)
    writer = open_writer(tmp_path / "crawl.db")
    for url, text in HINDI_ROWS:
        writer.articles.insert(article(url, text, title="समाचार"), writer.run_id)
    writer.finish("finished")
    assert "keeps cutting words at combining marks" in caplog.text
    assert _searched(sqlite3.connect(tmp_path / "crawl.db"), "राम") == ["http://x.in/ram", "http://x.in/rome"]


def test_a_database_whose_schema_is_current_opens_without_sqlite_utils_or_numpy(tmp_path):
    """A scheduled run's writer opens its up-to-date database before the crawl fetches anything: loading
    sqlite-utils, and numpy with it, would hold the first request back 0.1-0.2 s. A new database is made by
    the schema's script, without sqlite-utils too."""
    db = tmp_path / "crawl.db"
    opened = (
        "import sys; from tests.support.store import open_writer; open_writer(sys.argv[1]).finish('finished'); "
        "print(sorted(m for m in ('numpy', 'sqlite_utils') if m in sys.modules))"
    )
    assert run_python(opened, str(db)).strip() == "[]"  # new: schema made by its script, the known bands taken
    assert run_python(opened, str(db)).strip() == "[]"
    assert {"articles", "pages", "runs"} <= set(sqlite_utils.Database(db).table_names())


def test_record_page_is_an_upsert(tmp_path):
    writer = open_writer(tmp_path / "crawl.db")
    writer.pages.record("http://x.org/a", 500, "error", "http_500", writer.run_id)
    writer.pages.record("http://x.org/a", 200, "article", None, writer.run_id, etag='"e1"')
    writer.commit()
    assert writer.db.read("SELECT url, status, kind, reason, etag FROM pages").fetchall() == [
        ("http://x.org/a", 200, "article", None, '"e1"')
    ]


def test_uncommitted_batch_is_invisible_to_readers_and_lost_whole_on_crash(tmp_path):
    db = tmp_path / "crawl.db"
    writer = open_writer(db)
    writer.articles.insert(article("http://x.org/a"), writer.run_id)
    writer.pages.record("http://x.org/a", 200, "article", None, writer.run_id)
    reader = sqlite3.connect(db)
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 0  # not committed yet
    writer.db.conn.close()  # the process dies before the batch commits
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    assert reader.execute("SELECT count(*) FROM pages").fetchone()[0] == 0
    assert reader.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_committed_batch_is_visible_with_search_and_views(tmp_path):
    writer = open_writer(tmp_path / "crawl.db")
    first = writer.articles.insert(article("http://x.org/a", "Harbour tunnel vote passes"), writer.run_id)
    writer.articles.insert(
        article("http://x.org/b", "Harbour tunnel vote passes again", duplicate_of=first), writer.run_id
    )
    writer.commit()
    hits = writer.db.read(
        "SELECT a.url FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid WHERE articles_fts MATCH 'tunnel'"
    ).fetchall()
    assert sorted(hits) == [("http://x.org/a",), ("http://x.org/b",)]
    assert writer.db.read("SELECT url FROM unique_articles").fetchall() == [("http://x.org/a",)]


def test_touching_an_article_does_not_reindex_its_text(tmp_path):
    writer = open_writer(tmp_path / "crawl.db")
    article_id = writer.articles.insert(article("http://x.org/a", "Unique words zebra"), writer.run_id)
    writer.commit()
    changes_before = writer.db.conn.total_changes
    writer.articles.touch(article_id)
    assert writer.db.conn.total_changes - changes_before == 1  # the row itself, no FTS trigger work
    writer.commit()
    assert writer.db.read("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'zebra'").fetchone()[0] == 1


def test_teaser_sightings_are_counted_once_per_page_and_block(tmp_path):
    teasers = open_writer(tmp_path / "crawl.db").teasers
    teaser = teasers.insert("Headline", "Short blurb…", "http://x.org/story", None, None, "http://x.org/", "Popular")
    assert not teasers.add_sighting(teaser, "http://x.org/", "Popular", "Headline", "Short blurb…")
    assert teasers.add_sighting(teaser, "http://x.org/", "Editor's choice", "Headline", "Short blurb, longer version.")
    assert not teasers.add_sighting(teaser, "http://x.org/", "Popular", "Headline", "Short blurb…")
    teasers.db.commit()
    assert teasers.db.read("SELECT seen_count, text FROM teasers").fetchall() == [(2, "Short blurb, longer version.")]


def test_teaser_links_to_its_article_whichever_is_stored_first(tmp_path):
    writer = open_writer(tmp_path / "crawl.db")
    dedup = writer.dedup

    def store_article(url: str, words: str) -> int:
        text = sign_text(words, SCHEME)
        return dedup.store_article(url, Article(text.text), text, ArticleDecision("unique"), writer.run_id)

    dedup.store_teasers("http://x.org/", [Teaser("http://x.org/early", "Headline", "Blurb", "Popular")], [None])
    early = store_article("http://x.org/early", "Some text of the early article.")
    late = store_article("http://x.org/late", "Some text of the late article.")
    dedup.store_teasers("http://x.org/", [Teaser("http://x.org/late", "Other headline", "Other blurb", "")], [None])
    writer.commit()
    rows = dict(writer.db.read("SELECT url, article_id FROM teasers").fetchall())
    assert rows == {"http://x.org/early": early, "http://x.org/late": late}


def test_cross_site_canonical_does_not_make_the_original_stored(tmp_path):
    writer = open_writer(tmp_path / "crawl.db")

    def store(url: str, canonical: str, words: str) -> int:
        text = sign_text(words, SCHEME)
        page = Article(text.text, canonical_url=canonical)
        return writer.dedup.store_article(url, page, text, ArticleDecision("unique"), writer.run_id)

    store("http://wire.org/copy", "http://herald.org/original", "A copy of the original story on the wire.")
    same_site = store("http://herald.org/b?print=1", "http://herald.org/b", "The printable page of story b.")
    assert writer.articles.find("http://herald.org/original") is None  # syndication: another site's article
    assert writer.articles.find("http://herald.org/b") == same_site  # the canonical URL on its own site
    assert writer.articles.reason_for("http://herald.org/b") == "canonical"


def test_timestamps_are_the_current_second_in_utc():
    before = datetime.now(UTC).isoformat(timespec="seconds")
    first = utc_now()
    assert before <= first <= datetime.now(UTC).isoformat(timespec="seconds")
    assert first.endswith("+00:00") and len(first) == len("2026-01-02T03:04:05+00:00")
    time.sleep(1.01 - time.time() % 1)  # into the next second: made once a second, never kept longer
    assert utc_now() > first
