"""The benchmarks' loopback sites: the corpus and generated sites, as routes on the project's LoopbackServer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from html import escape

from benchmarks.corpus import CorpusPage, annotated_days
from crawler.demo.server import LoopbackHandler, LoopbackServer, RequestLog, Route

# Every site allows everything: the crawls obey robots.txt as a user's crawl does, and fetch it.
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"
NOT_FOUND = "<html><body><h1>Not found</h1></body></html>"

Files = dict[str, tuple[bytes, str]]  # path -> (body, Content-Type)


def files_route(files: Files) -> Route:
    """A route answering each path (query excluded) from ``files``, 404 for any other."""

    def route(handler: LoopbackHandler, path: str) -> None:
        found = files.get(path)
        if found is None:
            handler.send(404, NOT_FOUND)
        else:
            handler.send(200, *found)

    return route


def sitemap(base: str, paths: list[str], published: dict[str, str] | None = None) -> bytes:
    """A sitemap listing ``paths``; with ``published`` (path -> day), a news sitemap giving those pages'
    ``<news:publication_date>``."""
    published = published or {}

    def news(path: str) -> str:
        day = published.get(path)
        return f"<news:news><news:publication_date>{day}</news:publication_date></news:news>" if day else ""

    entries = "".join(f"<url><loc>{base}{path}</loc>{news(path)}</url>" for path in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        f' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{entries}</urlset>'
    ).encode()


def static_site(name: str, log: RequestLog | None = None) -> tuple[LoopbackServer, Files]:
    """A server answering from a dict of files that the caller fills before starting it (its port is known)."""
    files: Files = {"/robots.txt": (ROBOTS_TXT, "text/plain")}
    return LoopbackServer([(r"(/.*)", files_route(files))], name, log=log), files


@contextmanager
def serve_corpus(
    pages: list[CorpusPage], news_sitemap: bool = False, links_home: bool = False
) -> Iterator[LoopbackServer]:
    """Serve the pages at /p/<index>.html with a /sitemap.xml listing them and a /robots.txt; yields the server
    (its ``base_url``, and its ``log`` of every request received). ``news_sitemap``: the sitemap gives each
    page's annotated publication day, as a news site's does. ``links_home``: each page's relative links lead
    to its own site (a ``<base href>`` of its original address first in it), not to pages this server does
    not have: a crawl that follows links finds them all out of its scope, and lists and counts them."""
    server, files = static_site("corpus")
    for page in pages:
        body = _based_on(page) if links_home else page.html
        # No charset in the header: like many real servers, leave it to the page and the client.
        files[page.path] = (body, "text/html")
    published = annotated_days(pages) if news_sitemap else None
    files["/sitemap.xml"] = (sitemap(server.base_url, [p.path for p in pages], published), "application/xml")
    with server:
        yield server


def _based_on(page: CorpusPage) -> bytes:
    """The page with a ``<base href>`` of its original address before anything else (the first one counts)."""
    head = re.search(rb"<head[^>]*>", page.html[:8192], re.IGNORECASE)
    at = head.end() if head else 0
    return (
        page.html[:at]
        + b'<base href="'
        + escape(page.url).encode("ascii", "xmlcharrefreplace")
        + b'">'
        + page.html[at:]
    )


@contextmanager
def serve_sites(sites: dict[str, dict[str, str]]) -> Iterator[dict[str, str]]:
    """Serve each site (path -> HTML) on its own loopback port with a /sitemap.xml; yields name -> base URL.

    The HTML may name other pages as ``{site:NAME}/path``: that placeholder becomes NAME's base URL,
    which is only known once every server has its port.
    """
    log = RequestLog()
    servers = {name: static_site(name, log) for name in sites}
    bases = {name: server.base_url for name, (server, _) in servers.items()}
    for name, pages in sites.items():
        files = servers[name][1]
        for path, html in pages.items():
            for other, base in bases.items():
                html = html.replace("{site:" + other + "}", base)
            files[path] = (html.encode("utf-8"), "text/html; charset=utf-8")
        files["/sitemap.xml"] = (sitemap(bases[name], list(pages)), "application/xml")
    with ExitStack() as stack:
        for server, _ in servers.values():
            stack.enter_context(server)
        yield bases
