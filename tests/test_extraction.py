"""Extraction on fixture pages: article text and metadata, teasers found and kept out of the text."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import unicodedata

import pytest
from trafilatura.utils import repair_faulty_html

from crawler.demo.server import DEMO_SITE
from crawler.extract import teasers as teasers_module
from crawler.extract.article import extract_article, extract_page, strip_teasers
from crawler.extract.options import ExtractOptions
from crawler.extract.parsing import _repaired_utf8, parse_html
from crawler.extract.results import Teaser
from crawler.extract.teasers import find_teasers
from crawler.extract.words import count_words
from dedup import tokens
from tests.support.changing_site import article_page
from tests.support.sites import FIXTURES
from tests.support.texts import hindi_story, thai_story

BASE = "http://127.0.0.1:8371"
MAGAZINE_URL = "https://weekly.example.org/culture/glassworks-revival"


def demo_page(path: str, site: str = "herald") -> bytes:
    return (DEMO_SITE / site / path.lstrip("/")).read_bytes().replace(b"{{BASE}}", BASE.encode())


def magazine():
    return extract_page((FIXTURES / "magazine_article.html").read_bytes(), MAGAZINE_URL)


# Run in a process of its own: objects other tests leave behind (Scrapy's signal receivers of the crawlers
# they built) may be freed while the page is extracted, and be counted as if extracting had left them.
_CYCLES_AFTER_EXTRACTING = """
import gc, sys
from crawler.extract.article import extract_page
page = open(sys.argv[1], "rb").read()
extract_page(page, sys.argv[2])  # the first extraction in a process loads modules and fills caches
gc.collect()
gc.disable()
result = extract_page(page, sys.argv[2])
assert result.article is not None and result.article.title and result.teasers  # headline and teasers read
del result
print(gc.collect())
"""


def test_extracting_a_page_leaves_no_reference_cycles():
    # Anything left in a cycle (a nested function calling itself holds its caller's locals) keeps the page's
    # tree, megabytes of it, alive until the garbage collector's next pass; freed by reference counting, it
    # goes as soon as the page is done.
    page = str(FIXTURES / "magazine_article.html")
    run = subprocess.run(
        [sys.executable, "-c", _CYCLES_AFTER_EXTRACTING, page, MAGAZINE_URL], capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "0"


def test_article_text_and_metadata():
    page = extract_page(demo_page("/articles/harbour-tunnel-vote.html"), f"{BASE}/articles/harbour-tunnel-vote.html")
    article = page.article
    assert page.kind == "article" and page.reason is None
    assert article.title == "Northbridge council backs harbour tunnel plan after marathon vote"
    assert article.author == "Daniel Okoro-Wynn"
    assert article.published.startswith("2026-03-24T18:45")
    assert article.language == "en"
    assert article.sitename == "The Northbridge Herald"
    assert article.canonical_url == f"{BASE}/articles/harbour-tunnel-vote.html"
    assert article.description
    assert "Funding gap remains" in article.text.split("\n\n")  # a sub-heading is its own paragraph
    assert article.text.split("\n\n")[-1].startswith("source:")  # the story's own attribution line stays
    assert "photo: Herald archive" not in article.text  # an image credit is page furniture
    assert article.word_count > 300


def test_no_block_label_or_blurb_in_the_text():
    text = extract_page(demo_page("/articles/harbour-tunnel-vote.html"), f"{BASE}/articles/harbour-tunnel-vote.html")
    paragraphs = text.article.text.split("\n\n")
    for label in ("Editor's choice", "Popular", "Related articles", "News"):
        assert label not in paragraphs
    assert "The club's eight beat defending champions" not in text.article.text
    assert text.removed  # what was cut is reported, not silently lost


def test_teasers_of_an_article_page_with_their_blocks():
    page = extract_page(demo_page("/articles/harbour-tunnel-vote.html"), f"{BASE}/articles/harbour-tunnel-vote.html")
    blocks = {t.block for t in page.teasers}
    assert {"Related articles", "Editor's choice", "Popular"} <= blocks
    assert all(t.url.startswith(BASE) and "utm_" not in t.url and "#" not in t.url for t in page.teasers)
    assert f"{BASE}/articles/harbour-tunnel-vote.html" not in {t.url for t in page.teasers}  # not itself
    popular = [t for t in page.teasers if t.block == "Popular"]
    assert popular and all(t.title and t.text for t in popular)


def test_teasers_over_the_limit_are_left_out_but_still_cut_from_the_text():
    url = f"{BASE}/articles/harbour-tunnel-vote.html"
    unlimited = extract_page(demo_page("/articles/harbour-tunnel-vote.html"), url)
    limited = extract_page(demo_page("/articles/harbour-tunnel-vote.html"), url, options=ExtractOptions(max_teasers=2))
    assert len(unlimited.teasers) > 2 and unlimited.teasers_over_limit == 0
    assert limited.teasers == unlimited.teasers[:2]  # the first ones, in page order
    assert limited.teasers_over_limit == len(unlimited.teasers) - 2
    assert limited.article.text == unlimited.article.text and limited.removed == unlimited.removed


def test_an_archive_of_every_story_is_a_listing_whose_text_is_not_read():
    # 6,000 teasers, each a headline and a blurb, below a story: an archive page, read in a second, its
    # teasers and links kept (trafilatura alone took 20 s on 20,000, past the time a page may take).
    story = "<p>" + "The council voted on the tunnel after years of debate and the mayor spoke. " * 5 + "</p>"

    def archive(teasers: int) -> bytes:
        items = "".join(
            f'<div class="teaser"><a href="/story-{n}.html"><h3>Story number {n} about the harbour</h3></a>'
            f"<p>A short blurb about story {n} and the council.</p></div>"
            for n in range(teasers)
        )
        return f'<html><body><h1>Archive</h1>{story * 5}<div id="all">{items}</div></body></html>'.encode()

    page = extract_page(archive(6000), f"{BASE}/archive.html", list_links=True)
    assert (page.kind, page.reason, page.article) == ("listing", "listing", None)
    assert len(page.teasers) == ExtractOptions().max_teasers and page.teasers_over_limit == 6000 - len(page.teasers)
    assert page.teasers[0].url == f"{BASE}/story-0.html" and len(page.links or []) == 6000
    assert "text" not in page.cpu_s  # trafilatura never ran
    # With fewer teasers the same page's text is read, its story an article.
    fewer = extract_page(archive(100), f"{BASE}/archive.html")
    assert "text" in fewer.cpu_s and len(fewer.teasers) == 100
    assert fewer.article is not None and "mayor spoke" in fewer.article.text


def test_a_page_long_site_map_is_no_article_and_its_text_is_not_read():
    # 25,000 links, one after another, below a story: a site map, not the story's page.
    story = "<p>" + "The council voted on the tunnel after years of debate and the mayor spoke. " * 5 + "</p>"
    links = " ".join(f'<a href="/story-{n}.html">Story {n}</a>' for n in range(25000))
    html = f"<html><body><h1>All our stories</h1>{story * 5}<p>{links}</p></body></html>".encode()
    page = extract_page(html, f"{BASE}/sitemap.html", list_links=True)
    assert (page.kind, page.reason, page.article) == ("skipped", "no_article", None)
    assert len(page.links or []) == 25000 and "text" not in page.cpu_s


def test_listing_and_pages_without_an_article():
    assert extract_page(demo_page("/index.html"), f"{BASE}/").kind == "listing"
    assert extract_page(demo_page("/section/world.html"), f"{BASE}/section/world.html").reason == "listing"
    assert extract_page(demo_page("/contact.html"), f"{BASE}/contact.html").reason == "no_article"
    assert extract_page(demo_page("/terms.html"), f"{BASE}/terms.html").reason == "no_article"
    assert extract_page(b"", f"{BASE}/empty.html").reason == "empty"
    assert extract_page(b"  \n ", f"{BASE}/blank.html").reason == "empty"
    assert extract_page(demo_page("/annual-report.html"), f"{BASE}/annual-report.html").reason == "not_html"
    assert extract_page(demo_page("/gallery.html"), f"{BASE}/gallery.html").reason == "not_html"
    assert extract_article(demo_page("/contact.html"), f"{BASE}/contact.html") is None


def test_wrongly_declared_cp1251_page_comes_out_in_cyrillic():
    page = extract_page(
        demo_page("/regional-bulletin.html"), f"{BASE}/regional-bulletin.html", "text/html; charset=utf-8"
    )
    assert page.encoding == "cp1251"
    assert page.article.language == "ru"
    assert "Линдав" in page.article.text and "\ufffd" not in page.article.text


def test_broken_markup_still_gives_the_article():
    page = extract_page(demo_page("/broken.html"), f"{BASE}/broken.html")
    assert page.kind == "article" and page.article.word_count > 250


def test_nul_bytes_do_not_stop_extraction():
    body = demo_page("/articles/tervel-ice-core.html").replace(b"<p>", b"<p>\x00", 3)
    page = extract_page(body, f"{BASE}/articles/tervel-ice-core.html")
    assert page.kind == "article" and "\x00" not in page.article.text


@pytest.mark.parametrize("tag", ["div", "font"])
def test_a_story_under_a_thousand_unclosed_tags_is_still_found(tag):
    body = demo_page("/articles/tervel-ice-core.html").replace(b"<article", b"<%b>" % tag.encode() * 1000 + b"<article")
    page = extract_page(body, f"{BASE}/articles/tervel-ice-core.html")  # libxml2 stops at 256 levels unless told
    assert page.kind == "article" and page.article.word_count > 400


def test_a_headline_and_a_blurb_nested_deeper_than_pythons_recursion_limit_are_read():
    # libxml2 keeps up to 2,048 levels; the walks over a heading's and a teaser's parts must not stop at
    # Python's 1,000 frames (the page was "extraction_failed", its article lost).
    depth = sys.getrecursionlimit() + 200
    opened, closed = b"<span>" * depth, b"</span>" * depth
    body = demo_page("/articles/tervel-ice-core.html")
    headline = b"Ice core from Mount Tervel holds 60,000-year climate record, scientists say"
    body = body.replace(b"<h1>" + headline, b"<h1>" + opened + headline + closed, 1)
    blurb_start = b'<p class="promo__summary">Delegations'
    body = body.replace(blurb_start, opened + blurb_start, 1)
    body = body.replace(b"restored in 2011.</p>", b"restored in 2011.</p>" + closed, 1)
    assert body.count(b"<span><span>") > depth - 10
    page = extract_page(body, f"{BASE}/articles/tervel-ice-core.html")
    assert page.kind == "article" and page.article.title == headline.decode()
    blurbs = {t.url.rsplit("/", 1)[-1]: t.text for t in page.teasers}
    assert blurbs["kestrovia-lunmark-border-talks.html"].startswith("Delegations meeting in Orvel")


def test_a_heading_hiding_a_script_deep_inside_and_a_title_of_thousands_of_kickers_are_read():
    depth = sys.getrecursionlimit() + 200
    headline = "Ice core from Mount Tervel holds 60,000-year climate record, scientists say"
    heading = "<span>" * depth + "<noscript>Turn on scripts</noscript>" + "</span>" * depth
    body = demo_page("/articles/tervel-ice-core.html").decode()
    body = body.replace(f"<h1>{headline}", f"<h1>{heading}{headline}", 1)
    body = re.sub(r"<title>", "<title>" + "Kicker: " * 3 * depth, body, count=1)
    page = extract_page(body.encode(), f"{BASE}/articles/tervel-ice-core.html")
    assert page.kind == "article" and page.article.title == headline


@pytest.mark.parametrize("swollen", ["a <title> left open", "og:title holding the story"])
def test_a_title_as_long_as_a_page_is_none_and_read_in_linear_work(title_keying, swollen):
    # A <title> left open holds the rest of the document (libxml2 reads it so, as browsers do), and a CMS may
    # write a whole story into its headline field. Cutting such a text into its parts and keying each run of
    # them cost the square of its length: pages of this kind held a worker past its 20 s limit, a timeout
    # instead of the page, where trafilatura took a hundredth of a second.
    headline = "Ice core from Mount Tervel holds 60,000-year climate record, scientists say"
    body = demo_page("/articles/tervel-ice-core.html").decode()
    menu = " | ".join(f"Section {n}" for n in range(300))
    body = re.sub(r"(<body[^>]*>)", lambda m: f"{m.group(1)}<nav><p>{menu}</p></nav>", body, count=1)
    if swollen == "a <title> left open":
        body = body.replace("</title>", "", 1)
    else:
        story = " - ".join(re.findall(r"<p>(.*?)</p>", body))
        body = body.replace("<head>", f'<head><meta property="og:title" content="{html.escape(story)}">', 1)
    page = extract_page(body.encode(), f"{BASE}/articles/tervel-ice-core.html")
    assert title_keying.characters < len(body)  # quadratic: 15 million characters for a <title> of 18,000
    if swollen == "a <title> left open":  # the whole page is its title: no story, as trafilatura finds
        assert (page.kind, page.reason) == ("skipped", "no_article")
    else:
        assert page.kind == "article" and page.article.title == headline


def test_a_story_holding_lists_nested_deeper_than_trafilatura_can_read_is_still_found():
    # trafilatura reads nested lists by calling itself: 600 unclosed <ul>s in the story ran out of frames.
    body = demo_page("/articles/tervel-ice-core.html")
    start = body.index(b"<p>", body.index(b"<article")) + len(b"<p>")
    body = body[:start] + b"<ul><li>" * 600 + b"A menu left open" + body[start:]
    page = extract_page(body, f"{BASE}/articles/tervel-ice-core.html")
    assert page.kind == "article" and page.article.word_count > 400


def test_a_link_that_cannot_be_an_address_is_left_out_of_the_pages_links():
    # Not ASCII, so percent-encoded first, and with an unclosed IPv6 bracket: w3lib raises for it.
    body = demo_page("/articles/tervel-ice-core.html").replace(
        b"<h1>", '<a href="http://[::1é/story">a link to nowhere</a><h1>'.encode(), 1
    )
    page = extract_page(body, f"{BASE}/articles/tervel-ice-core.html", list_links=True)
    assert page.kind == "article" and f"{BASE}/articles/halvard-sea-cod-quotas.html" in page.links
    assert not any("[" in link for link in page.links)


XHTML_DOCTYPE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">'
)


@pytest.mark.parametrize(
    "html",
    [
        f"{XHTML_DOCTYPE}\n<html><body><p>Text</p></body></html>",
        f"{XHTML_DOCTYPE}<html><body><p>Text on the doctype's line, and no newline</p></body></html>",
        "<!DOCTYPE html>\n<html/>\n<body><p>A self-closing html tag</p></body>",
        "\n\n<html xmlns='http://www.w3.org/1999/xhtml' />\n<body><p>On the third line</p></body>",
        "<!DOCTYPE html>\n<html><body><p>Vertical\x0btab, form\x0cfeed, escape\x1b</p></body></html>",
        f"{XHTML_DOCTYPE}\n<html/>\n<p>A non-character \ufffe and a control \x01</p>",
        "<!DOCTYPE html>\n<html><body><p>Non-characters alone: \ufffe, \uffff</p></body></html>",
        "<!DOCTYPE html>\n<html><body><p>Nothing to repair: caf\u00e9, \u4e2d\u6587</p></body></html>",
        "<p>A lone surrogate \ud800 and no doctype</p>",
    ],
)
def test_pages_are_repaired_for_the_parser_as_trafilatura_repairs_them(html):
    assert _repaired_utf8(html, html[:50].lower()) == repair_faulty_html(html, html[:50].lower()).encode(
        "utf-8", "surrogatepass"
    )


def test_another_template_teasers_and_inline_links():
    page = magazine()
    assert page.article.title == "Glassworks revival brings apprentices back to Fennick"
    assert page.article.language == "en"
    assert page.article.published == "2026-05-02T08:15:00+01:00"
    by_url = {(t.url, t.block): t for t in page.teasers}
    festival = "https://weekly.example.org/culture/river-festival-returns"
    assert by_url[(festival, "More in Culture")].text.startswith("Boats decorated with lanterns")
    assert (festival, "Most read") in by_url  # same story, another block, another tracking suffix
    urls = {t.url for t in page.teasers}
    # Inline links in running text and navigation links are not teasers.
    assert "https://weekly.example.org/people/tobias-venn" not in urls
    assert "https://weekly.example.org/culture/marrow-glass-history" not in urls
    assert "https://weekly.example.org/culture/a-very-long-navigation-entry-about-local-culture" not in urls
    assert "Tobias Venn" in page.article.text
    assert "Boats decorated" not in page.article.text and "Most read" not in page.article.text


def test_strip_teasers_removes_cut_blurbs_and_labels_only():
    teasers = [
        Teaser(
            "https://x.org/a",
            "Headline of story A here",
            "First sentence of story A, long enough. Second one.",
            "Popular",
        ),
        Teaser("https://x.org/b", "Headline of story B here", "Blurb of story B with words.", "Popular"),
    ]
    paragraphs = [
        "The article's own first paragraph, which mentions Popular culture.",
        "Popular",
        "Headline of story A here",
        "First sentence of story A, long enough…",
        "- Headline of story B here Blurb of story B with words.",
        "The article's own last paragraph.",
    ]
    kept, removed = strip_teasers(paragraphs, teasers)
    assert kept == [paragraphs[0], paragraphs[-1]]
    assert removed == paragraphs[1:5]


def test_strip_teasers_keeps_a_subheading_that_the_block_after_the_story_was_given():
    # The list after the story was labelled with the nearest heading above it: the story's last
    # subheading. Story text follows it in the article, so there it is the story's, not the block's.
    teasers = [
        Teaser("https://x.org/a", "Headline of story A here", "", "Only the foil is left"),
        Teaser("https://x.org/b", "Headline of story B here", "", "Only the foil is left"),
    ]
    paragraphs = [
        "The article's own first paragraph about shredding batteries.",
        "Only the foil is left",
        "After shredding, a granulate of metals remains that the plant separates.",
    ]
    kept, removed = strip_teasers(paragraphs, teasers)
    assert kept == paragraphs and removed == []
    # Followed by the block's teasers, by a link's words, by furniture or by nothing, it is the block's.
    # (A link's words and furniture are not cut here: furniture goes later, a list of links stays.)
    for after, stays in (
        ("Headline of story A here", []),
        ("Archive of older stories", ["Archive of older stories"]),
        ("Share this article", ["Share this article"]),
        (None, []),
    ):
        followed = paragraphs[:2] + ([after] if after else [])
        kept, removed = strip_teasers(followed, teasers, {"archive of older stories"})
        assert kept == paragraphs[:1] + stays and removed[0] == "Only the foil is left", after


def test_min_words_option():
    url = f"{BASE}/articles/tervel-ice-core.html"
    page = extract_page(demo_page("/articles/tervel-ice-core.html"), url, options=ExtractOptions(min_words=5000))
    assert page.article is None and page.kind != "article"


def test_a_hindi_article_counts_its_words_as_they_are_written():
    # Read with re's \w, each vowel sign cut a word of Hindi in two or three: "भारत" counted "भ", "रत".
    assert count_words("भारत की नीति") == 3 and count_words("ภาษาไทย 中文") == 3
    page = extract_page(article_page("सरकार की नई नीति", hindi_story("counted")).encode(), f"{BASE}/hindi.html")
    assert page.kind == "article" and page.article.word_count == len(page.article.text.split()) > 150


def test_a_thai_text_counts_as_many_words_as_before_its_signs_were_read():
    # A sign of Thai ends the word it is written in, for the hashes: no more words, neither counted nor hashed.
    text = " ".join(thai_story("counted"))
    assert count_words(text) == len(re.findall(r"\w+", text))
    assert len(tokens(text)) == len(re.findall(r"\w+", unicodedata.normalize("NFKC", text)))


def test_find_teasers_on_a_listing_page():
    teasers = find_teasers(parse_html(demo_page("/index.html").decode()), f"{BASE}/")
    blocks = {t.block for t in teasers}
    assert {"Top stories", "Latest", "Editor's choice", "Popular"} <= blocks


def test_teasers_are_stored_composed_however_the_page_wrote_them():
    # "é" written as "e" and a combining accent (NFD), as some editors save it: stored as every other text, NFC.
    items = "".join(
        f'<li><h3><a href="/story-{n}.html">Le cafe\u0301 nume\u0301ro {n} rouvre ses portes</a></h3>'
        f"<p>Un re\u0301sume\u0301 de l'histoire {n}, du cafe\u0301 et du quartier.</p>"
        "<span>Socie\u0301te\u0301</span></li>"
        for n in range(3)
    )
    block = f"<section><h2>A\u0300 lire</h2><ul>{items}</ul></section>"
    html = f"<html><body><article><h1>Titre</h1><p>Texte.</p></article>{block}</body></html>"
    teasers = find_teasers(parse_html(html), f"{BASE}/page.html")
    assert len(teasers) == 3
    for n, teaser in enumerate(sorted(teasers, key=lambda t: t.url)):
        assert teaser.title == f"Le café numéro {n} rouvre ses portes"
        assert teaser.text == f"Un résumé de l'histoire {n}, du café et du quartier."
        assert teaser.block == "À lire" and teaser.labels == ("Société",)


def test_furniture_lines_in_several_languages():
    from crawler.extract.boilerplate import is_furniture

    furniture = [
        "Read more: Recognizing the colonial past is a work in progress",
        "Lesen Sie auch: Wer zahlt, wenn Eltern ihre Kinder zuhause betreuen?",
        "Lea también: Impiden ingreso a reportero y camarógrafo",
        "Czytaj też: Komu dać superbroń?",
        "À lire aussi » Quel est votre profil digestif ?",
        "Sign up for the Morning Brief newsletter",
        "Folgen Sie uns auf Twitter",
        "For the latest stories and breaking news updates download the Nationnews apps for iOS and Android.",
        "(Bild: Dieter Stork)",
        "Kategorie: News",
        "Aktualisiert am 19.02.2020",
        "- 5 Kommentare",
        "REKLAMA",
        "Ähnliche Themen",
        "In case you missed this earlier",
        "Written: 2023-11-07 15:03:30 / Updated: 2023-11-07 15:30:46",
        "Posted: Thursday, April 21, 2022. 10:11 pm CST.",
        "Posted on",
        "Erstellt am",
    ]
    story = [
        "Read the minutes of the meeting and you will see how close the vote was, one councillor said.",
        "The newsletter of the parish, printed since 1921, will stop appearing in paper form next year.",
        "Photographers were kept behind a fence while the minister walked along the pier.",
        "Categories of workers covered by the new rules include drivers, nurses and cleaners.",
        "Comments made by the chairman on Tuesday angered the unions.",
        "Ähnliche Themen beschäftigen den Stadtrat seit Jahren, sagte die Bürgermeisterin.",
        "In case you missed it, the council voted on Tuesday to close the harbour road.",
        "Written in 1921, the charter still governs how the harbour is run, the mayor said.",
        "Posted guards stood at every gate of the harbour on Tuesday night.",
    ]
    assert all(is_furniture(line) for line in furniture)
    assert not any(is_furniture(line) for line in story)


def test_the_furniture_patterns_are_written_in_lower_case():
    # is_furniture lowers the paragraph once instead of matching without regard to case: a cue written
    # with a capital letter would never match.
    import re

    from crawler.extract import boilerplate

    patterns = [value for value in vars(boilerplate).values() if isinstance(value, re.Pattern)]
    assert len(patterns) >= 6
    for pattern in patterns:
        letters = re.sub(r"\\[A-Za-z]", "", pattern.pattern)  # \W, \S, \d ... are no letters
        assert not any(character.isupper() for character in letters), pattern.pattern[:60]
    assert boilerplate.is_furniture("READ MORE: The council votes again") and boilerplate.is_furniture("© Reuters")


def test_a_notices_words_in_a_storys_sentence_are_no_notice():
    from crawler.extract.boilerplate import is_furniture

    notices = [
        "This website uses cookies to improve your experience.",
        "We, along with third-party vendors such as Google, use first-party cookies to measure visits.",
        "Please accept YouTube cookies to play this video.",
        "Necessary cookies are absolutely essential for the website to function properly.",
        "Wir verwenden Cookies, die unser Angebot nutzerfreundlicher machen.",
        "By entering your email address you agree to our Terms of Use and Privacy Policy.",
        "Our Standards: The Thomson Reuters Trust Principles.",
        "Explore our Editorial Policy to learn more about our standards for content creation.",
        "Advertising on our site helps support our mission.",
        "Like this article? Subscribe to our blog and have great financial insights delivered weekly.",
        "To view the full story, please subscribe to The Haitian Times.",
        "Related Topics",
        "Related reads:",
        "Written by Emily Walker",
        "Updated: Jan 31",
        "Published:",
        "Stand: 28.04.2020 18:00 Uhr",
    ]
    story = [
        "Google will phase out third-party cookies in Chrome next year, the company said on Tuesday.",
        "The bakery sells sandwiches, cookies, bagels and doughnuts, all packed in paper.",
        "Meta's new privacy policy, which takes effect on June 26, lets the company train its models on posts.",
        "I also subscribe to many newsletters about the harbour, and none of them saw this coming.",
        '"We must support our farmers through this winter," the minister said on Tuesday.',
        "Since we repaid the loans, and relaxed our standards a little, we have saved less each month.",
        "Related to the above: the council also voted to close the harbour road on Sundays.",
        # Headings that begin with a stamp's label: "stand", "written", "posted", "published".
        "Standout features",
        "Written communication",
        "Posted in News Release",
        "publishedAt: DateTime",
        # A compiler's message: "5:30" is no time of day.
        "--> src/main.rs:5:30",
    ]
    assert all(is_furniture(line) for line in notices)
    assert not any(is_furniture(line) for line in story)


def self_teaser_page(own_teasers: int) -> str:
    lead = (
        "Frankfurt (dpa) - The novelist won the book prize on Monday evening for a story about a teenager in the "
        "summer of 1969, told in dozens of episodes and fragments, and the jury praised its humour and its anger."
    )
    own = "".join(
        f'<div class="box"><h3><a href="/story-{n}.html?print=1">Read the whole report here now</a></h3>'
        f"<p>{lead}</p></div>"
        for n in range(own_teasers)
    )
    others = "".join(
        f'<li><h3><a href="/other-{n}.html">Another headline about the region number {n}</a></h3>'
        f"<p>A blurb about story {n} and the region.</p></li>"
        for n in range(4)
    )
    return (
        "<html><head><title>Novelist wins the book prize for 1969 story</title></head><body>"
        f"<article><h1>Novelist wins the book prize for 1969 story</h1><p>{lead}</p>"
        f"<section><h2>Novelist wins the book prize for 1969 story</h2>{own}</section></article>"
        f"<aside><h2>More news</h2><ul>{others}</ul></aside></body></html>"
    )


def test_a_lone_teaser_under_the_pages_own_headline_is_the_story_itself():
    page = extract_page(self_teaser_page(1), "https://news.example/novelist.html")
    assert page.kind == "article" and "told in dozens of episodes" in page.article.text
    # Several teasers under the page's heading: a listing of other stories, whatever their blurbs.
    assert extract_page(self_teaser_page(3), "https://news.example/novelist.html").kind == "listing"


def similar_articles_page(self_link: str) -> str:
    """A story whose "similar articles" list links to the story itself at ``self_link``, its teaser's
    headline written with the date and author before it, its blurb the story's lead."""
    headline = "Tenants across the country stop paying their rent"
    lead = (
        "Activists in the United States are calling for a rent freeze in the crisis and warn landlords that "
        "millions of tenants simply have no money left to pay the rent at the start of the month."
    )
    body = "".join(
        f"<p>Paragraph {n} of the report on the rent strike, with the voices of the tenants and organisers "
        "who met in the union's office on Tuesday evening to plan the next steps.</p>"
        for n in range(4)
    )
    similar = [(self_link, f"30.04.2020 / Ann Writer »{headline}«", lead)] + [
        (
            f"/artikel/11{n}.other-story-{n}.html",
            f"0{n}.05.2020 / Ben Other »Another story about housing {n}«",
            f"A blurb of another story about housing number {n}, in the city and the suburbs.",
        )
        for n in range(3)
    ]
    items = "".join(f'<li><a href="{href}"><h3>{title}</h3><p>{blurb}</p></a></li>' for href, title, blurb in similar)
    return (
        f"<html><head><title>{headline}</title></head><body>"
        f"<article><h1>{headline}</h1><p>{lead}</p>{body}</article>"
        f"<section><h2>Similar articles</h2><ul>{items}</ul></section></body></html>"
    )


