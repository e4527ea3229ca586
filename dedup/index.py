"""NearDuplicateIndex: MinHash LSH whose band keys live in a pluggable store; query, then confirm."""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from dedup.signatures import ParameterMismatch, Signature, SignatureScheme, containment

if TYPE_CHECKING:
    import numpy as np


class BandStore(Protocol):
    """Where an index keeps its band keys and signatures (in memory, SQLite, ...)."""

    def add(self, doc_id: int, band_keys: list[int], signature: Signature) -> None: ...

    def candidates(self, band_keys: list[int], per_band: int) -> list[int]:
        """The documents in the bands, once for each band they share; when the bands hold more than ``per_band``
        a band, at most ``per_band`` of each (the latest)."""
        ...

    def signatures(self, doc_ids: Iterable[int]) -> dict[int, Signature]: ...

    def remove(self, doc_id: int, band_keys: list[int]) -> None: ...


class MemoryBandStore:
    """A BandStore held in dictionaries: for tests, benchmarks and one-off use."""

    def __init__(self) -> None:
        self._buckets: dict[int, set[int]] = defaultdict(set)
        self._signatures: dict[int, Signature] = {}

    def add(self, doc_id: int, band_keys: list[int], signature: Signature) -> None:
        for key in band_keys:
            self._buckets[key].add(doc_id)
        self._signatures[doc_id] = signature

    def remove(self, doc_id: int, band_keys: list[int]) -> None:
        for key in band_keys:
            self._buckets.get(key, set()).discard(doc_id)
        self._signatures.pop(doc_id, None)

    def candidates(self, band_keys: list[int], per_band: int) -> list[int]:
        buckets = [self._buckets.get(key, set()) for key in band_keys]
        if sum(map(len, buckets)) <= per_band * len(band_keys):
            return [doc_id for bucket in buckets for doc_id in bucket]
        return [doc_id for bucket in buckets for doc_id in heapq.nlargest(per_band, bucket)]

    def signatures(self, doc_ids: Iterable[int]) -> dict[int, Signature]:
        return {d: self._signatures[d] for d in doc_ids if d in self._signatures}

    def __len__(self) -> int:
        return len(self._signatures)


@dataclass(frozen=True, order=True)
class Match:
    """A confirmed near-duplicate: the stored document and the estimated similarities to it."""

    doc_id: int
    jaccard: float
    containment: float = 0.0


# A band that many stored documents share (a template's words: "Posted on ... by ..." under every teaser)
# says nothing of any one of them. Read whole, it made each look-up confirm every one of them, so a
# look-up cost as much as the index was large: the teasers of one page of 20,000 such items held the
# crawl's writer, and with it the crawl, for hours. When its bands hold more than BUCKET_LIMIT a band, a
# look-up reads at most BUCKET_LIMIT of each, the latest (stories close in time are the likeliest
# copies); it confirms at most CONFIRM_LIMIT, those sharing the most bands with it (26 bands of 3 rows:
# a pair at Jaccard 0.6 shares 5.6 on average, one at 0.3 fewer than one). Under both limits, as every
# look-up on the evaluation corpus is (at most 32 band entries, 6 candidates), a look-up is what it was.
BUCKET_LIMIT = 16
CONFIRM_LIMIT = 32

# Every candidate is confirmed against its stored signature, so a false positive costs one
# comparison while a false negative is a missed duplicate: weigh the banding towards recall.
# At threshold 0.6 and 128 permutations this gives 24 bands of 4 rows: a pair at Jaccard 0.6 is a
# candidate with probability 0.96 (0.40 with datasketch's equal weights).
FALSE_NEGATIVE_WEIGHT = 0.95


# optimal_bands' answer for the settings a crawl ships with (DEDUP_LSH_THRESHOLD 0.5, DEDUP_NUM_PERM 128): a
# crawl that makes a new database chooses its bands without loading numpy (0.18 s of a core to import, before
# its first request); its process loads numpy only if its writer signs many texts again (blocks turned chrome;
# dedup.minhash.SHINGLES_BEFORE_NUMPY).
# The tests hold each entry equal to the computed choice.
KNOWN_BANDS = {(0.5, 128): (26, 3)}


def optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising weighted false positives and negatives around ``threshold``.

    datasketch's ``MinHashLSH`` makes the same choice (the tests hold the two equal), but importing it
    loads scipy for its integrals: most of a second before a crawl's first request. These integrals of
    smooth curves need no more than the trapezoid rule.
    """
    known = KNOWN_BANDS.get((threshold, num_perm))
    return known if known is not None else computed_bands(threshold, num_perm)


def computed_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """:func:`optimal_bands`, computed."""
    import numpy as np  # here, not at the top: the crawl checks its settings before numpy is needed

    below = np.linspace(0.0, threshold, INTEGRATION_POINTS)
    above = np.linspace(threshold, 1.0, INTEGRATION_POINTS)
    below_weights, above_weights = _trapezoid_weights(below), _trapezoid_weights(above)
    positive_weight = 1 - FALSE_NEGATIVE_WEIGHT
    errors = np.full((num_perm + 1, num_perm + 1), np.inf)  # [bands, rows]; inf where bands * rows > num_perm
    for rows in range(1, num_perm + 1):
        bands = np.arange(1, num_perm // rows + 1)[:, None]  # every band count for this many rows at once
        # Chance that a pair at similarity s shares no band: (1 - s^rows)^bands, as exp(bands * log(...)):
        # a product and one exp per point instead of two powers, and each integral a product with the
        # trapezoid weights (run at every writer's start, before the first request).
        with np.errstate(divide="ignore"):  # log(0) at s = 1: -inf, and exp(-inf) = 0
            missed_below = np.exp(bands * np.log1p(-(below**rows)))
            missed_above = np.exp(bands * np.log1p(-(above**rows)))
        false_positives = threshold - missed_below @ below_weights  # the integral of 1 - missed
        false_negatives = missed_above @ above_weights
        errors[1 : len(bands) + 1, rows] = positive_weight * false_positives + FALSE_NEGATIVE_WEIGHT * false_negatives
    # The first of equals in (bands, rows) order, as a loop over bands and then rows would keep.
    best_bands, best_rows = divmod(int(np.argmin(errors)), num_perm + 1)
    return best_bands, best_rows


def _trapezoid_weights(points: np.ndarray) -> np.ndarray:
    """Weights whose product with a function's values on evenly spaced ``points`` is its trapezoid integral."""
    import numpy as np

    step = points[1] - points[0]
    weights = np.full(len(points), step)
    weights[0] = weights[-1] = step / 2
    return weights


INTEGRATION_POINTS = 1001


