-- migrations: m001_initial_schema m002_site_chrome m003_teaser_prefixes m004_redirect_targets m005_article_history m006_links_and_pages_kept m007_article_image_tags_modified m008_site_titles m009_stream_positions m010_listed_publication m011_teasers_over_limit m012_blurb_prefixes_by_character m013_words_keep_their_marks m014_search_words_keep_their_marks m015_unspaced_words_keep_their_signs m016_search_index_filled_by_the_writer m017_live_articles_counted_from_an_index m018_unfinished_runs_found_from_an_index m019_blocks_seen_once_kept_apart
-- Made by `python -m crawler.store.schema_script` from the migrations in crawler/store/schema.py.
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE TABLE "runs" (
   "id" INTEGER PRIMARY KEY,
   "spider" TEXT,
   "args" TEXT,
   "started" TEXT,
   "finished" TEXT,
   "finish_reason" TEXT,
   "stats" TEXT
);
CREATE TABLE "articles" (
   "id" INTEGER PRIMARY KEY,
   "url" TEXT NOT NULL,
   "canonical_url" TEXT,
   "site" TEXT,
   "title" TEXT,
   "author" TEXT,
   "published" TEXT,
   "language" TEXT,
   "description" TEXT,
   "sitename" TEXT,
   "text" TEXT NOT NULL,
   "word_count" INTEGER,
   "content_hash" TEXT,
   "duplicate_of" INTEGER REFERENCES "articles"("id"),
   "similarity" REAL,
   "first_seen" TEXT NOT NULL,
   "last_seen" TEXT NOT NULL,
   "run_id" INTEGER REFERENCES "runs"("id")
, "version" INTEGER NOT NULL DEFAULT 1, "updated_at" TEXT, "gone_at" TEXT, "image" TEXT, "tags" TEXT, "categories" TEXT, "modified" TEXT);
CREATE UNIQUE INDEX "idx_articles_url"
    ON "articles" ("url");
CREATE INDEX "idx_articles_canonical_url"
    ON "articles" ("canonical_url");
CREATE INDEX "idx_articles_content_hash"
    ON "articles" ("content_hash");
CREATE INDEX "idx_articles_site"
    ON "articles" ("site");
CREATE TABLE "teasers" (
   "id" INTEGER PRIMARY KEY,
   "title" TEXT,
   "text" TEXT,
   "url" TEXT,
   "article_id" INTEGER REFERENCES "articles"("id"),
   "seen_count" INTEGER,
   "first_seen" TEXT,
   "last_seen" TEXT
, "prefix_hash" INTEGER);
CREATE INDEX "idx_teasers_url"
    ON "teasers" ("url");
CREATE INDEX "idx_teasers_article_id"
    ON "teasers" ("article_id");
CREATE TABLE "teaser_sightings" (
   "teaser_id" INTEGER REFERENCES "teasers"("id"),
   "page_url" TEXT,
   "block" TEXT,
   "first_seen" TEXT,
   "last_seen" TEXT,
   PRIMARY KEY ("teaser_id", "page_url", "block")
);
CREATE TABLE article_bands (key INTEGER NOT NULL, doc_id INTEGER NOT NULL, PRIMARY KEY (key, doc_id)) WITHOUT ROWID;
CREATE TABLE "article_signatures" (
   "doc_id" INTEGER PRIMARY KEY,
   "size" INTEGER,
   "minhash" BLOB
);
CREATE TABLE teaser_bands (key INTEGER NOT NULL, doc_id INTEGER NOT NULL, PRIMARY KEY (key, doc_id)) WITHOUT ROWID;
CREATE TABLE "teaser_signatures" (
   "doc_id" INTEGER PRIMARY KEY,
   "size" INTEGER,
   "minhash" BLOB
);
CREATE TABLE "dedup_params" (
   "namespace" TEXT PRIMARY KEY,
   "params" TEXT
);
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); END;
CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); INSERT INTO articles_fts (rowid, title, text) VALUES (new.id, new.title, new.text); END;
CREATE VIEW "unique_articles" AS SELECT * FROM articles WHERE duplicate_of IS NULL;
CREATE TABLE "site_blocks" (
   "site" TEXT NOT NULL,
   "hash" INTEGER NOT NULL,
   "text" TEXT,
   "stories" INTEGER,
   "story_ids" TEXT,
   "article_ids" TEXT,
   "is_chrome" INTEGER,
   "first_seen" TEXT,
   "last_seen" TEXT,
   PRIMARY KEY ("site", "hash")
);
CREATE INDEX "idx_site_blocks_site_is_chrome"
    ON "site_blocks" ("site", "is_chrome");
