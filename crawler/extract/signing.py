"""An article text with what dedup compares it by: word count, content hash and MinHash signature."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.extract.paragraphs import Paragraph, ParagraphHashes, paragraph_hashes, split_paragraphs
from crawler.extract.words import count_words_in
from dedup import Signature, SignatureScheme, hash_of_tokens

if TYPE_CHECKING:
    from crawler.extract.results import Teaser


@dataclass(frozen=True)
class SignedText:
    """A text as it will be stored, signed: whenever the text changes, sign the new one with :func:`sign_text`."""

    text: str
    word_count: int
    content_hash: str
    signature: Signature | None  # None: too short to shingle, matched by exact hash only
    # Each paragraph's hashes, made with the signature where the page was analysed so that the writer
    # side (one thread for the whole crawl) need not tokenise the text again; None: not sent.
    paragraph_hashes: tuple[ParagraphHashes, ...] | None = None

    def hashes(self) -> tuple[ParagraphHashes, ...]:
        """The hashes of each paragraph of the text (``text.split("\\n\\n")``), in order."""
        return self.paragraph_hashes if self.paragraph_hashes is not None else paragraph_hashes(self.text)


def sign_text(text: str, scheme: SignatureScheme) -> SignedText:
    return sign_paragraphs(split_paragraphs(text), scheme)


def sign_paragraphs(paragraphs: list[Paragraph], scheme: SignatureScheme, text: str | None = None) -> SignedText:
    """:func:`sign_text` of the text made of ``paragraphs`` (``text``, when the caller has it joined already):
    their tokens are the text's, tokenised once."""
    if text is None:
        text = "\n\n".join(paragraph.text for paragraph in paragraphs)
    words = [word for paragraph in paragraphs for word in paragraph.words]
    hashes = tuple(paragraph.hashes for paragraph in paragraphs)
    # The paragraphs' counts, cached when the extraction weighed them: counting the whole text again cost 0.2 ms a page.
    word_count = count_words_in(paragraph.text for paragraph in paragraphs)
    return SignedText(text, word_count, hash_of_tokens(words), scheme.signature_of_tokens(words), hashes)


def sign_teasers(teasers: Iterable[Teaser], scheme: SignatureScheme) -> list[Signature | None]:
    """The signature of each teaser's blurb, in one batch: what the teaser index finds its near-duplicates by."""
    return scheme.signatures(teaser.text for teaser in teasers)
