"""A news site on loopback that a test changes between two crawls, answering conditional requests like a real one."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate

from crawler.demo.server import LoopbackHandler, LoopbackServer
from tests.support.served import ServedByLoopback

WORDS = (
    "council harbour tunnel vote budget river bridge minister school hospital storm market railway station "
    "museum library court judge police report election mayor festival theatre university research climate "
    "energy wind grid prices bank rates housing workers union strike airport flights weather coast fishing"
).split()


def story(seed: str, sentences: int = 30) -> list[str]:
    """A distinct story of ``sentences`` sentences in paragraphs of five, its words drawn with ``seed``."""
    rng = random.Random(seed)
    lines = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(9, 14))).capitalize() + "." for _ in range(sentences)
    ]
    return [" ".join(lines[i : i + 5]) for i in range(0, sentences, 5)]


def article_page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        '<meta property="og:type" content="article">'
        '<meta property="article:published_time" content="2026-11-28T09:00:00+00:00"></head>'
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )


@dataclass
class Resource:
    body: bytes
    content_type: str
    status: int = 200
    location: str | None = None
    modified: int = 0  # when it last changed (Unix time, whole seconds like Last-Modified and <lastmod>)


@dataclass(frozen=True)
class Served:
    """One answer the site gave: what was asked for and with which status."""

    path: str
    status: int
    conditional: bool


class ChangingSite(ServedByLoopback):
    """Pages by path, each with an ETag (its bytes' hash) and a Last-Modified (when it last changed).

    ``If-None-Match`` and ``If-Modified-Since`` are answered with 304 when they still hold. The
    sitemap (``/sitemap.xml``) lists ``sitemap_paths`` with each page's ``<lastmod>``, unless a page
    is in ``stale_lastmod`` (a site that forgets to bump it). Times are whole seconds, as in HTTP:
    a test calls :meth:`next_second` between a crawl and the changes it makes for the next one.
    """

    def __init__(self, name: str = "site"):
        self.resources: dict[str, Resource] = {}
        self.sitemap_paths: list[str] = []
        self.stale_lastmod: dict[str, int] = {}
        self.served: list[Served] = []
        self._lock = threading.Lock()
        self.server = LoopbackServer([(r".*", self._serve)], name)
        self.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")

    # -- changing it --------------------------------------------------------------------------
    def next_second(self) -> None:
        """Let the clock pass a whole second, so what changes now is newer than anything fetched before."""
        start = int(time.time())
        while int(time.time()) == start:
            time.sleep(0.05)

    def put(self, path: str, body: str, content_type: str = "text/html; charset=utf-8") -> None:
        with self._lock:
            self.resources[path] = Resource(body.encode(), content_type, modified=int(time.time()))

    def article(self, path: str, title: str, paragraphs: list[str], listed: bool = True) -> None:
        self.put(path, article_page(title, paragraphs))
        if listed and path not in self.sitemap_paths:
            self.sitemap_paths.append(path)

    def status(self, path: str, status: int, location: str | None = None) -> None:
        """Answer ``path`` with ``status`` from now on (410 gone, 301 moved with ``location``)."""
        with self._lock:
            self.resources[path] = Resource(b"", "text/html; charset=utf-8", status, location, int(time.time()))

    # -- serving ------------------------------------------------------------------------------
    def requested(self, status: int | None = None) -> list[str]:
        return [s.path for s in self.served if status is None or s.status == status]

    def _sitemap(self) -> Resource:
        entries = []
        for path in self.sitemap_paths:
            resource = self.resources[path]
            modified = self.stale_lastmod.get(path, resource.modified)
            entries.append(f"<url><loc>{self.url(path)}</loc><lastmod>{_iso(modified)}</lastmod></url>")
        xml = '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        body = (xml + "".join(entries) + "</urlset>").encode()
        newest = max((self.resources[p].modified for p in self.sitemap_paths), default=0)
        return Resource(body, "application/xml", modified=newest)

    def _serve(self, handler: LoopbackHandler) -> None:
        path = handler.path.split("?")[0]
        with self._lock:
            resource = self._sitemap() if path == "/sitemap.xml" else self.resources.get(path)
        conditional = "If-None-Match" in handler.headers or "If-Modified-Since" in handler.headers
        if resource is None:
            self._answer(handler, path, conditional, 404, b"<html><body>not found</body></html>")
            return
        if resource.status != 200:
            headers = {"Location": self.url(resource.location)} if resource.location else {}
            self._answer(handler, path, conditional, resource.status, b"", headers=headers)
            return
        etag = '"' + hashlib.sha1(resource.body).hexdigest()[:12] + '"'
        last_modified = formatdate(resource.modified, usegmt=True)
        validators = {"ETag": etag, "Last-Modified": last_modified}
        if handler.headers.get("If-None-Match") == etag or (
            "If-None-Match" not in handler.headers and handler.headers.get("If-Modified-Since") == last_modified
        ):
            self._answer(handler, path, conditional, 304, None, validators)
            return
        self._answer(handler, path, conditional, 200, resource.body, validators, resource.content_type)

    def _answer(
        self,
        handler: LoopbackHandler,
        path: str,
        conditional: bool,
        status: int,
        body: bytes | None,
        headers: dict[str, str] | None = None,
        content_type: str = "text/html; charset=utf-8",
    ) -> None:
        with self._lock:
            self.served.append(Served(path, status, conditional))
        if body is None:  # 304: no body, no Content-Type
            handler.send_response(status)
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send(status, body, content_type, headers)


def _iso(when: int) -> str:
    return datetime.fromtimestamp(when, UTC).isoformat(timespec="seconds")
