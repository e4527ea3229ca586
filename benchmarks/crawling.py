"""Real `scrapy crawl news` runs for the benchmarks: loopback sites, the crawl subprocess, its database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from benchmarks.corpus import REPO

# The servers are ours and on loopback: politeness off, so a crawl measures the pipeline, not delays.
FAST_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "ROBOTSTXT_OBEY": "0",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "LOG_LEVEL": "WARNING",
    "CRAWL_SUMMARY": "0",
}


@dataclass
class CrawlRun:
    returncode: int
    seconds: float
    db: Path
    output: str  # the crawl's log

    def check(self) -> CrawlRun:
        if self.returncode != 0:
            raise RuntimeError(f"scrapy crawl failed ({self.returncode}):\n{self.output[-3000:]}")
        return self

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()


class PendingCrawl:
    """A `scrapy crawl news` subprocess started in the background; ``wait`` collects it."""

    def __init__(self, command: list[str], db: Path, timeout: float):
        self.db = db
        self.timeout = timeout
        self.started = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        # The log goes to a file: a pipe nobody reads while the caller works would stall the crawl.
        self.log = db.with_name(db.name + ".log")
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)

    def wait(self) -> CrawlRun:
        try:
            self.process.wait(timeout=self.timeout)
        finally:
            self.stop()
        output = self.log.read_text(errors="replace")
        return CrawlRun(self.process.returncode, time.perf_counter() - self.started, self.db, output)

    def stop(self) -> None:
        """End the crawl if it still runs (on an error in the caller): no process outlives the benchmark."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def start_news_crawl(
    start_urls: list[str], db: Path, settings: dict[str, str] | None = None, timeout: float = 900
) -> PendingCrawl:
    """Start `scrapy crawl news -a urls=... -a depth=0` from the repository root, as a user runs it."""
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "news",
        "-a",
        "urls=" + ",".join(start_urls),
        "-a",
        "depth=0",
    ]
    for key, value in {**FAST_SETTINGS, "SQLITE_PATH": str(db), **(settings or {})}.items():
        command += ["-s", f"{key}={value}"]
    return PendingCrawl(command, db, timeout)


def crawl_news(
    start_urls: list[str], db: Path, settings: dict[str, str] | None = None, timeout: float = 900
) -> CrawlRun:
    """Run one crawl to its end (see :func:`start_news_crawl`)."""
    return start_news_crawl(start_urls, db, settings, timeout).wait()


class _SiteHandler(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, tuple[bytes, str]]] = {}

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        found = self.files.get(self.path.split("?")[0])
        if found is None:
            self.send_error(404)
            return
        body, content_type = found
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def _serve(files: dict[str, tuple[bytes, str]]) -> Iterator[tuple[ThreadingHTTPServer, dict]]:
    handler = type("Handler", (_SiteHandler,), {"files": files})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, files
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_sites(sites: dict[str, dict[str, str]]) -> Iterator[dict[str, str]]:
    """Serve each site (path -> HTML) on its own loopback port with a /sitemap.xml; yields name -> base URL.

    The HTML may name other pages as ``{site:NAME}/path``: that placeholder becomes NAME's base URL,
    which is only known once every server is listening.
    """
    with ExitStack() as stack:
        servers = {name: stack.enter_context(_serve({})) for name in sites}
        bases = {name: f"http://127.0.0.1:{server.server_address[1]}" for name, (server, _) in servers.items()}
        for name, pages in sites.items():
            files = servers[name][1]
            for path, html in pages.items():
                for other, base in bases.items():
                    html = html.replace("{site:" + other + "}", base)
                files[path] = (html.encode("utf-8"), "text/html; charset=utf-8")
            entries = "".join(f"<url><loc>{bases[name]}{path}</loc></url>" for path in pages)
            files["/sitemap.xml"] = (
                (
                    '<?xml version="1.0" encoding="UTF-8"?>'
                    f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
                ).encode(),
                "application/xml",
            )
        yield bases
