"""The stats of a shared run: the writer's own counters and those each crawler hands over when it closes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawler.store.writer import CountingStats

TOP_KEYS = {"scope/links_out_of_scope_top": 20}  # dicts of counts that keep only their largest entries
LARGEST = {"memusage/max", "memusage/startup", "scope/links_out_of_scope_sites"}  # not additive across crawlers
EARLIEST, LATEST = "start_time", "finish_time"
OWN = {"finish_reason", "elapsed_time_seconds", "distributed/role"}  # the run's, or one crawler's alone


class RunStats(CountingStats):
    """The writer's :class:`crawler.store.writer.Stats` for a shared run.

    It holds one set of values, as a single-machine crawl's stats collector does: the writer counts
    into it, and :meth:`add_crawler` adds each crawler's stats as it closes (counts summed, the
    earliest start and latest finish, the largest memory peak). ``distributed/crawlers`` counts the
    crawlers whose stats arrived; a crawler that was killed hands over none.
    """

    def get_stats(self) -> dict[str, Any]:
        stats = dict(self)
        try:
            started, finished = datetime.fromisoformat(stats[EARLIEST]), datetime.fromisoformat(stats[LATEST])
        except (KeyError, TypeError, ValueError):
            return stats
        stats["elapsed_time_seconds"] = (finished - started).total_seconds()
        return stats

    def add_crawler(self, stats: dict[str, Any]) -> None:
        """Merge the stats a crawler handed over when it closed (JSON values: datetimes are text)."""
        self.inc_value("distributed/crawlers")
        for key, value in stats.items():
            if key in OWN:
                continue
            current = self.get(key)
            if current is None:
                self[key] = _top(key, value) if isinstance(value, dict) else value
            elif key == EARLIEST:
                self[key] = min(current, value)
            elif key == LATEST or key in LARGEST:
                self[key] = max(current, value)
            elif isinstance(value, dict) and isinstance(current, dict):
                merged = dict(current)
                for name, count in value.items():
                    merged[name] = merged.get(name, 0) + count
                self[key] = _top(key, merged)
            elif isinstance(value, bool) or isinstance(current, bool):
                self[key] = bool(current) or bool(value)
            elif isinstance(value, int | float) and isinstance(current, int | float):
                self[key] = current + value
            # other text (a crawler's role, a failure message): the first crawler's stays


def _top(key: str, counts: dict[str, Any]) -> dict[str, Any]:
    keep = TOP_KEYS.get(key)
    if keep is None:
        return counts
    return dict(sorted(counts.items(), key=lambda item: -item[1])[:keep])
