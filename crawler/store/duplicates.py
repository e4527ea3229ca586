"""Dedup decisions against the database: which stored article or teaser a new one is the same as."""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.extract.paragraphs import prefix_hash
from crawler.extract.results import Article, Teaser
from crawler.extract.signing import SignedText
from crawler.store.articles import ArticleRow, Articles
from crawler.store.teasers import Teasers
from crawler.urls import site_of
from dedup import NearDuplicateIndex, Signature

MAX_RECLUSTER = 2000  # articles regrouped after one edit at most: clusters are a handful of copies


def _components(nodes: set[int], neighbours: dict[int, set[int]]) -> list[set[int]]:
    """The connected components of ``nodes`` under the (symmetric) ``neighbours`` relation."""
    parent = {node: node for node in nodes}

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for node, others in neighbours.items():
        for other in others & nodes:
            parent[find(node)] = find(other)
    groups: dict[int, set[int]] = {}
    for node in nodes:
        groups.setdefault(find(node), set()).add(node)
    return list(groups.values())


@dataclass
class ArticleDecision:
    """How a page's article relates to what is stored.

    ``existing_id`` set: the same article (same URL or canonical URL) is stored; nothing new.
    Otherwise a new row linked to ``root_id`` (None when unique), and the clusters rooted at
    ``merge_roots`` join it because this article is near-duplicate to members of each.
    """

    match: str  # "same_url", "exact", "near", "contained" or "unique"
    existing_id: int | None = None
    root_id: int | None = None
    similarity: float | None = None
    merge_roots: list[int] = field(default_factory=list)


