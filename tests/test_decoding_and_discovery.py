"""Bytes to text (binary sniffing, charsets), recognising sitemaps, feeds and robots.txt, and a page's links."""

from __future__ import annotations

import codecs
import gzip

import pytest
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor

from crawler.extract.article import extract_page
from crawler.extract.decoding import charset_from_content_type, decode_html, sniff_binary
from crawler.fetch import discovery
from crawler.fetch.links import page_links, pages_among
from crawler.urls import is_fetchable, normalize_url
from tests.support.faults import php_warning

RUSSIAN = "Мост через реку открыли после двух лет ремонта, сообщили в городской администрации. " * 5


def test_binary_payloads_are_recognised():
    assert sniff_binary(b"%PDF-1.4\n%...") == "pdf"
    assert sniff_binary(b"\x89PNG\r\n\x1a\n....") == "png"
    assert sniff_binary(bytes(range(256)) * 4) == "binary"
    assert sniff_binary("<html><body>Текст</body></html>".encode()) is None
    assert sniff_binary(b"<html><body>a stray \x00 byte</body></html>") is None


def test_wrongly_declared_charset_is_detected():
    body = f"<html><head><meta charset='utf-8'></head><body><p>{RUSSIAN}</p></body></html>".encode("cp1251")
    text, encoding = decode_html(body, "utf-8")
    assert encoding == "cp1251" and "Мост через реку" in text


def test_charset_declared_only_in_meta_is_honoured():
    body = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        f"</head><body>{RUSSIAN}</body></html>".encode("cp1251")
    )
    text, encoding = decode_html(body, None)
    assert encoding == "cp1251" and "Мост" in text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_a_byte_order_mark_names_the_encoding(encoding):
    page = f"<html><body><p>{RUSSIAN}</p></body></html>"
    marks = {"utf-16-be": codecs.BOM_UTF16_BE, "utf-32-be": codecs.BOM_UTF32_BE}
    body = marks.get(encoding, b"") + page.encode(encoding)  # Python writes the mark for utf-16 and utf-32
    assert sniff_binary(body) is None  # UTF-32 is mostly NUL bytes
    text, used = decode_html(body, None)
    assert text == page and used == encoding[:6]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_a_declared_utf16_or_utf32_page_without_a_byte_order_mark_is_read(encoding):
    page = f"<html><body><p>{RUSSIAN}</p></body></html>"
    body = page.encode(encoding)
    assert sniff_binary(body, encoding[:6]) is None
    assert decode_html(body, encoding[:6]) == (page, encoding)  # the byte order as the bytes have it
    assert decode_html(page.encode(), "utf-16") == (page, "utf-8")  # a server's wrong word: the page is UTF-8


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("lost_mark", [b"", b"??"])
def test_a_utf16_or_utf32_page_with_neither_mark_nor_charset_is_read_by_where_its_nul_bytes_stand(encoding, lost_mark):
    # Its markup's characters each a byte beside one NUL (or three), at the same places all through: no binary
    # file's NULs stand so. Before, half of it NUL bytes, it was taken for a binary file and skipped. A mark a
    # copy through UTF-8 turned into "??" leaves the characters where they were.
    page = f"<!DOCTYPE html><html><body><p>{RUSSIAN}</p></body></html>"
    body = lost_mark * (2 if encoding.startswith("utf-32") else 1) + page.encode(encoding)
    assert sniff_binary(body) is None
    text, used = decode_html(body)
    assert used == encoding and text.endswith(page)
    assert discovery.classify(body) == "html"


def test_nul_bytes_that_stand_anywhere_are_no_wide_encoding():
    # Stray NULs in a page (line ends written as NUL), and a binary file's, fall on every place alike.
    page = f"<html><body><p>{RUSSIAN}</p></body></html>".replace(" ", "\n")
    text, used = decode_html(page.encode().replace(b"\n", b"\x00"))
    assert used == "utf-8" and RUSSIAN.split()[0] in text
    assert sniff_binary(bytes(range(256)) * 8) == "binary"
    assert sniff_binary(bytes(1024) + b"<html>" * 100) == "binary"  # NUL everywhere: no place holds characters


def test_utf16s_mark_before_a_nul_character_is_not_taken_for_utf32s():
    # FF FE 00 00 is UTF-32's little-endian mark, and UTF-16's before the character U+0000 (a page's line end
    # written as NUL): the bytes after it say which.
    page = "<!DOCTYPE html><html><body><p>The council voted for the tunnel.</p></body></html>" * 4
    utf16 = codecs.BOM_UTF16_LE + ("\x00" + page).encode("utf-16-le")
    assert decode_html(utf16) == ("\x00" + page, "utf-16")
    utf32 = codecs.BOM_UTF32_LE + page.encode("utf-32-le")
    assert decode_html(utf32) == (page, "utf-32")


