"""Each site's title decoration ("... | The Daily X"), learned from its articles' titles and cut from all of them."""

from __future__ import annotations

from collections import deque

from crawler.extract.titles import TitleDecoration, learn_decoration
from crawler.store.database import Database, utc_now

SAMPLE = 60  # a site's latest titles the decoration is learned from
RELEARN_EVERY = 10  # new titles of a site between two attempts to learn it


class SiteTitles:
    """What a site adds around every headline, learned across its pages (one page cannot tell).

    The titles extraction gives still carry such a decoration when a page states its headline only
    in ``<title>``. Once a prefix or suffix is shared by most of a site's latest titles it is kept
    in ``site_titles``, cut from each new title (before it is compared with the stored one, so a
    revisit sees no change), and cut from the site's stored titles: our cleaning, not a new version.
    """

    def __init__(self, db: Database):
        self.db = db
        self._decorations: dict[str, TitleDecoration] = {}
        self._seen: dict[str, deque[str]] = {}
        self._since_learned: dict[str, int] = {}

    def bare(self, site: str, title: str | None) -> str | None:
        """``title`` without the site's known decoration."""
        return self._decoration(site).undecorate(title) if title else title

    def learn(self, site: str, title: str | None) -> int:
        """Count a new article's title (as extracted) for its site; returns the titles cleaned when a
        decoration was learned (0 otherwise)."""
        if not title:
            return 0
        if site not in self._seen:
            # Stored titles are a site's raw titles until a decoration was learned, then they are cut.
            known = self._decoration(site).prefix or self._decoration(site).suffix
            self._seen[site] = deque([] if known else self._stored_titles(site), maxlen=SAMPLE)
        seen = self._seen[site]
        seen.append(title)
        self._since_learned[site] = self._since_learned.get(site, 0) + 1
        if self._since_learned[site] < RELEARN_EVERY:
            return 0
        self._since_learned[site] = 0
        learned = learn_decoration(seen)
        if not (learned.prefix or learned.suffix) or learned == self._decoration(site):
            return 0
        self._decorations[site] = learned
        self.db.write(
            "INSERT OR REPLACE INTO site_titles (site, prefix, suffix, learned_at) VALUES (?, ?, ?, ?)",
            (site, learned.prefix, learned.suffix, utc_now()),
        )
        return self._clean_stored(site, learned)

    def _decoration(self, site: str) -> TitleDecoration:
        if site not in self._decorations:
            row = self.db.read("SELECT prefix, suffix FROM site_titles WHERE site = ?", (site,)).fetchone()
            self._decorations[site] = TitleDecoration(*row) if row else TitleDecoration()
        return self._decorations[site]

    def _stored_titles(self, site: str) -> list[str]:
        rows = self.db.read(
            "SELECT title FROM articles WHERE site = ? AND title IS NOT NULL ORDER BY id DESC LIMIT ?",
            (site, SAMPLE),
        )
        return [row[0] for row in reversed(rows.fetchall())]

    def _clean_stored(self, site: str, decoration: TitleDecoration) -> int:
        cleaned = 0
        for article_id, title in self.db.read("SELECT id, title FROM articles WHERE site = ?", (site,)).fetchall():
            bare = decoration.undecorate(title) if title else title
            if bare != title:
                self.db.write("UPDATE articles SET title = ? WHERE id = ?", (bare, article_id))
                cleaned += 1
        return cleaned
