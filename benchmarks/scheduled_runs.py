"""Scheduled runs: what a quiet re-run and a run with 5 % of stories changed cost, against a full re-crawl."""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path

import lxml.html

from benchmarks.corpus import load_corpus
from benchmarks.harness import CrawlRun, load_average, run_crawl
from crawler.demo.server import LoopbackHandler, LoopbackServer
from crawler.extract.article import extract_page

CHANGED_SHARE = 0.05


@dataclass
class Page:
    body: bytes
    modified: int  # Unix seconds: Last-Modified, and the sitemap's <lastmod> unless it is left stale
    listed_modified: int


@dataclass
class Counts:
    requests: int = 0
    full: int = 0  # 200s with a body
    not_modified: int = 0
    body_bytes: int = 0
    article_bodies: int = 0
    by_status: dict[int, int] = field(default_factory=dict)


class NewsSite:
    """A site of real news pages answering conditional requests, with a sitemap and a home page of the latest."""

    def __init__(self, pages: list[bytes]):
        now = int(time.time())
        self.pages = {f"/story/{n}.html": Page(body, now, now) for n, body in enumerate(pages)}
        self.counts = Counts()
        self.lock = threading.Lock()
        self.server = LoopbackServer([(r"(/.*)", self.serve)], "news")

    def change(self, count: int, date_it: bool, skip: set[str]) -> list[str]:
        """Correct a paragraph in ``count`` stories not in ``skip``; ``date_it``: the sitemap says so (else
        only a revisit finds it). Returns their paths."""
        now = int(time.time())
        changed = []
        for path, page in self.pages.items():
            if len(changed) == count:
                break
            if path in skip:
                continue
            try:
                page.body = corrected(page.body)
            except ValueError:
                continue  # no paragraph of its story in a <p>: take another
            page.modified = now
            if date_it:
                page.listed_modified = now
            changed.append(path)
        return changed

    def _sitemap(self) -> bytes:
        entries = "".join(
            f"<url><loc>{self.server.base_url}{path}</loc>"
            f"<lastmod>{datetime.fromtimestamp(p.listed_modified, UTC).isoformat()}</lastmod></url>"
            for path, p in self.pages.items()
        )
        return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'.encode()

    def _home(self) -> bytes:
        latest = list(self.pages)[-50:]
        items = "".join(
            f'<li><h3><a href="{p}">Story number {p.split("/")[-1][:-5]} of the day here</a></h3>'
            f"<p>A short blurb for story {p}, as a front page shows it.</p></li>"
            for p in latest
        )
        return f"<html><body><h1>Latest</h1><ul>{items}</ul></body></html>".encode()

    def serve(self, handler: LoopbackHandler, path: str) -> None:
        if path == "/robots.txt":
            body, modified, kind = b"User-agent: *\nAllow: /\n", 0, "text/plain"
        elif path == "/sitemap.xml":
            body, modified, kind = (
                self._sitemap(),
                max(p.listed_modified for p in self.pages.values()),
                "application/xml",
            )
        elif path == "/":
            body, modified, kind = self._home(), 0, "text/html; charset=utf-8"
        elif path in self.pages:
            page = self.pages[path]
            body, modified, kind = page.body, page.modified, "text/html"
        else:
            handler.send(404, b"not found")
            return
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Last-Modified": formatdate(modified or 1_700_000_000, usegmt=True)}
        with self.lock:
            self.counts.requests += 1
            if handler.headers.get("If-None-Match") == etag:
                self.counts.not_modified += 1
            else:
                self.counts.full += 1
                self.counts.body_bytes += len(body)
                self.counts.article_bodies += path.startswith("/story/")
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send(200, body, kind, headers)


