"""Extraction quality on the corpus: plain trafilatura vs our extraction, direct and as stored by a real crawl.

Accuracy of metadata, over the records whose ground-truth value is non-empty (an empty value in the
corpus means "not annotated", so it is neither right nor wrong):
- title, author: equal after collapsing whitespace and case-folding, characters that show nothing
  (soft hyphens, zero-width spaces) left out of both; several ground-truth authors are joined with
  "; " (trafilatura's separator).
- date: the first 10 characters (YYYY-MM-DD) are equal.
With these definitions plain trafilatura's date accuracy is 0.865 on the 990 pages.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Protocol
from urllib.parse import urlsplit

import trafilatura

from benchmarks.corpus import CorpusPage, Score, collapse, score
from benchmarks.harness import CrawlRun, libraries_as_released
from crawler.extract.article import extract_page
from crawler.extract.language import guess_language
from crawler.extract.words import visible

FIELDS = ("title", "author", "date")


class Page(Protocol):
    """A page the extractors below read: its bytes and its URL (a corpus page, or one of another set's)."""

    @property
    def html(self) -> bytes: ...

    @property
    def url(self) -> str: ...


SERVED_PAGE = re.compile(r"/p/(\d+)\.html$")


@dataclass
class Extracted:
    """What one system made of one page: text ("" for no article) and metadata."""

    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None
    kind: str = "article"  # ours: article, listing or skipped
    reason: str | None = None
    removed: list[str] = field(default_factory=list)  # ours: paragraphs cut out (teasers, furniture)


def extract_plain(page: Page) -> Extracted:
    """Plain trafilatura as released: ``extract`` for the text, ``extract_metadata`` (the same metadata step)
    for the rest."""
    with libraries_as_released():  # this process has imported the crawler, which puts its faster forms in
        text = trafilatura.extract(page.html, url=page.url) or ""
        meta = trafilatura.extract_metadata(page.html, default_url=page.url)
    return Extracted(text, meta.title, meta.author, meta.date)


def extract_plain_without_comments(page: Page) -> Extracted:
    """Plain trafilatura as released without comments (``include_comments=False``), as ours runs it; same
    metadata."""
    with libraries_as_released():
        text = trafilatura.extract(page.html, url=page.url, include_comments=False) or ""
        meta = trafilatura.extract_metadata(page.html, default_url=page.url)
    return Extracted(text, meta.title, meta.author, meta.date)


def extract_ours(page: Page, url: str | None = None) -> Extracted:
    """The function the pipeline calls, on the page's bytes; ``url`` defaults to the page's own."""
    result = extract_page(page.html, url or page.url)
    article = result.article
    if article is None:
        return Extracted("", kind=result.kind, reason=result.reason, removed=[p for p, _ in result.removed])
    removed = [p for p, _ in result.removed]
    return Extracted(article.text, article.title, article.author, article.published, removed=removed)


# The three, by the names the other sets' benchmarks (article_benchmark, news_pages) print them under.
EXTRACTORS = {"plain": extract_plain, "plain nc": extract_plain_without_comments, "ours": extract_ours}


def read_crawled(run: CrawlRun, pages: list[CorpusPage]) -> tuple[dict[int, Extracted], dict[int, str]]:
    """Stored articles mapped back to corpus pages (served at /p/<index>.html), and why the others have none."""
    wanted = {p.index for p in pages}
    stored: dict[int, Extracted] = {}
    for url, text, title, author, published in run.rows("SELECT url, text, title, author, published FROM articles"):
        match = SERVED_PAGE.search(urlsplit(url).path)
        if match and int(match.group(1)) in wanted:
            stored[int(match.group(1))] = Extracted(text or "", title, author, published)
    reasons: dict[int, str] = {}
    for url, kind, reason in run.rows("SELECT url, kind, reason FROM pages"):
        match = SERVED_PAGE.search(urlsplit(url).path)
        if match and int(match.group(1)) in wanted and int(match.group(1)) not in stored:
            reasons[int(match.group(1))] = reason or kind
    for index in wanted - stored.keys() - reasons.keys():
        reasons[index] = "not_fetched"
    return stored, reasons


# --- metadata accuracy ------------------------------------------------------------------------
def text_key(text: str | None) -> str:
    """A title's or a name's text as compared: whitespace collapsed, case folded, without the characters that
    show nothing."""
    return collapse(visible(text or "")).casefold()


def same_text(truth: str, found: str | None) -> bool:
    return text_key(truth) == text_key(found)


def _truth(page: CorpusPage, name: str) -> str:
    value = page.meta.get(name)
    if isinstance(value, list):
        value = "; ".join(value)
    return (value or "").strip()


def accuracy(pages: list[CorpusPage], outputs: dict[int, Extracted], name: str) -> tuple[int, int]:
    """(correct, annotated) for one metadata field, with the module's definitions."""
    correct = total = 0
    for page in pages:
        truth = _truth(page, name)
        if not truth:
            continue
        total += 1
        found = getattr(outputs.get(page.index), name, None) if page.index in outputs else None
        if name == "date":
            correct += bool(found) and (found or "")[:10] == truth[:10]
        else:
            correct += same_text(truth, found)
    return correct, total


# --- where ours loses ---------------------------------------------------------------------------
@dataclass
class PageLoss:
    index: int
    host: str
    cause: str
    lost: int  # ground-truth snippets plain found and ours did not
    plain_words: int
    example: str


def loss_causes(
    pages: list[CorpusPage], plain: dict[int, Extracted], ours: dict[int, Extracted]
) -> tuple[Counter, list[PageLoss], Counter]:
    """Why each snippet plain trafilatura found is missing from ours, per snippet and per page.

    Causes: the page got no article (``no_article``, ``listing``), the snippet was in a paragraph
    cut out as a teaser (``teaser_strip``), it is there but not in Unicode NFC (``unicode_nfc``), or
    anything else (``other``: comments are off in ours, a different tree). The last Counter compares
    the unwanted snippets: how many plain let through that ours removed, and the other way round.
    """
    causes: Counter = Counter()
    losses: list[PageLoss] = []
    precision: Counter = Counter()
    for page in pages:
        mine, theirs = ours[page.index], plain[page.index]
        text, base = collapse(mine.text), collapse(theirs.text)
        nfc = unicodedata.normalize("NFC", text)
        removed = collapse(" ".join(mine.removed))
        page_causes: Counter = Counter()
        example = ""
        for snippet in map(collapse, page.with_snippets):
            if snippet in base and snippet not in text:
                if mine.kind != "article":
                    cause = mine.reason or mine.kind
                elif snippet in removed:
                    cause = "teaser_strip"
                elif snippet in nfc:
                    cause = "unicode_nfc"
                else:
                    cause = "other"
                page_causes[cause] += 1
                example = example or snippet
        for snippet in map(collapse, page.without_snippets):
            precision["unwanted_removed"] += snippet in base and snippet not in text
            precision["unwanted_added"] += snippet in text and snippet not in base
        if page_causes:
            causes.update(page_causes)
            cause = page_causes.most_common(1)[0][0]
            losses.append(
                PageLoss(
                    page.index,
                    urlsplit(page.url).hostname or page.url[:30],
                    cause,
                    sum(page_causes.values()),
                    len(theirs.text.split()),
                    example,
                )
            )
    losses.sort(key=lambda loss: (-loss.lost, loss.index))
    return causes, losses, precision


# --- page classes and the pages where ours has no article -------------------------------------------
def page_classes(page: CorpusPage, baseline: Extracted) -> list[str]:
    """The classes a page belongs to: its length (by ``baseline``'s words), language, and comments."""
    words = len(baseline.text.split())
    length = "short (<200 words)" if words < 200 else "long (>1000 words)" if words > 1000 else "medium"
    language = guess_language(baseline.text) or "unknown"
    classes = [length, f"language {language if language in ('de', 'en') else 'other'}"]
    if page.meta.get("comments"):
        classes.append("with comments")
    return classes


def scores_by_class(
    pages: list[CorpusPage], systems: dict[str, dict[int, Extracted]], baseline: str
) -> dict[str, dict[str, Score]]:
    """Each page class's score for each system (classes by the ``baseline`` system's text)."""
    members: dict[str, list[CorpusPage]] = {}
    for page in pages:
        for name in page_classes(page, systems[baseline][page.index]):
            members.setdefault(name, []).append(page)
    return {
        name: {system: score(group, {i: e.text for i, e in out.items()}) for system, out in systems.items()}
        for name, group in sorted(members.items())
    }


def missing_articles(
    pages: list[CorpusPage], baseline: dict[int, Extracted], ours: dict[int, Extracted], min_words: int = 100
) -> list[tuple[CorpusPage, str, int]]:
    """Pages where ours has no article but ``baseline`` finds ``min_words``+ words holding wanted text."""
    missing = []
    for page in pages:
        theirs, mine = baseline[page.index], ours[page.index]
        text = collapse(theirs.text)
        words = len(theirs.text.split())
        if not mine.text and words >= min_words and any(collapse(s) in text for s in page.with_snippets):
            missing.append((page, mine.reason or mine.kind, words))
    return missing


def set_options(doc: str, default_dataset: Path, checkout: str) -> argparse.ArgumentParser:
    """The options of a benchmark on another set than the corpus: ``--dataset`` (``checkout``: what it is a
    checkout of), ``--show-losses``; its description the first line of its ``doc``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=default_dataset, help=f"a checkout of {checkout}")
    parser.add_argument("--show-losses", type=int, default=10, help="pages listed where ours loses text most")
    return parser


def load_set_scorer(dataset: Path, benchmark: str) -> ModuleType:
    """A set's own ``evaluate.py``, imported from its checkout: its scores, not a copy of them. ``benchmark``: the
    name the module is imported under and the one-line error begins with."""
    spec = importlib.util.spec_from_file_location(f"{benchmark}_evaluate", dataset / "evaluate.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"{benchmark}: no evaluate.py in {dataset}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def print_page_differences(differences: list[tuple[float, str]], show: int) -> None:
    """The pages where ours scores below and above plain nc (``differences``: ours' page F1 less plain nc's, and
    the page), and the ``show`` biggest losses."""
    differences = sorted(differences)
    print(
        f"pages where ours scores below plain nc (page F1): {sum(1 for d, _ in differences if d < 0)}, above:"
        f" {sum(1 for d, _ in differences if d > 0)}; the biggest losses:"
    )
    for difference, page in differences[:show]:
        if difference < 0:
            print(f"  {difference:+.3f}  {page}")
