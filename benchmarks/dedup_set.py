"""A seeded near-duplicate test set built from real corpus articles: copies, hard negatives, rendered as sites."""

from __future__ import annotations

import html
import random
import re
from calendar import month_name
from collections.abc import Iterable
from dataclasses import dataclass, field

import trafilatura

from benchmarks.corpus import CorpusPage
from dedup.shingles import shingles

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"„“«(]?[A-ZÄÖÜÀ-Þ0-9])")
WORD = re.compile(r"\w{3,}")
AGENCIES = ("Reuters", "AP", "AFP", "dpa", "APA", "Keystone-SDA")
CITIES = ("BERLIN", "VIENNA", "ZURICH", "HAMBURG", "MUNICH", "FRANKFURT", "COLOGNE", "GENEVA", "LEIPZIG")
MONTHS = tuple(month_name[1:])  # English: the C locale's names

# Positive variants: each is a copy of its story's original and must be linked to it.
VARIANTS = ("wire", "edit", "cut", "template")
# Hard negatives: pairs that share words or chrome but are different stories; none may be linked.
NEGATIVES = ("byline", "update", "short")


@dataclass(frozen=True)
class SourceStory:
    """A real article text from the corpus (plain trafilatura's output), one paragraph a line."""

    index: int
    title: str
    paragraphs: tuple[str, ...]

    def sentences(self) -> list[str]:
        return [s for p in self.paragraphs for s in SENTENCE_END.split(p) if s.strip()]


@dataclass
class GeneratedPage:
    """One page of the set. Pages with the same ``story`` are copies of one another; no others are."""

    site: str
    path: str
    story: str
    kind: str  # "original", one of VARIANTS, or "byline", "update_base", "update", "short"
    title: str
    paragraphs: list[str]
    html: str = ""

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass
class DedupSet:
    """The generated pages with their ground truth: stories, and the hard-negative pairs by kind."""

    pages: list[GeneratedPage]
    negative_pairs: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # kind -> page index pairs
    seed: int = 0
    sources: int = 0  # corpus stories used (update donors included)

    def sites(self) -> dict[str, dict[str, str]]:
        """Site name -> path -> HTML, for :func:`benchmarks.sites.serve_sites`."""
        result: dict[str, dict[str, str]] = {}
        for page in self.pages:
            result.setdefault(page.site, {})[page.path] = page.html
        return result

    def originals(self) -> dict[str, int]:
        return {p.story: i for i, p in enumerate(self.pages) if p.kind == "original"}


def source_stories(
    pages: Iterable[CorpusPage], count: int, seed: int, known_texts: dict[int, str | None] | None = None
) -> list[SourceStory]:
    """``count`` distinct real article texts, in a seeded order of the corpus.

    Texts are plain trafilatura's (stable across our own extraction changes). Kept: 180 to 1200 words,
    four paragraphs or more, space-separated words (the dedup shingles are words), and no near-copy of
    a story already taken (the corpus holds a few).
    """
    order = list(pages)
    random.Random(seed).shuffle(order)
    chosen: list[SourceStory] = []
    chosen_shingles: list[set[bytes]] = []
    for page in order:
        if len(chosen) == count:
            break
        text = (known_texts or {}).get(page.index)
        if text is None:
            text = trafilatura.extract(page.html, url=page.url)
        paragraphs = tuple(line.strip() for line in (text or "").splitlines() if line.strip())
        n_words = sum(len(p.split()) for p in paragraphs)
        if not 180 <= n_words <= 1200 or len(paragraphs) < 4 or len("".join(paragraphs)) > 12 * n_words:
            continue
        own = shingles(" ".join(paragraphs), 3)
        if any(len(own & other) > 0.2 * min(len(own), len(other)) for other in chosen_shingles):
            continue
        title = (page.meta.get("title") or "").strip() or " ".join(paragraphs[0].split()[:10])
        chosen.append(SourceStory(page.index, title, paragraphs))
        chosen_shingles.append(own)
    if len(chosen) < count:
        raise ValueError(f"the corpus holds only {len(chosen)} usable source stories, {count} asked")
    return chosen


