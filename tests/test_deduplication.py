"""Dedup decisions against a real database: clusters, order of arrival, exact and near copies."""

from __future__ import annotations

import itertools

import pytest

from crawler.analysis import PageAnalysis
from crawler.deduplication import Deduplicator
from crawler.extraction import Article, PageExtraction
from crawler.storage import Storage
from dedup import NearDuplicateIndex, SignatureScheme, content_hash

SCHEME = SignatureScheme()
TEASERS = SignatureScheme(num_perm=64, min_shingles=5)


def words(start: int, stop: int) -> str:
    return " ".join(f"token{n}" for n in range(start, stop))


# A~B and B~C (Jaccard about 0.67), but A and C are not similar (about 0.43): one cluster only
# because of B, whatever order the three arrive in.
TEXTS = {"A": words(0, 400), "B": words(80, 480), "C": words(160, 560), "D": words(5000, 5400)}


def analysis(text: str, canonical: str | None = None) -> PageAnalysis:
    article = Article(text=text, title="t", canonical_url=canonical)
    return PageAnalysis(PageExtraction("article", article=article), content_hash(text), SCHEME.signature(text))


def deduplicator(tmp_path, name: str = "crawl.db") -> tuple[Deduplicator, Storage, int]:
    storage = Storage(tmp_path / name)
    dedup = Deduplicator(
        storage,
        NearDuplicateIndex(
            SCHEME, 0.6, store=storage.band_store("article"), containment_threshold=0.8, lsh_threshold=0.5
        ),
        NearDuplicateIndex(TEASERS, 0.6, 32, 2, storage.band_store("teaser"), containment_threshold=0.8, min_size_ratio=0),
    )
    return dedup, storage, storage.start_run("test", {})


def store(dedup: Deduplicator, run: int, url: str, page: PageAnalysis):
    decision = dedup.decide_article(url, page)
    return dedup.store_article(url, page, decision, run), decision


@pytest.mark.parametrize("order", list(itertools.permutations("ABCD")))
def test_clusters_do_not_depend_on_arrival_order(tmp_path, order):
    dedup, storage, run = deduplicator(tmp_path)
    ids = {name: store(dedup, run, f"http://x.org/{name}", analysis(TEXTS[name]))[0] for name in order}
    roots = dict(storage.conn.execute("SELECT id, COALESCE(duplicate_of, id) FROM articles"))
    assert roots[ids["A"]] == roots[ids["B"]] == roots[ids["C"]] != roots[ids["D"]]
    first_stored = min(ids["A"], ids["B"], ids["C"])
    assert roots[ids["A"]] == first_stored  # the cluster's first-stored member is its root
    chains = storage.conn.execute(
        "SELECT count(*) FROM articles d JOIN articles r ON r.id = d.duplicate_of WHERE r.duplicate_of IS NOT NULL"
    ).fetchone()[0]
    assert chains == 0
    for name in "ABC":
        similarity = storage.conn.execute("SELECT similarity FROM articles WHERE id = ?", (ids[name],)).fetchone()[0]
        assert (similarity is None) == (ids[name] == first_stored)


def test_exact_copy_near_copy_and_same_url(tmp_path):
    dedup, storage, run = deduplicator(tmp_path)
    original, decision = store(dedup, run, "http://a.org/1", analysis(TEXTS["A"]))
    assert decision.match == "unique"
    _, decision = store(dedup, run, "http://b.org/1", analysis(TEXTS["A"].upper() + "."))
    assert (decision.match, decision.root_id, decision.similarity) == ("exact", original, 1.0)
    _, decision = store(dedup, run, "http://c.org/1", analysis(TEXTS["A"].replace("token7 ", "changed ")))
    assert decision.match == "near" and decision.root_id == original and 0.9 < decision.similarity < 1.0
    decision = dedup.decide_article("http://a.org/1", analysis("entirely different text " * 20))
    assert (decision.match, decision.existing_id) == ("same_url", original)
    # Another spelling of the page on its own site, declared by its canonical URL: the same article.
    decision = dedup.decide_article("http://a.org/1?print=1", analysis(TEXTS["D"], canonical="http://a.org/1"))
    assert decision.existing_id == original
    # A canonical URL on another site is syndication: a separate, linked row.
    decision = dedup.decide_article("http://d.org/1", analysis(TEXTS["A"], canonical="http://a.org/1"))
    assert decision.existing_id is None and decision.root_id == original


def test_short_texts_link_only_when_identical(tmp_path):
    dedup, storage, run = deduplicator(tmp_path)
    store(dedup, run, "http://x.org/1", analysis("Council meets on Monday."))
    _, decision = store(dedup, run, "http://x.org/2", analysis("Council meets on Tuesday."))
    assert decision.match == "unique"  # too short to shingle: no near-duplicate guess
    _, decision = store(dedup, run, "http://x.org/3", analysis("council meets on monday"))
    assert decision.match == "exact"


def test_scheduled_run_dedups_against_earlier_runs(tmp_path):
    dedup, storage, run = deduplicator(tmp_path)
    original, _ = store(dedup, run, "http://x.org/1", analysis(TEXTS["A"]))
    storage.close()
    dedup, storage, run = deduplicator(tmp_path)  # a new crawl opens the same database
    _, decision = store(dedup, run, "http://y.org/1", analysis(TEXTS["B"]))
    assert decision.root_id == original


def test_a_copy_cut_short_links_by_containment_but_a_brief_in_a_roundup_does_not(tmp_path):
    dedup, storage, run = deduplicator(tmp_path)
    original, _ = store(dedup, run, "http://a.org/full", analysis(words(0, 600)))
    # The first 55 % and a "read more" line: Jaccard about 0.55, under the threshold, but contained.
    cut = words(0, 330) + " read the full story at the a.org site today"
    _, decision = store(dedup, run, "http://b.org/cut", analysis(cut))
    assert decision.match == "contained" and decision.root_id == original and decision.similarity < 0.6
    # A brief quoted whole in a long roundup is contained too, but at a fifth of its size it is no copy.
    store(dedup, run, "http://c.org/brief", analysis(words(9000, 9120)))
    _, decision = store(dedup, run, "http://c.org/roundup", analysis(words(9000, 9120) + " " + words(20000, 20600)))
    assert decision.match == "unique"
