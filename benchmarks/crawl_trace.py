"""A Scrapy extension for benchmark crawls: samples the engine, downloader, scraper and extraction pool.

``TRACE_SETTINGS(path)`` gives the settings that turn it on for one crawl. A thread samples every
``TRACE_INTERVAL`` seconds (it reads the objects without the reactor, so a busy reactor does not
delay the samples) and writes one JSON line per sample: what each stage holds at that moment.
:func:`summarise` says how often the extraction workers had nothing to do, and what held the pages.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.extract.pipeline import ExtractPipeline


def TRACE_SETTINGS(path: Path) -> dict[str, str]:  # noqa: N802 -- reads as the settings it is
    """The settings that trace a crawl into ``path``."""
    return {"EXTENSIONS": json.dumps({"benchmarks.crawl_trace.EngineTrace": 0}), "TRACE_PATH": str(path)}


class EngineTrace:
    """Samples the crawl's queues from a thread; see the module docstring."""

    def __init__(self, crawler: Crawler, path: Path, interval: float):
        self.crawler = crawler
        self.path = path
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="engine-trace", daemon=True)
        self._started = time.monotonic()
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EngineTrace:
        path = crawler.settings.get("TRACE_PATH")
        if not path:
            raise NotConfigured("TRACE_PATH is not set")
        return cls(crawler, Path(path), crawler.settings.getfloat("TRACE_INTERVAL", 0.005))

    def spider_opened(self) -> None:
        self._thread.start()

    def spider_closed(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _sample(self) -> dict[str, Any]:
        engine = self.crawler.engine
        assert engine is not None
        downloader, scraper = engine.downloader, engine.scraper
        slots = list(downloader.slots.values())
        sample: dict[str, Any] = {
            "t": round(time.monotonic() - self._started, 4),
            "downloader_active": len(downloader.active),  # requests in the downloader, queued or transferring
            "transferring": sum(len(s.transferring) for s in slots),
            "scheduled": len(engine._slot.scheduler) if engine._slot is not None else 0,  # type: ignore[arg-type]
        }
        slot = scraper.slot
        if slot is not None:
            sample.update(
                responses=len(slot.active) + len(slot.queue),  # in the scraper: callback and item pipelines
                response_bytes=slot.active_size,
                items=slot.itemproc_size,  # in the item pipelines: most wait for extraction
                scraper_backout=slot.needs_backout(),  # over SCRAPER_SLOT_MAX_ACTIVE_SIZE: no new requests
            )
        pipeline = self.crawler.get_item_pipeline(ExtractPipeline)
        if pipeline is not None and pipeline.pool is not None:
            sample["workers"] = len(pipeline.pool.slots)
            sample["pool_queue"] = pipeline.pool.tasks.qsize()
            sample["with_workers"] = sum(len(s.in_flight) for s in pipeline.pool.slots)
        return sample

    def _run(self) -> None:
        with self.path.open("w") as out:
            while not self._stop.wait(self.interval):
                try:
                    out.write(json.dumps(self._sample()) + "\n")
                except (RuntimeError, AttributeError):  # read mid-change, or the engine is closing
                    continue


def summarise(path: Path) -> str:
    """How often the workers had fewer pages than they could take, and what the crawl held meanwhile."""
    samples = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    samples = [s for s in samples if "items" in s and "workers" in s]
    if not samples:
        return "  trace: no samples"
    workers = samples[0]["workers"]
    starved = [s for s in samples if s["pool_queue"] + s["with_workers"] < workers]
    backout = sum(s["scraper_backout"] for s in samples)
    lines = [
        (
            f"  trace: {len(samples)} samples over {samples[-1]['t'] - samples[0]['t']:.1f} s; workers short of pages"
            f" in {len(starved) / len(samples):.0%} of them; the engine held back requests because the scraper"
            f" holds over SCRAPER_SLOT_MAX_ACTIVE_SIZE of responses in {backout / len(samples):.0%}"
        ),
        (
            f"  median pages waiting for a worker {_median([s['pool_queue'] for s in samples])},"
            f" in the item pipelines {_median([s['items'] for s in samples])},"
            f" response bytes held by the scraper {_median([s['response_bytes'] for s in samples]) / 1e6:.1f} MB"
        ),
    ]
    states: Counter[str] = Counter()
    for s in starved:
        phase = "before the first page" if s["items"] == 0 and s["t"] < samples[len(samples) // 2]["t"] else ""
        phase = phase or ("after the last download" if s["scheduled"] == 0 and not s["downloader_active"] else "")
        states[phase or f"downloading ({s['downloader_active']} requests in the downloader)"] += 1
    if states:
        lines.append("  short of pages: " + "; ".join(f"{state} {n}" for state, n in states.most_common(4)))
    return "\n".join(lines)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0