def test_a_similar_article_linking_to_another_url_of_the_story_itself_keeps_its_lead():
    url = "https://news.example/artikel/1136087.rent-strike-no-money-left.html"
    same_site = "/artikel/1136087.no-money-left.html?pk_campaign=similar-articles"
    page = extract_page(similar_articles_page(same_site), url)
    assert page.kind == "article"
    assert "millions of tenants simply have no money left" in page.article.text
    assert "Another story about housing" not in page.article.text
    # On another site the same headline is a copy of the story (a pingback, a re-publication): its
    # teaser's lines are cut like any other's.
    elsewhere = extract_page(similar_articles_page("https://blog.example/2020/04/30/rent-strike.html"), url)
    assert "millions of tenants simply have no money left" not in elsewhere.article.text


def test_a_teasers_headline_leaves_out_what_a_template_or_a_script_inside_it_holds():
    teasers = "".join(
        f'<li><h3><a href="/other-{n}.html">Harbour tunnel vote number {n} passes'
        "<template><span>Loading the live ticker</span></template><script>track('teaser')</script></a></h3>"
        f"<p>A blurb about the vote number {n} in the council.</p></li>"
        for n in range(4)
    )
    page = f"<html><body><article><h1>A story</h1><p>Its text.</p></article><aside><ul>{teasers}</ul></aside>"
    found = find_teasers(parse_html(page), f"{BASE}/story.html")
    assert [t.title for t in found] == [f"Harbour tunnel vote number {n} passes" for n in range(4)]