def true_jaccard(a: str, b: str, size: int = 3) -> float:
    """Exact Jaccard similarity of the word shingle sets (what MinHash estimates)."""
    x, y = shingles(a, size), shingles(b, size)
    return len(x & y) / len(x | y) if x | y else 0.0


# --- variants ---------------------------------------------------------------------------------------
def wire_copy(paragraphs: list[str], rng: random.Random) -> list[str]:
    """A dateline merged into the first real paragraph and the agency's copyright line at the end."""
    agency = rng.choice(AGENCIES)
    dateline = f"{rng.choice(CITIES)}, {rng.choice(MONTHS)} {rng.randint(1, 28)} ({agency}) — "
    out = list(paragraphs)
    first = next((i for i, p in enumerate(out) if len(p.split()) >= 12), 0)
    out[first] = dateline + out[first]
    out.append(
        f"© {rng.randint(2019, 2024)} {agency}. All rights reserved. This material may not be "
        "published, broadcast, rewritten or redistributed."
    )
    return out


def light_edit(paragraphs: list[str], vocabulary: list[str], rng: random.Random) -> list[str]:
    """3-5 % of the words replaced by other words of the corpus."""
    rate = rng.uniform(0.03, 0.05)
    out = []
    for paragraph in paragraphs:
        tokens = paragraph.split(" ")
        for i, token in enumerate(tokens):
            if WORD.search(token) and rng.random() < rate:
                tokens[i] = WORD.sub(lambda _: rng.choice(vocabulary), token, count=1)
        out.append(" ".join(tokens))
    return out


READ_MORE = "Read the full story at "


def cut_copy(paragraphs: list[str], full_url: str, site_name: str, rng: random.Random) -> list[str]:
    """The first 80-90 % of the paragraphs (at least one fewer), then a line linking to the full story."""
    keep = min(len(paragraphs) - 1, max(1, round(len(paragraphs) * rng.uniform(0.80, 0.90))))
    # The last line is HTML (it holds the link); _body renders it as it is.
    return [*paragraphs[:keep], f'{READ_MORE}<a href="{full_url}">{html.escape(site_name)}</a>']


def rewritten_update(base: list[str], donor: list[str], target: float, rng: random.Random) -> list[str]:
    """An update of ``base``: a new lead, some sentences replaced by others, paragraphs reordered.

    The share of sentences kept is searched so that the true word-3-shingle Jaccard to ``base`` lands
    near ``target`` (a different story that shares a good part of its words with the first one).
    """
    base_text = "\n\n".join(base)
    best: tuple[float, list[str]] | None = None
    for keep in [k / 20 for k in range(2, 19)]:
        trial = random.Random(rng.random())
        donor_sentences = [s for p in donor for s in SENTENCE_END.split(p) if s.strip()]
        lead, rest = " ".join(donor_sentences[:2]), iter(donor_sentences[2:])
        paragraphs = []
        for paragraph in base:
            sentences = [s for s in SENTENCE_END.split(paragraph) if s.strip()]
            paragraphs.append(" ".join(s if trial.random() < keep else next(rest, s) for s in sentences))
        # Swap neighbouring paragraphs here and there: an update tells the same facts in another order.
        for i in range(0, len(paragraphs) - 1, 2):
            if trial.random() < 0.5:
                paragraphs[i], paragraphs[i + 1] = paragraphs[i + 1], paragraphs[i]
        candidate = [lead, *paragraphs]
        jaccard = true_jaccard(base_text, "\n\n".join(candidate))
        if best is None or abs(jaccard - target) < abs(best[0] - target):
            best = (jaccard, candidate)
    assert best is not None
    return best[1]


def take_words(sentences: list[str], low: int, high: int, rng: random.Random) -> list[str]:
    """Whole sentences from the start adding up to about ``low``..``high`` words (the last one cut if needed)."""
    target = rng.randint(low, high)
    taken: list[str] = []
    count = 0
    for sentence in sentences:
        words = sentence.split()
        if count + len(words) > high:
            if count >= low:
                break
            words = words[: target - count]
            taken.append(" ".join(words).rstrip(",;:") + ".")
            count += len(words)
            break
        taken.append(sentence)
        count += len(words)
        if count >= target:
            break
    return taken


