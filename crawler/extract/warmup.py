"""Imported by the extraction fork server: one analysis of a sample page warms every lazy cache."""

from __future__ import annotations

import gc

from crawler.extract.analysis import analyse_page
from crawler.extract.options import ExtractOptions
from crawler.extract.paragraphs import block_hash
from crawler.handoff import KnownChrome
from dedup import SignatureScheme

# trafilatura, htmldate, dateparser and datasketch load modules, compile patterns and read language
# data on first use. Done once here, in the process workers are forked from, every worker starts
# warm instead of paying it.
_PARAGRAPH = (
    "<p>The harbour council voted on Tuesday evening to build the tunnel after years of debate, and the "
    "mayor said work would begin next summer. Residents near the station fear noise and lorries.</p>"
)
_TEASERS = "".join(
    f'<li><h3><a href="/story-{n}.html">Another story number {n} from the harbour desk</a></h3>'
    f"<p>A short blurb about story {n}, the council and the harbour.</p></li>"
    for n in range(4)
)
SAMPLE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Council backs tunnel | Herald</title>'
    '<meta property="article:published_time" content="2026-03-24T18:45:00+00:00">'
    '<meta name="author" content="Sample Reporter"><link rel="canonical" href="http://127.0.0.1/story.html">'
    '</head><body><nav><a href="/">Home</a></nav><article><h1>Council backs tunnel</h1>'
    '<time datetime="2026-03-24">24 March 2026</time>' + _PARAGRAPH * 6 + "</article>"
    "<aside><h2>Popular</h2><ul>" + _TEASERS + "</ul></aside></body></html>"
)
CHROME = KnownChrome(frozenset({block_hash("Residents near the station fear noise.")}), 200, 50)
analyse_page(
    SAMPLE.encode(), "http://127.0.0.1/story.html", None, CHROME, None, ExtractOptions(), *[SignatureScheme()] * 2
)

# What is loaded now stays for the workers' lifetime: frozen, the collector no longer walks it at
# every full collection (and no longer writes to the pages the workers share with this process).
# A page allocates tens of thousands of objects, nearly all freed with its tree: collecting the young
# generation ten times less often costs little memory. Measured on the evaluation corpus: the
# collector's time per page falls from 1.7 to 0.9 ms.
gc.freeze()
gc.set_threshold(10_000, 10, 10)