def test_an_archive_of_thousands_of_links_in_one_container_is_read_in_linear_work(monkeypatch):
    # Each link asks whether it is all of its parent's line: the parent's line, built again for each of
    # its links, made 4000 links 16 s of a core (the workers stop a page at 20 s: a timeout, not a page).
    links = 3000
    html = "<html><body><div>" + "".join(
        f'<a href="/2019/{n}.html">Story number {n} of the year in review</a> · ' for n in range(links)
    )
    html += "</div><article>" + "<p>" + "A sentence of the archive's own introduction. " * 20 + "</p></article>"
    html += "</body></html>"
    reads = 0
    read_text = teasers_module._TeaserFinder.text

    def counted(finder, element):
        nonlocal reads
        reads += 1
        return read_text(finder, element)

    monkeypatch.setattr(teasers_module._TeaserFinder, "text", counted)
    extraction = extract_page(html.encode(), "https://news.example/archive/2019.html")
    assert extraction.kind in ("article", "listing", "skipped")
    assert reads < 5 * links  # quadratic: some 9 million


def test_every_line_of_a_listing_of_thousands_of_teasers_is_cut():
    # strip_teasers looks for each line in one string of the blurbs, and for the blurbs it holds by length.
    items = 3000
    paragraphs = ["A story of our own, told in whole sentences for the reader to follow along."]
    teasers = []
    for n in range(items):
        title, blurb = f"Headline of story {n} goes here", f"Blurb text for story {n} with some more words"
        paragraphs += [title, blurb]
        teasers.append(Teaser(f"https://news.example/s{n}.html", title, blurb, "Latest", ()))
    kept, removed = strip_teasers(paragraphs, teasers)
    assert kept == paragraphs[:1] and len(removed) == 2 * items