# --- pages ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Site:
    name: str  # what the site calls itself in its chrome
    template: str  # "a", "b" or "c"
    prefix: str  # path prefix of its articles


SITES = {
    "herald": Site("The Daily Herald", "a", "/story/"),
    "wire": Site("Wire Today", "b", "/wire/"),
    "courier": Site("Courier Online", "c", "/news/2024/"),
    "digest": Site("Morning Digest", "b", "/d/"),
    "mirror": Site("Herald Mirror", "c", "/amp/"),
    "valley": Site("Valley Gazette", "a", "/local/"),
    "briefs": Site("City Briefs", "b", "/briefs/"),
}
# What each hard-negative site prints around every story: a byline first, a footer last.
BYLINES = {
    "valley": "By Anna Keller and Jonas Brandt, Valley Gazette staff writers, with additional reporting by "
    "the Gazette newsdesk",
    "briefs": "By the City Briefs newsdesk",
}
FOOTERS = {
    "valley": "This story is part of the Valley Gazette's community coverage, made possible by our readers. "
    "Have a tip or a correction? Write to the newsdesk at tips@valley-gazette.example or call us "
    "any weekday. Support local journalism: subscribe for full access to every story, the daily "
    "newsletter and the e-paper. © 2024 Valley Gazette. All rights reserved.",
    "briefs": "City Briefs: the news of the day in a hundred words. Tips to desk@citybriefs.example.",
}


def slug(story: str, title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower().encode("ascii", "ignore").decode())[:6]
    return "-".join([story, *words])


def build_dedup_set(
    sources: list[SourceStory],
    seed: int = 1,
    originals: int = 100,
    bylines: int = 24,
    updates: int = 20,
    shorts: int = 20,
) -> DedupSet:
    """Pages for every role, from ``sources`` (at least originals + bylines + 2*updates + shorts stories).

    Positives: each original on the Herald, plus its wire copy, light edit, cut copy and the same text
    in another template, each on its own site. Hard negatives: different stories under one shared
    byline and footer (Valley Gazette), a story and its heavily rewritten update (Herald), and two
    short briefs from different parts of one story (City Briefs).
    """
    needed = originals + bylines + 2 * updates + shorts
    if len(sources) < needed:
        raise ValueError(f"need {needed} source stories, got {len(sources)}")
    rng = random.Random(seed)
    stories = list(sources)
    rng.shuffle(stories)
    take = iter(stories)
    pool = {
        "original": [next(take) for _ in range(originals)],
        "byline": [next(take) for _ in range(bylines)],
    }
    rest = list(take)
    # An update needs a donor story long enough to give it a new lead and replacement sentences.
    rest.sort(key=lambda s: -len(s.sentences()))
    pool["donor"], rest = rest[:updates], rest[updates:]
    rng.shuffle(rest)
    pool["update"], pool["short"] = rest[:updates], rest[updates : updates + shorts]
    vocabulary = sorted({w for s in stories for p in s.paragraphs for w in WORD.findall(p)})

    pages: list[GeneratedPage] = []

    def add(site: str, story: str, kind: str, title: str, paragraphs: list[str], path: str | None = None) -> int:
        path = path or f"{SITES[site].prefix}{slug(story, title)}.html"
        pages.append(GeneratedPage(site, path, story, kind, title, paragraphs))
        return len(pages) - 1

    for n, source in enumerate(pool["original"]):
        story, body = f"s{n:03d}", list(source.paragraphs)
        original = add("herald", story, "original", source.title, body)
        full_url = "{site:herald}" + pages[original].path
        add("wire", story, "wire", source.title, wire_copy(body, rng))
        add("courier", story, "edit", source.title, light_edit(body, vocabulary, rng))
        cut = cut_copy(body, full_url, SITES["herald"].name, rng)
        add("digest", story, "cut", source.title, cut, path=f"/d/{story}.html")
        add("mirror", story, "template", source.title, body)

    negatives: dict[str, list[tuple[int, int]]] = {kind: [] for kind in NEGATIVES}
    valley = []
    for n, source in enumerate(pool["byline"]):
        # Short stories, so the shared byline and footer are a good part of each text.
        sentences = take_words(source.sentences(), 100, 160, rng)
        valley.append(
            add(
                "valley",
                f"v{n:03d}",
                "byline",
                source.title,
                [BYLINES["valley"], *sentences_to_paragraphs(sentences, rng), FOOTERS["valley"]],
            )
        )
    negatives["byline"] = [(a, b) for i, a in enumerate(valley) for b in valley[i + 1 :]]

    for n, (source, donor) in enumerate(zip(pool["update"], pool["donor"], strict=True)):
        base = list(source.paragraphs)
        first = add("herald", f"u{n:03d}", "update_base", source.title, base)
        rewritten = rewritten_update(base, list(donor.paragraphs), rng.uniform(0.22, 0.38), rng)
        second = add(
            "herald",
            f"u{n:03d}-update",
            "update",
            "UPDATE: " + source.title,
            rewritten,
            path=f"/story/u{n:03d}-update.html",
        )
        negatives["update"].append((first, second))

    for n, source in enumerate(pool["short"]):
        sentences = source.sentences()
        half = len(sentences) // 2
        pair = []
        for part, chunk in enumerate((sentences[:half], sentences[half:])):
            body = take_words(chunk, 60, 120, rng)
            title = " ".join(" ".join(body).split()[:8])
            pair.append(
                add(
                    "briefs",
                    f"b{n:03d}-{part}",
                    "short",
                    title,
                    [BYLINES["briefs"], *sentences_to_paragraphs(body, rng), FOOTERS["briefs"]],
                    path=f"/briefs/b{n:03d}-{part}.html",
                )
            )
        negatives["short"].append((pair[0], pair[1]))

    teasable = [i for i, p in enumerate(pages) if p.kind == "original"]
    for page in pages:
        page.html = render(page, pages, teasable, rng)
    return DedupSet(pages, negatives, seed, needed)


