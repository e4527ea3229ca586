"""Dedup decisions against a real database: clusters, order of arrival, exact and near copies."""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata

import pytest

from crawler.extract.paragraphs import block_hash, prefix_hash, text_hash
from crawler.extract.results import Article, Teaser
from crawler.extract.signing import SignedText, sign_text
from crawler.store.duplicates import ArticleDecision
from crawler.store.writer import Writer
from dedup import SignatureScheme, content_hash, tokens
from dedup.index import BUCKET_LIMIT, CONFIRM_LIMIT
from tests.support.store import open_writer
from tests.support.texts import chinese_story, hindi_story, template_family, thai_story, with_characters_changed

SCHEME = SignatureScheme()


def words(start: int, stop: int) -> str:
    return " ".join(f"token{n}" for n in range(start, stop))


# A~B and B~C (Jaccard about 0.67), but A and C are not similar (about 0.43): one cluster only
# because of B, whatever order the three arrive in.
TEXTS = {"A": words(0, 400), "B": words(80, 480), "C": words(160, 560), "D": words(5000, 5400)}


Page = tuple[Article, SignedText]


def page(text: str, canonical: str | None = None) -> Page:
    return Article(text=text, title="t", canonical_url=canonical), sign_text(text, SCHEME)


def deduplicator(tmp_path) -> Writer:
    return open_writer(tmp_path / "crawl.db", CHROME_ENABLED=False)


def decide(writer: Writer, url: str, stored: Page) -> ArticleDecision:
    article, text = stored
    return writer.dedup.decide_article(url, article.canonical_url, text)


def store(writer: Writer, url: str, stored: Page) -> tuple[int, ArticleDecision]:
    decision = decide(writer, url, stored)
    return writer.dedup.store_article(url, stored[0], stored[1], decision, writer.run_id), decision


@pytest.mark.parametrize("order", list(itertools.permutations("ABCD")))
def test_clusters_do_not_depend_on_arrival_order(tmp_path, order):
    writer = deduplicator(tmp_path)
    ids = {name: store(writer, f"http://x.org/{name}", page(TEXTS[name]))[0] for name in order}
    roots = dict(writer.db.read("SELECT id, COALESCE(duplicate_of, id) FROM articles"))
    assert roots[ids["A"]] == roots[ids["B"]] == roots[ids["C"]] != roots[ids["D"]]
    first_stored = min(ids["A"], ids["B"], ids["C"])
    assert roots[ids["A"]] == first_stored  # the cluster's first-stored member is its root
    chains = writer.db.read(
        "SELECT count(*) FROM articles d JOIN articles r ON r.id = d.duplicate_of WHERE r.duplicate_of IS NOT NULL"
    ).fetchone()[0]
    assert chains == 0
    for name in "ABC":
        similarity = writer.db.read("SELECT similarity FROM articles WHERE id = ?", (ids[name],)).fetchone()[0]
        assert (similarity is None) == (ids[name] == first_stored)


def test_exact_copy_near_copy_and_same_url(tmp_path):
    writer = deduplicator(tmp_path)
    original, decision = store(writer, "http://a.org/1", page(TEXTS["A"]))
    assert decision.match == "unique"
    _, decision = store(writer, "http://b.org/1", page(TEXTS["A"].upper() + "."))
    assert (decision.match, decision.root_id, decision.similarity) == ("exact", original, 1.0)
    _, decision = store(writer, "http://c.org/1", page(TEXTS["A"].replace("token7 ", "changed ")))
    assert decision.match == "near" and decision.root_id == original and 0.9 < decision.similarity < 1.0
    decision = decide(writer, "http://a.org/1", page("entirely different text " * 20))
    assert (decision.match, decision.existing_id) == ("same_url", original)
    # Another spelling of the page on its own site, declared by its canonical URL: the same article.
    decision = decide(writer, "http://a.org/1?print=1", page(TEXTS["D"], canonical="http://a.org/1"))
    assert decision.existing_id == original
    # A canonical URL on another site is syndication: a separate, linked row.
    decision = decide(writer, "http://d.org/1", page(TEXTS["A"], canonical="http://a.org/1"))
    assert decision.existing_id is None and decision.root_id == original


def test_short_texts_link_only_when_identical(tmp_path):
    writer = deduplicator(tmp_path)
    store(writer, "http://x.org/1", page("Council meets on Monday."))
    _, decision = store(writer, "http://x.org/2", page("Council meets on Tuesday."))
    assert decision.match == "unique"  # too short to shingle: no near-duplicate guess
    _, decision = store(writer, "http://x.org/3", page("council meets on monday"))
    assert decision.match == "exact"