def story_with_links(body: str) -> str:
    """A story whose body is ``body``, beside a "Most read" block of six teasers (a listing's number)."""
    others = "".join(
        f'<li><h3><a href="/most-read-{n}.html">A most read story about the harbour number {n}</a></h3>'
        f"<p>A blurb about most read story {n}, the harbour and its ferries.</p></li>"
        for n in range(6)
    )
    return (
        "<html><head><title>Ten things in the harbour today</title></head><body><div class='page'>"
        f"<article><h1>Ten things in the harbour today</h1>{body}</article>"
        f"<aside><h2>Most read</h2><ul>{others}</ul></aside></div></body></html>"
    )


def test_a_roundups_linked_sentences_are_its_text_not_teasers():
    # A morning briefing: each item's first sentence links to the full story, and its prose goes on after
    # the full stop. A teaser's headline ends without one.
    items = "".join(
        f'<li><strong><a href="/story-{n}.html">The harbour council approved plan number {n} on Monday</a>.</strong>'
        f" The ferry operators said item {n} would change their timetables from next spring onwards.</li>"
        for n in range(6)
    )
    body = f"<p>Good morning! This is the harbour news you need to know this Tuesday.</p><ol>{items}</ol>"
    page = extract_page(story_with_links(body), "https://news.example/ten-things.html")
    assert page.kind == "article"
    for n in range(6):
        assert f"approved plan number {n} on Monday" in page.article.text
        assert f"item {n} would change their timetables" in page.article.text
    assert {t.url for t in page.teasers} == {f"https://news.example/most-read-{n}.html" for n in range(6)}
    assert "A blurb about most read story" not in page.article.text