def sentences_to_paragraphs(sentences: list[str], rng: random.Random) -> list[str]:
    paragraphs, current = [], []
    for sentence in sentences:
        current.append(sentence)
        if len(current) >= rng.randint(2, 3):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


# --- templates ----------------------------------------------------------------------------------
NAV = ("Home", "World", "Politics", "Business", "Science", "Culture", "Sport", "Opinion")


def _teasers(
    page: GeneratedPage, pages: list[GeneratedPage], teasable: list[int], count: int, rng: random.Random
) -> list[tuple[str, str, str]]:
    """(url, headline, blurb) of other stories: the blurb is their lead cut at a few dozen words."""
    others = [i for i in teasable if pages[i].story.split("-")[0] != page.story.split("-")[0]]
    chosen = rng.sample(others, count)
    result = []
    for i in chosen:
        lead = " ".join(" ".join(pages[i].paragraphs).split()[: rng.randint(18, 32)])
        result.append(("{site:herald}" + pages[i].path, pages[i].title, lead + " …"))
    return result


def _teaser_list(heading: str, items: list[tuple[str, str, str]], heading_tag: str = "h2") -> str:
    lis = "".join(
        f'<li class="teaser"><h3><a href="{url}">{html.escape(title)}</a></h3><p>{html.escape(blurb)}</p></li>'
        for url, title, blurb in items
    )
    return f'<section class="teasers"><{heading_tag}>{html.escape(heading)}</{heading_tag}><ul>{lis}</ul></section>'


def _body(page: GeneratedPage) -> str:
    parts = []
    for paragraph in page.paragraphs:
        if paragraph.startswith(READ_MORE + "<a "):
            parts.append(f"<p>{paragraph}</p>")  # already HTML
        elif len(paragraph.split()) <= 8 and not paragraph.rstrip().endswith((".", "!", "?", ":")):
            parts.append(f"<h2>{html.escape(paragraph)}</h2>")
        else:
            parts.append(f"<p>{html.escape(paragraph)}</p>")
    return "\n".join(parts)


