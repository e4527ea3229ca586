"""datasketch's affine32 MinHash computed on Python integers: for a process that signs too few texts to load numpy."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

MASK32 = 0xFFFFFFFF
# One permutation per 64-bit lane of one integer: a 32-bit multiplier times a 32-bit hash, plus a 32-bit
# offset, stays under 2**64, so one multiplication and one addition of the whole integer compute every
# permutation of a hash without a lane carrying into the next.
LANE_BITS = 64
_MT_WORDS = 624  # MT19937's state


def numpy_random_words(seed: int, count: int) -> list[int]:
    """The first ``count`` 32-bit outputs of numpy's ``RandomState(seed)`` (MT19937 seeded with ``init_genrand``).

    Python's ``random`` runs the same generator but seeds it otherwise; given numpy's state, it gives
    numpy's outputs.
    """
    if not 0 <= seed <= MASK32:
        raise ValueError(f"seed must be between 0 and 2**32 - 1, got {seed!r}")
    state = [seed]
    for position in range(1, _MT_WORDS):
        previous = state[-1]
        state.append((1812433253 * (previous ^ (previous >> 30)) + position) & MASK32)
    generator = random.Random()
    generator.setstate((3, (*state, _MT_WORDS), None))  # at the state's end: the first output regenerates it
    return [generator.getrandbits(32) for _ in range(count)]


def affine32_permutations(num_perm: int, seed: int) -> tuple[list[int], list[int]]:
    """datasketch's affine32 permutations ``(a, b)`` for ``num_perm`` and ``seed``, as its MinHash makes them:
    ``a`` odd (``randint(0, 2**31) * 2 + 1``), then ``b`` (``randint(0, 2**32)``), from one generator."""
    words = numpy_random_words(seed, 2 * num_perm)
    # numpy draws a bound of 2**31 as a 32-bit output masked to 31 bits (never rejected), and 2**32 as the output.
    return [(word & 0x7FFFFFFF) * 2 + 1 for word in words[:num_perm]], words[num_perm:]


def fmix32(value: int) -> int:
    """MurmurHash3's 32-bit finalizer: datasketch's affine schemes mix each input hash with it first."""
    value ^= value >> 16
    value = (value * 0x85EBCA6B) & MASK32
    value ^= value >> 13
    value = (value * 0xC2B2AE35) & MASK32
    return value ^ (value >> 16)


@dataclass(frozen=True)
class PackedPermutations:
    """A scheme's permutations, each in a 64-bit lane of one integer; :meth:`minhash_values` applies them."""

    width: int
    multipliers: int
    offsets: int
    low_halves: int  # each lane's low 32 bits set: a permuted value
    guards: int  # bit 32 of each lane

    @classmethod
    def of(cls, num_perm: int, seed: int) -> PackedPermutations:
        multipliers, offsets = affine32_permutations(num_perm, seed)
        return cls(
            num_perm,
            _packed(multipliers),
            _packed(offsets),
            _packed([MASK32] * num_perm),
            _packed([1 << 32] * num_perm),
        )

    def minhash_values(self, hashes: Iterable[int]) -> bytes:
        """The MinHash of 32-bit input ``hashes`` as datasketch's affine32 scheme computes it: each value the
        least of one permutation over all of them; little-endian 32-bit values (all ones for no hashes).

        About 4 us a hash where datasketch takes 0.7: worth it for a few thousand hashes, not for a crawl.
        """
        multipliers, offsets, low_halves, guards = self.multipliers, self.offsets, self.low_halves, self.guards
        least = low_halves
        for value in hashes:
            permuted = (multipliers * fmix32(value) + offsets) & low_halves
            # Lane by lane, least - permuted with the lane's bit 32 set first: the bit survives (nothing is
            # borrowed from it) where least >= permuted, and there the permuted value is taken.
            taken = ((least | guards) - permuted) & guards
            least ^= (least ^ permuted) & (taken - (taken >> 32))
        lanes = least.to_bytes(self.width * LANE_BITS // 8, "little")
        return b"".join(lanes[start : start + 4] for start in range(0, len(lanes), LANE_BITS // 8))


def _packed(values: list[int]) -> int:
    return sum(value << (LANE_BITS * lane) for lane, value in enumerate(values))


__all__ = ["PackedPermutations", "affine32_permutations", "fmix32", "numpy_random_words"]
