"""A loopback HTTP server built from small routes, and the sample sites the demo serves with it."""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEMO_SITE = Path(__file__).with_name("site")


@dataclass(frozen=True)
class Hit:
    """One request a server received."""

    site: str
    method: str
    path: str  # with the query string
    at: float  # time.monotonic()
    host: str  # the Host header
    headers: dict[str, str] = field(default_factory=dict)


class RequestLog:
    """Thread-safe record of every request the servers sharing it received, for tests and benchmarks."""

    def __init__(self) -> None:
        self._hits: list[Hit] = []
        self._lock = threading.Lock()

    def add(self, hit: Hit) -> None:
        with self._lock:
            self._hits.append(hit)

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()

    @property
    def hits(self) -> list[Hit]:
        with self._lock:
            return list(self._hits)

    def requests(self) -> list[tuple[str, str, str]]:
        """(site, method, path) of every request, in order."""
        return [(h.site, h.method, h.path) for h in self.hits]

    def paths(self, site: str | None = None) -> list[str]:
        return [h.path for h in self.hits if site is None or h.site == site]

    def count(self, path: str) -> int:
        """Requests of exactly ``path`` (query included)."""
        return sum(1 for p in self.paths() if p == path)

    def count_prefix(self, prefix: str) -> int:
        """Requests whose path (query included) starts with ``prefix``."""
        return sum(1 for p in self.paths() if p.startswith(prefix))

    def times(self, path: str) -> list[float]:
        """When ``path`` (query included, exactly) was requested."""
        return [h.at for h in self.hits if h.path == path]


class LoopbackHandler(BaseHTTPRequestHandler):
    """Answers a request with the first route whose pattern matches the whole path (query excluded)."""

    protocol_version = "HTTP/1.1"
    server: _Server
    query: dict[str, str]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # the request log replaces stderr noise

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        site = self.server.site
        site.log.add(
            Hit(
                site.name,
                self.command,
                self.path,
                time.monotonic(),
                self.headers.get("Host", ""),
                dict(self.headers.items()),
            )
        )
        parts = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        for pattern, route in site.routes:
            match = pattern.fullmatch(parts.path)
            if match:
                route(self, *match.groups())
                return
        self.send(404, "<html><body><h1>Not found</h1></body></html>")

    # -- what routes answer with ------------------------------------------------------------
    def send(
        self,
        status: int,
        body: str | bytes = b"",
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def redirect(self, location: str, status: int = 302) -> None:
        self.send(status, "", headers={"Location": location})

    def abort(self) -> None:
        """Close the connection at once, whatever was promised."""
        self.wfile.flush()
        self.close_connection = True
        self.connection.close()


Route = Callable[..., None]  # called with the handler and the pattern's groups


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a crawl opens many connections at once; the default backlog of 5 drops some
    site: LoopbackServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a crawler hanging up mid-response (size limits, timeouts, kill -9) is not a server error


class LoopbackServer:
    """An HTTP/1.1 server on 127.0.0.1 whose paths are answered by ``routes``: (regex, route) pairs."""

    def __init__(
        self,
        routes: Sequence[tuple[str, Route]],
        name: str = "site",
        port: int = 0,
        log: RequestLog | None = None,
    ):
        self.name = name
        self.routes = [(re.compile(pattern), route) for pattern, route in routes]
        self.log = log if log is not None else RequestLog()
        self.stopping = threading.Event()  # set when the server stops: routes that wait for ever return
        self.httpd = _Server(("127.0.0.1", port), LoopbackHandler)
        self.httpd.site = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, name=f"site-{name}", daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LoopbackServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- static sites ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Override:
    """How one path of a static site deviates from plain serving (status, content type, headers, body)."""

    status: int = 200
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    gzip_file: bool = False  # serve the rendered file gzipped, as a .gz download (not Content-Encoding)


class StaticFiles:
    """A route serving a folder, with ETag and If-None-Match, and per-path :class:`Override`s.

    Files may contain ``{{BASE}}`` (this site's own base URL) and ``{{<NAME>_BASE}}`` for every site
    of the same :class:`SiteGroup`; they are filled in when served, so sitemaps and feeds carry
    absolute URLs whatever port was chosen.
    """

    def __init__(self, root: Path, overrides: dict[str, Override] | None = None):
        self.root = root.resolve()
        self.overrides = overrides or {}
        self.placeholders: dict[bytes, bytes] = {}

    def __call__(self, handler: LoopbackHandler) -> None:
        path = urlsplit(handler.path).path
        override = self.overrides.get(path, Override())
        file = self._resolve(path)
        if override.body is not None:
            body = override.body.encode()
        elif file is not None:
            body = self._render(file.read_bytes())
        else:
            handler.send(404, "<html><body><h1>Not found</h1></body></html>")
            return
        if override.gzip_file:
            body = gzip.compress(body)
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if override.status == 200 and handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        headers = {"ETag": etag} if override.status == 200 else {}
        handler.send(override.status, body, override.content_type or _guess_type(file), {**headers, **override.headers})

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
    """Every sub-folder of ``root`` served as a static site on its own port, able to link to the others."""

    def __init__(
        self,
        root: Path,
        overrides: dict[str, dict[str, Override]] | None = None,
        ports: dict[str, int] | None = None,
    ):
        """``overrides``: per site, per path (default: ``routes.json`` beside the folders); ``ports`` fixes a
        site's port (default: any free one)."""
        self.root = root
        self.log = RequestLog()
        overrides = overrides if overrides is not None else load_overrides(root)
        ports = ports or {}
        self.files: dict[str, StaticFiles] = {}
        self.sites: dict[str, LoopbackServer] = {}
        for name in sorted(p.name for p in root.iterdir() if p.is_dir()):
            files = self.files[name] = StaticFiles(root / name, overrides.get(name, {}))
            try:
                self.sites[name] = LoopbackServer([(r"/.*", files)], name, ports.get(name, 0), self.log)
            except OSError:
                for site in self.sites.values():  # a port in use: release the ports already bound
                    site.httpd.server_close()
                raise
        bases = {b"{{%s_BASE}}" % name.upper().encode(): s.base_url.encode() for name, s in self.sites.items()}
        for name, files in self.files.items():
            files.placeholders = {**bases, b"{{BASE}}": self.sites[name].base_url.encode()}

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


def load_overrides(root: Path) -> dict[str, dict[str, Override]]:
    """Read ``routes.json`` beside the site folders: {site: {path: {status, content_type, headers, body}}}."""
    file = root / "routes.json"
    if not file.is_file():
        return {}
    raw = json.loads(file.read_text(encoding="utf-8"))
    return {site: {path: Override(**spec) for path, spec in paths.items()} for site, paths in raw.items()}