class NearDuplicateIndex:
    """MinHash LSH over signatures of one :class:`SignatureScheme`.

    ``query`` returns candidates that share at least one band with the signature; ``confirm`` keeps
    those whose estimated Jaccard similarity reaches ``threshold``, or, when ``containment_threshold``
    is set, whose shorter text is contained in the other to that degree (a copy cut short) while
    being at least ``min_size_ratio`` of its size (so a roundup quoting a brief whole is no copy of it).
    The banding is chosen for ``lsh_threshold`` (default: ``threshold``), below it when containment
    should find cut copies whose Jaccard is lower.
    """

    def __init__(
        self,
        scheme: SignatureScheme,
        threshold: float = 0.6,
        bands: int | None = None,
        rows: int | None = None,
        store: BandStore | None = None,
        containment_threshold: float | None = None,
        min_size_ratio: float = 0.5,
        lsh_threshold: float | None = None,
    ):
        if not isinstance(threshold, (int, float)) or not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
        if containment_threshold is not None and not 0.0 < containment_threshold <= 1.0:
            raise ValueError(f"containment_threshold must be in (0, 1], got {containment_threshold!r}")
        if not 0.0 <= min_size_ratio <= 1.0:
            raise ValueError(f"min_size_ratio must be in [0, 1], got {min_size_ratio!r}")
        if lsh_threshold is not None and not 0.0 < lsh_threshold <= 1.0:
            raise ValueError(f"lsh_threshold must be in (0, 1], got {lsh_threshold!r}")
        if (bands is None) != (rows is None):
            raise ValueError(f"give both bands and rows or neither, got bands={bands!r}, rows={rows!r}")
        if bands is None or rows is None:
            bands, rows = optimal_bands(lsh_threshold or threshold, scheme.num_perm)
        if bands < 1 or rows < 1 or bands * rows > scheme.num_perm:
            raise ValueError(
                f"bands * rows must be positive and at most num_perm={scheme.num_perm}, got {bands} * {rows}"
            )
        self.scheme = scheme
        self.threshold = float(threshold)
        self.containment_threshold = containment_threshold
        self.min_size_ratio = min_size_ratio
        self.bands = bands
        self.rows = rows
        self.store: BandStore = store if store is not None else MemoryBandStore()
        self._salts = [band.to_bytes(16, "little") for band in range(bands)]  # the band number, in each key
        # A document is looked up, then added, with one signature: its keys are made once.
        self._last_keys: tuple[Signature, tuple[int, ...]] | None = None

    def params(self) -> dict[str, object]:
        """What must match for stored band keys to be usable: the scheme plus the banding."""
        return {**self.scheme.params(), "bands": self.bands, "rows": self.rows}

    def check_stored(self, stored: dict[str, object]) -> None:
        """Raise :class:`ParameterMismatch` unless keys stored under ``stored`` params are usable here."""
        self.scheme.check_stored(stored)
        if (str(stored.get("bands")), str(stored.get("rows"))) != (str(self.bands), str(self.rows)):
            raise ParameterMismatch(
                f"stored band keys use bands={stored['bands']} rows={stored['rows']}, "
                f"asked bands={self.bands} rows={self.rows}. Use the stored values, or a new database."
            )

    def band_keys(self, signature: Signature) -> list[int]:
        """One signed 64-bit key per band (the band number is part of the key, so one column holds all)."""
        if signature.width != self.scheme.num_perm:
            raise ValueError(f"signature has {signature.width} values, index expects {self.scheme.num_perm}")
        last = self._last_keys
        if last is not None and last[0] is signature:
            return list(last[1])
        raw = signature.values
        width = self.rows * 4
        keys = tuple(
            int.from_bytes(
                hashlib.blake2b(raw[i * width : (i + 1) * width], digest_size=8, salt=salt).digest(),
                "little",
                signed=True,
            )
            for i, salt in enumerate(self._salts)
        )
        self._last_keys = (signature, keys)
        return list(keys)

    def add(self, doc_id: int, signature: Signature) -> None:
        self.store.add(doc_id, self.band_keys(signature), signature)

    def remove(self, doc_id: int) -> None:
        """Forget a document (to index it again after its text changed)."""
        stored = self.store.signatures([doc_id]).get(doc_id)
        if stored is not None:
            self.store.remove(doc_id, self.band_keys(stored))

    def query(self, signature: Signature) -> set[int]:
        """Candidate documents sharing a band with ``signature``; unconfirmed.

        At most :data:`CONFIRM_LIMIT`, those sharing the most bands (then the latest), from at most
        :data:`BUCKET_LIMIT` of each band's (the latest).
        """
        shared = Counter(self.store.candidates(self.band_keys(signature), BUCKET_LIMIT))
        if len(shared) <= CONFIRM_LIMIT:
            return set(shared)
        return set(sorted(shared, key=lambda doc_id: (-shared[doc_id], -doc_id))[:CONFIRM_LIMIT])

    def confirm(self, signature: Signature, candidates: Iterable[int]) -> list[Match]:
        """The candidates whose stored signature is similar enough, best first."""
        others = self.store.signatures(candidates)
        matches = []
        for (doc_id, other), jaccard in zip(others.items(), signature.jaccards(list(others.values())), strict=True):
            shorter, longer = sorted((signature.size, other.size))
            shared = containment(jaccard, shorter, longer)
            if jaccard >= self.threshold or (
                self.containment_threshold is not None
                and shared >= self.containment_threshold
                and shorter >= self.min_size_ratio * longer
            ):
                matches.append(Match(doc_id, jaccard, shared))
        return sorted(matches, key=lambda m: (-m.jaccard, m.doc_id))

    def find(self, signature: Signature) -> list[Match]:
        """query + confirm in one call."""
        return self.confirm(signature, self.query(signature))


__all__ = ["BandStore", "Match", "MemoryBandStore", "NearDuplicateIndex", "ParameterMismatch", "optimal_bands"]