def test_scheduled_run_dedups_against_earlier_runs(tmp_path):
    writer = deduplicator(tmp_path)
    original, _ = store(writer, "http://x.org/1", page(TEXTS["A"]))
    writer.finish("finished")
    writer = deduplicator(tmp_path)  # a new crawl opens the same database
    _, decision = store(writer, "http://y.org/1", page(TEXTS["B"]))
    assert decision.root_id == original


def test_a_copy_cut_short_links_by_containment_but_a_brief_in_a_roundup_does_not(tmp_path):
    writer = deduplicator(tmp_path)
    original, _ = store(writer, "http://a.org/full", page(words(0, 600)))
    # The first 55 % and a "read more" line: Jaccard about 0.55, under the threshold, but contained.
    cut = words(0, 330) + " read the full story at the a.org site today"
    _, decision = store(writer, "http://b.org/cut", page(cut))
    assert decision.match == "contained" and decision.root_id == original and decision.similarity < 0.6
    # A brief quoted whole in a long roundup is contained too, but at a fifth of its size it is no copy.
    store(writer, "http://c.org/brief", page(words(9000, 9120)))
    _, decision = store(writer, "http://c.org/roundup", page(words(9000, 9120) + " " + words(20000, 20600)))
    assert decision.match == "unique"


def test_teasers_that_share_a_sites_template_are_looked_up_in_bounded_work(tmp_path):
    # The stored index in SQLite: a band that hundreds of teasers share is read in part (the latest), and
    # a copy stored before all of them is still found through the bands it shares with fewer.
    writer = open_writer(tmp_path / "t.db")
    index = writer.dedup.teaser_index
    scheme = index.scheme
    text, copy, others = template_family(400)
    index.add(1, scheme.signature(copy))
    for doc_id, other in enumerate(others, start=2):
        index.add(doc_id, scheme.signature(other))
    keys = index.band_keys(scheme.signature(text))
    assert len(set(index.store.candidates(keys, 10**6))) > 4 * CONFIRM_LIMIT
    read = index.store.candidates(keys, BUCKET_LIMIT)
    assert len(read) <= BUCKET_LIMIT * len(keys)
    assert [m.doc_id for m in index.find(scheme.signature(text))] == [1]


def test_a_chinese_copy_with_characters_changed_is_a_near_duplicate(tmp_path):
    # Read a clause at a time, ten changed characters left the copy a third of the original's shingles.
    writer = deduplicator(tmp_path)
    story = chinese_story()
    original, _ = store(writer, "http://a.cn/1", page(story))
    _, decision = store(writer, "http://b.cn/1", page(with_characters_changed(story, 10)))
    assert decision.match == "near" and decision.root_id == original and decision.similarity > 0.8


def _signed_as_before(text: str):
    """The signature a text had when a clause of Chinese was one word."""
    words = tokens(text)
    return SCHEME.from_shingles({" ".join(run).encode() for run in zip(words, words[1:], words[2:], strict=False)})


def test_a_database_signed_before_has_its_chinese_texts_signed_again(tmp_path):
    writer = deduplicator(tmp_path)
    story, english = chinese_story(), TEXTS["A"]
    chinese_id, _ = store(writer, "http://a.cn/1", page(story))
    english_id, _ = store(writer, "http://a.org/1", page(english))
    blurb = "记者从有关部门获悉，今年以来各项工作稳步推进"  # two clauses: no signature, read a clause at a time
    writer.dedup.store_teasers("http://a.cn/", [Teaser("http://a.cn/2", "标题", blurb, "main")], [None])
    # The database as the crawler left it before: the story signed a clause at a time, no "ideographs" param.
    writer.article_index.remove(chinese_id)
    writer.article_index.add(chinese_id, _signed_as_before(story))
    writer.db.write("UPDATE dedup_params SET params = json_remove(params, '$.ideographs')")
    english_signature = writer.article_index.store.signatures([english_id])[english_id].to_bytes()
    writer.finish("finished")

    writer = deduplicator(tmp_path)
    signatures = writer.article_index.store.signatures([chinese_id, english_id])
    assert signatures[chinese_id].to_bytes() == SCHEME.signature(story).to_bytes()
    assert signatures[english_id].to_bytes() == english_signature
    teaser_id = writer.db.read("SELECT id FROM teasers").fetchone()[0]
    assert list(writer.teaser_index.store.signatures([teaser_id])) == [teaser_id]
    params = dict(writer.db.read("SELECT namespace, json_extract(params, '$.ideographs') FROM dedup_params"))
    assert params == {"article": "characters", "teaser": "characters"}
    _, decision = store(writer, "http://b.cn/1", page(with_characters_changed(story, 10)))
    assert decision.match == "near" and decision.root_id == chinese_id


def _words_as_before(text: str) -> list[str]:
    """The tokens of a text when a word stopped at each combining mark, and the marks were left out."""
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())


