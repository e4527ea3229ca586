"""trafilatura's page measure, made once for a page's fast and thorough runs, is the one each run would make."""

from __future__ import annotations

import sys
import threading

import trafilatura
from trafilatura.settings import Extractor

import crawler.extract.body  # noqa: F401  (installs it, as every extraction does)
from crawler.extract import page_measure
from crawler.extract.body import extract_body
from crawler.extract.options import ExtractOptions
from crawler.extract.parsing import parse_html

STORY = "The harbour council voted on Tuesday evening to build the tunnel after years of debate."


def page(story: str = STORY, sections: int = 120) -> str:
    """A short story among a long menu and footer: its fast result is short and covers little of the page, so
    trafilatura measures the page in both runs (to decide on its recall retry)."""
    links = "".join(
        f'<li><a href="/section-{n}">Section number {n} of the site with its name</a></li>' for n in range(sections)
    )
    return (
        f"<html><head><title>Tunnel</title></head><body><nav><ul>{links}</ul></nav>"
        f"<article><h1>Council backs tunnel</h1><p>{story}</p><p>{story}</p></article>"
        f"<footer>{'Footer words and more footer words. ' * 40}</footer></body></html>"
    )


def runs(html: str, measures: page_measure.Measures | None) -> list[str]:
    """The texts of a fast and a thorough run of trafilatura on the page, sharing ``measures`` if given."""
    tree = parse_html(html)
    assert tree is not None
    texts = []
    for fast in (True, False):
        options = Extractor(output_format="python", fast=fast, comments=False)
        if measures is None:
            document = trafilatura.bare_extraction(tree, options=options)
        else:
            with page_measure.shared(measures, tree):
                document = trafilatura.bare_extraction(tree, options=options)
        texts.append(document.text)
    return texts


def test_the_measure_is_shared_on_the_trafilatura_this_project_installs():
    # A new trafilatura whose sequence reads differently measures at every run: this fails then, to have it checked.
    assert page_measure.installed() == ["html2txt"]
    core = sys.modules["trafilatura.core"]
    shared = core.html2txt
    with page_measure.removed():
        assert core.html2txt is not shared
    assert core.html2txt is shared


def test_a_pages_two_runs_measure_it_once_and_extract_what_they_extract_as_released():
    measures: page_measure.Measures = {}
    texts = runs(page(), measures)
    assert len(measures) == 1  # made by the fast run, read by the thorough one
    (measure,) = measures.values()
    assert "Section number 119" in measure and STORY in measure  # the whole page's text,
    assert "Footer words" not in measure  # cleaned as trafilatura cleans it
    with page_measure.removed():
        assert runs(page(), None) == texts
    assert runs(page(), None) == texts  # outside shared(): each run measures for itself


def test_each_tree_is_measured_for_itself():
    measures: page_measure.Measures = {}
    short, long = runs(page(sections=40), measures), runs(page(sections=400), measures)
    assert len(measures) == 2
    assert len(max(measures.values(), key=len)) > 3 * len(min(measures.values(), key=len))
    with page_measure.removed():
        assert (runs(page(sections=40), None), runs(page(sections=400), None)) == (short, long)


def test_the_article_body_is_the_same_with_the_measure_made_at_every_run():
    for html in (page(), page(sections=5), page(" ".join([STORY] * 12))):
        tree, released = parse_html(html), parse_html(html)
        assert tree is not None and released is not None
        paragraphs = extract_body(tree, "https://example.com/a", ExtractOptions(), set()).paragraphs
        with page_measure.removed():
            assert extract_body(released, "https://example.com/a", ExtractOptions(), set()).paragraphs == paragraphs
        assert paragraphs


def test_runs_on_two_threads_keep_their_own_pages_measures():
    measure = sys.modules["trafilatura.core"].html2txt  # the shared measure, as trafilatura's sequence calls it
    entered, measured = threading.Barrier(2), threading.Barrier(2)
    results: dict[str, page_measure.Measures] = {}

    def run(name: str, sections: int) -> None:
        tree, measures = parse_html(page(sections=sections)), {}
        assert tree is not None
        with page_measure.shared(measures, tree):
            entered.wait()  # both runs in progress at once
            measure(tree)
            measured.wait()
        results[name] = measures

    threads = [threading.Thread(target=run, args=(name, n)) for name, n in (("short", 5), ("long", 300))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [len(results[name]) for name in ("short", "long")] == [1, 1]
    assert len(next(iter(results["long"].values()))) > len(next(iter(results["short"].values())))
