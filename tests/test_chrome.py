"""Site-level chrome learning: recurring blocks cut from every article of a site, a story's own lines kept."""

from __future__ import annotations

import pytest
import trafilatura

from crawler.demo.server import SiteGroup
from crawler.extract.chrome import cut_chrome
from crawler.extract.paragraphs import block_hash, prefix_hash, split_paragraphs
from crawler.handoff import KnownChrome
from crawler.store.articles import ArticleRow
from crawler.store.chrome import SiteChrome
from crawler.store.teasers import PREFIX_LIMIT
from crawler.store.writer import Writer
from dedup import content_hash
from tests.support.crawl import crawl as run_crawl
from tests.support.store import open_writer

PITCH = "The Morning Brief brings you the day's most important stories in five minutes, every weekday."
SOURCE = "source: Fennick Weekly with agencies"
QUOTE = '"We will not close a single branch line while I am minister," said Transport Minister Ilse Marrow.'

STORIES = {
    "rail-budget": [
        "The county rail budget for next year will rise by eleven percent, the finance committee decided.",
        "Most of the money goes to signalling on the northern loop, where delays doubled last winter.",
        QUOTE,
        "Opposition members said the increase came too late for commuters who switched to buses.",
    ],
    "branch-lines": [
        "Passenger numbers on the three smallest branch lines fell again in the spring quarter.",
        "Local councils fear the lines will be cut once the new timetable is drawn up in autumn.",
        QUOTE,
        "A petition to keep the Fenn valley line open has gathered nine thousand signatures so far.",
    ],
    "harbour-cranes": [
        "Two new cranes arrived at Fennick harbour on Tuesday after a five-week voyage from the builder.",
        "The port says they will double the number of containers it can unload in a single shift.",
        "Dock workers will train on the new machines for a month before they enter regular service.",
    ],
    "school-meals": [
        "Every primary school in the county will serve free lunches from September, the council said.",
        "The scheme costs four million crowns a year and is paid for by a cut in road resurfacing.",
        "Parents' groups welcomed the decision but asked for more vegetarian options on the menu.",
    ],
    "library-hours": [
        "The central library will open until ten in the evening on weekdays during the exam season.",
        "Students had complained that the reading rooms closed just as they finished lectures.",
        "Extra staff will be paid from a grant by the university, which shares the building.",
    ],
}


def page(slug: str, paragraphs: list[str]) -> str:
    """A page whose template puts its chrome inside the article container, where extraction keeps it."""
    body = "".join(f"<p>{p} {filler(slug, n)}</p>" for n, p in enumerate(paragraphs))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{slug} | Fennick Weekly</title><meta property="og:type" content="article">
