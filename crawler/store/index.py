"""The near-duplicate indexes' storage: band keys and signatures in indexed tables, and their parameters."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from crawler.config import IndexConfig
from crawler.store.database import Database, in_batches
from dedup import NearDuplicateIndex, Signature
from dedup.shingles import holds_ideographs, holds_marks, holds_unspaced_marks
from dedup.signatures import (
    IDEOGRAPH_WORDS,
    IDEOGRAPHS_PARAM,
    MARKS_IN_WORDS,
    MARKS_PARAM,
    UNSPACED_MARKS_END_WORDS,
    UNSPACED_MARKS_PARAM,
)

logger = logging.getLogger(__name__)

NAMESPACES = ("article", "teaser")
# The table whose texts each index signs: an article's text, a teaser's blurb.
SIGNED_TABLES = {"article": "articles", "teaser": "teasers"}


class Retokenised(NamedTuple):
    """A change in how texts of some scripts are read into words, recorded as a parameter of the signatures: a
    database signed before it has those texts (and only those) signed again as it is opened."""

    param: str
    value: str
    reads_otherwise: Callable[[str], bool]  # whether a text is one of those
    described: str


RETOKENISED = (
    Retokenised(IDEOGRAPHS_PARAM, IDEOGRAPH_WORDS, holds_ideographs, "in Chinese or Japanese"),
    Retokenised(MARKS_PARAM, MARKS_IN_WORDS, holds_marks, "with combining marks (Hindi, Bengali, ...)"),
    Retokenised(UNSPACED_MARKS_PARAM, UNSPACED_MARKS_END_WORDS, holds_unspaced_marks, "in Thai, Lao, Khmer or Burmese"),
)


class SQLiteBandStore:
    """A :class:`dedup.BandStore` in two indexed tables: queried directly, never loaded into memory."""

    def __init__(self, db: Database, namespace: str):
        if namespace not in NAMESPACES:
            raise ValueError(f"unknown index namespace {namespace!r}")
        self.db = db
        self.bands_table = f"{namespace}_bands"
        self.signatures_table = f"{namespace}_signatures"

    def add(self, doc_id: int, band_keys: list[int], signature: Signature) -> None:
        self.db.write_many(
            f"INSERT OR IGNORE INTO {self.bands_table} (key, doc_id) VALUES (?, ?)",
            [(key, doc_id) for key in band_keys],
        )
        self.db.write(
            f"INSERT OR REPLACE INTO {self.signatures_table} (doc_id, size, minhash) VALUES (?, ?, ?)",
            (doc_id, signature.size, signature.to_bytes()),
        )

    def remove(self, doc_id: int, band_keys: list[int]) -> None:
        self.db.write_many(
            f"DELETE FROM {self.bands_table} WHERE key = ? AND doc_id = ?", [(k, doc_id) for k in band_keys]
        )
        self.db.write(f"DELETE FROM {self.signatures_table} WHERE doc_id = ?", (doc_id,))

    def candidates(self, band_keys: list[int], per_band: int) -> list[int]:
        rows = self.db.rows_for_keys("doc_id", self.bands_table, "key", band_keys, per_band, "doc_id")
        return [row[0] for row in rows]

    def signatures(self, doc_ids: Iterable[int]) -> dict[int, Signature]:
        ids = list(doc_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.read(f"SELECT doc_id, size, minhash FROM {self.signatures_table} WHERE doc_id IN ({marks})", ids)
        return {row[0]: Signature.from_bytes(row[2], row[1]) for row in rows}

    def __iter__(self) -> Iterator[int]:
        return (r[0] for r in self.db.read(f"SELECT doc_id FROM {self.signatures_table}"))


def load_params(db: Database, namespace: str) -> dict | None:
    row = db.read("SELECT params FROM dedup_params WHERE namespace = ?", (namespace,)).fetchone()
    return json.loads(row[0]) if row else None


def save_params(db: Database, namespace: str, params: dict) -> None:
    db.write(
        "INSERT OR REPLACE INTO dedup_params (namespace, params) VALUES (?, ?)",
        (namespace, json.dumps(params, sort_keys=True)),
    )


def open_index(db: Database, namespace: str, config: IndexConfig) -> NearDuplicateIndex:
    """The index stored under ``namespace``; its banding is the stored one unless the config names one.

    Raises :class:`dedup.ParameterMismatch` when signatures or bands stored with other parameters
    would be compared with new ones.
    """
    stored = load_params(db, namespace)
    outdated = [change for change in RETOKENISED if change.param not in stored] if stored is not None else []
    if stored is not None:
        for change in outdated:
            stored[change.param] = change.value  # as they will be, once the texts it changes are signed again
        config.scheme.check_stored(stored)  # before anything else: other params make other band keys
    bands, rows = config.bands, config.rows
    if stored is not None and bands is None:
        bands, rows = int(stored["bands"]), int(stored["rows"])
    index = NearDuplicateIndex(
        config.scheme,
        config.threshold,
        bands,
        rows,
        SQLiteBandStore(db, namespace),
        containment_threshold=config.containment,
        min_size_ratio=config.min_size_ratio,
        lsh_threshold=config.lsh_threshold,
    )
    if stored is None:
        save_params(db, namespace, index.params())
    else:
        index.check_stored(stored)
    if outdated and stored is not None:
        sign_texts_again(db, namespace, index, outdated)
        save_params(db, namespace, stored)  # in the same transaction: a run killed before it commits does it again
    return index


def sign_texts_again(db: Database, namespace: str, index: NearDuplicateIndex, changes: list[Retokenised]) -> int:
    """Sign each stored text of the namespace that one of ``changes`` reads otherwise again, as the index signs
    now, and index it anew (texts once too short to sign may be signed now); returns how many were."""
    table = SIGNED_TABLES[namespace]
    total = db.read(f"SELECT count(*) FROM {table}").fetchone()[0]
    if not total:
        return 0
    described = " or ".join(change.described for change in changes)
    logger.info("Reading the %d stored %s texts for those %s, to sign them again (once)", total, namespace, described)
    count = 0
    # Read in batches, searched here: SQLite's GLOB tests a character class seven times slower.
    for rows in in_batches(db.conn, table, "id, text"):
        for doc_id, text in rows:
            if text and any(change.reads_otherwise(text) for change in changes):
                index.remove(doc_id)
                signature = index.scheme.signature(text)
                if signature is not None:
                    index.add(doc_id, signature)
                count += 1
    logger.info("Signed %d %s texts %s again", count, namespace, described)
    return count
