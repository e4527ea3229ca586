"""A hostile web server on 127.0.0.1 for the fault tests: one route per fault, and a request log.

Routes (``{slug}`` is any word; every route ignores its query string unless said otherwise):

  /robots.txt                  the server's ``robots`` argument: rules text, a status code (503, 404),
                               or "redirect:URL"
  /                            a listing linking to ``index_links`` (set by the test)
  /article/{slug}              a distinct article of ~400 words (after ``article_delay`` seconds); ``in_flight``
                               counts these and /held/ ones being answered, ``most_in_flight`` the most at once
  /many/{n}                    a listing linking to /article/story-0 ... /article/story-{n-1}
  /mixed/{n}/{m}               a listing of n articles and m pictures served as text/html (cheap pages)
  /status/{code}               that status; ``?retry_after=N`` adds a Retry-After header
  /flaky/{code}/{n}/{slug}     {code} (with ``?retry_after=N``) for the first n requests, then the article
  /hang                        reads the request and never answers
  /held/{slug}                 an article, answered only once the test calls ``release()``
  /drip                        a chunked 200 that sends one byte every 0.1 s, for ever
  /truncated                   Content-Length of a whole article, half of it sent, connection closed
  /truncated-chunked           chunked article, connection closed before the last chunk
  /empty                       200, text/html, no body
  /pdf /png /binary            those bytes served as text/html
  /deep                        an article nested in 20,000 <div>s
  /nul                         an article with NUL bytes in it
  /meta-charset                a windows-1251 article; the charset only in <meta>, not in Content-Type
  /no-charset                  a windows-1252 article with no charset anywhere
  /utf-16                      a Russian article in UTF-16 with a byte order mark, no charset anywhere
  /unmarked-utf-16             a Russian article in UTF-16 (little-endian) without one, the charset in Content-Type
  /undeclared-utf-16           a Russian article in UTF-16 (big-endian) with neither mark nor charset
  /sitemap-after-warning       a sitemap listing /article/listed-after-a-warning, a PHP warning printed before it
  /feed-after-warning          an Atom feed without an XML declaration listing /article/in-a-feed-after-a-warning,
                               a PHP warning printed before it
  /listing                     teasers linking to articles, no article of its own
  /loop/a  /loop/b             redirect to each other
  /chain/{n}                   redirects to /chain/{n-1}; /chain/0 is an article
  /redirect?to=URL             302 to URL (any scheme, any host)
  /refresh/{encoding}          a page whose <meta http-equiv="Refresh"> sends to /article/refreshed-{encoding},
                               written in that encoding (utf-8, utf-16), the charset in Content-Type
  /nowhere/redirect/{kind}     301 to no address: "bracket" http://[::1, "port" http://127.0.0.1:99999/
  /nowhere/refresh             an article whose <meta http-equiv="Refresh"> sends to no address (http://[::1)
  /encoded/{coding}            bytes that are not what their Content-Encoding (gzip, deflate, br, zstd) says
  /calendar/{yyyy-mm-dd}       a calendar page linking to the previous and next day, for ever
  /grow/{path}                 links to a longer path each level (URL-length trap)
  /gzip-bomb                   ~1 MB body, Content-Encoding: gzip, 1 GiB of zeros inside
  /gzip-file-bomb              the same bytes as a gzip file (application/gzip, like a .xml.gz sitemap)
  /huge  /huge-chunked         60 MB of HTML, with Content-Length or chunked
  /tracking                    links to one article under many spellings (utm_*, fbclid, #fragment, ...)
"""

from __future__ import annotations

import contextlib
import random
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from functools import cache

from crawler.demo.server import LoopbackHandler, LoopbackServer
from tests.support.served import ServedByLoopback

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
        (
            "Городской совет во вторник вечером одобрил строительство автомобильного туннеля под гаванью после "
            "многолетних споров. Депутаты проголосовали большинством голосов, несмотря на возражения рыбаков."
        ),
        (
            "По словам мэра, работы начнутся следующим летом и продлятся четыре года. «Это приоритетный проект "
            "для всего региона», — заявил он журналистам. Общая стоимость оценивается в двести миллионов."
        ),
        (
            "Жители района вокзала опасаются шума и движения грузовиков. Публичное собрание назначено в мэрии "
            "на следующий месяц, инженеры представят подробный график работ и ответят на вопросы горожан."
        ),
    ],
)
FRENCH = (
    "Le tunnel sous le port est approuvé",
    [
        (
            "Le conseil municipal a approuvé mardi soir la construction d'un tunnel routier sous le port, après "
            "des années de débats. Les élus ont voté à une large majorité, malgré l'opposition des pêcheurs."
        ),
        (
            "Selon le maire, le chantier commencera l'été prochain et durera quatre ans. « C'est un projet "
            "prioritaire pour la région », a-t-il déclaré. Le coût total est estimé à deux cents millions d'euros."
        ),
        (
            "Les riverains du quartier de la gare s'inquiètent du bruit et de la circulation des camions. Une "
            "réunion publique est prévue à la mairie le mois prochain, où les ingénieurs présenteront le calendrier."
        ),
    ],
)


