"""Stores articles through the real dedup and storage code, then dies mid-batch (run as a subprocess)."""

from __future__ import annotations

import os
import sys

from crawler.analysis import PageAnalysis
from crawler.deduplication import Deduplicator
from crawler.extraction import Article, PageExtraction
from crawler.storage import Storage
from dedup import NearDuplicateIndex, SignatureScheme, content_hash

SCHEME = SignatureScheme()
TEASERS = SignatureScheme(num_perm=64, min_shingles=5)


def story(n: int) -> str:
    # Every third story is a near-copy of the one before, so clusters and merges are exercised too.
    base = n - 1 if n % 3 == 2 else n
    words = [f"story{base}word{i}" for i in range(120)]
    if base != n:
        words[5] = "edited"
    return " ".join(words)


def main(db: str, count: int, die_after: int, batch: int) -> None:
    storage = Storage(db)
    dedup = Deduplicator(
        storage,
        NearDuplicateIndex(SCHEME, 0.6, store=storage.band_store("article")),
        NearDuplicateIndex(TEASERS, 0.6, 32, 2, storage.band_store("teaser"), containment_threshold=0.8, min_size_ratio=0.0),
    )
    storage.save_dedup_params("article", dedup.articles.params())
    run = storage.start_run("crash", {})
    for n in range(count):
        text = story(n)
        analysis = PageAnalysis(
            PageExtraction("article", article=Article(text=text)), content_hash(text), SCHEME.signature(text)
        )
        url = f"http://x.org/{n}"
        decision = dedup.decide_article(url, analysis)
        article_id = dedup.store_article(url, analysis, decision, run)
        storage.record_page(url, 200, "article", None, run, article_id=article_id)
        if n == die_after:
            os._exit(137)  # no commit, no cleanup: as if killed
        if (n + 1) % batch == 0:
            storage.commit()
    storage.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
