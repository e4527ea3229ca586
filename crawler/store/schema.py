"""The database schema as sqlite-utils migrations: each one runs once, in order, in one transaction with the rest."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

logger = logging.getLogger(__name__)

MIGRATION_SET = "storyonce"
# Where sqlite-utils' Migrations records what it applied (its ``migrations_table``).
APPLIED_TABLE = "_sqlite_migrations"

Migration = Callable[["sqlite_utils.Database"], None]
MIGRATIONS: list[Migration] = []  # in the order they run


def migration(function: Migration) -> Migration:
    """Register a migration (after those defined before it)."""
    MIGRATIONS.append(function)
    return function


@migration
def m001_initial_schema(db: sqlite_utils.Database) -> None:
    db.table("runs").create(
        {"id": int, "spider": str, "args": str, "started": str, "finished": str, "finish_reason": str, "stats": str},
        pk="id",
    )
    db.table("articles").create(
        {
            "id": int,
            "url": str,
            "canonical_url": str,
            "site": str,
            "title": str,
            "author": str,
            "published": str,
            "language": str,
            "description": str,
            "sitename": str,
            "text": str,
            "word_count": int,
            "content_hash": str,
            "duplicate_of": int,
            "similarity": float,
            "first_seen": str,
            "last_seen": str,
            "run_id": int,
        },
        pk="id",
        not_null={"url", "text", "first_seen", "last_seen"},
        foreign_keys=[("duplicate_of", "articles", "id"), ("run_id", "runs", "id")],
    )
    db.table("articles").create_index(["url"], unique=True)
    db.table("articles").create_index(["canonical_url"])
    db.table("articles").create_index(["content_hash"])
    db.table("articles").create_index(["duplicate_of"])
    db.table("articles").create_index(["site"])
    db.table("teasers").create(
        {
            "id": int,
            "title": str,
            "text": str,
            "url": str,
            "article_id": int,
            "seen_count": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("teasers").create_index(["url"])
    db.table("teasers").create_index(["article_id"])
    db.table("teaser_sightings").create(
        {"teaser_id": int, "page_url": str, "block": str, "first_seen": str, "last_seen": str},
        pk=("teaser_id", "page_url", "block"),
        foreign_keys=[("teaser_id", "teasers", "id")],
    )
    db.table("pages").create(
        {
            "url": str,
            "status": int,
            "kind": str,
            "reason": str,
            "fetched_at": str,
            "etag": str,
            "last_modified": str,
            "article_id": int,
            "run_id": int,
        },
        pk="url",
    )
    db.table("pages").create_index(["kind", "reason"])
    # Band keys and signatures of the near-duplicate indexes, one pair of tables per namespace.
    for namespace in ("article", "teaser"):
        db.execute(
            f"CREATE TABLE {namespace}_bands (key INTEGER NOT NULL, doc_id INTEGER NOT NULL, "
            "PRIMARY KEY (key, doc_id)) WITHOUT ROWID"
        )
        db.table(f"{namespace}_signatures").create({"doc_id": int, "size": int, "minhash": bytes}, pk="doc_id")
    db.table("dedup_params").create({"namespace": str, "params": str}, pk="namespace")
    db.table("articles").enable_fts(["title", "text"], fts_version="FTS5")
    # Our own triggers: re-index only when title or text change, not on every last_seen update.
    db.execute(
        "CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN "
        "INSERT INTO articles_fts (rowid, title, text) VALUES (new.id, new.title, new.text); END"
    )
    db.execute(
        "CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN "
        "INSERT INTO articles_fts (articles_fts, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text); END"
    )
    db.execute(
        "CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN "
        "INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); "
        "INSERT INTO articles_fts (rowid, title, text) VALUES (new.id, new.title, new.text); END"
    )
    db.create_view("unique_articles", "SELECT * FROM articles WHERE duplicate_of IS NULL")


@migration
def m002_site_chrome(db: sqlite_utils.Database) -> None:
    # Short paragraphs seen in the articles of a site: how many distinct stories showed each, and
    # which articles hold it, so that once it counts as chrome those can be cleaned too.
    db.table("site_blocks").create(
        {
            "site": str,
            "hash": int,
            "text": str,
            "stories": int,
            "story_ids": str,
            "article_ids": str,
            "is_chrome": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk=("site", "hash"),
        not_null={"site", "hash"},
    )
    db.table("site_blocks").create_index(["site", "is_chrome"])
    # Everything cut out of an article's text, with why: nothing is silently lost.
    db.table("removed_blocks").create(
        {"article_id": int, "text": str, "reason": str, "removed_at": str},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("removed_blocks").create_index(["article_id"])


@migration
def m003_teaser_prefixes(db: sqlite_utils.Database) -> None:
    # The hash of a blurb's first words: a blurb cut at any length still starts the same, so a paragraph
    # of an article can be matched against the site's teasers with one indexed look-up.
    db.table("teasers").add_column("prefix_hash", int)
    db.table("teasers").create_index(["prefix_hash"])


@migration
def m004_redirect_targets(db: sqlite_utils.Database) -> None:
    # Every URL asked for has a row: one that redirected says where to.
    db.table("pages").add_column("redirect_to", str)


@migration
def m005_article_history(db: sqlite_utils.Database) -> None:
    # Articles followed after they are stored: their versions, when they went, their other URLs.
    articles = db.table("articles")
    articles.add_column("version", int, not_null_default=1)
    articles.add_column("updated_at", str)
    articles.add_column("gone_at", str)
    db.execute("UPDATE articles SET updated_at = first_seen")
    # Revisits ask for a site's articles first seen since a date.
    articles.create_index(["site", "first_seen"])
    db.table("article_versions").create(
        {
            "article_id": int,
            "version": int,
            "title": str,
            "text": str,
            "content_hash": str,
            "fetched_at": str,
            "replaced_at": str,
        },
        pk=("article_id", "version"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("article_urls").create(
        {"url": str, "article_id": int, "reason": str, "first_seen": str},
        pk="url",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("article_urls").create_index(["article_id"])
    # The canonical URLs articles declared on their own site were looked up in articles itself before.
    db.execute(
        "INSERT OR IGNORE INTO article_urls (url, article_id, reason, first_seen) "
        "SELECT canonical_url, id, 'canonical', first_seen FROM articles WHERE canonical_url IS NOT NULL "
        "AND canonical_url != url AND (canonical_url LIKE 'http://' || site || '/%' "
        "OR canonical_url LIKE 'https://' || site || '/%')"
    )
    db.create_view("live_articles", "SELECT * FROM articles WHERE duplicate_of IS NULL AND gone_at IS NULL")
    # robots.txt files and sitemap indexes as last fetched: a 304 for one reuses its rules, or the
    # sitemaps it names (which change on their own).
    db.table("kept_files").create({"url": str, "body": bytes, "fetched_at": str}, pk="url")
    # Redirects to an article are its other URLs: found by where they lead.
    db.table("pages").create_index(["redirect_to"])


@migration
def m006_links_and_pages_kept(db: sqlite_utils.Database) -> None:
    # Foreign keys let Datasette (and anyone joining) go from a page to its article and its run.
    # Both in one statement: SQLite adds a foreign key by copying the table, once here instead of twice.
    db.add_foreign_keys([("pages", "article_id", "articles", "id"), ("pages", "run_id", "runs", "id")])
    # With STORE_HTML: each article page's bytes as last downloaded, compressed, for re-extraction.
    db.table("page_html").create(
        {"url": str, "article_id": int, "content_type": str, "body": bytes, "fetched_at": str},
        pk="url",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("page_html").create_index(["article_id"])


@migration
def m007_article_image_tags_modified(db: sqlite_utils.Database) -> None:
    # What news-please and trafilatura users expect too: tags and categories are JSON arrays.
    articles = db.table("articles")
    for column in ("image", "tags", "categories", "modified"):
        articles.add_column(column, str)


@migration
def m008_site_titles(db: sqlite_utils.Database) -> None:
    # What each site adds around its headlines (" | The Daily X"), learned from its titles and cut from them.
    db.table("site_titles").create({"site": str, "prefix": str, "suffix": str, "learned_at": str}, pk="site")


@migration
def m009_stream_positions(db: sqlite_utils.Database) -> None:
    # A writer storing records from a Redis Stream (`scrapy store`) keeps, in the same transaction as
    # their rows, the last entry it stored: an entry delivered again after a crash changes nothing.
    db.table("stream_positions").create(
        {"stream": str, "last_id": str, "crawl_run": str, "run_id": int, "updated_at": str}, pk="stream"
    )


@migration
def m010_listed_publication(db: sqlite_utils.Database) -> None:
    # The publication date the sitemap or feed that listed a kept page gave: its extraction read it, and
    # re-extraction from the kept bytes must read it too.
    db.table("page_html").add_column("listed_published", str)


@migration
def m011_teasers_over_limit(db: sqlite_utils.Database) -> None:
    # A page showing more teasers than EXTRACT_MAX_TEASERS stores its first ones: how many it left out is
    # on its row, so the pages that went over are found by a query, not in a log.
    db.table("pages").add_column("teasers_over_limit", int)


@migration
def m012_blurb_prefixes_by_character(db: sqlite_utils.Database) -> None:
    # A blurb's first words are characters in Chinese and Japanese now, as the crawler counts words: read a
    # clause at a time, most such blurbs had too few words for a prefix, and their teasers none.
    from crawler.extract.paragraphs import prefix_hash
    from dedup.shingles import holds_ideographs

    rows = db.execute("SELECT id, text FROM teasers")
    changed = [(prefix_hash(text), teaser) for teaser, text in rows if text and holds_ideographs(text)]
    db.conn.executemany("UPDATE teasers SET prefix_hash = ? WHERE id = ?", changed)


@migration
def m013_words_keep_their_marks(db: sqlite_utils.Database) -> None:
    # A word of Hindi, Bengali or Tamil keeps its vowel signs now (dedup.marks): before, "की" and "के" were one
    # word, and a correction between them no new version. The hashes of texts holding such marks are made
    # again as the crawl makes them now, or each such story seen again would be taken for edited.
    from dedup.shingles import holds_marks

    if _has_articles(db):  # a new database has nothing to read, nor to say
        logger.info("Reading the stored texts for those with combining marks, to make their hashes again (once)")
    _hash_texts_again(db, holds_marks)


def _hash_texts_again(db: sqlite_utils.Database, reads_otherwise: Callable[[str], bool]) -> None:
    """Make the hashes (and word counts) of the stored texts that the crawl now reads into other words, as it makes
    them now: articles and their earlier versions, teasers' blurbs, site blocks."""
    from crawler.extract.paragraphs import block_hash, prefix_hash
    from crawler.extract.words import count_words
    from crawler.store.database import in_batches  # here: the database module imports this one
    from dedup import content_hash

    def picked(table: str, columns: str) -> Iterator[list[tuple]]:
        """The rows of ``table`` whose last column (a text) is read otherwise, a batch at a time."""
        for rows in in_batches(db.conn, table, columns):
            yield [row for row in rows if row[-1] and reads_otherwise(row[-1])]

    for articles in picked("articles", "id, text"):
        db.conn.executemany(
            "UPDATE articles SET content_hash = ?, word_count = ? WHERE id = ?",
            [(content_hash(text), count_words(text), article) for article, text in articles],
        )
    for versions in picked("article_versions", "article_id, version, text"):
        db.conn.executemany(
            "UPDATE article_versions SET content_hash = ? WHERE article_id = ? AND version = ?",
            [(content_hash(text), article, version) for article, version, text in versions],
        )
    for teasers in picked("teasers", "id, text"):
        db.conn.executemany(
            "UPDATE teasers SET prefix_hash = ? WHERE id = ?", [(prefix_hash(text), teaser) for teaser, text in teasers]
        )
    for blocks in picked("site_blocks", "site, hash, text"):
        db.conn.executemany(
            "UPDATE site_blocks SET hash = ? WHERE site = ? AND hash = ?",
            [(block_hash(text), site, old) for site, old, text in blocks],
        )
    if db["site_blocks_seen_once"].exists():  # no text to hash again (see m019): each is learned from scratch
        db.execute("DELETE FROM site_blocks_seen_once")


