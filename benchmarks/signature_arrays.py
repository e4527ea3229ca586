"""Signatures to and from numpy arrays, for the benchmarks that make or compare many (dedup keeps them as bytes)."""

from __future__ import annotations

import numpy as np

from dedup import Signature

VALUES = "<u4"  # dedup.Signature.values: 32-bit values, little-endian


def signature_of(values: np.ndarray, size: int) -> Signature:
    """The signature whose hash values are ``values`` (any integer array of the scheme's width)."""
    return Signature(values.astype(VALUES).tobytes(), size)


def values_of(signature: Signature) -> np.ndarray:
    """The signature's hash values as a read-only array (``.copy()`` to change them)."""
    return np.frombuffer(signature.values, dtype=VALUES)