CREATE TABLE "removed_blocks" (
   "article_id" INTEGER REFERENCES "articles"("id"),
   "text" TEXT,
   "reason" TEXT,
   "removed_at" TEXT
);
CREATE INDEX "idx_removed_blocks_article_id"
    ON "removed_blocks" ("article_id");
CREATE INDEX "idx_teasers_prefix_hash"
    ON "teasers" ("prefix_hash");
CREATE INDEX "idx_articles_site_first_seen"
    ON "articles" ("site", "first_seen");
CREATE TABLE "article_versions" (
   "article_id" INTEGER REFERENCES "articles"("id"),
   "version" INTEGER,
   "title" TEXT,
   "text" TEXT,
   "content_hash" TEXT,
   "fetched_at" TEXT,
   "replaced_at" TEXT,
   PRIMARY KEY ("article_id", "version")
);
CREATE TABLE "article_urls" (
   "url" TEXT PRIMARY KEY,
   "article_id" INTEGER REFERENCES "articles"("id"),
   "reason" TEXT,
   "first_seen" TEXT
);
CREATE INDEX "idx_article_urls_article_id"
    ON "article_urls" ("article_id");
CREATE VIEW "live_articles" AS SELECT * FROM articles WHERE duplicate_of IS NULL AND gone_at IS NULL;
CREATE TABLE "kept_files" (
   "url" TEXT PRIMARY KEY,
   "body" BLOB,
   "fetched_at" TEXT
);
CREATE TABLE "pages" (
   "url" TEXT PRIMARY KEY,
   "status" INTEGER,
   "kind" TEXT,
   "reason" TEXT,
   "fetched_at" TEXT,
   "etag" TEXT,
   "last_modified" TEXT,
   "article_id" INTEGER REFERENCES "articles"("id"),
   "run_id" INTEGER REFERENCES "runs"("id"),
   "redirect_to" TEXT
, "teasers_over_limit" INTEGER);
CREATE INDEX "idx_pages_redirect_to"
    ON "pages" ("redirect_to");
CREATE INDEX "idx_pages_kind_reason"
    ON "pages" ("kind", "reason");
CREATE TABLE "page_html" (
   "url" TEXT PRIMARY KEY,
   "article_id" INTEGER REFERENCES "articles"("id"),
   "content_type" TEXT,
   "body" BLOB,
   "fetched_at" TEXT
, "listed_published" TEXT);
CREATE INDEX "idx_page_html_article_id"
    ON "page_html" ("article_id");
CREATE TABLE "site_titles" (
   "site" TEXT PRIMARY KEY,
   "prefix" TEXT,
   "suffix" TEXT,
   "learned_at" TEXT
);
CREATE TABLE "stream_positions" (
   "stream" TEXT PRIMARY KEY,
   "last_id" TEXT,
   "crawl_run" TEXT,
   "run_id" INTEGER,
   "updated_at" TEXT
);
CREATE VIRTUAL TABLE articles_fts USING FTS5 (title, text, content="articles", tokenize="unicode61 categories 'L* N* Co M*'");
CREATE INDEX "idx_articles_duplicate_of_gone_at"
    ON "articles" ("duplicate_of", "gone_at");
CREATE INDEX idx_runs_unfinished ON runs (id) WHERE finished IS NULL AND finish_reason IS NULL;
CREATE TABLE site_blocks_seen_once (site TEXT NOT NULL, hash INTEGER NOT NULL, story_id INTEGER NOT NULL, article_id INTEGER NOT NULL, first_seen INTEGER NOT NULL, PRIMARY KEY (site, hash)) WITHOUT ROWID;
INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