class Deduplicator:
    """Applies the dedup semantics (README, "How dedup works") with the indexes kept in the database.

    Articles form star clusters: every member points at the cluster's first-stored article. Clusters
    are the connected components of the "near-duplicate" relation, so when an article is similar to
    members of two clusters, the clusters merge under the older root; which articles end up together
    does not depend on the order they arrive in.
    """

    def __init__(
        self, articles: Articles, teasers: Teasers, article_index: NearDuplicateIndex, teaser_index: NearDuplicateIndex
    ):
        self.articles = articles
        self.teasers = teasers
        self.article_index = article_index
        self.teaser_index = teaser_index

    # -- articles -----------------------------------------------------------------------------
    def decide_article(self, url: str, canonical_url: str | None, text: SignedText) -> ArticleDecision:
        existing = self.articles.find(url)
        # A canonical URL on the same site names another spelling of this page; one on another
        # site declares syndication, which is linked as a duplicate below, not merged into one row.
        if existing is None and canonical_url and canonical_url != url and site_of(canonical_url) == site_of(url):
            existing = self.articles.find(canonical_url)
        if existing is not None:
            return ArticleDecision("same_url", existing_id=existing)
        exact = self.articles.ids_with_hash(text.content_hash)
        similar: dict[int, float] = dict.fromkeys(exact, 1.0)
        near = False
        if text.signature is not None:
            for match in self.article_index.find(text.signature):
                similar.setdefault(match.doc_id, match.jaccard)
                near = near or match.jaccard >= self.article_index.threshold
        if not similar:
            return ArticleDecision("unique")
        roots = set(self.articles.cluster_roots(similar).values())
        root = min(roots)  # ids grow with storage order: the smallest is the first stored
        # "contained": matched only as a copy cut short (its Jaccard is below the threshold).
        return ArticleDecision(
            "exact" if exact else ("near" if near else "contained"),
            root_id=root,
            similarity=self._similarity_to(root, similar, text.signature),
            merge_roots=sorted(roots - {root}),
        )

    def _similarity_to(self, root: int, similar: dict[int, float], signature: Signature | None) -> float | None:
        if root in similar:
            return similar[root]
        if signature is None:
            return None
        stored = self.article_index.store.signatures([root]).get(root)
        return signature.jaccard(stored) if stored is not None else None

    def store_article(
        self, url: str, article: Article, text: SignedText, decision: ArticleDecision, run_id: int | None
    ) -> int:
        """Write the decided article (or touch the existing one) and its index entry; return its id."""
        if decision.existing_id is not None:
            self.articles.touch(decision.existing_id)
            return decision.existing_id
        row = ArticleRow.of(url, article, text, decision.root_id, decision.similarity)
        article_id = self.articles.insert(row, run_id)
        # Its canonical URL on its own site is another URL of it: a link there means this article.
        canonical = row.canonical_url if row.canonical_url and site_of(row.canonical_url) == row.site else None
        if canonical and canonical != url and self.articles.find(canonical) is None:
            self.articles.add_url(canonical, article_id, "canonical")
        # Teasers stored before their article learn its id now; those stored after look it up.
        self.teasers.link_article(article_id, {row.url, canonical or row.url})
        if text.signature is not None:
            self.article_index.add(article_id, text.signature)
        for old_root in decision.merge_roots:
            assert decision.root_id is not None
            self._merge_cluster(old_root, decision.root_id)
        return article_id

    def recluster(self, article_id: int) -> None:
        """After an article's text changed: the clusters it was in and is now similar to, computed anew.

        A cluster is a connected component of the near-duplicate relation, rooted at its first-stored
        member. The edited article's old cluster and every article reachable from it through confirmed
        matches (of the new text too) are regrouped: an edit may join the article to a cluster, take
        it out of one, or split or merge clusters. Every member points at its root: no chains.
        """
        root = self.articles.cluster_roots([article_id])[article_id]
        reached = set(self.articles.cluster_members(root)) | {article_id}
        neighbours: dict[int, set[int]] = {}
        frontier = sorted(reached)
        while frontier and len(reached) <= MAX_RECLUSTER:
            node = frontier.pop()
            neighbours[node] = self._neighbours(node)
            for other in neighbours[node] - reached:
                reached.add(other)
                frontier.append(other)
        for component in _components(set(neighbours), neighbours):  # only the articles whose matches are known
            self._point_at_root(sorted(component))

    def _neighbours(self, article_id: int) -> set[int]:
        """The stored articles confirmed as near or exact duplicates of one stored article."""
        found = set(self.articles.ids_with_hash(self.articles.content_hashes([article_id])[article_id]))
        signature = self.article_index.store.signatures([article_id]).get(article_id)
        if signature is not None:
            found |= {match.doc_id for match in self.article_index.find(signature)}
        return found - {article_id}

    def _point_at_root(self, members: list[int]) -> None:
        """Make the first-stored member the root of the others, with their similarity to it; write changes only."""
        root, rest = members[0], members[1:]
        signatures = self.article_index.store.signatures(members)
        hashes = self.articles.content_hashes(members)
        current = self.articles.cluster_links(members)
        wanted: dict[int, tuple[int | None, float | None]] = {root: (None, None)}
        for member in rest:
            if hashes[member] == hashes[root]:
                similarity: float | None = 1.0
            elif member in signatures and root in signatures:
                similarity = signatures[member].jaccard(signatures[root])
            else:
                similarity = None
            wanted[member] = (root, similarity)
        for member, (duplicate_of, similarity) in wanted.items():
            if current.get(member) != (duplicate_of, similarity):
                self.articles.set_duplicate_of(member, duplicate_of, similarity)

    def _merge_cluster(self, old_root: int, new_root: int) -> None:
        """Point every member of ``old_root``'s cluster (itself included) at ``new_root``: no chains."""
        root_signature = self.article_index.store.signatures([new_root]).get(new_root)
        members = self.articles.cluster_members(old_root)
        signatures = self.article_index.store.signatures(members)
        for member in members:
            signature = signatures.get(member)
            similarity = (
                signature.jaccard(root_signature) if signature is not None and root_signature is not None else None
            )
            self.articles.set_duplicate_of(member, new_root, similarity)

    # -- teasers ------------------------------------------------------------------------------
    def store_teasers(
        self, page_url: str, teasers: list[Teaser], signatures: list[Signature | None]
    ) -> tuple[int, int]:
        """Store the page's teasers, merging each into the row of the same story.

        Returns (new teasers, new sightings); a sighting is new once per (teaser, page, block).
        """
        signatures = signatures or [None] * len(teasers)
        # Two look-ups for the whole page rather than two per teaser; articles do not change below.
        teaser_ids = self.teasers.ids_for_urls(teaser.url for teaser in teasers)
        article_ids = self.articles.find_all(t.url for t in teasers if t.url and t.url not in teaser_ids)
        new = sightings = 0
        for teaser, signature in zip(teasers, signatures, strict=True):
            teaser_id = self._find_teaser(teaser_ids.get(teaser.url), signature)
            if teaser_id is not None:
                sightings += self.teasers.add_sighting(teaser_id, page_url, teaser.block, teaser.title, teaser.text)
                continue
            article_id = article_ids.get(teaser.url) if teaser.url else None
            teaser_id = self.teasers.insert(
                teaser.title, teaser.text, teaser.url, article_id, prefix_hash(teaser.text), page_url, teaser.block
            )
            teaser_ids[teaser.url] = teaser_id  # the first teaser linking there: later ones on the page are it
            if signature is not None:
                self.teaser_index.add(teaser_id, signature)
            new += 1
            sightings += 1
        return new, sightings

    def _find_teaser(self, same_url_id: int | None, signature: Signature | None) -> int | None:
        """The stored teaser of the same story: the one with the same link target, else a near-duplicate blurb."""
        if same_url_id is None and signature is not None:
            matches = self.teaser_index.find(signature)
            if matches:
                return min(m.doc_id for m in matches)
        return same_url_id
