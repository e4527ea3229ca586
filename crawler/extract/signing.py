"""An article text with what dedup compares it by: word count, content hash and MinHash signature."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.extract.words import count_words
from dedup import Signature, SignatureScheme, hash_of_tokens, tokens


@dataclass(frozen=True)
class SignedText:
    """A text as it will be stored, signed: whenever the text changes, sign the new one with :func:`sign_text`."""

    text: str
    word_count: int
    content_hash: str
    signature: Signature | None  # None: too short to shingle, matched by exact hash only


def sign_text(text: str, scheme: SignatureScheme) -> SignedText:
    words = tokens(text)  # once for both the hash and the signature: it is most of what either costs
    return SignedText(text, count_words(text), hash_of_tokens(words), scheme.signature_of_tokens(words))
