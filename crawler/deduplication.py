"""Dedup decisions against the database: which stored article or teaser a new one is the same as."""

from __future__ import annotations

from crawler.analysis import PageAnalysis
from crawler.chrome import prefix_hash
from crawler.items import ArticleDecision
from crawler.storage import ArticleRow, Storage
from crawler.urls import site_of
from dedup import NearDuplicateIndex, Signature


class Deduplicator:
    """Applies the dedup semantics (README, "How dedup works") with the indexes kept in the database.

    Articles form star clusters: every member points at the cluster's first-stored article. Clusters
    are the connected components of the "near-duplicate" relation, so when an article is similar to
    members of two clusters, the clusters merge under the older root; which articles end up together
    does not depend on the order they arrive in.
    """

    def __init__(self, storage: Storage, articles: NearDuplicateIndex, teasers: NearDuplicateIndex):
        self.storage = storage
        self.articles = articles
        self.teasers = teasers

    # -- articles -----------------------------------------------------------------------------
    def decide_article(self, url: str, analysis: PageAnalysis) -> ArticleDecision:
        article = analysis.extraction.article
        assert article is not None
        existing = self.storage.article_id_for_url(url)
        canonical = article.canonical_url
        # A canonical URL on the same site names another spelling of this page; one on another
        # site declares syndication, which is linked as a duplicate below, not merged into one row.
        if existing is None and canonical and canonical != url and site_of(canonical) == site_of(url):
            existing = self.storage.article_id_for_url(canonical)
        if existing is not None:
            return ArticleDecision("same_url", existing_id=existing)
        exact = self.storage.article_ids_with_hash(analysis.content_hash)
        similar: dict[int, float] = dict.fromkeys(exact, 1.0)
        near = False
        if analysis.signature is not None:
            for match in self.articles.find(analysis.signature):
                similar.setdefault(match.doc_id, match.jaccard)
                near = near or match.jaccard >= self.articles.threshold
        if not similar:
            return ArticleDecision("unique")
        roots = set(self.storage.cluster_roots(similar).values())
        root = min(roots)  # ids grow with storage order: the smallest is the first stored
        # "contained": matched only as a copy cut short (its Jaccard is below the threshold).
        return ArticleDecision(
            "exact" if exact else ("near" if near else "contained"),
            root_id=root,
            similarity=self._similarity_to(root, similar, analysis.signature),
            merge_roots=sorted(roots - {root}),
        )

    def _similarity_to(self, root: int, similar: dict[int, float], signature: Signature | None) -> float | None:
        if root in similar:
            return similar[root]
        if signature is None:
            return None
        stored = self.articles.store.signatures([root]).get(root)
        return signature.jaccard(stored) if stored is not None else None

    def store_article(self, url: str, analysis: PageAnalysis, decision: ArticleDecision, run_id: int) -> int:
        """Write the decided article (or touch the existing one) and its index entry; return its id."""
        if decision.existing_id is not None:
            self.storage.touch_article(decision.existing_id)
            return decision.existing_id
        article = analysis.extraction.article
        assert article is not None and analysis.content_hash is not None
        article_id = self.storage.insert_article(
            ArticleRow(
                url=url,
                canonical_url=article.canonical_url,
                site=site_of(url),
                title=article.title,
                author=article.author,
                published=article.published,
                language=article.language,
                description=article.description,
                sitename=article.sitename,
                text=article.text,
                word_count=article.word_count,
                content_hash=analysis.content_hash,
                duplicate_of=decision.root_id,
                similarity=decision.similarity,
            ),
            run_id,
        )
        if analysis.signature is not None:
            self.articles.add(article_id, analysis.signature)
        for old_root in decision.merge_roots:
            self._merge_cluster(old_root, decision.root_id)
        return article_id

    def _merge_cluster(self, old_root: int, new_root: int) -> None:
        """Point every member of ``old_root``'s cluster (itself included) at ``new_root``: no chains."""
        root_signature = self.articles.store.signatures([new_root]).get(new_root)
        members = self.storage.cluster_members(old_root)
        signatures = self.articles.store.signatures(members)
        for member in members:
            signature = signatures.get(member)
            similarity = (
                signature.jaccard(root_signature) if signature is not None and root_signature is not None else None
            )
            self.storage.set_duplicate_of(member, new_root, similarity)

    # -- teasers ------------------------------------------------------------------------------
    def store_teasers(self, page_url: str, analysis: PageAnalysis) -> tuple[int, int]:
        """Store the page's teasers, merging each into the row of the same story.

        Returns (new teasers, new sightings); a sighting is new once per (teaser, page, block).
        """
        teasers = analysis.extraction.teasers
        signatures = analysis.teaser_signatures or [None] * len(teasers)
        new = sightings = 0
        for teaser, signature in zip(teasers, signatures):
            teaser_id = self._find_teaser(teaser.url, signature)
            if teaser_id is None:
                teaser_id = self.storage.insert_teaser(teaser.title, teaser.text, teaser.url, prefix_hash(teaser.text))
                if signature is not None:
                    self.teasers.add(teaser_id, signature)
                new += 1
            if self.storage.add_sighting(teaser_id, page_url, teaser.block, teaser.title, teaser.text):
                sightings += 1
        return new, sightings

    def _find_teaser(self, url: str, signature: Signature | None) -> int | None:
        """The stored teaser of the same story: same link target, else a near-duplicate blurb."""
        teaser_id = self.storage.teaser_id_for_url(url)
        if teaser_id is None and signature is not None:
            matches = self.teasers.find(signature)
            if matches:
                teaser_id = min(m.doc_id for m in matches)
        return teaser_id