<meta property="article:published_time" content="2026-06-0{len(slug) % 9 + 1}T09:00:00+00:00">
<meta name="author" content="Newsdesk"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>{slug.replace("-", " ").title()}</h1>{body}
<p class="promo">{PITCH}</p><p class="credit">{SOURCE}</p></article>
<footer><p>© 2026 Fennick Weekly</p></footer></body></html>"""


def filler(slug: str, n: int) -> str:
    return f"Reporters for the {slug.split('-')[0]} desk followed the story closely, point {n} of their notes."


def test_plain_trafilatura_keeps_the_template_chrome():
    text = trafilatura.extract(page("rail-budget", STORIES["rail-budget"]))
    assert PITCH in text and SOURCE in text  # the fixture leaks chrome: there is something to learn


@pytest.mark.e2e
@pytest.mark.parametrize("workers", [1, 2])  # in the crawl process, and in worker processes
def test_recurring_blocks_are_learned_and_cut_from_every_article(tmp_path, workers):
    root = tmp_path / "site" / "weekly"
    root.mkdir(parents=True)
    for slug, paragraphs in STORIES.items():
        (root / f"{slug}.html").write_text(page(slug, paragraphs))
    with SiteGroup(tmp_path / "site") as sites:
        base = sites.base_url("weekly")
        urls = ",".join(f"{base}/{slug}.html" for slug in STORIES)
        db = tmp_path / "crawl.db"
        result = run_crawl("news", db, {"urls": urls, "depth": 0}, {"EXTRACT_WORKERS": workers})
        assert result.returncode == 0, result.stderr[-2000:]
        texts = dict(result.rows("SELECT url, text FROM articles"))
        assert len(texts) == len(STORIES)
        for url, text in texts.items():
            assert PITCH not in text and SOURCE not in text, url  # also in those stored before it was learned
        # A sentence quoted by two stories is theirs, not chrome.
        quoting = [url for url, text in texts.items() if QUOTE in text]
        assert sorted(quoting) == [f"{base}/branch-lines.html", f"{base}/rail-budget.html"]
        removed = result.rows("SELECT text, reason, count(*) FROM removed_blocks GROUP BY text, reason")
        assert (PITCH, "site_chrome", len(STORIES)) in removed and (SOURCE, "site_chrome", len(STORIES)) in removed
        learned = result.rows("SELECT text FROM site_blocks WHERE is_chrome = 1 ORDER BY text")
        assert learned == [(PITCH,), (SOURCE,)]
        # What was learned persists: a later run cuts it from a new story of the site at once.
        (root / "new-bridge.html").write_text(
            page(
                "new-bridge",
                [
                    STORIES["library-hours"][0],
                    "Engineers will inspect the old bridge piers before the new span is lifted into place.",
                    "Traffic will use the ferry for six weeks while the work goes on at night.",
                ],
            )
        )
        again = run_crawl("news", db, {"urls": f"{base}/new-bridge.html", "depth": 0}, {"EXTRACT_WORKERS": workers})
        new_text = again.rows("SELECT text FROM articles WHERE url LIKE '%new-bridge%'")[0][0]
        assert PITCH not in new_text and "Engineers will inspect" in new_text
        stats = again.stats()
        assert stats["chrome/pages_cleaned"] == 1
        # Cut before the article was signed, by the crawl side, from what the writer side had learned.
        assert stats["chrome/pages_cleaned_before_signing"] == 1
        new_id = "SELECT id FROM articles WHERE url LIKE '%new-bridge%'"
        assert ("site_chrome",) in again.rows(f"SELECT reason FROM removed_blocks WHERE article_id = ({new_id})")


def learner(tmp_path) -> tuple[SiteChrome, Writer]:
    writer = open_writer(tmp_path / "crawl.db", CHROME_MIN_STORIES=3, EXTRACT_MIN_WORDS=5)
    assert writer.chrome is not None
    return writer.chrome, writer


def store(writer: Writer, url: str, text: str) -> int:
    row = ArticleRow(
        url=url,
        canonical_url=None,
        site="x.org",
        title="t",
        author=None,
        published=None,
        language="en",
        description=None,
        sitename=None,
        image=None,
        tags=(),
        categories=(),
        modified=None,
        text=text,
        word_count=len(text.split()),
        content_hash=content_hash(text),
        duplicate_of=None,
        similarity=None,
    )
    return writer.articles.insert(row, writer.run_id)


BODY = "A paragraph of the story itself, long enough to stand on its own feet here."


def test_copies_of_one_story_do_not_make_its_lines_chrome(tmp_path):
    chrome, writer = learner(tmp_path)
    line = "A line that three copies of one story share."
    for n in range(4):
        article = store(writer, f"http://x.org/copy{n}", f"{BODY}\n\n{line}")
        chrome.learn(f"http://x.org/copy{n}", article, story_id=1, text=f"{BODY}\n\n{line}")  # one cluster
    assert chrome.known("x.org") == set()
    assert chrome.blocks.get("x.org", [block_hash(line)])[block_hash(line)][0] == [1]


def test_a_block_turning_chrome_is_cut_from_earlier_articles_and_kept_for_audit(tmp_path):
    chrome, writer = learner(tmp_path)
    ids = []
    for n in range(3):
        text = f"Story {n} has its own words, many of them, told in its own way for readers.\n\n{PITCH}"
        ids.append(store(writer, f"http://x.org/{n}", text))
        chrome.learn(f"http://x.org/{n}", ids[-1], ids[-1], text)
    assert chrome.known("x.org") == {block_hash(PITCH)}
    for article_id in ids:
        assert PITCH not in writer.articles.text(article_id)
    removed = writer.db.read("SELECT article_id, text, reason FROM removed_blocks").fetchall()
    assert sorted(removed) == [(i, PITCH, "site_chrome") for i in ids]
    text, cut = chrome.strip("http://x.org/new", f"Fresh story words go here.\n\n{PITCH.upper()}")
    assert text == "Fresh story words go here." and cut == [(PITCH.upper(), "site_chrome")]
    assert chrome.strip("http://other.org/new", f"Fresh story words go here.\n\n{PITCH}")[1] == []  # per site


def seen_once(writer: Writer) -> list[tuple]:
    return writer.db.read("SELECT site, hash, story_id, article_id FROM site_blocks_seen_once ORDER BY hash").fetchall()


def test_a_block_seen_in_one_story_is_kept_apart_until_a_second_story_shows_it(tmp_path):
    """Nearly every short paragraph is a story's own: kept as its hash, story and article until a second story
    shows it, then in site_blocks with both and the time of its first sighting; a third makes it chrome here."""
    chrome, writer = learner(tmp_path)
    texts = [f"Story {n} has its own words, many of them, told in its own way.\n\n{PITCH}" for n in range(3)]
    first = store(writer, "http://x.org/0", texts[0])
    chrome.learn("http://x.org/0", first, first, texts[0])
    own = block_hash(texts[0].split("\n\n")[0])
    assert seen_once(writer) == sorted([("x.org", own, first, first), ("x.org", block_hash(PITCH), first, first)])
    assert writer.db.read("SELECT count(*) FROM site_blocks").fetchone() == (0,)
    chrome.learn("http://x.org/0", first, first, texts[0])  # the same article again (a new version)
    assert len(seen_once(writer)) == 2 and writer.db.read("SELECT count(*) FROM site_blocks").fetchone() == (0,)
    writer.db.write("UPDATE site_blocks_seen_once SET first_seen = 1767312000")  # 2026-01-02, as if long ago
    second = store(writer, "http://x.org/1", texts[1])
    chrome.learn("http://x.org/1", second, second, texts[1])
    assert writer.db.read(
        "SELECT text, stories, story_ids, article_ids, is_chrome, first_seen FROM site_blocks"
    ).fetchall() == [(PITCH, 2, f"[{first}, {second}]", f"[{first}, {second}]", 0, "2026-01-02T00:00:00+00:00")]
    assert [row[1] for row in seen_once(writer)] == sorted([own, block_hash(texts[1].split("\n\n")[0])])
    third = store(writer, "http://x.org/2", texts[2])
    chrome.learn("http://x.org/2", third, third, texts[2])
    assert chrome.known("x.org") == {block_hash(PITCH)}
    assert all(PITCH not in writer.articles.text(article) for article in (first, second, third))


def test_stripping_never_empties_an_article(tmp_path):
    chrome, _ = learner(tmp_path)
    chrome.min_words = 50
    chrome.known("x.org").add(block_hash(PITCH))
    short = f"Only a few words.\n\n{PITCH}"
    assert chrome.strip("http://x.org/a", short) == (short, [])


def test_a_sites_teaser_blurb_inside_an_article_is_cut_but_its_own_lede_is_not(tmp_path):
    chrome, writer = learner(tmp_path)
    blurb = "Boats decorated with lanterns will again float down the Fenn on the longest night of the year."
    cut = blurb[:60] + "…"  # the teaser as another page showed it, cut short
    title, festival = "River festival returns", "http://x.org/festival"
    teaser = writer.teasers.insert(title, cut, festival, None, prefix_hash(cut), "http://x.org/", "Popular")
    writer.teasers.add_sighting(teaser, "http://x.org/news", "Popular", title, cut)
    text = f"{BODY}\n\n{blurb}"
    assert chrome.strip("http://x.org/other-story", text) == (BODY, [(blurb, "teaser_blurb")])
    assert chrome.strip("http://x.org/festival", text) == (text, [])  # the festival story's own lede
    writer.teasers.add_sighting(teaser, "http://y.org/", "Popular", "River festival returns", blurb)
    assert chrome.strip("http://y.org/other-story", text) == (text, [])  # another site's teaser


def test_a_chinese_teaser_blurb_inside_an_article_is_cut(tmp_path):
    # Two clauses: two words when a clause was one, too few for a prefix to look the teaser up by.
    chrome, writer = learner(tmp_path)
    blurb = "今年的河灯节将于本月十五日晚在滨江公园举行，届时数百盏河灯将顺流而下。"
    cut = blurb[:20] + "…"
    title, festival = "河灯节回归", "http://x.cn/festival"
    teaser = writer.teasers.insert(title, cut, festival, None, prefix_hash(cut), "http://x.cn/", "热门")
    writer.teasers.add_sighting(teaser, "http://x.cn/news", "热门", title, cut)
    body = "市政府今天召开新闻发布会，介绍了今年城市建设的主要成果和明年的工作计划。"
    assert chrome.strip("http://x.cn/other-story", f"{body}\n\n{blurb}") == (body, [(blurb, "teaser_blurb")])


def test_bad_parameters(tmp_path):
    chrome, writer = learner(tmp_path)
    with pytest.raises(ValueError, match="min_stories"):
        SiteChrome(chrome.blocks, chrome.removed, writer.articles, writer.teasers, chrome.index, 1, 300, 25)


def cut_text(text: str, chrome: KnownChrome) -> tuple[str, list[tuple[str, str]]]:
    kept, cut = cut_chrome(split_paragraphs(text), chrome)
    return "\n\n".join(paragraph.text for paragraph in kept), cut


def test_the_crawl_side_cuts_known_chrome_but_never_below_the_minimum_words():
    chrome = KnownChrome(frozenset({block_hash(PITCH), block_hash(SOURCE)}), max_chars=300, min_words=12)
    story = "The council approved the harbour tunnel on Tuesday after a long debate about the costs involved."
    text, cut = cut_text(f"{story}\n\n{PITCH}\n\n{SOURCE}", chrome)
    assert text == story and cut == [(PITCH, "site_chrome"), (SOURCE, "site_chrome")]
    # What would be left is shorter than the minimum: nothing is cut.
    assert cut_text(f"Short words here.\n\n{PITCH}", chrome) == (f"Short words here.\n\n{PITCH}", [])
    # A paragraph longer than max_chars is never chrome, whatever its hash.
    strict = KnownChrome(chrome.blocks, max_chars=20, min_words=1)
    assert cut_text(f"{story}\n\n{PITCH}", strict) == (f"{story}\n\n{PITCH}", [])


def test_a_blurb_prefix_that_hundreds_of_teasers_share_is_read_for_its_latest_only(tmp_path):
    # A template's blurbs ("Click here to read the full story about ...") share their first words: read
    # whole, every article with such a line would read every one of them.
    teasers = open_writer(tmp_path / "p.db").teasers
    template, own = "Click here to read the full story about our town", "A blurb of its own, not the template"

    def store(n: int, blurb: str) -> None:
        page = "https://news.example/"
        teasers.insert(f"Story {n}", blurb, f"{page}{n}", None, prefix_hash(blurb), page, "Latest")

    for n in range(300):
        store(n, f"{template} and item {n}")
    store(300, own)
    texts = [text for _, _, text, _ in teasers.with_prefixes([prefix_hash(template), prefix_hash(own)])]
    assert len(texts) == PREFIX_LIMIT + 1 and own in texts
    assert f"{template} and item 299" in texts and f"{template} and item 0" not in texts
    few = [text for _, _, text, _ in teasers.with_prefixes([prefix_hash(own)])]
    assert few == [own]