# FTS5's unicode61 tokenizer reads letters, digits and private-use characters as parts of words, everything else as
# separators; combining marks are parts of words too (see m014).
SEARCH_TOKENIZER = "unicode61 categories 'L* N* Co M*'"


@migration
def m014_search_words_keep_their_marks(db: sqlite_utils.Database) -> None:
    # The full-text index cut words at every combining mark and left the marks out: a search for "राम" (Ram) found
    # "रोम" (Rome), and one for "की" every "का", "के" and "को". It is made again with marks as part of words,
    # from the articles (a few minutes, once, for a million).
    if _has_articles(db):
        logger.info("Making the full-text index again, with words that keep their vowel signs (once)")
    db.execute("DROP TABLE articles_fts")  # the triggers that fill it stay: they name it, and it is back below
    index = 'CREATE VIRTUAL TABLE articles_fts USING FTS5 (title, text, content="articles"'
    try:
        db.execute(f'{index}, tokenize="{SEARCH_TOKENIZER}")')
    except sqlite3.OperationalError as exc:  # an older SQLite, without the categories option: the index as it was
        logger.warning("The full-text index keeps cutting words at combining marks: this SQLite says %s", exc)
        db.execute(f"{index})")
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")


@migration
def m015_unspaced_words_keep_their_signs(db: sqlite_utils.Database) -> None:
    # A sign of Thai, Lao, Khmer or Burmese ends the word it is written in now (dedup.shingles.WORD): before, it was
    # left out, "ไม่" (not) and "ไม้" (wood) were one word, and a correction of a tone mark no new version. The hashes
    # of texts in those scripts are made again, as for m013.
    from dedup.shingles import holds_unspaced_marks

    if _has_articles(db):
        logger.info("Reading the stored texts for those in Thai, Lao, Khmer or Burmese, to hash them again (once)")
    _hash_texts_again(db, holds_unspaced_marks)


