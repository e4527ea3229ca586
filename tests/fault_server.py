"""A hostile web server on 127.0.0.1 for the fault tests (one route per fault, a request log), and crawl runners.

Routes (``{slug}`` is any word; every route ignores its query string unless said otherwise):

  /robots.txt                  the server's ``robots`` argument: rules text, a status code (503, 404),
                               or "redirect:URL"
  /                            a listing linking to ``index_links`` (set by the test)
  /article/{slug}              a distinct article of ~400 words (after ``article_delay`` seconds)
  /many/{n}                    a listing linking to /article/story-0 ... /article/story-{n-1}
  /mixed/{n}/{m}               a listing of n articles and m pictures served as text/html (cheap pages)
  /status/{code}               that status; ``?retry_after=N`` adds a Retry-After header
  /flaky/{code}/{n}/{slug}     {code} (with ``?retry_after=N``) for the first n requests, then the article
  /hang                        reads the request and never answers
  /drip                        a chunked 200 that sends one byte every 0.1 s, for ever
  /truncated                   Content-Length of a whole article, half of it sent, connection closed
  /truncated-chunked           chunked article, connection closed before the last chunk
  /empty                       200, text/html, no body
  /pdf /png /binary            those bytes served as text/html
  /deep                        an article nested in 20,000 <div>s
  /nul                         an article with NUL bytes in it
  /meta-charset                a windows-1251 article; the charset only in <meta>, not in Content-Type
  /no-charset                  a windows-1252 article with no charset anywhere
  /listing                     teasers linking to articles, no article of its own
  /loop/a  /loop/b             redirect to each other
  /chain/{n}                   redirects to /chain/{n-1}; /chain/0 is an article
  /redirect?to=URL             302 to URL (any scheme, any host)
  /calendar/{yyyy-mm-dd}       a calendar page linking to the previous and next day, for ever
  /grow/{path}                 links to a longer path each level (URL-length trap)
  /gzip-bomb                   ~1 MB body, Content-Encoding: gzip, 1 GiB of zeros inside
  /gzip-file-bomb              the same bytes as a gzip file (application/gzip, like a .xml.gz sitemap)
  /huge  /huge-chunked         60 MB of HTML, with Content-Length or chunked
  /tracking                    links to one article under many spellings (utm_*, fbclid, #fragment, ...)
"""

from __future__ import annotations

import json
import os
import random
import re
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

WORDS = (
    "harbour council vote tunnel budget river bridge minister school hospital winter storm farmers market "
    "railway station museum library court judge police report election mayor festival theatre orchestra "
    "university students research climate energy wind solar grid prices inflation bank rates housing rent "
    "workers union strike talks agreement airport flights delays weather coast fishing boats harbourmaster "
    "village town city region province border trade exports imports factory jobs growth forecast survey "
    "doctors nurses vaccine clinic patients water supply drought reservoir engineers repairs contract "
    "tender company shares investors profits losses chairman board meeting inquiry evidence witnesses "
    "parliament committee law reform tax spending deficit pension families children teachers exams"
).split()
MB = 1024 * 1024


def article_html(slug: str, title: str | None = None, charset: str = "utf-8", extra: str = "") -> str:
    """A distinct article page: its words are drawn from a vocabulary with the slug as the seed."""
    rng = random.Random(slug)
    paragraphs = []
    for _ in range(8):
        sentences = []
        for _ in range(5):
            words = [rng.choice(WORDS) for _ in range(rng.randint(8, 14))]
            sentences.append(" ".join(words).capitalize() + ".")
        paragraphs.append("<p>" + " ".join(sentences) + "</p>")
    title = title or f"Story {slug}: " + " ".join(rng.choice(WORDS) for _ in range(4))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}"><title>{title}</title>'
        '<meta property="og:type" content="article">'
        '<meta property="article:published_time" content="2026-03-02T09:00:00+00:00">'
        f"</head><body><article><h1>{title}</h1>{extra}{''.join(paragraphs)}</article></body></html>"
    )


RUSSIAN = (
    "Городской совет одобрил туннель под гаванью",
    [
        "Городской совет во вторник вечером одобрил строительство автомобильного туннеля под гаванью после "
        "многолетних споров. Депутаты проголосовали большинством голосов, несмотря на возражения рыбаков.",
        "По словам мэра, работы начнутся следующим летом и продлятся четыре года. «Это приоритетный проект "
        "для всего региона», — заявил он журналистам. Общая стоимость оценивается в двести миллионов.",
        "Жители района вокзала опасаются шума и движения грузовиков. Публичное собрание назначено в мэрии "
        "на следующий месяц, инженеры представят подробный график работ и ответят на вопросы горожан.",
    ],
)
FRENCH = (
    "Le tunnel sous le port est approuvé",
    [
        "Le conseil municipal a approuvé mardi soir la construction d'un tunnel routier sous le port, après "
        "des années de débats. Les élus ont voté à une large majorité, malgré l'opposition des pêcheurs.",
        "Selon le maire, le chantier commencera l'été prochain et durera quatre ans. « C'est un projet "
        "prioritaire pour la région », a-t-il déclaré. Le coût total est estimé à deux cents millions d'euros.",
        "Les riverains du quartier de la gare s'inquiètent du bruit et de la circulation des camions. Une "
        "réunion publique est prévue à la mairie le mois prochain, où les ingénieurs présenteront le calendrier.",
    ],
)