# A database stored before words were read as they are now, by script: its story, a teaser's blurb, a line of site
# chrome, a word to change in a near copy, the signatures' parameter and the migration that came with the change.
SCRIPTS_READ_OTHERWISE = {
    "hindi": (
        "\n\n".join(hindi_story("stored")),
        "सरकार की नई नीति से किसानों को लाभ होगा और बाजार में कीमत घटेगी",
        "मौसम की रिपोर्ट यहाँ पढ़ें",
        ("सरकार", "अदालत"),
        ("marks", "in words"),
        "m013_words_keep_their_marks",
    ),
    "thai": (
        "\n\n".join(thai_story("stored")),
        "รัฐบาลประกาศนโยบายใหม่ ราคาข้าวสูงขึ้นในตลาดกรุงเทพ เกษตรกรได้ประโยชน์",
        "อ่านรายงานสภาพอากาศที่นี่",
        ("ข้าว", "ฝนตก"),
        ("unspaced_marks", "end words"),
        "m015_unspaced_words_keep_their_signs",
    ),
}


@pytest.mark.parametrize("script", SCRIPTS_READ_OTHERWISE)
def test_a_database_stored_before_words_kept_their_marks_is_brought_up_to_date(tmp_path, script):
    story, blurb, line, (word, other_word), (param, value), migration = SCRIPTS_READ_OTHERWISE[script]
    english = TEXTS["A"]
    writer = deduplicator(tmp_path)
    story_id, _ = store(writer, "http://a.example/1", page(story))
    english_id, _ = store(writer, "http://a.org/1", page(english))
    writer.dedup.store_teasers("http://a.example/", [Teaser("http://a.example/2", "-", blurb, "main")], [None])
    # The database as the crawler left it before: hashes, word counts and signatures of the words read
    # without their marks, no parameter for them, and the migration that came with them not applied.
    old = _words_as_before(story)
    writer.db.write(
        "UPDATE articles SET content_hash = ?, word_count = ? WHERE id = ?",
        (hashlib.sha1(" ".join(old).encode()).hexdigest(), len(old), story_id),
    )
    writer.article_index.remove(story_id)
    old_shingles = {" ".join(run).encode() for run in zip(old, old[1:], old[2:], strict=False)}
    writer.article_index.add(story_id, SCHEME.from_shingles(old_shingles))
    old_prefix = text_hash(" ".join(_words_as_before(blurb)[:8]))
    writer.db.write("UPDATE teasers SET prefix_hash = ?", (old_prefix,))
    old_block = text_hash(" ".join(_words_as_before(line)))
    writer.db.write(
        "INSERT INTO site_blocks (site, hash, text, stories, story_ids, article_ids, is_chrome) "
        "VALUES ('a.example', ?, ?, 3, '[]', '[]', 1)",
        (old_block, line),
    )
    writer.db.write(f"UPDATE dedup_params SET params = json_remove(params, '$.{param}')")
    writer.db.write("DELETE FROM _sqlite_migrations WHERE name = ?", (migration,))
    english_row = writer.db.read("SELECT content_hash, word_count FROM articles WHERE id = ?", (english_id,)).fetchone()
    english_signature = writer.article_index.store.signatures([english_id])[english_id].to_bytes()
    writer.finish("finished")

    writer = deduplicator(tmp_path)
    rows = dict(writer.db.read("SELECT id, content_hash || ' ' || word_count FROM articles"))
    signed = sign_text(story, SCHEME)
    assert rows[story_id] == f"{signed.content_hash} {signed.word_count}"
    assert signed.content_hash == content_hash(story) != hashlib.sha1(" ".join(old).encode()).hexdigest()
    if script == "hindi":  # a word of Hindi is no longer cut in two or three at its signs
        assert signed.word_count == len(story.split())
    assert rows[english_id] == f"{english_row[0]} {english_row[1]}"  # left as it was
    signatures = writer.article_index.store.signatures([story_id, english_id])
    assert signatures[story_id].to_bytes() == SCHEME.signature(story).to_bytes()
    assert signatures[english_id].to_bytes() == english_signature
    assert writer.db.read("SELECT prefix_hash FROM teasers").fetchall() == [(prefix_hash(blurb),)] != [(old_prefix,)]
    assert writer.db.read("SELECT hash FROM site_blocks").fetchall() == [(block_hash(line),)] != [(old_block,)]
    params = dict(writer.db.read(f"SELECT namespace, json_extract(params, '$.{param}') FROM dedup_params"))
    assert params == {"article": value, "teaser": value}
    # The same story seen again is the stored one, and a copy with one word changed its near-duplicate.
    assert decide(writer, "http://b.example/1", page(story)).match == "exact"
    _, decision = store(writer, "http://b.example/2", page(story.replace(word, other_word, 1)))
    assert decision.match == "near" and decision.root_id == story_id
