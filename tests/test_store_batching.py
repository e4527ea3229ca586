"""The writer's per-page look-ups and per-call cleaning: the same rows as one teaser or one block at a time."""

from __future__ import annotations

from crawler.config import TEASER_SCHEME
from crawler.extract.paragraphs import block_hash
from crawler.extract.results import Article, PageAnalysis, PageExtraction, Teaser
from crawler.extract.signing import sign_text
from crawler.records import AnalysedPage
from crawler.store.database import MAX_PADDED
from crawler.store.writer import Writer
from dedup import content_hash
from tests.support.news_site import paragraphs
from tests.support.store import open_writer

SITE = "http://news.test"
PITCH = "The Morning Brief brings you the day's most important stories in five minutes, every weekday."
SOURCE = "source: Fennick Weekly with agencies"


def article_page(writer: Writer, url: str, text: str, canonical: str | None = None) -> AnalysedPage:
    extraction = PageExtraction("article", article=Article(text, title=url.rsplit("/", 1)[-1], canonical_url=canonical))
    return AnalysedPage(url, 200, PageAnalysis(extraction, sign_text(text, writer.article_index.scheme)))


def listing(url: str, teasers: list[Teaser], signed: bool = True) -> AnalysedPage:
    signatures = TEASER_SCHEME.signatures(t.text for t in teasers) if signed else []
    return AnalysedPage(url, 200, PageAnalysis(PageExtraction("listing", "listing", teasers=teasers), None, signatures))


def teaser_rows(writer: Writer) -> dict[str, tuple[int, int | None, int, str]]:
    """url -> (teaser id, article id, seen count, blurb)."""
    rows = writer.db.read("SELECT url, id, article_id, seen_count, text FROM teasers ORDER BY id").fetchall()
    assert len({row[0] for row in rows}) == len(rows), "one teaser per link target"
    return {row[0]: row[1:] for row in rows}


def test_teasers_of_one_page_find_each_other_and_the_articles_they_link_to(tmp_path):
    writer = open_writer(tmp_path / "crawl.db")
    bridge, harbour, harbour_canonical = f"{SITE}/bridge", f"{SITE}/harbour", f"{SITE}/harbour-canonical"
    inspection = "Engineers will inspect the old bridge piers before the span."
    writer.write(article_page(writer, harbour, "\n\n".join(paragraphs("harbour")), canonical=harbour_canonical))
    (article_id,) = writer.db.read("SELECT id FROM articles").fetchone()
    front = [
        Teaser(bridge, "Bridge", inspection, "Top"),
        Teaser(harbour, "Harbour", "Two new cranes arrived at the harbour after a long voyage.", "Top"),
        # The same story in another block, with a blurb no near-duplicate search would match.
        Teaser(bridge, "Bridge", "Ferry instead of cars for six weeks of night work.", "Popular"),
        Teaser(harbour_canonical, "Cranes", "Dock workers will train a month on the machines.", "Latest"),
    ]
    writer.write(listing(f"{SITE}/", front))
    writer.write(listing(f"{SITE}/news", [Teaser(bridge, "Bridge", inspection, "Top")]))
    writer.commit()
    rows = teaser_rows(writer)
    assert set(rows) == {bridge, harbour, harbour_canonical}
    bridge_id, bridge_article, bridge_seen, bridge_blurb = rows[bridge]
    assert (bridge_article, bridge_seen) == (None, 3)  # two blocks of the front page, then another page
    assert bridge_blurb == inspection  # the longest
    assert rows[harbour][1] == article_id  # under its URL
    assert rows[harbour_canonical][1] == article_id  # under one of its other URLs
    sightings = writer.db.read(
        "SELECT page_url, block FROM teaser_sightings WHERE teaser_id = ? ORDER BY page_url, block", (bridge_id,)
    ).fetchall()
    assert sightings == [(f"{SITE}/", "Popular"), (f"{SITE}/", "Top"), (f"{SITE}/news", "Top")]
    assert (writer.stats["teasers/new"], writer.stats["teasers/sightings"]) == (3, 5)


def test_a_page_with_more_teasers_than_one_statement_takes(tmp_path):
    writer = open_writer(tmp_path / "crawl.db")
    writer.write(article_page(writer, f"{SITE}/stored", "\n\n".join(paragraphs("stored"))))
    (article_id,) = writer.db.read("SELECT id FROM articles").fetchone()
    writer.write(listing(f"{SITE}/first", [Teaser(f"{SITE}/seen-before", "Old", "An old story.", "Top")]))
    count = 3 * MAX_PADDED
    teasers = [Teaser(f"{SITE}/story/{n}", f"Story {n}", f"Blurb number {n}.", "Archive") for n in range(count)]
    teasers[MAX_PADDED + 5] = Teaser(f"{SITE}/stored", "Stored", "The stored story.", "Archive")
    teasers[2 * MAX_PADDED + 7] = Teaser(f"{SITE}/seen-before", "Old", "An old story, told longer.", "Archive")
    teasers.append(Teaser(f"{SITE}/story/3", "Story 3", "Blurb number 3, again.", "Footer"))
    writer.write(listing(f"{SITE}/archive", teasers, signed=False))
    writer.commit()
    rows = teaser_rows(writer)
    assert len(rows) == count
    assert rows[f"{SITE}/stored"][1] == article_id
    assert rows[f"{SITE}/seen-before"][2:] == (2, "An old story, told longer.")
    assert rows[f"{SITE}/story/3"][2] == 2
    assert writer.stats["teasers/new"] == count


def test_blocks_turning_chrome_together_are_cut_in_order_and_the_last_text_is_indexed(tmp_path):
    writer = open_writer(tmp_path / "crawl.db", CHROME_MIN_STORIES=3, EXTRACT_MIN_WORDS=12)
    chrome = writer.chrome
    assert chrome is not None
    stories = [" ".join(paragraphs(f"story{n}", 1)) for n in range(2)] + ["Just eight words of story text are here."]
    ids = []
    for n, story in enumerate(stories):
        text = f"{story}\n\n{PITCH}\n\n{SOURCE}"
        writer.write(article_page(writer, f"{SITE}/{n}", text))
        (stored,) = writer.db.read("SELECT id FROM articles WHERE url = ?", (f"{SITE}/{n}",)).fetchone()
        ids.append(stored)
    assert chrome.known("news.test") == {block_hash(PITCH), block_hash(SOURCE)}  # both on the third story
    expected = [f"{stories[0]}", f"{stories[1]}", f"{stories[2]}\n\n{SOURCE}"]  # the third would fall below 12 words
    for article_id, text in zip(ids, expected, strict=True):
        (stored_text, stored_hash) = writer.db.read(
            "SELECT text, content_hash FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        assert (stored_text, stored_hash) == (text, content_hash(text))
        # The index holds the signature of the text stored last, not of one with only the first block cut.
        signature = sign_text(text, writer.article_index.scheme).signature
        stored_signature = writer.article_index.store.signatures([article_id]).get(article_id)
        assert signature is not None and stored_signature is not None
        assert (stored_signature.size, stored_signature.to_bytes()) == (signature.size, signature.to_bytes())
        bands = {row[0] for row in writer.db.read("SELECT key FROM article_bands WHERE doc_id = ?", (article_id,))}
        assert bands == set(writer.article_index.band_keys(signature))
    removed = writer.db.read("SELECT article_id, text FROM removed_blocks ORDER BY rowid").fetchall()
    assert removed == [(ids[0], PITCH), (ids[1], PITCH), (ids[2], PITCH), (ids[0], SOURCE), (ids[1], SOURCE)]
