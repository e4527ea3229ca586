"""Stores articles through the real writer side, then dies mid-batch (run as a subprocess)."""

from __future__ import annotations

import os
import sys

from crawler.config import TEASER_SCHEME
from crawler.extract.results import Article, PageAnalysis, PageExtraction
from crawler.extract.signing import sign_text
from crawler.records import AnalysedPage
from dedup import SignatureScheme
from tests.support.store import open_writer

SCHEME = SignatureScheme()


def story(n: int) -> str:
    # Every third story is a near-copy of the one before, so clusters and merges are exercised too.
    base = n - 1 if n % 3 == 2 else n
    words = [f"story{base}word{i}" for i in range(120)]
    if base != n:
        words[5] = "edited"
    return " ".join(words)


def main(db: str, count: int, die_after: int, batch: int) -> None:
    writer = open_writer(db, SQLITE_BATCH_SIZE=batch, CHROME_ENABLED=False)
    assert writer.teaser_index.scheme == TEASER_SCHEME
    for n in range(count):
        text = story(n)
        analysis = PageAnalysis(PageExtraction("article", article=Article(text=text)), sign_text(text, SCHEME))
        writer.write(AnalysedPage(f"http://x.org/{n}", 200, analysis))  # committed every `batch` pages
        if n == die_after:
            os._exit(137)  # no commit, no cleanup: as if killed
    writer.finish("finished")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