def test_valid_utf8_wins_over_a_single_byte_declaration():
    text, encoding = decode_html("<p>Zürich – naïve café</p>".encode(), "iso-8859-1")
    assert encoding == "utf-8" and "Zürich" in text


def test_charset_from_content_type():
    assert charset_from_content_type("text/html; charset=UTF-8") == "UTF-8"
    assert charset_from_content_type('text/html; charset="windows-1251"') == "windows-1251"
    assert charset_from_content_type("text/html") is None


URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://x.org/a.html</loc><lastmod>2026-03-01</lastmod></url>
  <url><loc> https://x.org/b.html </loc></url>
</urlset>"""
INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://x.org/s1.xml.gz</loc></sitemap></sitemapindex>"""
PHP_WARNING = php_warning("/var/www/feed.php", 12).encode()
# Xdebug prints a warning as a table of its call stack: three of them before a sitemap are over 4 KB.
_FRAME = (
    "<tr><td bgcolor='#eeeeec' align='center'>{n}</td><td bgcolor='#eeeeec' align='center'>0.0{n}12</td>"
    "<td bgcolor='#eeeeec' align='right'>36{n}112</td><td bgcolor='#eeeeec'>do_action( )</td>"
    "<td title='/var/www/wp-includes/plugin.php' bgcolor='#eeeeec'>.../plugin.php<b>:</b>{n}84</td></tr>\n"
)
XDEBUG_WARNING = (
    "<br />\n<font size='1'><table class='xdebug-error xe-warning' dir='ltr' border='1' cellspacing='0' "
    "cellpadding='1'>"
    "<tr><th align='left' bgcolor='#f57900' colspan=\"5\"><span style='background-color: #cc0000; color: #fce94f; "
    "font-size: x-large;'>( ! )</span> Warning: Undefined variable $date in /var/www/sitemap.php on line <i>12</i>"
    "</th></tr>\n<tr><th align='left' bgcolor='#e9b96e' colspan='5'>Call Stack</th></tr>\n"
    + "".join(_FRAME.format(n=n) for n in range(1, 9))
    + "</table></font>\n"
).encode() * 3
RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
<item><title>A</title><link>https://x.org/a.html</link><pubDate>Sun, 01 Mar 2026 10:30:00 +0100</pubDate></item>
<item><title>B</title><guid isPermaLink="true">https://x.org/b.html</guid></item></channel></rss>"""
ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
<entry><link rel="alternate" href="https://x.org/a.html"/><link rel="edit" href="https://x.org/edit/1"/>
<updated>2026-03-01T09:30:00Z</updated></entry>
</feed>"""
RDF = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<item><link>https://x.org/c.html</link></item></rdf:RDF>"""