def _head(page: GeneratedPage, site: Site, published: str) -> str:
    url = "{site:" + page.site + "}" + page.path
    return (
        f'<head><meta charset="utf-8"><title>{html.escape(page.title)} | {html.escape(site.name)}</title>'
        f'<link rel="canonical" href="{url}"><meta property="og:type" content="article">'
        f'<meta property="og:title" content="{html.escape(page.title)}">'
        f'<meta property="article:published_time" content="{published}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
    )


def render(page: GeneratedPage, pages: list[GeneratedPage], teasable: list[int], rng: random.Random) -> str:
    """The page as a full HTML document in its site's template: navigation, teaser blocks, footer."""
    site = SITES[page.site]
    published = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(6, 22):02d}:15:00+01:00"
    nav_links = "".join(f'<li><a href="/{n.lower()}/">{n}</a></li>' for n in NAV)
    title = html.escape(page.title)
    body = _body(page)
    if site.template == "a":
        most_read = _teasers(page, pages, teasable, 4, rng)
        editors = most_read[:2] + _teasers(page, pages, teasable, 2, rng)  # some stories shown in both blocks
        inner = (
            f'<header class="masthead"><a href="/">{html.escape(site.name)}</a><nav><ul>{nav_links}</ul></nav></header>'
            f'<main><article><h1>{title}</h1><p class="meta"><time datetime="{published}">{published[:10]}</time></p>'
            f'<div class="article-body">{body}</div></article>'
            f"<aside>{_teaser_list('Most read', most_read)}{_teaser_list('Editor’s choice', editors)}</aside></main>"
            f'<footer><p>© 2024 {html.escape(site.name)}</p><ul><li><a href="/imprint">Imprint</a></li>'
            f'<li><a href="/privacy">Privacy</a></li><li><a href="/contact">Contact</a></li></ul></footer>'
        )
    elif site.template == "b":
        related = _teasers(page, pages, teasable, 4, rng)
        popular = _teasers(page, pages, teasable, 5, rng)
        inner = (
            f'<div id="top"><div class="logo">{html.escape(site.name)}</div>'
            f'<div class="menu"><ul>{nav_links}</ul></div>'
            f'<div class="cookie">We use cookies to improve your experience. <a href="/cookies">Settings</a></div>'
            "</div>"
            f'<div id="content"><div class="col-main"><div class="story"><h1 class="headline">{title}</h1>'
            f'<span class="date">{published[:10]}</span><div class="text">{body}</div>'
            '<div class="share">Share: <a href="/s/fb">Facebook</a> <a href="/s/x">X</a> '
            '<a href="/s/mail">Email</a></div>'
            f"</div>{_teaser_list('Related articles', related, 'h3')}</div>"
            f'<div class="col-side">{_teaser_list("Popular", popular, "h3")}</div></div>'
            f'<div id="bottom"><p>{html.escape(site.name)} · All rights reserved · <a href="/terms">Terms</a></p></div>'
        )
    else:
        top = _teasers(page, pages, teasable, 3, rng)
        more = _teasers(page, pages, teasable, 4, rng)
        inner = (
            f'<nav class="site-nav"><a href="/">{html.escape(site.name)}</a><ul>{nav_links}</ul></nav>'
            f'<div class="wrapper">{_teaser_list("Top stories", top)}'
            f'<div class="post"><h1 class="post-title">{title}</h1><div class="byline-date">{published[:10]}</div>'
            f'<div class="post-content">{body}</div></div>'
            f'<div class="newsletter"><h4>Newsletter</h4><p>Get the best of {html.escape(site.name)} in your inbox '
            f'every morning.</p><form><input type="email"><button>Sign up</button></form></div>'
            f"{_teaser_list('More from ' + site.name, more)}</div>"
            f'<footer class="site-footer"><a href="/about">About us</a> · <a href="/jobs">Jobs</a> · '
            f'<a href="/advertise">Advertise</a><p>© 2024 {html.escape(site.name)}</p></footer>'
        )
    return f"<!DOCTYPE html><html>{_head(page, site, published)}<body>{inner}</body></html>"