def foreign_article(story: tuple[str, list[str]], lang: str, charset: str, in_meta: bool) -> bytes:
    """A non-English article in ``charset``, declared in <meta> or not at all."""
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


def php_warning(script: str, line: int) -> str:
    """A warning as PHP prints it into a response, before what the script writes after it."""
    return f"<br />\n<b>Warning</b>:  Undefined variable $date in <b>{script}</b> on line <b>{line}</b><br />\n"


class FaultServer(ServedByLoopback):
    """A hostile site on 127.0.0.1: one route per fault (see the module docstring) on a LoopbackServer."""

    def __init__(self, robots: str | int = "User-agent: *\nAllow: /\n", article_delay: float = 0.0):
        self.robots = robots
        self.article_delay = article_delay
        self.index_links: list[str] = []
        self._released = threading.Event()
        self._counters: dict[str, int] = {}
        self._counter_lock = threading.Lock()
        self._in_flight = 0  # article requests being answered now
        self.most_in_flight = 0
        self.server = LoopbackServer([(pattern, getattr(self, name)) for pattern, name in ROUTES], "faults")
        self.log = self.server.log
        self.stopping = self.server.stopping

    def release(self) -> None:
        """Answer the requests waiting on /held/... (and every later one at once)."""
        self._released.set()

    def next_count(self, key: str) -> int:
        with self._counter_lock:
            self._counters[key] = self._counters.get(key, 0) + 1
            return self._counters[key]

    # -- routes ---------------------------------------------------------------------------------
    def robots_txt(self, h: LoopbackHandler) -> None:
        robots = self.robots
        if isinstance(robots, int):
            h.send(robots, "<html><body>robots.txt unavailable</body></html>")
        elif robots.startswith("redirect:"):
            h.redirect(robots.removeprefix("redirect:"))
        else:
            h.send(200, robots, "text/plain")

    def index(self, h: LoopbackHandler) -> None:
        h.send(200, listing_html(self.index_links))

    @property
    def in_flight(self) -> int:
        """Article requests (/article/, /held/) being answered now."""
        return self._in_flight

    @contextlib.contextmanager
    def _answering(self) -> Iterator[None]:
        with self._counter_lock:
            self._in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._counter_lock:
                self._in_flight -= 1

    def article(self, h: LoopbackHandler, slug: str) -> None:
        with self._answering():
            self._article(h, slug)

    def _article(self, h: LoopbackHandler, slug: str) -> None:
        if self.article_delay:
            time.sleep(self.article_delay)
        h.send(200, article_html(slug))

    def many(self, h: LoopbackHandler, n: str) -> None:
        h.send(200, listing_html([f"/article/story-{i}" for i in range(int(n))], "Many stories"))

    def mixed(self, h: LoopbackHandler, articles: str, cheap: str) -> None:
        # Pictures first: Scrapy's default queue is LIFO, so the articles are fetched first.
        links = [f"/png?n={i}" for i in range(int(cheap))] + [f"/article/story-{i}" for i in range(int(articles))]
        h.send(200, listing_html(links, "Stories and pictures"))

    def status(self, h: LoopbackHandler, code: str) -> None:
        headers = {"Retry-After": h.query["retry_after"]} if "retry_after" in h.query else {}
        h.send(int(code), f"<html><body><h1>Error {code}</h1></body></html>", headers=headers)

    def flaky(self, h: LoopbackHandler, code: str, failures: str, slug: str) -> None:
        if self.next_count(h.path) <= int(failures):
            self.status(h, code)
        else:
            self.article(h, slug)

    def held(self, h: LoopbackHandler, slug: str) -> None:
        with self._answering():
            while not self._released.wait(0.1):
                if self.stopping.is_set():
                    h.abort()
                    return
            self._article(h, slug)

    def hang(self, h: LoopbackHandler) -> None:
        self.stopping.wait(120)
        h.abort()

    def drip(self, h: LoopbackHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        try:
            h.wfile.write(b"6\r\n<html>\r\n")
            while not self.stopping.wait(0.1):
                h.wfile.write(b"1\r\n \r\n")
                h.wfile.flush()
        except OSError:
            pass  # the crawler hung up, as it should

    def truncated(self, h: LoopbackHandler) -> None:
        data = article_html("truncated").encode()
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data[: len(data) // 2])
        h.abort()

    def truncated_chunked(self, h: LoopbackHandler) -> None:
        data = article_html("truncated-chunked").encode()
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        half = data[: len(data) // 2]
        h.wfile.write(b"%x\r\n%s\r\n" % (len(half), half))
        h.abort()

    def empty(self, h: LoopbackHandler) -> None:
        h.send(200, b"")

    def pdf(self, h: LoopbackHandler) -> None:
        h.send(200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 40)

    def png(self, h: LoopbackHandler) -> None:
        h.send(200, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(random.Random(1).randbytes(8000)))

    def binary(self, h: LoopbackHandler) -> None:
        h.send(200, random.Random(2).randbytes(20000))

    def deep(self, h: LoopbackHandler) -> None:
        html = article_html("deep")
        head, body = html.split("<article>", 1)
        h.send(200, head + "<div>" * 20000 + "<article>" + body.replace("</body>", "</div>" * 20000 + "</body>"))

    def nul(self, h: LoopbackHandler) -> None:
        h.send(200, article_html("nul").replace("</h1>", "</h1>\x00").replace(". ", ".\x00 ", 5))

    def meta_charset(self, h: LoopbackHandler) -> None:
        h.send(200, foreign_article(RUSSIAN, "ru", "windows-1251", in_meta=True), "text/html")

    def no_charset(self, h: LoopbackHandler) -> None:
        h.send(200, foreign_article(FRENCH, "fr", "windows-1252", in_meta=False), "text/html")

    def sitemap_after_warning(self, h: LoopbackHandler) -> None:
        warning = php_warning("/var/www/sitemap.php", 12)
        sitemap = (
            '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            "<url><loc>/article/listed-after-a-warning</loc></url></urlset>"
        )
        h.send(200, (warning + sitemap).encode(), "application/xml")

    def feed_after_warning(self, h: LoopbackHandler) -> None:
        warning = php_warning("/var/www/feed.php", 7)
        feed = (  # no XML declaration: it may be left out of a document in UTF-8
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title><entry><title>A story</title>'
            '<link rel="alternate" href="/article/in-a-feed-after-a-warning"/></entry></feed>'
        )
        h.send(200, (warning + feed).encode(), "application/atom+xml")

    def utf_16(self, h: LoopbackHandler) -> None:
        h.send(200, foreign_article(RUSSIAN, "ru", "utf-16", in_meta=False), "text/html")  # Python writes the mark

    def unmarked_utf_16(self, h: LoopbackHandler) -> None:
        h.send(200, foreign_article(RUSSIAN, "ru", "utf-16-le", in_meta=False), "text/html; charset=utf-16")

    def undeclared_utf_16(self, h: LoopbackHandler) -> None:
        h.send(200, foreign_article(RUSSIAN, "ru", "utf-16-be", in_meta=False), "text/html")

    def listing(self, h: LoopbackHandler) -> None:
        teasers = "".join(
            f'<div class="teaser"><h3><a href="/article/listed-{i}">Listed story {i} about the harbour</a></h3>'
            f"<p>A short blurb about listed story {i}, the harbour and the council.</p></div>"
            for i in range(6)
        )
        h.send(
            200,
            f"<!DOCTYPE html><html><head><title>Section</title></head><body><main><h2>Latest</h2>"
            f"{teasers}</main></body></html>",
        )

    def loop(self, h: LoopbackHandler, which: str) -> None:
        h.redirect("/loop/b" if which == "a" else "/loop/a")

    def chain(self, h: LoopbackHandler, n: str) -> None:
        if int(n) == 0:
            self.article(h, "chain-end")
        else:
            h.redirect(f"/chain/{int(n) - 1}")

    def redirect_to(self, h: LoopbackHandler) -> None:
        h.redirect(h.query.get("to", "/"))

    def refresh(self, h: LoopbackHandler, encoding: str) -> None:
        page = (
            f'<!DOCTYPE html><html><head><meta http-equiv="Refresh" content="0; url=/article/refreshed-{encoding}">'
            "<title>Moved</title></head><body><p>This story has moved.</p></body></html>"
        )
        h.send(200, page.encode(encoding), f"text/html; charset={encoding}")

    def redirect_nowhere(self, h: LoopbackHandler, kind: str) -> None:
        h.redirect({"bracket": "http://[::1", "port": "http://127.0.0.1:99999/"}[kind], status=301)

    def refresh_nowhere(self, h: LoopbackHandler) -> None:
        refresh = '<meta http-equiv="Refresh" content="0; url=http://[::1">'
        h.send(200, article_html("refresh-nowhere").replace("<title>", refresh + "<title>", 1))

    def wrongly_encoded(self, h: LoopbackHandler, coding: str) -> None:
        h.send(200, b"\x1f\x8b\x08\x00 these bytes are no " + coding.encode(), headers={"Content-Encoding": coding})

    def calendar(self, h: LoopbackHandler, day: str) -> None:
        from datetime import date, timedelta

        today = date.fromisoformat(day)
        links = [f"/calendar/{today - timedelta(days=1)}", f"/calendar/{today + timedelta(days=1)}"]
        h.send(200, listing_html(links, f"Events on {today}"))

    def grow(self, h: LoopbackHandler, path: str) -> None:
        h.send(200, listing_html([f"/grow/{path}/{'x' * 100}"], "Growing"))

    def gzip_bomb(self, h: LoopbackHandler) -> None:
        h.send(200, gzip_bomb(), headers={"Content-Encoding": "gzip"})

    def gzip_file_bomb(self, h: LoopbackHandler) -> None:
        h.send(200, gzip_bomb(), "application/gzip")  # a .xml.gz download: the crawler unpacks it itself

    def huge(self, h: LoopbackHandler) -> None:
        self._huge(h, chunked=False)

    def huge_chunked(self, h: LoopbackHandler) -> None:
        self._huge(h, chunked=True)

    def _huge(self, h: LoopbackHandler, chunked: bool) -> None:
        piece = ("<p>" + "filler text " * 85 + "</p>\n").encode()  # ~1 KiB
        total = 60 * MB // len(piece)
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Content-Length", str(total * len(piece) + len(b"<html><body>")))
        h.end_headers()
        try:
            self._write(h, b"<html><body>", chunked)
            block = piece * 64
            for _ in range(total // 64):
                self._write(h, block, chunked)
            if chunked:
                h.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the crawler hung up at its size limit

    def _write(self, h: LoopbackHandler, data: bytes, chunked: bool) -> None:
        h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)

    def tracking(self, h: LoopbackHandler) -> None:
        host = h.headers.get("Host", "")
        links = [
            "/article/tracked?utm_source=newsletter&utm_medium=email",
            "/article/tracked?fbclid=IwAR0abc",
            "/article/tracked?gclid=EAIaIQ",
            "/article/tracked#comments",
            f"http://{host.upper()}/article/tracked",
            "/article/./tracked",
            "/article/tracked",
        ]
        h.send(200, listing_html(links, "Tracked"))


ROUTES = [
    (r"/robots\.txt", "robots_txt"),
    (r"/", "index"),
    (r"/article/([\w.-]+)", "article"),
    (r"/many/(\d+)", "many"),
    (r"/mixed/(\d+)/(\d+)", "mixed"),
    (r"/status/(\d{3})", "status"),
    (r"/flaky/(\d{3})/(\d+)/([\w-]+)", "flaky"),
    (r"/hang", "hang"),
    (r"/held/([\w-]+)", "held"),
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
    (r"/utf-16", "utf_16"),
    (r"/unmarked-utf-16", "unmarked_utf_16"),
    (r"/undeclared-utf-16", "undeclared_utf_16"),
    (r"/sitemap-after-warning", "sitemap_after_warning"),
    (r"/feed-after-warning", "feed_after_warning"),
    (r"/listing", "listing"),
    (r"/loop/(a|b)", "loop"),
    (r"/chain/(\d+)", "chain"),
    (r"/redirect", "redirect_to"),
    (r"/refresh/(utf-8|utf-16)", "refresh"),
    (r"/nowhere/redirect/(bracket|port)", "redirect_nowhere"),
    (r"/nowhere/refresh", "refresh_nowhere"),
    (r"/encoded/(gzip|deflate|br|zstd)", "wrongly_encoded"),
    (r"/calendar/(\d{4}-\d{2}-\d{2})", "calendar"),
    (r"/grow/(.*)", "grow"),
    (r"/gzip-bomb", "gzip_bomb"),
    (r"/gzip-file-bomb", "gzip_file_bomb"),
    (r"/huge", "huge"),
    (r"/huge-chunked", "huge_chunked"),
    (r"/tracking", "tracking"),
]