def test_kinds_are_recognised_from_bytes():
    assert discovery.classify(URLSET) == "sitemap"
    assert discovery.classify(INDEX) == "sitemap"
    assert discovery.classify(RSS) == "feed"
    assert discovery.classify(ATOM) == "feed"
    assert discovery.classify(RDF) == "feed"
    assert discovery.classify(b"<!DOCTYPE html>\n<html><body>x</body></html>") == "html"
    assert discovery.classify(b"  <div>fragment</div>") == "html"
    assert discovery.classify(b"<<style>" + b"p { margin: 0 }\n" * 400 + b"</style><p>A story</p>") == "html"
    assert discovery.classify(b"Warning: x\n" + RSS) == "feed"  # its <title> and <link> are no HTML
    # A server's warning printed before a sitemap or feed that declares itself XML: read from the declaration.
    assert discovery.classify(PHP_WARNING + URLSET) == "sitemap"
    assert discovery.sitemap_entries(PHP_WARNING + URLSET) == discovery.sitemap_entries(URLSET)
    assert discovery.feed_entries(PHP_WARNING + RSS) == discovery.feed_entries(RSS)
    assert len(XDEBUG_WARNING) > discovery.HEAD_BYTES  # past what is read of a page to know what it is
    assert discovery.classify(XDEBUG_WARNING + URLSET) == "sitemap"
    assert discovery.sitemap_entries(XDEBUG_WARNING + URLSET) == discovery.sitemap_entries(URLSET)
    assert discovery.classify(XDEBUG_WARNING + RSS) == "feed"
    quoting = b"<!DOCTYPE html><html><head><script>const sample = '" + RSS.replace(b"\n", b" ") + b"';</script></head>"
    assert discovery.classify(quoting + b"<body><p>How to write a feed</p></body></html>") == "html"
    # UTF-16 with its byte order mark, either way round, as browsers read it.
    assert discovery.classify("<!DOCTYPE html>\n<html><body>x</body></html>".encode("utf-16")) == "html"
    assert discovery.classify(codecs.BOM_UTF16_BE + "<html><body>x</body></html>".encode("utf-16-be")) == "html"
    assert discovery.classify(URLSET.decode().encode("utf-16")) == "sitemap"
    assert discovery.classify("<!DOCTYPE html>\n<html><body>x</body></html>".encode("utf-32")) == "html"
    # Without the mark, as the server's charset says, either way round; a page that is not, as if nothing were said.
    assert discovery.classify("<!DOCTYPE html>\n<html><body>x</body></html>".encode("utf-16-le"), "utf-16") == "html"
    assert discovery.classify("<html><body>x</body></html>".encode("utf-16-be"), "UTF-16") == "html"
    assert discovery.classify(URLSET.decode().encode("utf-32-le"), "utf-32") == "sitemap"
    assert discovery.classify(URLSET, "utf-16") == "sitemap"
    assert discovery.classify(b"User-agent: *\nDisallow: /private/\nSitemap: https://x.org/s.xml\n") == "robots"
    assert discovery.classify(b"%PDF-1.4 binary") == "other"
    assert discovery.classify(b"") == "other"


def test_a_page_after_a_servers_warnings_longer_than_what_is_read_first_is_html():
    # Warnings in tags the page's own first tag is not read from ("<<br />": mangled), past the 4 KB read first:
    # the document's <html> further on says what the body is. It was taken for no page, and skipped.
    page = b"<!DOCTYPE html><html><head><title>A story</title></head><body><p>The council voted.</p></body></html>"
    warnings = XDEBUG_WARNING.replace(b"<", b"<<")
    assert len(warnings) > discovery.HEAD_BYTES
    assert discovery.classify(warnings + page) == "html"
    # Text that is no markup (a JSON answer) holding a document further on is none.
    assert discovery.classify(b'{"items": ["' + b"x" * 5000 + b'"], "html": "<html><body></body></html>"}') == "other"


def test_a_page_copied_through_two_wide_encodings_is_html():
    # UTF-32 bytes read as text and written again in UTF-16: a NUL character beside each of its own. The extraction
    # reads it (lxml drops them); it was taken for no page, and skipped.
    page = "<!DOCTYPE html><html><body><p>The council voted for the tunnel.</p></body></html>"
    twice = "".join(character + "\x00\x00\x00" for character in page).encode("utf-16")
    assert discovery.classify(twice) == "html"


def test_a_sitemap_or_feed_without_a_declaration_is_read_after_a_servers_warnings():
    urlset, rss = URLSET.split(b"?>", 1)[1], RSS.split(b"?>", 1)[1]  # as many servers send them: no declaration
    for warning in (PHP_WARNING, XDEBUG_WARNING):
        assert discovery.classify(warning + urlset) == "sitemap"
        assert discovery.sitemap_entries(warning + urlset) == discovery.sitemap_entries(URLSET)
        assert discovery.sitemap_entries(warning + INDEX.split(b"?>", 1)[1]) == discovery.sitemap_entries(INDEX)
        for feed, released in ((rss, RSS), (ATOM, ATOM), (RDF, RDF)):
            assert discovery.classify(warning + feed) == "feed"
            assert discovery.feed_entries(warning + feed) == discovery.feed_entries(released)
    # A page (no <html> of its own) quoting a feed, or naming its tag, stays a page; so does one after a warning.
    quoting = b"<div><script>const sample = '" + rss.replace(b"\n", b" ") + b"';</script><p>How to write one</p></div>"
    assert discovery.classify(quoting) == "html"
    assert discovery.classify(b"<p>A feed begins with <code>&lt;rss&gt;</code> and then <b>channel</b></p>") == "html"
    assert discovery.classify(PHP_WARNING + b"<p>A story after a warning</p>") == "html"


