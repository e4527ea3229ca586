"""Serves directories of static pages on loopback ports, one port per simulated site."""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

DEMO_SITE = Path(__file__).with_name("demo_site")


@dataclass(frozen=True)
class Route:
    """How one path deviates from plain static serving (status, content type, headers)."""

    status: int = 200
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    gzip_file: bool = False  # serve the rendered file gzipped, as a .gz download (not Content-Encoding)


@dataclass
class RequestLog:
    """Thread-safe record of every request a site received, for tests and benchmarks."""

    entries: list[tuple[str, str, str]] = field(default_factory=list)  # (site, method, path)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, site: str, method: str, path: str) -> None:
        with self.lock:
            self.entries.append((site, method, path))

    def paths(self, site: str | None = None) -> list[str]:
        with self.lock:
            return [p for s, _, p in self.entries if site is None or s == site]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a crawl opens many connections at once; the default backlog of 5 drops some


class SiteServer:
    """One static site on 127.0.0.1 with optional per-path routes.

    Files may contain ``{{BASE}}`` (this site's own base URL) and ``{{<NAME>_BASE}}`` for every
    site started by the same :class:`SiteGroup`; they are filled in when served, so sitemaps and
    feeds carry absolute URLs whatever port was chosen.
    """

    def __init__(self, name: str, root: Path, routes: dict[str, Route], log: RequestLog, port: int = 0):
        self.name = name
        self.root = root.resolve()
        self.routes = routes
        self.log = log
        self.placeholders: dict[bytes, bytes] = {}
        self.httpd = _Server(("127.0.0.1", port), self._handler_class())
        self.thread = threading.Thread(target=self.httpd.serve_forever, name=f"site-{name}", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _resolve(self, path: str) -> Path | None:
        candidate = (self.root / path.lstrip("/")).resolve()
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def _render(self, data: bytes) -> bytes:
        for placeholder, value in self.placeholders.items():
            data = data.replace(placeholder, value)
        return data

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "demo-site/1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # the request log replaces stderr noise

            def do_HEAD(self) -> None:  # noqa: N802
                self._serve(send_body=False)

            def do_GET(self) -> None:  # noqa: N802
                self._serve(send_body=True)

            def _serve(self, send_body: bool) -> None:
                path = urlsplit(self.path).path
                site.log.add(site.name, self.command, self.path)
                route = site.routes.get(path, Route())
                file = site._resolve(path)
                if route.body is not None:
                    body = route.body.encode()
                elif file is not None:
                    body = site._render(file.read_bytes())
                else:
                    body = b"<html><body><h1>Not found</h1></body></html>"
                    route = Route(status=404, content_type="text/html; charset=utf-8")
                if route.gzip_file:
                    body = gzip.compress(body)
                content_type = route.content_type or _guess_type(file)
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if route.status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(HTTPStatus.NOT_MODIFIED)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                if route.status == 200:
                    self.send_header("ETag", etag)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if send_body:
                    self.wfile.write(body)

        return Handler


def _guess_type(file: Path | None) -> str:
    if file is None:
        return "text/html; charset=utf-8"
    if file.suffix == ".rss":
        return "application/rss+xml"
    guessed, _ = mimetypes.guess_type(file.name)
    if guessed in (None, "text/html", "text/plain", "application/xml", "text/xml"):
        return (guessed or "application/octet-stream") + ("; charset=utf-8" if guessed else "")
    return guessed


class SiteGroup:
    """Several sites served together, each able to link to the others by placeholder."""

    def __init__(
        self,
        root: Path,
        routes: dict[str, dict[str, Route]] | None = None,
        ports: dict[str, int] | None = None,
    ):
        """Serve every sub-folder of ``root``; ``ports`` fixes a site's port (default: any free one)."""
        self.root = root
        self.log = RequestLog()
        routes = routes if routes is not None else load_routes(root)
        ports = ports or {}
        names = sorted(p.name for p in root.iterdir() if p.is_dir())
        self.sites = {
            name: SiteServer(name, root / name, routes.get(name, {}), self.log, ports.get(name, 0)) for name in names
        }
        placeholders = {b"{{%s_BASE}}" % name.upper().encode(): s.base_url.encode() for name, s in self.sites.items()}
        for site in self.sites.values():
            site.placeholders = {**placeholders, b"{{BASE}}": site.base_url.encode()}

    def __enter__(self) -> SiteGroup:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        for site in self.sites.values():
            site.start()

    def stop(self) -> None:
        for site in self.sites.values():
            site.stop()

    def base_url(self, name: str) -> str:
        return self.sites[name].base_url


def load_routes(root: Path) -> dict[str, dict[str, Route]]:
    """Read ``routes.json`` beside the site folders: {site: {path: {status, content_type, headers, body}}}."""
    file = root / "routes.json"
    if not file.is_file():
        return {}
    raw = json.loads(file.read_text(encoding="utf-8"))
    return {site: {path: Route(**spec) for path, spec in paths.items()} for site, paths in raw.items()}
