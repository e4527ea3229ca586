"""Near-duplicate detection for texts: normalisation, MinHash signatures, an LSH index with pluggable storage."""

from dedup.index import BandStore, Match, MemoryBandStore, NearDuplicateIndex
from dedup.shingles import content_hash, hash_of_tokens, normalize_text, shingles, tokens
from dedup.signatures import ParameterMismatch, Signature, SignatureScheme

__all__ = [
    "BandStore",
    "Match",
    "MemoryBandStore",
    "NearDuplicateIndex",
    "ParameterMismatch",
    "Signature",
    "SignatureScheme",
    "content_hash",
    "hash_of_tokens",
    "normalize_text",
    "shingles",
    "tokens",
]