def test_urls_listed_by_sitemaps_feeds_and_robots_with_their_dates():
    listed = discovery.Listed
    assert discovery.sitemap_entries(URLSET) == (
        "urlset",
        [listed("https://x.org/a.html", "2026-03-01T00:00:00+00:00"), listed("https://x.org/b.html")],
    )
    assert discovery.sitemap_entries(INDEX) == ("sitemapindex", [listed("https://x.org/s1.xml.gz")])
    assert discovery.feed_entries(RSS) == [  # an RSS item's date is its publication
        listed("https://x.org/a.html", "2026-03-01T09:30:00+00:00", "2026-03-01T10:30:00+01:00"),
        listed("https://x.org/b.html"),
    ]
    # Atom's <updated> is the last change only; <published> is the publication.
    assert discovery.feed_entries(ATOM) == [listed("https://x.org/a.html", "2026-03-01T09:30:00+00:00")]
    published = ATOM.replace(b"<updated>", b"<published>2026-02-27</published><updated>")
    assert discovery.feed_entries(published) == [
        listed("https://x.org/a.html", "2026-03-01T09:30:00+00:00", "2026-02-27")
    ]
    assert discovery.feed_entries(RDF) == [listed("https://x.org/c.html")]
    assert discovery.robots_sitemaps(b"User-agent: *\nSitemap: https://x.org/s.xml\nsitemap:https://x.org/t.xml") == [
        "https://x.org/s.xml",
        "https://x.org/t.xml",
    ]


def test_gzipped_sitemap_is_unpacked_within_the_size_limit():
    packed = gzip.compress(URLSET)
    assert discovery.classify(discovery.unpack(packed, max_size=10_000)) == "sitemap"
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000)
    with pytest.raises(discovery.TooLarge):  # inflating stops at the limit
        discovery.unpack(bomb, max_size=100_000)


def test_broken_feeds_yield_nothing_rather_than_fail():
    assert discovery.feed_entries(b"<rss><channel><item><link>") == []
    assert discovery.feed_entries(b"not xml at all") == []
    assert discovery.sitemap_entries(b"<urlset><url><loc>") == ("urlset", [])


def test_listings_with_an_undeclared_prefix_or_a_reference_to_a_surrogate_are_read():
    listed = discovery.Listed
    # A feed that forgot its xmlns:rdf, and an item's dc:date without xmlns:dc: the recovering parser keeps
    # the prefixes in the names, which lxml's QName refused (the feed's URLs were lost).
    forgetful = RDF.replace(b' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"', b"").replace(
        b"</link>", b"</link><dc:date>2026-03-01T09:30:00Z</dc:date>"
    )
    assert discovery.feed_entries(forgetful) == [
        listed("https://x.org/c.html", "2026-03-01T09:30:00+00:00", "2026-03-01T09:30:00+00:00")
    ]
    # A character reference to a surrogate is kept by the parser as bytes no text can be read from.
    surrogate = URLSET.replace(b"https://x.org/b.html", b"https://x.org/b&#xD800;.html").replace(
        b"sitemap/0.9", b"sitemap/0.9&#55296;"
    )
    assert discovery.sitemap_entries(surrogate) == (
        "urlset",
        [listed("https://x.org/a.html", "2026-03-01T00:00:00+00:00"), listed("https://x.org/b.html")],
    )


def test_news_sitemap_publication_dates_and_unreadable_dates():
    news = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc>https://x.org/n.html</loc><lastmod>2026-02-01</lastmod>
      <news:news><news:publication_date>2026-03-02T08:00:00-05:00</news:publication_date></news:news></url>
      <url><loc>https://x.org/m.html</loc><lastmod>last tuesday</lastmod></url></urlset>"""
    assert discovery.sitemap_entries(news)[1] == [
        # The later date counts as the change; the publication date is kept as written (its day is the
        # publisher's), <lastmod> never is one.
        discovery.Listed("https://x.org/n.html", "2026-03-02T13:00:00+00:00", "2026-03-02T08:00:00-05:00"),
        discovery.Listed("https://x.org/m.html"),
    ]


