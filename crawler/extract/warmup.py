"""Imported by the extraction fork server: sample pages warm every lazy cache that no page's language decides."""

from __future__ import annotations

import gc

from crawler.collector import freeze_what_is_loaded
from crawler.extract.analysis import analyse_page
from crawler.extract.dateparsing import FALLBACK_LANGUAGE, parser_for
from crawler.extract.month_names import install_month_names
from crawler.extract.options import ExtractOptions
from crawler.extract.paragraphs import block_hash
from crawler.extract.stoplists import install_stoplist_union
from crawler.extract.warm_start import KEPT_PATTERNS
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
# A page too short for fast mode, whose running text (a cookie notice) holds more than fast mode reads: its
# thorough run, and there jusText with the stop words of every language (their union installed first, faster
# than trafilatura gathers it, then made a set). In Windows-1252 and declaring no charset: the statistical
# guess of the encoding, which imports the codecs it tries.
SHORT_SAMPLE = (
    '<!DOCTYPE html><html><head><title>Tunnel vote</title></head><body><div class="story">'
    "<p>The council voted for the tunnel. Work begins next summer, the mayor said at the café.</p></div>"
    '<div class="cookie-banner"><p>This site uses cookies to count its readers; reading on, you accept them.</p></div>'
    "</body></html>"
)
install_stoplist_union()
# Workers sign every page: with datasketch and numpy, loaded here, not on Python integers as a process that
# signs a few texts does (dedup.minhash).
SignatureScheme().load_minhash()
CHROME = KnownChrome(frozenset({block_hash("Residents near the station fear noise.")}), 200, 50)
for sample, path in ((SAMPLE.encode(), "story.html"), (SHORT_SAMPLE.encode("cp1252"), "brief.html")):
    analyse_page(
        sample, f"http://127.0.0.1/{path}", None, CHROME, None, True, ExtractOptions(), *[SignatureScheme()] * 2
    )
# The month names of all of dateparser's locales, which htmldate gathers (loading every locale's data) at
# the first date string that has neither a year nor an English month: read from the file an earlier crawl
# kept (gathered, and kept, at the first); and dateparser with its English patterns, which read a date
# written in words on a page of any language (0.1 s, where each further language costs 0.02-0.03 s). None
# of it depends on a page's language: each worker would pay for it, at its first such page.
install_month_names()
parser_for((FALLBACK_LANGUAGE,)).get_date_data("Tuesday, 24 March 2026")
KEPT_PATTERNS.keep()  # what this warm-up compiled, for the next crawl's

# What is loaded now stays for the workers' lifetime: frozen, the collector no longer walks it at
# every full collection (and no longer writes to the pages the workers share with this process). It was
# off while it loaded (crawler.extract.warm_start); the few hundred objects of garbage the warm-up left
# are frozen with the rest rather than looked for among 90,000, and the workers collect what they make.
# A page allocates tens of thousands of objects, nearly all freed with its tree: collecting the young
# generation ten times less often costs little memory. Measured on the evaluation corpus when it was set:
# the collector's time per page fell from 1.7 to 0.9 ms. Now, with the warm-up frozen whole and pages that
# leave no reference cycle behind (tests/test_extraction.py), a worker collects once in some 200 pages
# (0.005 ms a page over the first 226 corpus pages) and finds nothing to free.
freeze_what_is_loaded()
gc.enable()