INTRO = (
    "<p>Every week readers ask which newsletters about the harbour are worth their time, so we asked our reporters"
    " for the ones they read themselves.</p><p>Here are the five they named, with what each of them covers and who"
    " writes it.</p>"
)


def roundup_item(n: int, href: str, blurb_words: int) -> str:
    """A headline link to ``href`` and a blurb of ``blurb_words`` words under it."""
    filler = "It also reports on the ferries and the docks and the people who work there every day of the week".split()
    blurb = f"Number {n} follows the council's plans for the quay in detail {n}. " + " ".join(
        (filler * 5)[: blurb_words - 12]
    )
    headline = f'<h3><a href="{href}">Harbour newsletter number {n} by a reporter</a></h3>'
    return f'<div class="entry">{headline}<p>{blurb}.</p></div>'


@pytest.mark.parametrize(
    "href, blurb_words",
    [
        ("https://newsletter-{n}.example/", 20),  # each on a site of its own: what the story recommends
        ("/newsletters/{n}.html", 65),  # on the site, a paragraph each
    ],
    ids=["other-sites", "long-blurbs"],
)
def test_a_roundups_items_with_their_blurbs_are_its_text_not_teasers(href, blurb_words):
    items = "".join(roundup_item(n, href.format(n=n), blurb_words) for n in range(5))
    page = extract_page(story_with_links(INTRO + items), "https://news.example/ten-things.html")
    assert page.kind == "article"
    assert not page.removed
    for n in range(5):
        assert f"the council's plans for the quay in detail {n}" in page.article.text
    # The block beside the story is still cut.
    assert "A blurb about most read story" not in page.article.text