def test_a_listing_that_gives_every_item_one_publication_date_dates_none():
    item = "<item><link>https://x.org/{}.html</link><pubDate>Sun, 01 Mar 2026 10:30:00 +0100</pubDate></item>"
    feed = "<rss><channel>{}</channel></rss>"
    same = discovery.feed_entries(feed.format("".join(item.format(n) for n in "abc")).encode())
    assert [entry.published for entry in same] == [None, None, None]  # the moment the feed was made
    assert [entry.changed for entry in same] == ["2026-03-01T09:30:00+00:00"] * 3  # still a change date
    two = discovery.feed_entries(feed.format("".join(item.format(n) for n in "ab")).encode())
    assert [entry.published for entry in two] == ["2026-03-01T10:30:00+01:00"] * 2
    day = item.replace("Sun, 01 Mar 2026 10:30:00 +0100", "2026-03-01")
    days = discovery.feed_entries(feed.format("".join(day.format(n) for n in "abc")).encode())
    assert [entry.published for entry in days] == ["2026-03-01"] * 3  # a day's stories, dated by the day


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2026-03-02", "2026-03-02"),
        ("2026-03-02T22:30:00-05:00", "2026-03-02T22:30:00-05:00"),  # not the next day in UTC
        ("2026-03-02T22:30Z", "2026-03-02T22:30:00+00:00"),
        ("Mon, 02 Mar 2026 22:30:00 -0500", "2026-03-02T22:30:00-05:00"),
        ("last tuesday", None),
        ("2026-03", None),
        ("", None),
    ],
)
def test_a_listings_publication_date_is_read_as_the_publisher_means_it(written, read):
    assert discovery.publication_date(written) == read


LINKS_PAGE = """<html><head><title>Links</title>{base}</head><body>
<a href="/news/one.html">One</a> <a href=" /news/two.html?b=2&amp;a=1#comments ">Two</a>
<a href="three.html">Three</a> <a href="/news/one.html">One again</a> <a href="#top">Top</a> <a href="">Here</a>
<a href="https://other.example/story">Elsewhere</a> <a href="//cdn.example/photo.JPG">Photo</a>
<a href="/files/report.pdf">Report</a> <a href="javascript:void(0)">Menu</a> <a href="mailto:desk@x.example">Mail</a>
<a href="ftp://x.example/file">FTP</a> <a>No address</a> <map><area href="/news/map.html"></map>
<a href="/suche?q=caf\u00e9">Search</a></body></html>"""


@pytest.mark.parametrize("base", ["", '<base href="https://news.example/world/">'])
@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_page_links_are_scrapys_link_extractor_s_normalised(base, encoding):
    body = LINKS_PAGE.format(base=base).encode(encoding)

    def response() -> HtmlResponse:
        headers = {"Content-Type": f"text/html; charset={encoding}"}
        return HtmlResponse(url="https://news.example/news/index.html", body=body, headers=headers)

    extractor = LinkExtractor(tags=("a", "area"), attrs=("href",), unique=True)
    found = (normalize_url(link.url) for link in extractor.extract_links(response()))
    links = page_links(response())
    assert links == [url for url in dict.fromkeys(found) if is_fetchable(url)]  # (it finds ftp:// links too)
    root = "https://news.example/world/" if base else "https://news.example/news/"
    assert links[:3] == [
        "https://news.example/news/one.html",
        "https://news.example/news/two.html?a=1&b=2",
        root + "three.html",
    ]
    assert "https://news.example/news/map.html" in links  # <area> too
    assert not [url for url in links if url.endswith((".JPG", ".pdf")) or not url.startswith("http")]
    assert (root if base else "https://news.example/news/index.html") in links  # "#top", "": the page, or its base
    # What a worker lists from the tree it extracts from (the crawl's way): the same.
    listed = extract_page(
        body, "https://news.example/news/index.html", response().headers[b"Content-Type"].decode(), list_links=True
    )
    assert pages_among(listed.links or []) == links


def test_page_links_of_a_page_with_broken_addresses():
    hrefs = ["http://[::1", "http://a:b:c/", "http://exa mple.com/", "//", "http://%zz/", "?q=1", "https://ä.example/é"]
    anchors = "".join(f'<a href="{href}">x</a>' for href in hrefs)

    def response(head: str = "") -> HtmlResponse:
        body = f"<html><head>{head}</head><body>{anchors}</body></html>".encode()
        return HtmlResponse(url="https://news.example/a/b.html", body=body, headers={"Content-Type": "text/html"})

    links = page_links(response())  # the broken links are left out, never an error
    assert "https://news.example/a/b.html?q=1" in links
    assert all(url.startswith(("http://", "https://")) and " " not in url for url in links)
    # A <base> whose address is broken: the page's links are read against its own address, as the workers read
    # them and as w3lib 2.6 reads the base URL, as a browser does. With w3lib 2.5 and earlier, whose reader raised
    # for it, Scrapy could not read such a page at all, and it lists none.
    broken_base = response('<base href="http://[::1">')
    try:
        readable = broken_base.selector.root is not None
    except ValueError:
        readable = False
    assert page_links(broken_base) == (links if readable else [])
    listed = extract_page(broken_base.body, broken_base.url, "text/html", list_links=True).links
    assert pages_among(listed or []) == links
