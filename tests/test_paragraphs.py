"""Paragraphs tokenised once where a page is analysed: the same tokens, hashes and signature as the whole text's."""

from __future__ import annotations

import pytest

from crawler.demo.server import DEMO_SITE
from crawler.extract.article import extract_page
from crawler.extract.chrome import cut_chrome
from crawler.extract.options import ExtractOptions
from crawler.extract.paragraphs import ParagraphHashes, block_hash, prefix_hash, split_paragraphs
from crawler.extract.signing import sign_paragraphs, sign_text
from crawler.extract.words import count_words
from crawler.handoff import KnownChrome
from crawler.store.chrome import SiteChrome
from dedup import SignatureScheme, content_hash, tokens
from tests.support.store import open_writer

SCHEME = SignatureScheme()

# Texts where tokenising paragraph by paragraph could differ from tokenising the whole: a combining
# accent or a Hindi vowel sign opening a paragraph, characters the tokeniser folds, runs of newlines,
# ideographs, NBSP, compatibility forms NFKC rewrites, empty paragraphs.
AWKWARD = [
    "Caf\u00e9 owners met on Tuesday.\n\n\u0301accent first, then words\n\nLast one here.",
    "\u201cQuoted\u201d \u2013 words\u00a0with nbsp\n\n\n\nafter four newlines\n\n\n\n\nand five",
    ("\u6e2f\u306e\u30c8\u30f3\u30cd\u30eb\u8a08\u753b\n\n\uff26\uff55\uff4c\uff4c\uff57 letters \ufb01ne"),
    "भारत की नीति\n\n\u093eकी: a vowel sign first\n\nภาษาไทย",
    "\n\nstarts empty\n\n",
    "one paragraph only, no break at all",
    "",
]


def demo_texts() -> list[str]:
    texts = []
    for path in sorted((DEMO_SITE / "herald" / "articles").glob("*.html")):
        article = extract_page(
            path.read_bytes(), f"http://127.0.0.1/{path.name}", "text/html", ExtractOptions()
        ).article
        if article is not None:
            texts.append(article.text)
    assert len(texts) > 3
    return texts


@pytest.mark.parametrize("text", AWKWARD + demo_texts())
def test_paragraph_by_paragraph_the_text_has_the_tokens_and_hashes_of_the_whole(text):
    paragraphs = split_paragraphs(text)
    assert [p.text for p in paragraphs] == text.split("\n\n")
    assert [word for p in paragraphs for word in p.words] == tokens(text)
    # Stored articles were hashed and signed from the whole text: a new version must not look changed.
    signed = sign_text(text, SCHEME)
    assert signed.content_hash == content_hash(text) and signed.word_count == count_words(text)
    whole = SCHEME.signature(text)
    assert (signed.signature is None) == (whole is None)
    if whole is not None:
        assert signed.signature is not None and signed.signature.values == whole.values
    assert signed.paragraph_hashes == tuple(ParagraphHashes(block_hash(p), prefix_hash(p)) for p in text.split("\n\n"))


def test_the_writer_looks_paragraphs_up_by_the_hashes_sent_with_them(tmp_path):
    """The writer side does not tokenise a text again when its hashes came with it: it trusts them."""
    writer = open_writer(tmp_path / "crawl.db", CHROME_MIN_STORIES=3, EXTRACT_MIN_WORDS=5)
    chrome: SiteChrome | None = writer.chrome
    assert chrome is not None
    pitch = "Sign up for the Morning Brief, the day's stories in five minutes."
    story = "The council approved the harbour tunnel on Tuesday after a long debate about costs."
    chrome.known("x.org").add(block_hash(pitch))
    text = f"{story}\n\n{pitch}"
    assert chrome.strip("http://x.org/a", text) == (story, [(pitch, "site_chrome")])
    sent = sign_text(text, SCHEME).hashes()
    assert chrome.strip("http://x.org/a", text, sent) == (story, [(pitch, "site_chrome")])
    # Hashes that say the story's paragraph is the known block: it is what is cut.
    swapped = (sent[1], sent[0])
    assert chrome.strip("http://x.org/a", text, swapped) == (pitch, [(story, "site_chrome")])


def test_the_crawl_side_cut_and_signature_use_the_same_paragraphs():
    text = "The council approved the harbour tunnel on Tuesday after a long debate.\n\nSign up for our letter."
    paragraphs = split_paragraphs(text)
    chrome = KnownChrome(frozenset({paragraphs[1].hashes.block}), max_chars=100, min_words=3)
    kept, cut = cut_chrome(paragraphs, chrome)
    assert cut == [("Sign up for our letter.", "site_chrome")]
    signed, alone = sign_paragraphs(kept, SCHEME), sign_text(text.split("\n\n")[0], SCHEME)
    assert (signed.text, signed.content_hash, signed.paragraph_hashes) == (
        alone.text,
        alone.content_hash,
        alone.hashes(),
    )
    assert signed.signature is not None and alone.signature is not None
    assert signed.signature.values == alone.signature.values
