"""A generated news site of a few hundred pages on loopback, with planted copies, for crawls on several machines.

Two hosts share one request log:

  daily   /robots.txt (names /sitemap.xml), / (links to every section, to old URLs that redirect
          and to stories that are gone), /section/<name> (teaser cards of its stories),
          /story/<n> (an article: a chrome line, "Related articles" and "Popular" teaser blocks),
          /old/<n> (301 to /story/<n>), /gone/<n> (404), /sitemap.xml (every story)
  wire    / (every wire story), /robots.txt, /wire/<n> (its own stories, copies of daily stories
          that declare the original as canonical, and one exact copy)

Planted: light edits of daily stories at other URLs (near-duplicates), wire copies (syndicated,
near-duplicate), an exact copy, the same "Popular" teasers on every daily page, a newsletter
line in every daily story (learned as site chrome). Which pages are fetched does not depend on the
order they are fetched in: every page is listed by a section, the sitemap or a home page.

Requests can be held back (:meth:`NewsSite.hold_back`): each waits until :meth:`NewsSite.release` or
the site stops. A test holds every crawler until all have joined the run, holds one crawler's
requests to kill it while it has some in flight, or holds one host so that a run cannot end yet.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass

from crawler.demo.server import LoopbackHandler, LoopbackServer, RequestLog

VOCABULARY = (
    "council harbour tunnel vote budget river bridge minister school hospital storm market railway station "
    "museum library court judge police report election mayor festival theatre university research climate "
    "energy wind grid prices bank rates housing workers union strike airport flights weather coast fishing "
    "farmers harvest drought reservoir port cargo shipping tariffs exports factory jobs nurses doctors "
    "patients vaccine clinic teachers pupils exams students campus rent tenants landlords planning permit "
    "architects heritage cathedral restoration archive letters historians memorial veterans parade ferry "
    "timetable commuters cyclists lanes traffic tolls motorway junction collision inquiry witnesses verdict "
    "appeal prosecutors fraud auditors accounts deficit surplus pension reform protest petition referendum"
).split()
SECTIONS = ("world", "business", "science", "culture", "sport", "local")
CHROME_LINE = "Sign up for the Daily Courier morning briefing and get the news that matters in your inbox."


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(10, 15))).capitalize() + "."


def paragraphs(seed: str, count: int = 6) -> list[str]:
    """A distinct story: ``count`` paragraphs of four or five sentences, drawn with ``seed``."""
    rng = random.Random(seed)
    return [" ".join(sentence(rng) for _ in range(rng.randint(4, 5))) for _ in range(count)]


def edited(text: list[str], seed: str, share: float = 0.04) -> list[str]:
    """A light edit: about ``share`` of the words replaced (a near-duplicate of the original)."""
    rng = random.Random(seed)
    result = []
    for paragraph in text:
        words = paragraph.split(" ")
        for i in range(len(words)):
            if rng.random() < share:
                words[i] = rng.choice(VOCABULARY)
        result.append(" ".join(words))
    return result


def headline(seed: str) -> str:
    rng = random.Random(f"headline {seed}")
    return " ".join(rng.choice(VOCABULARY) for _ in range(7)).capitalize()


def blurb(seed: str) -> str:
    rng = random.Random(f"blurb {seed}")
    return sentence(rng) + " " + sentence(rng)


@dataclass(frozen=True)
class Story:
    """One article page: where it is, its headline and text, and what it copies (for the ground truth)."""

    site: str
    path: str
    title: str
    text: list[str]
    canonical: str | None = None  # a URL (on the other site) this copy declares as the original
    copy_of: str | None = None  # "site:path" of the story it copies, if planted as a copy


class NewsSite:
    """The two hosts on loopback, their stories and ground truth (see the module docstring)."""

    def __init__(self, stories: int = 180, edits: int = 12, wire_own: int = 30, wire_copies: int = 15):
        self.log = RequestLog()
        self.daily = LoopbackServer([(r".*", self._daily)], "daily", log=self.log)
        self.wire = LoopbackServer([(r".*", self._wire)], "wire", log=self.log)
        self._hold: tuple[str, str | None] | None = None
        self._released = threading.Event()
        self.stories: dict[str, Story] = {}
        rng = random.Random(11)
        daily = []
        for n in range(stories):
            story = Story("daily", f"/story/{n}", headline(f"daily {n}"), paragraphs(f"daily {n}"))
            daily.append(story)
        for n, original in enumerate(rng.sample(daily[:stories], edits)):
            # The same story, lightly edited, at a URL of its own: a near-duplicate.
            path = f"/story/{stories + n}"
            daily.append(
                Story("daily", path, original.title + " (updated)", edited(original.text, path), copy_of=original.path)
            )
        wire = [
            Story("wire", f"/wire/{n}", headline(f"wire {n}"), paragraphs(f"wire {n}", count=5))
            for n in range(wire_own)
        ]
        for n, original in enumerate(rng.sample(daily[:stories], wire_copies)):
            # Syndicated: the wire's dateline and credit around the daily's text, the original named as canonical.
            text = [f"NORTHBRIDGE (Wire) - {original.text[0]}", *original.text[1:], "Distributed by the Wire service."]
            wire.append(
                Story(
                    "wire",
                    f"/wire/{wire_own + n}",
                    original.title,
                    text,
                    canonical=f"daily:{original.path}",
                    copy_of=original.path,
                )
            )
        exact = daily[1]
        wire.append(Story("wire", f"/wire/{wire_own + wire_copies}", exact.title, exact.text, copy_of=exact.path))
        for story in daily + wire:
            self.stories[f"{story.site}:{story.path}"] = story
        self.daily_stories = daily
        self.wire_stories = wire
        self.popular = daily[:5]
        self.redirects = list(range(0, 40, 4))  # /old/<n> -> /story/<n>
        self.gone = list(range(5))  # /gone/<n>: 404

    # -- serving ------------------------------------------------------------------------------
    def __enter__(self) -> NewsSite:
        self.daily.start()
        self.wire.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.daily.stop()
        self.wire.stop()

    def url(self, ref: str) -> str:
        """'daily:/story/3' -> its URL on the running site."""
        site, path = ref.split(":", 1)
        return (self.daily if site == "daily" else self.wire).url(path)

    @property
    def start_urls(self) -> str:
        return ",".join([self.daily.url("/"), self.daily.url("/robots.txt"), self.wire.url("/")])

    def hold_back(self, agent: str = "", site: str | None = None) -> None:
        """Hold every request whose user agent contains ``agent`` (every one for ``""``), to ``site`` or both."""
        self._released.clear()
        self._hold = (agent, site)

    def release(self) -> None:
        """Answer the requests held back, and every later one at once."""
        self._released.set()

    def fetched(self) -> Counter[str]:
        """How often each page was asked for, over every crawler: 'daily:/story/3' -> count."""
        return Counter(f"{hit.site}:{hit.path}" for hit in self.log.hits)

    def asked_by(self, agent: str) -> int:
        """Requests whose user agent contains ``agent``."""
        return sum(1 for hit in self.log.hits if agent in hit.headers.get("User-Agent", ""))

    def _held(self, handler: LoopbackHandler, server: LoopbackServer) -> bool:
        """Wait while this request's crawler is held back; False when the site stops meanwhile."""
        if self._hold is None:
            return True
        agent, site = self._hold
        if agent not in handler.headers.get("User-Agent", "") or site not in (None, server.name):
            return True
        while not self._released.wait(0.05):
            if server.stopping.is_set():
                handler.abort()
                return False
        return True

    # -- the daily ------------------------------------------------------------------------------
    def _daily(self, handler: LoopbackHandler) -> None:
        path = handler.path.split("?")[0]
        if not self._held(handler, self.daily):
            return
        if path == "/robots.txt":
            handler.send(200, f"User-agent: *\nAllow: /\nSitemap: {self.daily.url('/sitemap.xml')}\n", "text/plain")
        elif path == "/sitemap.xml":
            entries = "".join(f"<url><loc>{self.daily.url(s.path)}</loc></url>" for s in self.daily_stories)
            handler.send(
                200,
                '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"{entries}</urlset>",
                "application/xml",
            )
        elif path == "/":
            links = [f'<li><a href="/section/{name}">{name.title()}</a></li>' for name in SECTIONS]
            # Short labels: no teasers (a teaser of an old URL is linked to its article only if the
            # redirect was stored first, which depends on the order pages arrive in).
            links += [f'<li><a href="/old/{n}">Story {n}</a></li>' for n in self.redirects]
            links += [f'<li><a href="/gone/{n}">Gone {n}</a></li>' for n in self.gone]
            handler.send(200, self._page("The Daily Courier", f"<ul>{''.join(links)}</ul>"))
        elif path.startswith("/section/") and path.removeprefix("/section/") in SECTIONS:
            index = SECTIONS.index(path.removeprefix("/section/"))
            cards = self._cards(self.daily_stories[index :: len(SECTIONS)], "Latest")
            handler.send(200, self._page(f"{SECTIONS[index].title()} | The Daily Courier", cards))
        elif path.startswith("/old/"):
            handler.send(301, "", headers={"Location": self.daily.url(f"/story/{path.removeprefix('/old/')}")})
        elif f"daily:{path}" in self.stories:
            handler.send(200, self._story(self.stories[f"daily:{path}"]))
        else:
            handler.send(404, "<html><body><h1>Not found</h1></body></html>")

    def _cards(self, stories: list[Story], heading: str) -> str:
        items = "".join(
            f'<li class="promo"><h3 class="promo__title"><a href="{self.daily.url(s.path)}">{s.title}</a></h3>'
            f'<p class="promo__summary">{blurb(s.path)}</p></li>'
            for s in stories
        )
        title = f'<h2 class="block-title">{heading}</h2>'
        return f'<div class="promo-block">{title}<ul class="promo-list">{items}</ul></div>'

    def _page(self, title: str, main: str) -> str:
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body>'
            '<nav><a href="/">Home</a></nav>'
            f"<main>{main}</main><aside>{self._cards(self.popular, 'Popular')}</aside></body></html>"
        )

    def _story(self, story: Story) -> str:
        number = self.daily_stories.index(story)
        related = [self.daily_stories[(number + k) % len(self.daily_stories)] for k in (1, 2, 3)]
        body = "".join(f"<p>{p}</p>" for p in story.text) + f'<p class="promo-line">{CHROME_LINE}</p>'
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{story.title}</title>'
            '<meta property="og:type" content="article">'
            '<meta property="article:published_time" content="2026-11-28T09:00:00+00:00"></head><body>'
            '<nav><a href="/">Home</a></nav>'
            f"<main><article><h1>{story.title}</h1>{body}</article>"
            f"<section>{self._cards(related, 'Related articles')}</section></main>"
            f"<aside>{self._cards(self.popular, 'Popular')}</aside></body></html>"
        )

    # -- the wire -------------------------------------------------------------------------------
    def _wire(self, handler: LoopbackHandler) -> None:
        path = handler.path.split("?")[0]
        if not self._held(handler, self.wire):
            return
        if path == "/robots.txt":
            handler.send(200, "User-agent: *\nAllow: /\n", "text/plain")
        elif path == "/":
            links = "".join(f'<li><a href="{s.path}">Wire story {s.path}</a></li>' for s in self.wire_stories)
            page = f"<!DOCTYPE html><html><head><title>Wire</title></head><body><ul>{links}</ul></body></html>"
            handler.send(200, page)
        elif f"wire:{path}" in self.stories:
            handler.send(200, self._wire_story(self.stories[f"wire:{path}"]))
        else:
            handler.send(404, "<html><body><h1>Not found</h1></body></html>")

    def _wire_story(self, story: Story) -> str:
        canonical = f'<link rel="canonical" href="{self.url(story.canonical)}">' if story.canonical else ""
        body = "".join(f"<p>{p}</p>" for p in story.text)
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{story.title}</title>{canonical}'
            '<meta property="og:type" content="article"></head>'
            f"<body><article><h1>{story.title}</h1>{body}</article></body></html>"
        )