@migration
def m016_search_index_filled_by_the_writer(db: sqlite_utils.Database) -> None:
    # The writer adds a new article to the full-text index itself (crawler.store.articles), in a statement of its
    # own. The trigger made the article's INSERT write two tables, a statement that SQLite opens a savepoint for,
    # and FTS5 writes its pending terms out at each savepoint: every article a segment of one, merged again and
    # again (0.37 ms of CPU an article instead of 0.2). Updates and deletes keep their triggers: they are rare.
    db.execute("DROP TRIGGER IF EXISTS articles_ai")


@migration
def m017_live_articles_counted_from_an_index(db: sqlite_utils.Database) -> None:
    # Each run's summary counts the unique and the live articles (live_articles: unique and not gone). With an
    # index of duplicate_of alone, the live count read every article row for its gone_at: on a database of
    # 300,000 articles 0.34 s at every run, 0.8 s from a cold disk. Indexed with gone_at beside it, both counts
    # read the index alone, and a cluster's members are still found by duplicate_of (its first column).
    db.execute("DROP INDEX IF EXISTS idx_articles_duplicate_of")
    db.table("articles").create_index(["duplicate_of", "gone_at"], if_not_exists=True)


@migration
def m018_unfinished_runs_found_from_an_index(db: sqlite_utils.Database) -> None:
    # Each run's start marks the earlier runs that never recorded their end (crawler.store.runs); without an
    # index that read every run's row, its stats among them: a year of runs every ten minutes, 52,000 rows of
    # 3 KB, 58 ms at every start, seconds from a cold disk. The index holds the unfinished runs alone.
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_runs_unfinished ON runs (id) WHERE finished IS NULL AND finish_reason IS NULL"
    )