def corrected(html: bytes) -> bytes:
    """The page with a sentence added to a paragraph of its story, checked to change what extraction keeps."""
    before = _story_text(html)
    tree = lxml.html.fromstring(html)
    for paragraph in tree.iter("p"):
        own = " ".join(paragraph.text_content().split())
        if len(own) < 80 or own[:60] not in before:
            continue
        addition = lxml.html.fromstring("<span> Correction: an earlier version gave a wrong date.</span>")
        paragraph.append(addition)
        page = lxml.html.tostring(tree, encoding="utf-8")
        if _story_text(page) != before:
            return page
        paragraph.remove(addition)  # a copy of the text the story is not taken from: try the next one
    raise ValueError("no paragraph of the story found to correct")


def _story_text(html: bytes) -> str:
    extraction = extract_page(html, "http://127.0.0.1/story.html")
    return " ".join(extraction.article.text.split()) if extraction.article is not None else ""


def crawl(site: NewsSite, db: Path, settings: dict[str, object] | None = None) -> tuple[CrawlRun, Counts]:
    site.counts = Counts()
    run = run_crawl([site.server.url("/"), site.server.url("/sitemap.xml")], db, settings).check()
    return run, site.counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, help="use only the first N corpus pages as the site's stories")
    options = parser.parse_args(argv)
    pages = [page.html for page in load_corpus(options.limit)]
    n_changed = max(1, round(CHANGED_SHARE * len(pages)))
    print(
        f"scheduled_runs: a site of {len(pages)} real news pages, {n_changed} changed per step, "
        f"{os.cpu_count()} CPUs, load average {load_average()} at start"
    )
    rows: list[tuple[str, CrawlRun, Counts]] = []
    site = NewsSite(pages)
    with tempfile.TemporaryDirectory() as tmp, site.server:
        db = Path(tmp) / "news.db"
        first, counts = crawl(site, db)
        rows.append(("first crawl (empty database)", first, counts))
        quiet, counts = crawl(site, db)
        rows.append(("quiet re-run, nothing changed", quiet, counts))
        time.sleep(1.1)  # <lastmod> and fetch times are whole seconds: the change must be the later one
        dated = site.change(n_changed, date_it=True, skip=set())
        changed, counts = crawl(site, db)
        rows.append((f"{n_changed} stories changed, sitemap dates them", changed, counts))
        found_dated = changed.stats().get("articles/updated", 0)
        time.sleep(1.1)
        site.change(n_changed, date_it=False, skip=set(dated))
        revisit, counts = crawl(site, db, {"CRAWL_REVISIT_AFTER": 0})
        rows.append((f"{n_changed} changed, sitemap silent; revisits", revisit, counts))
        found_undated = revisit.stats().get("articles/updated", 0)
        full, counts = crawl(site, Path(tmp) / "fresh.db")
        rows.append(("full re-crawl (empty database)", full, counts))

    print()
    print(f"{'run':44} {'requests':>8} {'200s':>6} {'304s':>6} {'bodies MB':>9} {'articles':>8} {'seconds':>8}")
    for label, run, counts in rows:
        print(
            f"{label:44} {counts.requests:8d} {counts.full:6d} {counts.not_modified:6d} "
            f"{counts.body_bytes / 1e6:9.2f} {counts.article_bodies:8d} {run.seconds:8.2f}"
        )
    full_bytes = rows[-1][2].body_bytes
    quiet_counts = rows[1][2]
    print()
    print(
        f"quiet re-run: {quiet_counts.requests} requests ({quiet_counts.not_modified} answered 304), "
        f"{quiet_counts.article_bodies} article bodies, {quiet_counts.body_bytes / full_bytes:.3%} of a full "
        f"re-crawl's bytes, {rows[1][1].seconds / rows[-1][1].seconds:.0%} of its time"
    )
    print(
        f"changed stories found: {found_dated} of {n_changed} dated by the sitemap; "
        f"{found_undated} of {n_changed} the sitemap does not date (revisits, CRAWL_REVISIT_AFTER=0)"
    )
    verdict = quiet_counts.article_bodies == 0 and found_dated == n_changed and found_undated == n_changed
    print(f"target: a quiet re-run downloads no article body; every change is found: {'PASS' if verdict else 'FAIL'}")
    print(f"load average at the end: {load_average()}")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
