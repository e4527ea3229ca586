"""Dedup quality on the generated set: pair precision / recall of real crawls, and offline sweeps of the parameters."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from benchmarks.dedup_set import NEGATIVES, VARIANTS, DedupSet, true_jaccard
from benchmarks.harness import CrawlRun
from benchmarks.signature_arrays import values_of
from crawler.urls import normalize_url
from dedup import NearDuplicateIndex, Signature, SignatureScheme


@dataclass
class CrawledSet:
    """One crawl of the set, mapped back onto the generated pages (by page index)."""

    roots: dict[int, int]  # cluster root article id: COALESCE(duplicate_of, id)
    texts: dict[int, str]
    hashes: dict[int, str]
    signatures: dict[int, Signature]
    missing: dict[int, str]  # pages stored without an article, and why
    params: dict = field(default_factory=dict)  # the article index's stored dedup parameters

    @property
    def scheme(self) -> SignatureScheme:
        """The signature scheme the crawl stored its signatures with."""
        return SignatureScheme(
            num_perm=int(self.params["num_perm"]),
            seed=int(self.params["seed"]),
            shingle_size=int(self.params["shingle_size"]),
            shingle_kind=str(self.params["shingle_kind"]),
        )

    @property
    def banding(self) -> tuple[int, int]:
        return int(self.params["bands"]), int(self.params["rows"])


def read_crawl(run: CrawlRun, dset: DedupSet, bases: dict[str, str]) -> CrawledSet:
    page_of = {normalize_url(bases[p.site] + p.path): i for i, p in enumerate(dset.pages)}
    found = CrawledSet({}, {}, {}, {}, {})
    ids: dict[int, int] = {}
    for article_id, url, root, text, digest in run.rows(
        "SELECT id, url, COALESCE(duplicate_of, id), text, content_hash FROM articles"
    ):
        if url in page_of:
            i = page_of[url]
            ids[article_id] = i
            found.roots[i], found.texts[i], found.hashes[i] = root, text, digest
    for doc_id, size, blob in run.rows("SELECT doc_id, size, minhash FROM article_signatures"):
        if doc_id in ids:
            found.signatures[ids[doc_id]] = Signature.from_bytes(blob, size)
    reasons = dict(run.rows("SELECT url, COALESCE(reason, kind) FROM pages"))
    for url, i in page_of.items():
        if i not in found.roots:
            found.missing[i] = reasons.get(url, "not_fetched")
    (params,) = run.rows("SELECT params FROM dedup_params WHERE namespace = 'article'")[0]
    found.params = json.loads(params)
    return found


# --- scoring ---------------------------------------------------------------------------------
@dataclass
class PairScore:
    precision: float
    recall: float
    linked_negatives: dict[str, int]  # hard-negative kind -> pairs linked
    kind_recall: dict[str, float]  # variant kind -> share linked to its original

    @property
    def negatives_linked(self) -> int:
        return sum(self.linked_negatives.values())

    def meets(self, precision: float, recall: float) -> bool:
        """The issue's dedup targets: precision and recall reached, and no hard negative linked."""
        return self.precision >= precision and self.recall >= recall and self.negatives_linked == 0


def _pairs(counts: Counter) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def score_labels(dset: DedupSet, labels: dict[int, object]) -> PairScore:
    """Pair precision and recall of a clustering; pages without a label are alone (a missed page links nothing)."""
    label = [labels.get(i, ("alone", i)) for i in range(len(dset.pages))]
    stories = [p.story for p in dset.pages]
    together = _pairs(Counter(label))
    true_pairs = _pairs(Counter(stories))
    correct = _pairs(Counter(zip(label, stories, strict=True)))
    originals = dset.originals()
    kind_recall = {}
    for kind in VARIANTS:
        members = [i for i, p in enumerate(dset.pages) if p.kind == kind]
        kind_recall[kind] = sum(label[i] == label[originals[dset.pages[i].story]] for i in members) / len(members)
    linked = {kind: sum(label[a] == label[b] for a, b in pairs) for kind, pairs in dset.negative_pairs.items()}
    return PairScore(correct / together if together else 1.0, correct / true_pairs, linked, kind_recall)


