"""MinHash signatures (datasketch): computed in batch, serialisable, tagged with the parameters that made them."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib.metadata import version
from typing import Any

from dedup.minhash import minhash_class, numpy_pays_for
from dedup.packed_minhash import PackedPermutations, affine32_permutations
from dedup.shingles import shingles, shingles_of_tokens, tokens

# datasketch 2.0 replaced the permutation scheme; signatures of different schemes are not comparable,
# so the scheme is part of what a stored signature records. dedup.packed_minhash draws this scheme's
# permutations (for datasketch, and to sign on Python integers) and applies them: another scheme needs its own.
PERMUTATION_SCHEME = "affine32"
# zlib.crc32 is a single C call per shingle (sha1, datasketch's default, costs several times more);
# datasketch's affine32 scheme pre-mixes every input hash with the MurmurHash3 finalizer.
TOKEN_HASH = "crc32"
# How word shingles read Chinese and Japanese: each ideograph and kana a word (dedup.shingles.shingle_words).
# Signatures stored without this parameter read a clause as one word.
IDEOGRAPHS_PARAM, IDEOGRAPH_WORDS = "ideographs", "characters"
# How words read combining marks (dedup.marks): as part of the word. Signatures stored without this parameter
# split a word of Hindi or Bengali at each vowel sign, and left the signs out.
MARKS_PARAM, MARKS_IN_WORDS = "marks", "in words"
# How words read the signs of Thai, Lao, Khmer and Burmese (dedup.marks): each ends the word it is written in.
# Signatures stored without this parameter left the signs out: a correction of a tone mark changed no word.
UNSPACED_MARKS_PARAM, UNSPACED_MARKS_END_WORDS = "unspaced_marks", "end words"
# How texts are read into words, as signatures record it (and the shared crawl's records, of their crawler).
WORDS_PARAMS = {
    IDEOGRAPHS_PARAM: IDEOGRAPH_WORDS,
    MARKS_PARAM: MARKS_IN_WORDS,
    UNSPACED_MARKS_PARAM: UNSPACED_MARKS_END_WORDS,
}


class ParameterMismatch(ValueError):
    """Stored signatures were made with other parameters than the ones asked for now."""


@dataclass(frozen=True)
class Signature:
    """A MinHash signature of one text plus the number of distinct shingles it was built from.

    ``values``: its hash values, each an unsigned 32-bit integer, little-endian, as bytes. Kept so, a process
    that only stores and compares signatures (the crawl's, the writer's) needs no numpy (0.18 s of a core to
    import). One that signs many texts loads it, for datasketch; one that signs a few (the writer, cutting
    chrome from stored articles) computes the same values on Python integers (:mod:`dedup.packed_minhash`).
    """

    values: bytes
    size: int

    def __post_init__(self) -> None:
        if len(self.values) % 4:
            raise ValueError(f"a signature's values are whole 32-bit integers, got {len(self.values)} bytes")

    @property
    def width(self) -> int:
        """How many hash values the signature holds (its scheme's ``num_perm``)."""
        return len(self.values) // 4

    def to_bytes(self) -> bytes:
        return self.values

    @classmethod
    def from_bytes(cls, data: bytes, size: int) -> Signature:
        return cls(bytes(data), size)

    def jaccard(self, other: Signature) -> float:
        """Estimated Jaccard similarity of the two shingle sets: the share of hash values they have in common."""
        return self.jaccards([other])[0]

    def jaccards(self, others: Sequence[Signature]) -> list[float]:
        """:meth:`jaccard` with each of ``others``: a blurb written from a template has dozens of candidates,
        and a page may show thousands of such blurbs."""
        for other in others:
            self._require_width(other)
        # The values as one integer each, the pair's differences their XOR: a value two signatures share is a
        # 32-bit lane of zeros. Adding 0x7fffffff to each lane's low 31 bits carries into its top bit unless
        # they are zero (no lane overflows into the next), and OR-ing the lane back sets it where its own top
        # bit was set: the top bits then count the values that differ. Some arithmetic on one integer a pair
        # (under 1 us for 128 values), where comparing value by value in Python took 7 us, and numpy's array
        # comparison about as long as this: the process that compares signatures need not load numpy.
        low, top = _lane_masks(self.width)
        mine = int.from_bytes(self.values, "little")
        equal = []
        for other in others:
            differ = mine ^ int.from_bytes(other.values, "little")
            equal.append(self.width - ((((differ & low) + low) | differ) & top).bit_count())
        return [count / self.width for count in equal]

    def _require_width(self, other: Signature) -> None:
        if len(self.values) != len(other.values):
            raise ValueError(f"signatures differ in length: {self.width} vs {other.width}")

    def containment_in(self, other: Signature) -> float:
        """Estimated share of this text's shingles found in ``other`` (|A∩B| / |A|), from Jaccard and sizes."""
        return containment(self.jaccard(other), self.size, other.size)


@lru_cache(maxsize=8)
def _lane_masks(width: int) -> tuple[int, int]:
    """For ``width`` 32-bit lanes of one integer: each lane's low 31 bits set, and each lane's top bit."""
    return int.from_bytes(b"\xff\xff\xff\x7f" * width, "little"), int.from_bytes(b"\x00\x00\x00\x80" * width, "little")


def containment(jaccard: float, size: int, other_size: int) -> float:
    """The share of a set of ``size`` shingles found in one of ``other_size``, given their Jaccard similarity."""
    if size == 0:
        return 0.0
    intersection = jaccard * (size + other_size) / (1.0 + jaccard)
    return min(1.0, intersection / size)


@dataclass(frozen=True)
class SignatureScheme:
    """Everything that determines a signature: permutations, hashing and shingling.

    Texts with fewer than ``min_shingles`` distinct shingles get no signature: they are too short for
    their Jaccard estimate to mean anything (and two empty MinHashes would compare as identical).
    """

    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 3
    shingle_kind: str = "word"
    min_shingles: int = 10

    def __post_init__(self) -> None:
        if not isinstance(self.num_perm, int) or not 16 <= self.num_perm <= 1024:
            raise ValueError(f"num_perm must be an integer in [16, 1024], got {self.num_perm!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if not isinstance(self.shingle_size, int) or not 1 <= self.shingle_size <= 32:
            raise ValueError(f"shingle_size must be an integer in [1, 32], got {self.shingle_size!r}")
        if self.shingle_kind not in ("word", "char"):
            raise ValueError(f"shingle_kind must be 'word' or 'char', got {self.shingle_kind!r}")
        if not isinstance(self.min_shingles, int) or self.min_shingles < 1:
            raise ValueError(f"min_shingles must be a positive integer, got {self.min_shingles!r}")

    @cached_property
    def _permutations(self) -> Any:
        """The scheme's permutations as datasketch's MinHash takes them, made once (it loads on first use: a
        crawl signs nothing before its first pages arrive).

        Drawn as datasketch draws them, from numpy's generator run on Python integers
        (:func:`dedup.packed_minhash.affine32_permutations`): datasketch's own drawing imports
        ``numpy.random`` for it, 0.01 to 0.03 s of a core on the way to the first signed page.
        """
        minhash_class()  # with numpy
        import numpy

        return numpy.array(affine32_permutations(self.num_perm, self.seed), dtype=numpy.uint32)

    def params(self) -> dict[str, object]:
        """The parameters to store beside signatures; :meth:`check_stored` compares against them."""
        return {
            "num_perm": self.num_perm,
            "seed": self.seed,
            "permutation_scheme": PERMUTATION_SCHEME,
            "token_hash": TOKEN_HASH,
            **WORDS_PARAMS,
            "shingle_kind": self.shingle_kind,
            "shingle_size": self.shingle_size,
            "datasketch_version": version("datasketch"),
        }

    def check_stored(self, stored: dict[str, object]) -> None:
        """Raise :class:`ParameterMismatch` if signatures stored with ``stored`` params are not comparable."""
        ours = self.params()
        differences = [
            f"{key}: stored {stored.get(key)!r}, asked {ours[key]!r}"
            for key in ours
            if key != "datasketch_version" and str(stored.get(key)) != str(ours[key])
        ]
        if differences:
            raise ParameterMismatch(
                "stored signatures were made with other parameters (" + "; ".join(differences) + "). "
                "Use the stored values in the settings, or a new database."
            )

    def shingle(self, text: str) -> set[bytes]:
        return shingles(text, self.shingle_size, self.shingle_kind)

    def signature(self, text: str) -> Signature | None:
        """The signature of one text, or None when the text is too short to shingle."""
        return self.signatures([text])[0]

    def signature_of_tokens(self, words: list[str]) -> Signature | None:
        """:meth:`signature` of a text whose :func:`dedup.shingles.tokens` are ``words``."""
        shingle_set = shingles_of_tokens(words, self.shingle_size, self.shingle_kind)
        return self.from_shingles(shingle_set) if len(shingle_set) >= self.min_shingles else None

    def signatures(self, texts: Iterable[str]) -> list[Signature | None]:
        """Signatures of many texts in one batch (one vectorised update per text, never per token)."""
        return [self.signature_of_tokens(tokens(text)) for text in texts]

    @cached_property
    def _packed_permutations(self) -> PackedPermutations:
        """The scheme's permutations for signing on Python integers, made once."""
        return PackedPermutations.of(self.num_perm, self.seed)

    def load_minhash(self) -> None:
        """Load datasketch's MinHash (and numpy) now, and make the permutations: for a process about to sign many
        texts (the workers' fork server). Signing loads them otherwise after a few texts signed without them."""
        self._permutations  # noqa: B018 (a cached property: made, and kept)

    def from_shingles(self, shingle_set: Sequence[bytes] | set[bytes]) -> Signature:
        if not numpy_pays_for(len(shingle_set)):
            values = self._packed_permutations.minhash_values(map(zlib.crc32, shingle_set))
            return Signature(values, len(shingle_set))
        minhash = minhash_class()(
            num_perm=self.num_perm,
            seed=self.seed,
            hashfunc=zlib.crc32,
            permutations=self._permutations,
            scheme=PERMUTATION_SCHEME,
        )
        minhash.update_batch(list(shingle_set))
        return Signature(minhash.hashvalues.astype("<u4").tobytes(), len(shingle_set))
