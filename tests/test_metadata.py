"""Metadata read from the page's tree: structured data first, bylines and htmldate only when it says nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from htmldate.extractors import external_date_parser
from lxml import etree
from trafilatura.metadata import extract_author

from crawler.demo.server import DEMO_SITE
from crawler.extract.bylines import byline_author
from crawler.extract.dateparsing import dates_read_in
from crawler.extract.dates import published_date
from crawler.extract.elements import PageElements
from crawler.extract.metadata import read_metadata
from crawler.extract.parsing import parse_html
from tests.support.pages import page, tree_of
from tests.support.sites import FIXTURES

URL = "https://news.example.org/world/tunnel.html"


BYLINE_PAGES = [
    page(body='<div class="byline">By Ann Example</div>'),
    # trafilatura deletes comment sections and dates before it looks: the comment's author is skipped.
    page(body='<div id="comments"><span class="author">Commenter Name</span></div><p class="author">Jo Writer</p>'),
    page(body='<span class="author-name">Kim <time>Today</time>Reporter</span>'),
    page(body='<a rel="author" href="/me">Sam Columnist</a><div class="writer">Not This One</div>'),
    page(body='<span class="credit"><rel>me</rel> Pat Writer</span><p class="author">Not Pat</p>'),
    page(body="<p>No byline here at all.</p>"),
]


@pytest.mark.parametrize("html", BYLINE_PAGES)
def test_byline_author_is_trafilaturas(html):
    tree = tree_of(html)
    assert byline_author(tree) == extract_author(tree_of(html))


def test_a_byline_leaves_out_what_is_drawn_or_never_shown_where_trafilatura_reads_it():
    # A style sheet named for the co-authors plugin is no byline; an avatar's initials are no part of the name.
    style = '<style id="co-authors-plus-coauthors-style-inline-css">.wp-block-co-authors-plus-coauthors{}</style>'
    assert extract_author(tree_of(page(style, "<p>Text.</p>"))) == "Wp-Block-Co-Authors-Plus-Coauthors"
    assert byline_author(tree_of(page(style, "<p>Text.</p>"))) is None
    avatar = (
        '<div class="author_box"><svg viewBox="0 0 40 40"><text x="20" y="20">CM</text></svg>'
        '<h3><a href="/authors/craig">Craig McCarthy</a></h3></div>'
    )
    assert extract_author(tree_of(page(body=avatar))) == "CM Craig McCarthy"
    assert byline_author(tree_of(page(body=avatar))) == "Craig McCarthy"


def test_byline_author_is_trafilaturas_on_the_sample_pages():
    paths = [*sorted((DEMO_SITE / "herald" / "articles").glob("*.html")), FIXTURES / "magazine_article.html"]
    for path in paths:
        html = path.read_text(encoding="utf-8")
        assert byline_author(tree_of(html)) == extract_author(tree_of(html)), path.name


# Pages that try every corner the one-walk element finder must get right: a <meta> without content, in
# the body or outside <head>, an SVG's <title>, microdata with both attributes in either order, an empty
# JSON-LD script, a link whose rel names more than canonical.
ELEMENT_PAGES = [
    page(
        '<title>Head title</title><meta property="og:title" content="OG"><meta property="og:title">'
        '<meta name="twitter:title" content="TW"><meta property="og:site_name" name="application-name" content="S">'
        '<meta name="application-name" content="App"><link rel="canonical" href="/one.html">'
        '<link rel="canonical alternate" href="/two.html"><meta property="og:url" content="/three.html">'
        '<meta http-equiv="Content-Language" content="de"><meta property="og:locale" content="de_DE">'
        '<meta property="article:section" content="Harbour"><meta name="dc.subject" content="Tunnels">'
        '<script type="application/ld+json"></script><script type="application/ld+json">{"datePublished": "x"}</script>'
        '<meta name="date" content="2024-03-01"><meta name="article:published_time" content="2024-03-02">',
        '<svg><title>Icon</title></svg><h1>One</h1><h1><a href="/">Two</a></h1><meta property="og:title" '
        'content="Body OG"><meta property="article:section" content="Not in head">'
        '<span itemprop="datePublished" datetime="2024-01-02" content="2024-01-03"></span>'
        '<meta itemprop="datePublished" content="2024-01-04" datetime="2024-01-05"><time>no datetime</time>'
        '<time datetime="2024-02-01">x</time><time datetime="2024-02-02">y</time>'
        '<meta property="og:updated_time" content="2024-04-01"><i itemprop="dateModified" datetime="2024-04-02"></i>',
    ),
    page('<meta name="DC.date.modified" content="2024-05-01">', '<b itemprop="dateModified" content="2024-05-02"></b>'),
    page(body="<svg><title>Only an icon</title></svg><p>Nothing stated at all.</p>"),
]
# What each question of PageElements answered as an XPath before (the same in document order).
ELEMENT_XPATHS = {
    "title": ("//head//title", lambda e: [e.head_title()] if e.head_title() is not None else []),
    "og_title": ('//meta[@property="og:title"]/@content', lambda e: e.meta_content(properties=("og:title",))),
    "site_name": (
        '//meta[@property="og:site_name"]/@content | //meta[@name="application-name"]/@content',
        lambda e: e.meta_content(properties=("og:site_name",), names=("application-name",)),
    ),
    "h1": ("//h1", lambda e: e.h1s),
    "canonical": ('//link[@rel="canonical"]/@href', lambda e: e.link_hrefs("canonical")),
    "language": (
        '//meta[@http-equiv="content-language" or @http-equiv="Content-Language"]/@content',
        lambda e: e.meta_content(http_equivs=("content-language", "Content-Language")),
    ),
    "section": (
        '//head//meta[@property="article:section" or contains(@name, "subject")]/@content',
        lambda e: e.metas_where(
            lambda m: m.get("property") == "article:section" or "subject" in (m.get("name") or ""), in_head=True
        ),
    ),
    "json_ld": ('//script[@type="application/ld+json"]/text()', lambda e: e.json_ld),
    "itemprop": (
        '//*[@itemprop="datePublished"]/@content | //*[@itemprop="datePublished"]/@datetime',
        lambda e: e.itemprop_values("datePublished"),
    ),
    "time": ("(//time[@datetime])[1]/@datetime", lambda e: e.first_time()),
}


@pytest.mark.parametrize("html", ELEMENT_PAGES)
@pytest.mark.parametrize("question", sorted(ELEMENT_XPATHS))
def test_page_elements_answer_as_the_xpaths_did(html, question):
    xpath, ask = ELEMENT_XPATHS[question]
    tree = tree_of(html)
    assert ask(PageElements(tree)) == etree.XPath(xpath)(tree)


def test_page_elements_corner_cases_are_the_ones_meant():
    elements = PageElements(tree_of(ELEMENT_PAGES[0]))
    assert elements.head_title() is not None and elements.head_title().text == "Head title"
    assert elements.meta_content(properties=("og:title",)) == ["OG", "Body OG"]
    assert elements.itemprop_values("datePublished") == ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]
    assert elements.json_ld == ['{"datePublished": "x"}']
    assert elements.first_time() == ["2024-02-01"]
    assert PageElements(tree_of(ELEMENT_PAGES[2])).head_title() is None


def test_modified_date_takes_the_first_stated_in_the_document():
    """Stated in <meta> and in microdata: the one written first wins, as before."""
    assert read_metadata(tree_of(ELEMENT_PAGES[0]), URL).modified == "2024-04-01"
    assert read_metadata(tree_of(ELEMENT_PAGES[1]), URL).modified == "2024-05-01"
    swapped = page(
        body='<b itemprop="dateModified" content="2024-05-02"></b><meta name="DC.date.modified" content="2024-05-01">'
    )
    assert read_metadata(tree_of(swapped), URL).modified == "2024-05-02"


def test_title_author_and_description_are_stored_composed_as_the_text_is():
    # "\u09dc" (Bengali RRA, one character as some pages write it) is "\u09a1\u09bc" composed; "e\u0301" is "é".
    head = (
        "<title>এমপির বা\u09dcির সামনে হত্যা</title>"
        '<meta name="author" content="Rene\u0301e Dupont"><meta name="description" content="Cafe\u0301 news">'
    )
    metadata = read_metadata(tree_of(page(head)), URL)
    assert metadata.title == "এমপির বা\u09a1\u09bcির সামনে হত্যা"
    assert (metadata.author, metadata.description) == ("Renée Dupont", "Café news")


LD_DATE = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "%s"}</script>'
OG_DATE = '<meta property="article:published_time" content="%s">'


@pytest.mark.parametrize(
    "url, head, body, expected",
    [
        # A date in the URL is the publication day.
        ("https://x.example/2024/03/05/story.html", OG_DATE % "2024-03-07", "", "2024-03-05"),
        (URL, OG_DATE % "2024-03-07T10:15:00+01:00", "", "2024-03-07T10:15:00+01:00"),
        (URL, LD_DATE % "Tue, 05 Mar 2024 09:00:00 GMT", "", "2024-03-05"),
        # A time in UTC that the page also gives in its own time zone: the publisher's day and time.
        (
            URL,
            OG_DATE % "2019-10-18T22:04:00Z" + LD_DATE % "Sat, 19 Oct 2019 00:04:00 +0200",
            "",
            "2019-10-19T00:04:00+02:00",
        ),
        (
            URL,
            OG_DATE % "2019-10-18T22:04:00Z" + LD_DATE % "Sat, 19 Oct 2019 09:00:00 +0200",
            "",
            "2019-10-18T22:04:00Z",
        ),
        (URL, "", '<time datetime="2024-02-29">Feb 29</time>', "2024-02-29"),
        # Fractions of a second, as JavaScript writes a time (htmldate reads none): the stated day, not a later
        # date the page shows (a teaser's time).
        (
            URL,
            OG_DATE % "2025-02-06T19:25:34.000Z",
            '<time datetime="2025-04-16T13:41:52+02:00">16 April</time>',
            "2025-02-06T19:25:34.000Z",
        ),
        # The page's own date before one nested in its object (the claim a fact check reviews, said earlier).
        (
            URL,
            (
                '<script type="application/ld+json">{"@graph": [{"@type": "ClaimReview", "itemReviewed": {"@type":'
                ' "Claim", "datePublished": "2026-05-07"}, "datePublished": "2026-05-13"}]}</script>'
            ),
            "",
            "2026-05-13",
        ),
        # Nothing structured: htmldate reads the page.
        (URL, "", "<p>Published on 12 January 2023 by the desk.</p>", "2023-01-12"),
        (URL, "", "", None),
        # A year alone (a copyright line) is no day of publication.
        (URL, "", "<p>A story without a date.</p><footer>© 2021 The Harbour Herald</footer>", None),
    ],
)
def test_published_date(url, head, body, expected):
    assert published_date(tree_of(page(head, body)), url) == expected


@pytest.mark.parametrize(
    "head, body, listed, expected",
    [
        # The page states nothing: the listing's date, not what htmldate would guess from the page.
        ("", "<p>Updated 12 January 2023; © 2019.</p>", "2024-03-05T08:00:00-05:00", "2024-03-05T08:00:00-05:00"),
        ("", "", "2024-03-05", "2024-03-05"),
        # The page's own statement first.
        (OG_DATE % "2024-03-07", "", "2024-03-05", "2024-03-07"),
        # A listing's date that is no plausible publication (after today, before 1995): htmldate reads the page.
        ("", "<p>Published on 12 January 2023 by the desk.</p>", "2999-01-01", "2023-01-12"),
        ("", "<p>Published on 12 January 2023 by the desk.</p>", "1970-01-01T00:00:00+00:00", "2023-01-12"),
    ],
)
def test_a_listings_publication_date_stands_in_for_a_page_that_states_none(head, body, listed, expected):
    assert published_date(tree_of(page(head, body)), URL, listed=listed) == expected


def test_dates_in_words_are_read_in_the_pages_languages():
    # htmldate's own patterns do not read this string: it is one htmldate hands to dateparser.
    spanish = "Viernes, 22 de Abril de 2022"
    with dates_read_in(("es",)):
        assert external_date_parser(spanish, "%Y-%m-%d") == "2022-04-22"
    with dates_read_in(("de", None)):  # German and English read no Spanish
        assert external_date_parser(spanish, "%Y-%m-%d") is None


def test_extraction_loads_only_the_pages_date_locales():
    """htmldate's own dateparser would compile the patterns of every locale it tries (about a second
    of CPU in each worker); extraction loads the page's language and English only."""
    script = textwrap.dedent(
        """
        from dateparser.languages.loader import LocaleDataLoader
        from crawler.extract.article import extract_page
        story = "Это было на улице, и он не знал, что с ним делать, но она так и не пришла к нему. " * 12
        html = f"<html><body><h1>Новости</h1><p>Германия 15 августа 2016, 13:43</p><p>{story}</p></body></html>"
        page = extract_page(html.encode(), "https://news.example.org/world/story.html")
        print(page.article.language, " ".join(sorted(LocaleDataLoader._loaded_locales)))
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    language, locales = run.stdout.split(maxsplit=1)
    assert language == "ru"  # no lang attribute: guessed from the text, and the date read in it
    assert locales.split() == ["en", "ru"]


def test_metadata_of_an_article_page():
    html = (DEMO_SITE / "herald" / "articles" / "harbour-tunnel-vote.html").read_text(encoding="utf-8")
    metadata = read_metadata(tree_of(html), "http://127.0.0.1:8371/articles/harbour-tunnel-vote.html")
    assert metadata.title == "Northbridge council backs harbour tunnel plan after marathon vote"
    assert metadata.author == "Daniel Okoro-Wynn"
    assert metadata.published.startswith("2026-03-24T18:45")
    assert metadata.sitename == "The Northbridge Herald"
    assert metadata.language == "en"


def test_output_before_the_doctype_leaves_the_head_a_head():
    # PHP's warnings printed before the page: read as a fragment, the page's <head> would land in one
    # <div> with them, and no <title> or <meta> would be the head's.
    warnings = "<br />\n<b>Warning</b>:  mysql_get_server_info(): Access denied in <b>/www/db.php</b><br />\n"
    head = '<title>Council backs tunnel | Harbour Notes</title><meta name="author" content="Ann Example">'
    body = "<div class='post'><h2>Council backs tunnel</h2><p>Words.</p></div><h2>Archiv</h2>"
    tree = parse_html(warnings * 3 + page(head, body))
    assert tree is not None and tree.tag == "html"
    assert [element.tag for element in tree] == ["head", "body"]
    metadata = read_metadata(tree, URL)
    assert metadata.title == "Council backs tunnel"
    assert metadata.author == "Ann Example"
    # A fragment with no document after it stays what it was.
    fragment = parse_html(warnings + "<p>Only this.</p><p>And this.</p>")
    assert fragment is not None and fragment.tag != "html"
    # Nor is "<html" quoted in a fragment's script where a document begins: the fragment stays whole.
    quoted = parse_html(warnings + '<p>Only this.</p><script>var s = "<html lang=en>";</script><p>And this.</p>')
    assert quoted is not None and "Warning" in quoted.text_content() and "And this." in quoted.text_content()


def test_without_an_h1_the_h2_the_title_repeats_and_not_the_one_linking_home():
    # An older blog theme: the blog's name an <h2> linking home, the post's title an <h2>.
    body = '<h2><a href="/">Harbour Notes</a></h2><div class="post"><h2>Council backs tunnel</h2></div>'
    for title in ("Council backs tunnel | Harbour Notes", "Harbour Notes » Blog Archive » Council backs tunnel"):
        assert read_metadata(tree_of(page(f"<title>{title}</title>", body)), URL).title == "Council backs tunnel"


def test_the_section_the_page_states_is_no_part_of_its_title():
    head = "<title>Council backs tunnel - Harbour | Northbridge Post</title>"
    head += (
        '<meta property="article:section" content="Harbour"><meta property="og:site_name" content="Northbridge Post">'
    )
    body = "<div class='post'><p>Words.</p></div>"
    assert read_metadata(tree_of(page(head, body)), URL).title == "Council backs tunnel"
    unstated = head.replace('content="Harbour"', 'content="Politics"')
    assert read_metadata(tree_of(page(unstated, body)), URL).title == "Council backs tunnel - Harbour"


def test_a_headings_permalink_drawn_as_a_sign_is_no_part_of_the_headline():
    # Sphinx and MkDocs end each heading with a link to itself; other sites draw it as "#" or "§".
    for sign in ("¶", "#", "§"):
        body = f'<h1>Logging HOWTO<a class="headerlink" href="#logging-howto" title="Link">{sign}</a></h1><p>Words.</p>'
        assert read_metadata(tree_of(page("<title>Logging HOWTO - Docs</title>", body)), URL).title == "Logging HOWTO"
    # A link inside a headline that has words stays, and so does a sign that links elsewhere.
    body = '<h1>Release <a href="#notes">notes</a> for 2.0</h1><p>Words.</p>'
    assert read_metadata(tree_of(page("<title>Docs</title>", body)), URL).title == "Release notes for 2.0"
    body = '<h1>Story of the day <a href="/about">§</a></h1><p>Words.</p>'
    assert read_metadata(tree_of(page("<title>Docs</title>", body)), URL).title == "Story of the day §"


def test_an_empty_h1_is_no_headline_and_the_h2s_are_read():
    body = '<h1><img src="/logo.png" alt=""></h1><h2>Details</h2><h2>Villa Galaxy</h2><p>Words.</p>'
    title = "<title>Villa Galaxy - Ferienvilla in Florida</title>"
    assert read_metadata(tree_of(page(title, body)), URL).title == "Villa Galaxy"


def test_a_home_link_heading_names_the_site_its_titles_end_with():
    # The blog's logo is an <h1> linking home; its <title>s are "Story | Blog name", with no other markup
    # naming the site.
    body = '<header><h1><a href="/">Liebe geht durch den Magen</a></h1></header><article><p>Words.</p></article>'
    title = "<title>Rinderleber mit Apfel und Zwiebel | Liebe geht durch den Magen</title>"
    assert read_metadata(tree_of(page(title, body)), URL).title == "Rinderleber mit Apfel und Zwiebel"
    # The same words in an <h1> that does not link home: the page's headline, the title kept whole.
    body = "<h1>Liebe geht durch den Magen</h1><article><p>Words.</p></article>"
    title = "<title>Rezepte | Liebe geht durch den Magen</title>"
    assert read_metadata(tree_of(page(title, body)), URL).title == "Liebe geht durch den Magen"


def test_a_heading_linking_to_no_address_is_a_heading():
    # "http://[::1" (an unclosed bracket) cannot be read as an address: the heading links nowhere, and
    # reading the page goes on.
    body = '<h1><a href="http://[::1/">Council backs the harbour tunnel</a></h1><article><p>Words.</p></article>'
    title = "<title>Council backs the harbour tunnel | Herald</title>"
    assert read_metadata(tree_of(page(title, body)), URL).title == "Council backs the harbour tunnel"


def test_the_colon_a_heading_gives_screen_readers_between_an_unmarked_kicker_and_the_headline_is_kept():
    body = (
        '<h1><span data-ob="kicker">Eskalation im Nordatlantik</span><span class="visually-hidden">:</span> '
        "<span>Die Ozeane überhitzen</span></h1>"
    )
    assert h1_title(body) == "Eskalation im Nordatlantik: Die Ozeane überhitzen"
    # Words for screen readers alone are still no part of the headline.
    body = '<h1><span class="sr-only">Exclusive report:</span> Die Ozeane überhitzen</h1>'
    assert h1_title(body) == "Die Ozeane überhitzen"


def test_title_without_the_kicker_or_a_home_link_heading():
    body = (
        '<header><h1><a href="/">The Example Blog</a></h1></header>'
        '<h1><span class="article-heading__kicker">Climate</span><span class="visually-hidden">: </span>'
        "<span>Drilling until it gets hot</span></h1>"
    )
    metadata = read_metadata(tree_of(page("<title>Climate: Drilling until it gets hot</title>", body)), URL)
    assert metadata.title == "Drilling until it gets hot"
    # The colon between the two, visible: it goes with the kicker.
    body = (
        '<h1><span class="ts-overline">Climate </span><span class="ts-colon">: </span>'
        '<span class="ts-headline">Drilling until it gets hot</span></h1>'
    )
    metadata = read_metadata(
        tree_of(page('<meta property="og:title" content="Drilling until it gets hot">', body)), URL
    )
    assert metadata.title == "Drilling until it gets hot"


def h1_title(body: str) -> str | None:
    """The title read from a page with no title in its head: its <h1>'s."""
    return read_metadata(tree_of(page("", body)), URL).title


def test_a_kicker_marked_as_a_subheadline_or_small_text_is_cut_from_the_h1():
    for kicker in (
        '<span class="article__subheadline">Open Progress</span><br>',
        '<span class="h1small">Open Progress</span>',
    ):
        body = f'<h1>{kicker}<span class="article__headline">Why collaborative thinking wins</span></h1>'
        metadata = read_metadata(
            tree_of(page("<title>Open Progress - Why collaborative thinking wins</title>", body)), URL
        )
        assert metadata.title == "Why collaborative thinking wins", kicker
    # Small text after the headline is no kicker: the headline stays whole.
    body = '<h1>Why collaborative thinking wins <small class="h1small">(updated)</small></h1>'
    assert h1_title(body) == "Why collaborative thinking wins (updated)"


def test_the_part_of_an_h1_marked_as_the_headline_after_an_unmarked_kicker():
    body = (
        '<h1><span class="text-green">Energy price brake</span><span class="invisible">: </span>'
        '<span class="headline">Government cuts bioenergy, the trade protests</span></h1>'
    )
    assert h1_title(body) == "Government cuts bioenergy, the trade protests"
    # Marked, but shorter than what comes before it: a label after the headline, not the headline.
    body = '<h1>Storm floods the coast road at Northbridge <span class="title-suffix">live</span></h1>'
    assert h1_title(body) == "Storm floods the coast road at Northbridge live"
    # A subheadline or subtitle after the headline is its deck, not the headline nor part of it.
    for deck in ('<span class="subheadline">', '<small class="article-subtitle">'):
        body = f"<h1>Storm floods the coast {deck}Drivers wait for hours at the closed bridge</span></h1>"
        assert h1_title(body) == "Storm floods the coast", deck


def test_a_small_kicker_followed_by_the_headline_after_a_line_break():
    body = '<h1><span class="post-title"><small>Unit of the week</small><br>Pyramid of strokes</span></h1>'
    assert h1_title(body) == "Pyramid of strokes"


def test_an_h1_with_inline_markup_before_punctuation_gets_no_space_there():
    body = '<h1>Women in the <abbr title="Relief Agency">THW</abbr>: past, present and future</h1>'
    assert h1_title(body) == "Women in the THW: past, present and future"
    # Parts that touch without punctuation still get a space (a kicker on a line of its own).
    body = "<h1><span>Open Progress</span><span>Why collaborative thinking wins</span></h1>"
    assert h1_title(body) == "Open Progress Why collaborative thinking wins"


def test_a_letter_of_an_h1_set_apart_to_be_drawn_large_stays_in_its_word():
    body = '<h1>How to cut your planning <span class="hand hand-C">C</span>ycle to two days</h1>'
    assert h1_title(body) == "How to cut your planning Cycle to two days"
    body = '<h1><span class="drop-cap">T</span>he council votes for the tunnel</h1>'
    assert h1_title(body) == "The council votes for the tunnel"
    # A word set apart touching the next keeps its space, as a one-letter word before a capital does.
    body = "<h1><span>Plan</span>for the tunnel, <span>A</span>Tunnel for the city</h1>"
    assert h1_title(body) == "Plan for the tunnel, A Tunnel for the city"


def test_entities_an_h1_escaped_twice_are_read_as_its_title_and_meta_tags_read_them():
    # The page shows "SQL &#x26; AI" in its headline; <title> and og:title, escaped once, have "&".
    body = "<h1>Twelve data tools for 2026: Python, SQL &amp;#x26; AI</h1>"
    assert h1_title(body) == "Twelve data tools for 2026: Python, SQL & AI"


def test_a_person_whose_initials_spell_the_site_is_its_name_in_a_title_but_still_an_author():
    head = (
        "<title>Inaugural address | John Fitzgerald Kennedy</title>"
        '<meta name="author" content="John Fitzgerald Kennedy">'
    )
    metadata = read_metadata(tree_of(page(head, "<p>Ask not.</p>")), "https://jfk.example/speeches/1961.html")
    assert metadata.title == "Inaugural address"
    assert metadata.author == "John Fitzgerald Kennedy"


def test_a_meta_headline_cut_at_a_quotation_mark_its_site_did_not_escape():
    # content="Senator calls the plan "reckless"": the attribute ends at the second mark.
    head = (
        '<title>Senator calls the plan "reckless" | News Example</title>'
        '<meta property="og:title" content="Senator calls the plan "reckless"">'
        '<meta property="og:site_name" content="News Example">'
    )
    assert read_metadata(tree_of(page(head)), URL).title == 'Senator calls the plan "reckless"'
    # A <title> that goes on after the whole headline with a separator is not a cut one.
    head = '<title>Senator calls the plan reckless | News Example</title><meta property="og:title" content="Senator">'
    assert read_metadata(tree_of(page(head)), URL).title == "Senator"


def test_a_one_word_meta_author_is_a_site_name_not_a_person():
    head = '<meta name="author" content="newsdesk">'
    assert read_metadata(tree_of(page(head, '<p class="byline">Ann Example</p>')), URL).author == "Ann Example"


def test_image_tags_categories_and_modified_date():
    head = (
        '<meta property="og:image" content="/img/tunnel.jpg?w=800&amp;sig=abc">'
        '<meta property="article:tag" content="Harbour"><meta property="article:tag" content="Council, Budget">'
        '<meta name="keywords" content="harbour, tunnel">'
        '<meta property="article:modified_time" content="2024-03-08T07:30:00+00:00">'
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
        '"articleSection": ["Politics", "Local"]}'
        "</script>"
    )
    metadata = read_metadata(tree_of(page(head)), URL)
    assert metadata.image == "https://news.example.org/img/tunnel.jpg?w=800&sig=abc"  # made absolute, not rewritten
    assert metadata.tags == ("Harbour", "Council", "Budget", "harbour", "tunnel")
    assert metadata.categories == ("Politics", "Local")
    assert metadata.modified == "2024-03-08T07:30:00+00:00"


def test_categories_from_the_section_meta_tag_and_modified_from_json_ld():
    head = (
        '<meta property="article:section" content="Sport">'
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
        '"dateModified": "Tue, 05 Mar 2024 09:00:00 GMT"}'
        "</script>"
    )
    metadata = read_metadata(tree_of(page(head)), URL)
    assert metadata.categories == ("Sport",) and metadata.tags == ()
    assert metadata.modified == "2024-03-05" and metadata.image is None


@pytest.mark.parametrize("placeholder", ["1970-01-01T01:00:00+01:00", "0001-01-01T00:00:00Z", "2999-01-01T00:00:00Z"])
def test_a_modified_timestamp_out_of_range_is_passed_over(placeholder):
    # A template's zero time (a corpus page states 1970 as its last change) is no date the page was changed.
    head = f'<meta property="article:modified_time" content="{placeholder}">'
    assert read_metadata(tree_of(page(head)), URL).modified is None
    json_ld = '<script type="application/ld+json">{"dateModified": "2024-03-05T09:00:00Z"}</script>'
    assert read_metadata(tree_of(page(head + json_ld)), URL).modified == "2024-03-05T09:00:00Z"


def test_a_page_that_states_none_of_them():
    metadata = read_metadata(tree_of(page("<title>A story</title>")), URL)
    assert (metadata.image, metadata.tags, metadata.categories, metadata.modified) == (None, (), (), None)


def test_style_sheets_inside_an_h1_are_no_part_of_its_title():
    # CSS-in-JS libraries write each element's style sheet in front of it, inside the heading.
    body = (
        '<h1><style data-emotion="css a1">.css-a1{font-size:16px;color:#707070}</style>'
        '<span class="css-a1">Vaccination is possible everywhere until the end of February</span></h1>'
    )
    assert h1_title(body) == "Vaccination is possible everywhere until the end of February"
    # Nor is a style sheet after a part "more of the heading": the part that ends the heading stays the headline.
    style = '<style data-emotion="css b2">.css-b2{margin:0}</style>'
    body = f'<h1><span class="kicker">Vaccination is possible everywhere until February</span>{style}</h1>'
    assert h1_title(body) == "Vaccination is possible everywhere until February"
    body = f'<h1>Corona <span class="headline">Vaccination is possible everywhere until February</span>{style}</h1>'
    assert h1_title(body) == "Vaccination is possible everywhere until February"
    # A heading that is one link to the home page is the site's name, a style sheet in it or not.
    assert h1_title(f'<h1>{style}<a href="/">The Example Blog</a></h1><article><p>Words.</p></article>') is None


def test_a_json_ld_block_nested_too_deep_to_read_gives_its_dates_in_its_order():
    nested = "[" * 100_000 + "]" * 100_000
    block = f'{{"datePublished": "2020-01-01", "deep": {nested}, "video": {{"datePublished": "2019-02-02"}}}}'
    head = f'<script type="application/ld+json">{block}</script>'
    assert published_date(tree_of(page(head)), URL) == "2020-01-01"