# --- offline linking from signatures ------------------------------------------------------------
class PairMatrix:
    """Estimated Jaccard and containment for every pair of stored pages, plus their band keys per banding."""

    def __init__(
        self,
        pages: list[int],
        signatures: dict[int, Signature],
        hashes: dict[int, str],
        scheme: SignatureScheme,
    ):
        self.pages = pages
        self.scheme = scheme
        self.signed = np.array([i in signatures for i in pages])
        num_perm = scheme.num_perm
        values = np.stack(
            [values_of(signatures[i]) if i in signatures else np.zeros(num_perm, np.uint32) for i in pages]
        )
        sizes = np.array([signatures[i].size if i in signatures else 0 for i in pages], dtype=float)
        n = len(pages)
        self.jaccard = np.zeros((n, n))
        for start in range(0, n, 64):  # chunks keep the (chunk, n, num_perm) comparison small
            block = values[start : start + 64]
            self.jaccard[start : start + 64] = (block[:, None, :] == values[None, :, :]).mean(axis=2)
        both = np.outer(self.signed, self.signed)
        self.jaccard[~both] = 0.0
        # Containment of the smaller shingle set in the larger, as NearDuplicateIndex.confirm estimates it.
        smaller = np.maximum(np.minimum.outer(sizes, sizes), 1)
        j = self.jaccard
        self.containment = np.minimum(1.0, j * np.add.outer(sizes, sizes) / (1.0 + j) / smaller)
        # Same content hash: linked as exact copies, with or without a signature.
        digest_ids: dict[str, int] = {}
        ids = np.array(
            [digest_ids.setdefault(hashes[i], len(digest_ids)) if i in hashes else -1 - k for k, i in enumerate(pages)]
        )
        self.exact = ids[:, None] == ids[None, :]
        self.signatures = signatures
        self._candidates: dict[tuple[int, int], np.ndarray] = {}

    def candidates(self, bands: int, rows: int) -> np.ndarray:
        """Pairs sharing at least one LSH band key (what the index's query returns)."""
        if (bands, rows) not in self._candidates:
            index = NearDuplicateIndex(self.scheme, 0.5, bands, rows)
            keys = np.array(
                [index.band_keys(self.signatures[i]) if i in self.signatures else [0] * bands for i in self.pages]
            )
            found = np.zeros_like(self.jaccard, dtype=bool)
            for b in range(bands):
                found |= keys[:, b][:, None] == keys[:, b][None, :]
            found &= np.outer(self.signed, self.signed)
            self._candidates[(bands, rows)] = found
        return self._candidates[(bands, rows)]

    def labels(self, threshold: float, banding: tuple[int, int] | None = None, containment: float | None = None):
        """Clusters as the pipeline forms them: exact hash, or an LSH candidate confirmed by its estimate."""
        linked = self.jaccard >= threshold
        if containment is not None:
            linked |= self.containment >= containment
        if banding is not None:
            linked &= self.candidates(*banding)
        linked |= self.exact
        np.fill_diagonal(linked, False)
        _, component = connected_components(coo_matrix(linked), directed=False)
        return {page: int(c) for page, c in zip(self.pages, component, strict=True)}


# --- distributions ------------------------------------------------------------------------------
@dataclass
class KindStats:
    kind: str
    pairs: int
    jaccard: tuple[float, float, float]  # min, median, max of the estimate
    containment: tuple[float, float, float]
    true_jaccard: tuple[float, float, float]  # min, median, max of the exact value


def kind_stats(dset: DedupSet, crawled: CrawledSet, matrix: PairMatrix) -> list[KindStats]:
    """For each variant kind (to its original) and hard-negative kind (within its pairs): the similarities."""
    position = {page: k for k, page in enumerate(matrix.pages)}
    originals = dset.originals()
    groups: dict[str, list[tuple[int, int]]] = {
        kind: [(originals[p.story], i) for i, p in enumerate(dset.pages) if p.kind == kind] for kind in VARIANTS
    }
    groups.update({kind: dset.negative_pairs[kind] for kind in NEGATIVES})
    result = []
    for kind, pairs in groups.items():
        pairs = [(a, b) for a, b in pairs if a in position and b in position]
        if not pairs:
            continue
        est = [matrix.jaccard[position[a], position[b]] for a, b in pairs]
        con = [matrix.containment[position[a], position[b]] for a, b in pairs]
        exact = [
            true_jaccard(crawled.texts[a], crawled.texts[b], matrix.scheme.shingle_size)
            if matrix.scheme.shingle_kind == "word"
            else float("nan")
            for a, b in pairs
        ]
        result.append(KindStats(kind, len(pairs), _spread(est), _spread(con), _spread(exact)))
    return result


def _spread(values: list[float]) -> tuple[float, float, float]:
    return float(min(values)), float(statistics.median(values)), float(max(values))


def scheme_matrix(crawled: CrawledSet, scheme: SignatureScheme) -> PairMatrix:
    """Signatures of the stored texts made again under another scheme, for an offline comparison."""
    pages = sorted(crawled.texts)
    made = scheme.signatures(crawled.texts[i] for i in pages)
    signatures = {i: s for i, s in zip(pages, made, strict=True) if s is not None}
    return PairMatrix(pages, signatures, crawled.hashes, scheme)