@pytest.mark.parametrize(
    "href, blurb_words",
    [
        ("https://feed.example/story-{n}.html", 20),  # one other site's headlines: its feed in a sidebar
        ("/newsletters/{n}.html", 20),  # the site's own, a sentence or two each
    ],
    ids=["one-other-site", "short-blurbs"],
)
def test_headlines_with_short_blurbs_or_from_one_other_site_are_still_cut(href, blurb_words):
    items = "".join(roundup_item(n, href.format(n=n), blurb_words) for n in range(5))
    page = extract_page(story_with_links(INTRO + items), "https://news.example/ten-things.html")
    assert page.kind == "article"
    assert "the ones they read themselves" in page.article.text
    for n in range(5):
        assert f"the council's plans for the quay in detail {n}" not in page.article.text


def flat_item(n: int, href: str, heading: bool = True, ending: str = "") -> str:
    """A flat listicle's item: a linked line to ``href`` (a heading, or a line of its own) and the story's paragraph
    on it, siblings of the other items' (no element holds one item)."""
    link = f'<a href="{href}">Harbour newsletter number {n} by a reporter{ending}</a>'
    line = f"<h3>{link}</h3>" if heading else f"<p>{link}</p>"
    return f"{line}<p>Number {n} follows the council's plans for the quay in detail, and the ferries and the docks.</p>"


