"""The one-paragraph summary printed when a crawl ends: what this run added and what it skipped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Totals:
    """What the whole database holds at the end of a run."""

    articles: int
    unique_articles: int
    teasers: int
    sightings: int


def summarise(stats: dict[str, Any], totals: Totals, path: str) -> str:
    """Build the summary from the run's stats and the database totals."""
    new = stats.get("store/articles/new", 0)
    near = stats.get("dedup/near", 0) + stats.get("dedup/contained", 0)  # contained: copies cut short
    exact = stats.get("dedup/exact", 0)
    seen_again = stats.get("store/articles/seen_again", 0) + stats.get("store/articles/listed_again", 0)
    new_teasers = stats.get("teasers/new", 0)
    sightings = stats.get("teasers/sightings", 0)
    # pages/<kind>/<reason> for every page recorded without an article (listing, skipped, error, ...)
    skipped: dict[str, int] = {}
    for key, value in stats.items():
        parts = key.split("/")
        if len(parts) == 3 and parts[0] == "pages" and parts[1] != "article" and value:
            skipped[parts[2]] = skipped.get(parts[2], 0) + value
    skipped_text = ", ".join(f"{reason} {n}" for reason, n in sorted(skipped.items())) or "none"
    followed = (
        f"{stats.get('articles/updated', 0)} updated, {stats.get('articles/gone', 0)} gone, "
        f"{stats.get('articles/moved', 0)} moved ({stats.get('revisits', 0)} revisits, "
        f"{stats.get('requests/not_modified', 0)} requests answered 'not modified')"
    )
    return (
        f"Crawl finished ({stats.get('finish_reason', 'unknown')}): {new} new articles stored "
        f"({near} linked as near-duplicates, {exact} as exact copies), {seen_again} already-stored articles "
        f"seen again; stored articles {followed}; {new_teasers} new teasers kept from {sightings} new sightings "
        f"({sightings - new_teasers} merged into existing teasers); pages without an article, by reason: "
        f"{skipped_text}. "
        f"{path} now holds {totals.articles} articles ({totals.unique_articles} unique) and {totals.teasers} teasers "
        f"from {totals.sightings} sightings."
    )
