"""The summary printed when a crawl ends: a few short lines on what the run did, also kept as JSON in runs.stats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.progress import near_duplicates, pages_recorded, without_article

SITE_KEYS = ("store/articles/new", "articles/updated", "articles/gone", "articles/moved", "pages")


@dataclass(frozen=True)
class Totals:
    """What the whole database holds at the end of a run."""

    articles: int
    unique_articles: int
    live_articles: int
    teasers: int
    sightings: int


def figures(stats: dict[str, Any], totals: Totals, elapsed: float) -> dict[str, Any]:
    """The run's figures as the summary states them (kept in ``runs.stats`` under ``summary``)."""
    pages = pages_recorded(stats)
    sites: dict[str, dict[str, int]] = {}
    for key, value in stats.items():
        if key.startswith("site/"):
            name, _, stat = key[len("site/") :].partition("/")
            if stat in SITE_KEYS:
                sites.setdefault(name, {})[stat] = value
    return {
        "finish_reason": stats.get("finish_reason", "unknown"),
        "elapsed_s": round(elapsed, 1),
        "pages": pages,
        "pages_per_s": round(pages / elapsed, 1) if elapsed > 0 else 0.0,
        "articles_new": stats.get("store/articles/new", 0),
        "near_duplicates": near_duplicates(stats),
        "exact_copies": stats.get("dedup/exact", 0),
        "seen_again": stats.get("store/articles/seen_again", 0) + stats.get("store/articles/listed_again", 0),
        "updated": stats.get("articles/updated", 0),
        "gone": stats.get("articles/gone", 0),
        "moved": stats.get("articles/moved", 0),
        "revisits": stats.get("revisits", 0),
        "not_modified": stats.get("requests/not_modified", 0),
        "teasers_new": stats.get("teasers/new", 0),
        "sightings_new": stats.get("teasers/sightings", 0),
        "teasers_over_limit": stats.get("teasers/over_limit", 0),
        "pages_over_teaser_limit": stats.get("teasers/pages_over_limit", 0),
        "without_article": dict(sorted(without_article(stats).items())),
        "sites": sites,
        "database": {
            "articles": totals.articles,
            "unique": totals.unique_articles,
            "live": totals.live_articles,
            "teasers": totals.teasers,
            "sightings": totals.sightings,
        },
    }


def summarise(summary: dict[str, Any], path: str, what: str = "Crawl") -> str:
    """The summary's lines, from :func:`figures`; ``what`` ended (a crawl, a re-extraction)."""
    s = summary
    skipped = ", ".join(f"{reason} {n}" for reason, n in s["without_article"].items()) or "none"
    over_limit = ""
    if s["teasers_over_limit"]:
        pages = s["pages_over_teaser_limit"]
        over_limit = (
            f" {s['teasers_over_limit']} more not stored: {pages} page{'s' if pages != 1 else ''} showed more than "
            "EXTRACT_MAX_TEASERS (pages.teasers_over_limit)."
        )
    lines = [
        (
            f"{what} finished ({s['finish_reason']}): {s['articles_new']} new articles stored "
            f"({s['near_duplicates']} linked as near-duplicates, {s['exact_copies']} as exact copies); "
            f"{s['pages']} pages in {s['elapsed_s']:g} s ({s['pages_per_s']:g} pages/s)."
        ),
        (
            f"Stored articles: {s['seen_again']} seen again, {s['updated']} updated, {s['gone']} gone, "
            f"{s['moved']} moved ({s['revisits']} revisits, {s['not_modified']} requests answered 'not modified')."
        ),
        (
            f"Teasers: {s['teasers_new']} new, kept from {s['sightings_new']} new sightings "
            f"({s['sightings_new'] - s['teasers_new']} merged into existing teasers).{over_limit}"
        ),
        f"Pages without an article: {skipped}.",
    ]
    if len(s["sites"]) > 1:
        parts = []
        for name, counts in sorted(s["sites"].items()):
            changes = "".join(
                f", {counts[key]} {label}"
                for key, label in (
                    ("articles/updated", "updated"),
                    ("articles/gone", "gone"),
                    ("articles/moved", "moved"),
                )
                if counts.get(key)
            )
            parts.append(f"{name} {counts.get('store/articles/new', 0)} new{changes} ({counts.get('pages', 0)} pages)")
        lines.append("Sites: " + "; ".join(parts) + ".")
    db = s["database"]
    lines.append(
        f"{path} now holds {db['articles']} articles ({db['unique']} unique, {db['live']} live) "
        f"and {db['teasers']} teasers from {db['sightings']} sightings."
    )
    return "\n".join(lines)