@pytest.mark.parametrize("sites", [1, 5], ids=["one-other-site", "other-sites"])
def test_a_flat_listicles_linked_headings_stay_with_their_paragraphs(sites):
    items = "".join(flat_item(n, f"https://newsletter-{n % sites}.example/{n}") for n in range(5))
    page = extract_page(story_with_links(INTRO + items), "https://news.example/ten-things.html")
    assert page.kind == "article"
    for n in range(5):
        assert f"Harbour newsletter number {n} by a reporter" in page.article.text
        assert f"Number {n} follows the council's plans" in page.article.text
    assert "A most read story about the harbour" not in page.article.text  # the block beside the story goes


@pytest.mark.parametrize(
    "items",
    [
        "".join(flat_item(n, f"https://shop-{n}.example/offer", heading=False) for n in range(5)),  # calls to action
        "".join(flat_item(n, f"/newsletters/{n}.html") for n in range(5)),  # the site's own stories
        "".join(flat_item(n, f"https://feed-{n}.example/{n}", ending=" and more…") for n in range(5)),  # cut short
    ],
    ids=["lines-not-headings", "on-the-site", "cut-short"],
)
def test_linked_lines_between_a_storys_paragraphs_are_still_cut_unless_headings_off_the_site(items):
    page = extract_page(story_with_links(INTRO + items), "https://news.example/ten-things.html")
    assert page.kind == "article"
    for n in range(5):
        assert f"Number {n} follows the council's plans" in page.article.text
        assert f"Harbour newsletter number {n} by a reporter" not in page.article.text