def foreign_article(story: tuple[str, list[str]], lang: str, charset: str, in_meta: bool) -> bytes:
    """A non-English article in a single-byte charset, declared in <meta> or not at all."""
    title, paragraphs = story
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if in_meta else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (
        f'<!DOCTYPE html><html lang="{lang}"><head>{meta}<title>{title}</title>'
        '<meta property="og:type" content="article"></head>'
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )
    return html.encode(charset)


def listing_html(links: list[str], title: str = "Index") -> str:
    items = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return f"<!DOCTYPE html><html><head><title>{title}</title></head><body><ul>{items}</ul></body></html>"


@cache
def gzip_bomb() -> bytes:
    """A valid gzip file of 1 GiB of zeros in about 1 MB, built without compressing 1 GiB.

    After a full flush deflate restarts from a clean state, so every further MiB of zeros compresses
    to the same block: one block repeated, a final empty block, and the trailer.
    """
    chunk = bytes(MB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(1024):
        crc = zlib.crc32(chunk, crc)
    return first + block * 1023 + b"\x03\x00" + struct.pack("<II", crc, (1024 * MB) & 0xFFFFFFFF)


@dataclass
class Hit:
    """One request the server received."""

    path: str
    at: float
    host: str


@dataclass
class RequestLog:
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, hit: Hit) -> None:
        with self.lock:
            self.hits.append(hit)

    def paths(self) -> list[str]:
        with self.lock:
            return [h.path for h in self.hits]

    def count(self, path: str) -> int:
        """Requests of exactly ``path`` (query included)."""
        return sum(1 for p in self.paths() if p == path)

    def count_prefix(self, prefix: str) -> int:
        """Requests whose path (query included) starts with ``prefix``."""
        return sum(1 for p in self.paths() if p.startswith(prefix))

    def times(self, path: str) -> list[float]:
        """When ``path`` (query included, exactly) was requested."""
        with self.lock:
            return [h.at for h in self.hits if h.path == path]


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a crawler hanging up mid-response (size limits, timeouts, kill -9) is what these tests cause


class FaultServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 serving the routes above."""

    def __init__(self, robots: str | int = "User-agent: *\nAllow: /\n", article_delay: float = 0.0):
        self.robots = robots
        self.article_delay = article_delay
        self.index_links: list[str] = []
        self.log = RequestLog()
        self.stopping = threading.Event()
        self._counters: dict[str, int] = {}
        self._counter_lock = threading.Lock()
        self.httpd = QuietServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fault-server", daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def next_count(self, key: str) -> int:
        with self._counter_lock:
            self._counters[key] = self._counters.get(key, 0) + 1
            return self._counters[key]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(FaultHandler):
            fault_server = server

        return Handler


class FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fault_server: FaultServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        server = self.fault_server
        server.log.add(Hit(self.path, time.monotonic(), self.headers.get("Host", "")))
        parts = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        for pattern, name in ROUTES:
            match = re.fullmatch(pattern, parts.path)
            if match:
                getattr(self, name)(*match.groups())
                return
        self.send(404, "<html><body>not found</body></html>")

    # -- helpers --------------------------------------------------------------------------------
    def send(
        self, status: int, body: str | bytes, content_type: str = "text/html; charset=utf-8", headers: dict | None = None
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, location: str, status: int = 302) -> None:
        self.send(status, "", headers={"Location": location})

    def _abort(self) -> None:
        self.wfile.flush()
        self.close_connection = True
        self.connection.close()

    # -- routes ---------------------------------------------------------------------------------
    def robots_txt(self) -> None:
        robots = self.fault_server.robots
        if isinstance(robots, int):
            self.send(robots, "<html><body>robots.txt unavailable</body></html>")
        elif robots.startswith("redirect:"):
            self.redirect(robots.removeprefix("redirect:"))
        else:
            self.send(200, robots, "text/plain")

    def index(self) -> None:
        self.send(200, listing_html(self.fault_server.index_links))

    def article(self, slug: str) -> None:
        if self.fault_server.article_delay:
            time.sleep(self.fault_server.article_delay)
        self.send(200, article_html(slug))

    def many(self, n: str) -> None:
        self.send(200, listing_html([f"/article/story-{i}" for i in range(int(n))], "Many stories"))

    def mixed(self, articles: str, cheap: str) -> None:
        # Pictures first: Scrapy's default queue is LIFO, so the articles are fetched first.
        links = [f"/png?n={i}" for i in range(int(cheap))] + [f"/article/story-{i}" for i in range(int(articles))]
        self.send(200, listing_html(links, "Stories and pictures"))

    def status(self, code: str) -> None:
        headers = {"Retry-After": self.query["retry_after"]} if "retry_after" in self.query else {}
        self.send(int(code), f"<html><body><h1>Error {code}</h1></body></html>", headers=headers)

    def flaky(self, code: str, failures: str, slug: str) -> None:
        if self.fault_server.next_count(self.path) <= int(failures):
            self.status(code)
        else:
            self.article(slug)

    def hang(self) -> None:
        self.fault_server.stopping.wait(120)
        self._abort()

    def drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            self.wfile.write(b"6\r\n<html>\r\n")
            while not self.fault_server.stopping.wait(0.1):
                self.wfile.write(b"1\r\n \r\n")
                self.wfile.flush()
        except OSError:
            pass  # the crawler hung up, as it should

    def truncated(self) -> None:
        data = article_html("truncated").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self._abort()

    def truncated_chunked(self) -> None:
        data = article_html("truncated-chunked").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        half = data[: len(data) // 2]
        self.wfile.write(b"%x\r\n%s\r\n" % (len(half), half))
        self._abort()

    def empty(self) -> None:
        self.send(200, b"")

    def pdf(self) -> None:
        self.send(200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 40)

    def png(self) -> None:
        self.send(200, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(random.Random(1).randbytes(8000)))

    def binary(self) -> None:
        self.send(200, random.Random(2).randbytes(20000))

    def deep(self) -> None:
        html = article_html("deep")
        head, body = html.split("<article>", 1)
        self.send(200, head + "<div>" * 20000 + "<article>" + body.replace("</body>", "</div>" * 20000 + "</body>"))

    def nul(self) -> None:
        self.send(200, article_html("nul").replace("</h1>", "</h1>\x00").replace(". ", ".\x00 ", 5))

    def meta_charset(self) -> None:
        self.send(200, foreign_article(RUSSIAN, "ru", "windows-1251", in_meta=True), "text/html")

    def no_charset(self) -> None:
        self.send(200, foreign_article(FRENCH, "fr", "windows-1252", in_meta=False), "text/html")

    def listing(self) -> None:
        teasers = "".join(
            f'<div class="teaser"><h3><a href="/article/listed-{i}">Listed story {i} about the harbour</a></h3>'
            f"<p>A short blurb about listed story {i}, the harbour and the council.</p></div>"
            for i in range(6)
        )
        self.send(200, f"<!DOCTYPE html><html><head><title>Section</title></head><body><main><h2>Latest</h2>"
                       f"{teasers}</main></body></html>")

    def loop(self, which: str) -> None:
        self.redirect("/loop/b" if which == "a" else "/loop/a")

    def chain(self, n: str) -> None:
        if int(n) == 0:
            self.article("chain-end")
        else:
            self.redirect(f"/chain/{int(n) - 1}")

    def redirect_to(self) -> None:
        self.redirect(self.query.get("to", "/"))

    def calendar(self, day: str) -> None:
        from datetime import date, timedelta

        today = date.fromisoformat(day)
        links = [f"/calendar/{today - timedelta(days=1)}", f"/calendar/{today + timedelta(days=1)}"]
        self.send(200, listing_html(links, f"Events on {today}"))

    def grow(self, path: str) -> None:
        self.send(200, listing_html([f"/grow/{path}/{'x' * 100}"], "Growing"))

    def gzip_bomb(self) -> None:
        self.send(200, gzip_bomb(), headers={"Content-Encoding": "gzip"})

    def gzip_file_bomb(self) -> None:
        self.send(200, gzip_bomb(), "application/gzip")  # a .xml.gz download: the crawler unpacks it itself

    def huge(self) -> None:
        self._huge(chunked=False)

    def huge_chunked(self) -> None:
        self._huge(chunked=True)

    def _huge(self, chunked: bool) -> None:
        piece = ("<p>" + "filler text " * 85 + "</p>\n").encode()  # ~1 KiB
        total = 60 * MB // len(piece)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(total * len(piece) + len(b"<html><body>")))
        self.end_headers()
        try:
            self._write(b"<html><body>", chunked)
            block = piece * 64
            for _ in range(total // 64):
                self._write(block, chunked)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the crawler hung up at its size limit

    def _write(self, data: bytes, chunked: bool) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)

    def tracking(self) -> None:
        host = self.headers.get("Host", "")
        links = [
            "/article/tracked?utm_source=newsletter&utm_medium=email",
            "/article/tracked?fbclid=IwAR0abc",
            "/article/tracked?gclid=EAIaIQ",
            "/article/tracked#comments",
            f"http://{host.upper()}/article/tracked",
            "/article/./tracked",
            "/article/tracked",
        ]
        self.send(200, listing_html(links, "Tracked"))


ROUTES = [
    (r"/robots\.txt", "robots_txt"),
    (r"/", "index"),
    (r"/article/([\w.-]+)", "article"),
    (r"/many/(\d+)", "many"),
    (r"/mixed/(\d+)/(\d+)", "mixed"),
    (r"/status/(\d{3})", "status"),
    (r"/flaky/(\d{3})/(\d+)/([\w-]+)", "flaky"),
    (r"/hang", "hang"),
    (r"/drip", "drip"),
    (r"/truncated", "truncated"),
    (r"/truncated-chunked", "truncated_chunked"),
    (r"/empty", "empty"),
    (r"/pdf", "pdf"),
    (r"/png", "png"),
    (r"/binary", "binary"),
    (r"/deep", "deep"),
    (r"/nul", "nul"),
    (r"/meta-charset", "meta_charset"),
    (r"/no-charset", "no_charset"),
    (r"/listing", "listing"),
    (r"/loop/(a|b)", "loop"),
    (r"/chain/(\d+)", "chain"),
    (r"/redirect", "redirect_to"),
    (r"/calendar/(\d{4}-\d{2}-\d{2})", "calendar"),
    (r"/grow/(.*)", "grow"),
    (r"/gzip-bomb", "gzip_bomb"),
    (r"/gzip-file-bomb", "gzip_file_bomb"),
    (r"/huge", "huge"),
    (r"/huge-chunked", "huge_chunked"),
    (r"/tracking", "tracking"),
]


# -- Running real crawls against it -----------------------------------------------------------------
REPO = Path(__file__).resolve().parents[1]
# Loopback servers are ours: no politeness delays in tests.
FAST = {"AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0", "LOG_LEVEL": "INFO"}


class CrawlProcess:
    """A ``scrapy crawl`` subprocess: started like a user starts it, signalled, reaped with its peak memory."""

    def __init__(
        self,
        spider: str,
        db: Path,
        args: dict | None = None,
        settings: dict | None = None,
        preexec_fn: Callable[[], None] | None = None,
    ):
        self.db = db
        command = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", f"SQLITE_PATH={db}"]
        for key, value in {**FAST, **(settings or {})}.items():
            command += ["-s", f"{key}={value}"]
        for key, value in (args or {}).items():
            command += ["-a", f"{key}={value}"]
        self._out = tempfile.TemporaryFile()
        self._err = tempfile.TemporaryFile()
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            command, cwd=REPO, stdout=self._out, stderr=self._err, env=env, preexec_fn=preexec_fn
        )
        self.returncode: int | None = None
        self.peak_rss_mb: float | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        """Whether the process still runs, without reaping it (wait() must reap it to read its memory)."""
        if self.returncode is not None:
            return False
        try:
            return os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        except ChildProcessError:
            return False

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float = 120) -> CrawlProcess:
        """Reap the process with wait4, which reports its own peak RSS (not its siblings')."""
        deadline = time.monotonic() + timeout
        while self.returncode is None:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                self.process.returncode = self.returncode
                self.peak_rss_mb = usage.ru_maxrss / 1024  # Linux reports KiB
            elif time.monotonic() > deadline:
                self.process.kill()
                raise TimeoutError(f"crawl still running after {timeout} s:\n{self.stderr[-3000:]}")
            else:
                time.sleep(0.05)
        return self

    @property
    def stdout(self) -> str:
        self._out.seek(0)
        return self._out.read().decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        self._err.seek(0)
        return self._err.read().decode("utf-8", "replace")

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()

    def stats(self) -> dict:
        (raw,) = self.rows("SELECT stats FROM runs ORDER BY id DESC LIMIT 1")[0]
        return json.loads(raw)

    def pages(self) -> dict[str, tuple]:
        """url -> (status, kind, reason) of every pages row."""
        return {url: tuple(rest) for url, *rest in self.rows("SELECT url, status, kind, reason FROM pages")}


def crawl(spider: str, db: Path, args: dict | None = None, settings: dict | None = None, **kwargs) -> CrawlProcess:
    """Run a crawl to its end."""
    return CrawlProcess(spider, db, args, settings, **kwargs).wait()