@migration
def m019_blocks_seen_once_kept_apart(db: sqlite_utils.Database) -> None:
    # A site's short paragraphs seen in one article so far, kept apart as their hash, story and article
    # (crawler.store.blocks): on the 990 corpus pages 99 % of site_blocks' rows, and with their text, lists, times
    # and two indexes 5.2 MB of a 23.9 MB database. They move out of site_blocks here; the first time is kept in
    # seconds. A later migration that hashes texts again cannot hash these (no text is kept): they are forgotten,
    # and such a block is learned again from its next two sightings.
    db.execute(
        "CREATE TABLE site_blocks_seen_once (site TEXT NOT NULL, hash INTEGER NOT NULL, story_id INTEGER NOT NULL, "
        "article_id INTEGER NOT NULL, first_seen INTEGER NOT NULL, PRIMARY KEY (site, hash)) WITHOUT ROWID"
    )
    seen_once = (
        "is_chrome = 0 AND stories = 1 AND json_array_length(story_ids) = 1 AND json_array_length(article_ids) = 1"
    )
    db.execute(
        "INSERT INTO site_blocks_seen_once (site, hash, story_id, article_id, first_seen) "
        "SELECT site, hash, json_extract(story_ids, '$[0]'), json_extract(article_ids, '$[0]'), "
        "CAST(strftime('%s', COALESCE(first_seen, 'now')) AS INTEGER) "
        f"FROM site_blocks WHERE {seen_once}"
    )
    db.execute(f"DELETE FROM site_blocks WHERE {seen_once}")


def _has_articles(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT EXISTS (SELECT 1 FROM articles)").fetchone()[0] == 1


def migrations() -> sqlite_utils.Migrations:
    """The migrations as sqlite-utils applies them."""
    from sqlite_utils import Migrations  # here: a database whose schema is current never needs it (see is_current)

    registered = Migrations(MIGRATION_SET)
    for function in MIGRATIONS:
        registered()(function)
    return registered


def is_current(conn: sqlite3.Connection) -> bool:
    """Whether every migration is applied, read without sqlite-utils.

    Loading sqlite-utils (and numpy, which it loads) costs 0.1-0.2 s, and the crawl starts fetching
    only after the database is open: a scheduled run on an up-to-date database does without both.
    """
    try:
        rows = conn.execute(f"SELECT name FROM {APPLIED_TABLE} WHERE migration_set = ?", (MIGRATION_SET,))
        applied = {row[0] for row in rows}
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return False  # a new database: nothing applied yet
        raise
    return all(function.__name__ in applied for function in MIGRATIONS)