def test_a_page_of_nothing_but_items_with_long_blurbs_is_a_listing():
    # A section front whose blurbs run to a paragraph: no story of its own around them.
    items = "".join(roundup_item(n, f"/newsletters/{n}.html", 65) for n in range(5))
    page = extract_page(f"<html><body><h1>Newsletters</h1><section>{items}</section></body></html>", BASE + "/")
    assert page.kind == "listing"
    assert len(page.teasers) == 5


def test_a_link_wrapped_alone_in_running_text_is_no_headline():
    # "<span><a>...</a></span>." inside a sentence: the span is the link, and the line is the paragraph's.
    body = "".join(
        f"<p>The mayor spoke about the ferries for a long time, and I know some residents "
        f'<span><a href="https://blog{n}.example/post.html">are passionate about route {n}</a></span>.</p>'
        for n in range(4)
    )
    page = extract_page(story_with_links(body), "https://news.example/ten-things.html")
    assert page.kind == "article"
    for n in range(4):
        assert f"are passionate about route {n}" in page.article.text
    assert {t.url for t in page.teasers} == {f"https://news.example/most-read-{n}.html" for n in range(6)}


SWIM_PROSE = "".join(
    f"<p>Swimmer number {n} from the harbour school won the race at the state championship on Saturday.</p>"
    for n in range(4)
)
DESK = "<h4>From the sports desk</h4>"  # the heading nearest above the link: not the story's own


@pytest.mark.parametrize(
    "body",
    [
        (
            f'{DESK}<div itemprop="articleBody"><p><a href="https://results.example/swim">Click for the full state'
            f" swim results</a></p>{SWIM_PROSE}</div>"
        ),
        (
            f"{DESK}<div class='text'>{SWIM_PROSE}<p><strong>SEE MORE</strong>: <a href='/other.html'>Ferry strike"
            " called off after late night talks between the unions and the council</a></p></div>"
        ),
    ],
    ids=["link-first", "link-last"],
)
def test_a_link_among_a_short_storys_paragraphs_takes_none_of_them_as_a_blurb(body):
    # The story's body is short (under a teaser's length), and a link opens or closes it: its own line at
    # most is a teaser's, not the paragraphs beside it.
    page = extract_page(story_with_links(body), "https://news.example/swim.html")
    assert page.kind == "article"
    for n in range(4):
        assert f"Swimmer number {n} from the harbour school" in page.article.text


def test_a_listings_item_under_a_heading_keeps_a_blurb_of_two_paragraphs():
    items = "".join(
        f'<div class="item"><h3><a href="/story-{n}.html">The harbour council approves ferry plan number {n}</a></h3>'
        f"<p>The vote on plan number {n} came after a long debate in the council chamber on Monday.</p>"
        f"<p>Ferry operators said plan number {n} would change their timetables from next spring.</p></div>"
        for n in range(5)
    )
    page = extract_page(f"<html><body><h1>Harbour news</h1><section>{items}</section></body></html>", BASE + "/")
    by_url = {t.url: t for t in page.teasers}
    assert "came after a long debate" in by_url[f"{BASE}/story-2.html"].text
    assert "would change their timetables" in by_url[f"{BASE}/story-2.html"].text
    assert page.kind == "listing"
