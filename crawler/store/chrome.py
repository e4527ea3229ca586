"""Site-level chrome learning: short blocks that recur across a site's stories are cut from its articles."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from crawler.extract.chrome import CHROME, has_words, is_chrome
from crawler.extract.paragraphs import ParagraphHashes, block_hash, normalized_paragraph, paragraph_hashes
from crawler.extract.signing import sign_text
from crawler.handoff import KnownChrome
from crawler.store.articles import Articles
from crawler.store.blocks import RemovedBlocks, SiteBlocks
from crawler.store.teasers import Teasers
from crawler.urls import site_of
from dedup import NearDuplicateIndex, normalize_text

logger = logging.getLogger(__name__)

MAX_ARTICLES_TRACKED = 200  # articles remembered per block, to clean once it turns out to be chrome


class SiteChrome:
    """Learns, per site, which short paragraphs are chrome, and cuts them from article texts.

    trafilatura sees one page; a crawl sees the whole site. A short paragraph (a newsletter pitch,
    a "source: ... with agencies" line, a cookie notice) found in ``min_stories`` different stories of
    one site is chrome: stories, not pages, so that copies of one story never make its own lines
    look like chrome. A paragraph that is a site's teaser blurb, shown on several pages and linking
    to another story, is chrome too. What is cut is recorded in ``removed_blocks``; articles stored
    before a block turned out to be chrome are cleaned (and indexed again) when it does.
    """

    def __init__(
        self,
        blocks: SiteBlocks,
        removed: RemovedBlocks,
        articles: Articles,
        teasers: Teasers,
        index: NearDuplicateIndex,
        min_stories: int,
        max_chars: int,
        min_words: int,
    ):
        if min_stories < 2:
            raise ValueError(f"min_stories must be at least 2, got {min_stories!r}")
        if max_chars < 1:
            raise ValueError(f"max_chars must be positive, got {max_chars!r}")
        self.blocks = blocks
        self.removed = removed
        self.articles = articles
        self.teasers = teasers
        self.index = index
        self.min_stories = min_stories
        self.max_chars = max_chars
        self.min_words = min_words
        self._chrome: dict[str, set[int]] = {}
        self._handed: dict[str, KnownChrome | None] = {}  # what known_chrome gave the crawl side, until it grows

    def known(self, site: str) -> set[int]:
        if site not in self._chrome:
            self._chrome[site] = self.blocks.chrome_hashes(site)
        return self._chrome[site]

    def known_chrome(self, site: str) -> KnownChrome | None:
        """The site's chrome for the crawl side to cut before signing (None: none learned yet).

        A frozen copy, made again only when the site's chrome grows: a worker's task holds it while
        this side goes on learning.
        """
        if site not in self._handed:
            blocks = self.known(site)
            self._handed[site] = KnownChrome(frozenset(blocks), self.max_chars, self.min_words) if blocks else None
        return self._handed[site]

    # -- cutting ------------------------------------------------------------------------------
    def strip(
        self, page_url: str, text: str, hashes: Sequence[ParagraphHashes] | None = None
    ) -> tuple[str, list[tuple[str, str]]]:
        """The text without the site's known chrome, and what was cut with the reason.

        ``hashes``: each paragraph's, as the crawl side made them with the signature (made here if None).
        """
        site = site_of(page_url)
        chrome = self.known_chrome(site)
        paragraphs = text.split("\n\n")
        hashes = hashes if hashes is not None else paragraph_hashes(text)
        blurbs = self._teaser_blurbs(site, page_url, paragraphs, hashes)
        kept, removed = [], []
        for paragraph, paragraph_hash in zip(paragraphs, hashes, strict=True):
            # Usually cut before signing already (see known_chrome); not when learned since the page left.
            if chrome is not None and is_chrome(paragraph, paragraph_hash.block, chrome):
                removed.append((paragraph, CHROME))
            elif paragraph in blurbs:
                removed.append((paragraph, "teaser_blurb"))
            else:
                kept.append(paragraph)
        if not removed or not has_words(kept, self.min_words):
            return text, []  # never cut an article down to nothing
        return "\n\n".join(kept), removed

    def _teaser_blurbs(
        self, site: str, page_url: str, paragraphs: list[str], hashes: Sequence[ParagraphHashes]
    ) -> set[str]:
        """The paragraphs that are a blurb of one of the site's teasers (cut at any length).

        Only teasers shown on two pages or more, linking within the site but not to this page:
        a teaser of this very story repeats its lede, which is the article's own text.
        """
        prefixes: dict[int, list[str]] = {}
        for paragraph, paragraph_hash in zip(paragraphs, hashes, strict=True):
            if paragraph_hash.prefix is not None and len(paragraph) <= 2 * self.max_chars:
                prefixes.setdefault(paragraph_hash.prefix, []).append(paragraph)
        found = set()
        for key, url, blurb, seen_count in self.teasers.with_prefixes(list(prefixes)):
            if not url or url == page_url or seen_count < 2 or site_of(url) != site:
                continue
            blurb = normalize_text(blurb)
            for paragraph in prefixes[key]:
                text = normalized_paragraph(paragraph)
                if text in blurb or (blurb in text and len(blurb) >= 0.5 * len(text)):
                    found.add(paragraph)
        return found

    # -- learning -----------------------------------------------------------------------------
    def learn(
        self,
        page_url: str,
        article_id: int,
        story_id: int,
        text: str,
        hashes: Sequence[ParagraphHashes] | None = None,
    ) -> int:
        """Count the article's short paragraphs for its site; clean articles when a block turns chrome.

        ``story_id`` is the article's cluster root: copies of one story count once; ``hashes`` as for
        :meth:`strip`. Returns the number of blocks that became chrome.
        """
        site = site_of(page_url)
        hashes = hashes if hashes is not None else paragraph_hashes(text)
        blocks = {
            paragraph_hash.block: paragraph
            for paragraph, paragraph_hash in zip(text.split("\n\n"), hashes, strict=True)
            if len(paragraph) <= self.max_chars and paragraph.strip()
        }
        known = self.blocks.get(site, list(blocks))
        once = self.blocks.seen_once(site, [block for block in blocks if block not in known])
        changed: list[tuple[int, str, list[int], list[int], bool, str | None]] = []
        first_seen: list[tuple[int, int, int]] = []
        moved: list[int] = []  # from those seen once to site_blocks
        turned: list[tuple[int, list[int]]] = []
        for block, paragraph in blocks.items():
            if block in known:
                stories, article_ids, is_chrome = known[block]
                if is_chrome:
                    continue
                since = None
            elif block in once:
                first_story, first_article, since = once[block]
                if first_article == article_id:
                    continue  # the same article again (a new version of it): nothing learned
                stories, article_ids = [first_story], [first_article]
                moved.append(block)
            else:
                first_seen.append((block, story_id, article_id))
                continue
            if story_id not in stories:
                stories.append(story_id)
            if len(article_ids) < MAX_ARTICLES_TRACKED:
                article_ids.append(article_id)
            is_chrome = len(stories) >= self.min_stories
            changed.append((block, paragraph, stories, article_ids, is_chrome, since))
            if is_chrome:
                turned.append((block, article_ids))
        # One statement for each table, for the page's blocks: most pages have dozens.
        self.blocks.save(site, changed)
        self.blocks.forget_seen_once(site, moved)
        self.blocks.save_seen_once(site, first_seen)
        cut: dict[int, str] = {}
        for block, article_ids in turned:
            self.known(site).add(block)
            self._handed.pop(site, None)
            self._cut(block, article_ids, cut)
        # Blocks that turn chrome together are often in the same articles: each is signed and indexed
        # once, with all of them cut, not once per block (signing a whole text is the costly part).
        for cleaned_id, cleaned_text in cut.items():
            self._store_cleaned(cleaned_id, cleaned_text)
        return len(turned)

    def _cut(self, block: int, article_ids: list[int], cut: dict[int, str]) -> None:
        """Cut a block that just turned out to be chrome from the articles stored with it.

        ``cut`` holds the text of the articles cut so far, to be stored; the block is cut from that.
        """
        for article_id in article_ids:
            text = cut[article_id] if article_id in cut else self.articles.text(article_id)
            if text is None:
                continue
            paragraphs = text.split("\n\n")
            kept = [p for p in paragraphs if len(p) > self.max_chars or block_hash(p) != block]
            if len(kept) == len(paragraphs) or not has_words(kept, self.min_words):
                continue
            cut[article_id] = "\n\n".join(kept)
            self.removed.record(article_id, [(p, CHROME) for p in paragraphs if p not in kept])

    def _store_cleaned(self, article_id: int, text: str) -> None:
        """Store an article's text with chrome cut from it, and index it again."""
        cleaned = sign_text(text, self.index.scheme)
        self.articles.replace_text(article_id, cleaned)
        self.index.remove(article_id)
        if cleaned.signature is not None:
            self.index.add(article_id, cleaned.signature)


__all__ = ["SiteChrome"]
