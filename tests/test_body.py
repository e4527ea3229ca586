"""When the fast extraction's result looks like navigation, stops early or is short where the page holds more, and which
result is kept."""

from __future__ import annotations

import json
import os

import trafilatura.external
from lxml.html import HtmlElement

from crawler.extract.article import extract_page
from crawler.extract.body import Shape, _stopped_early, label_key, running_text, thorough_run_reason
from crawler.extract.parsing import parse_html
from crawler.extract.stoplists import stoplist_union
from tests.support.fresh_python import run_python

PROSE = [
    "The harbour council voted on Tuesday evening to build the tunnel after years of debate.",
    "Residents near the station fear noise and lorries during the four years of work.",
]
# A page of 1,600 words in paragraphs.
LONG_PAGE = "<html><body>" + ("<p>" + "word " * 80 + "</p>") * 20 + "</body></html>"
TOWNS = "Aberdeen Bath Carlisle Derby Ely Frome Goole Hull Ilkley Jarrow Kendal Leeds Louth Mold Ness Oban".split()


def running_words(tree: HtmlElement) -> int:
    """The words of the page's running text."""
    return sum(words for _, words in running_text(tree))


def test_a_story_is_not_navigation():
    assert not Shape.of(PROSE, set()).navigation


def test_link_labels_short_lines_and_separated_items_are_navigation():
    menu = ["Home", "World news and politics", "Sport", "Culture and the arts", "Weather"]
    assert Shape.of(menu + PROSE[:1], {label_key(m) for m in menu}).navigation
    assert Shape.of(TOWNS + PROSE[:1], set()).navigation  # a list of names
    crumbs = ["Home » News » Region » Harbour", "Sport • Rowing • Results • Cup", "Jobs / Cars / Homes / Shop"]
    assert Shape.of(crumbs + PROSE[:1], set()).navigation
    # trafilatura writes table rows with "|": a table of figures is not a menu.
    table = ["Year | Trains | Passengers per day on the line", "2023 | 140 | 18500", "2024 | 152 | 19900"]
    assert not Shape.of(table + PROSE, set()).navigation


def test_the_story_is_preferred_to_navigation_then_more_prose():
    navigation = Shape.of(TOWNS, set())
    story = Shape.of(PROSE, set())
    assert navigation.worse_than(story) and not story.worse_than(navigation)
    assert Shape.of(PROSE[:1], set()).worse_than(story)
    assert not story.worse_than(Shape.of([], set()))  # an empty thorough result never wins


STORY = [
    "The harbour council voted on Tuesday evening to build the tunnel after years of debate in the town hall.",
    "Residents near the station fear noise and lorries during the four years of work on the quay and the road.",
    "The mayor said work would begin next summer, once the contracts are signed and the money is in the bank.",
    "Shop owners on the high street asked for the road to stay open to deliveries while the tunnel is dug out.",
    "A second vote on the cost of the approach roads is due in the spring, after the county has had its say.",
    "Opponents of the plan said they would take the council to court over the loss of the old ferry landing.",
]


def test_sentences_running_together_are_told_from_abbreviations_and_names():
    assert Shape.of(["".join(STORY)], set()).runs_together
    assert not Shape.of(STORY, set()).runs_together
    # One here and there is a name or an abbreviation: "Rocket.Chat is", "z.B. der".
    named = [f"{line} Rocket.Chat is the tool they chose for it." for line in STORY[:3]] + STORY * 6
    assert not Shape.of(named, set()).runs_together


def test_a_result_setting_sentences_apart_beats_one_running_them_together_with_nearly_its_words():
    run_together = Shape.of(["".join(STORY)], set())
    assert run_together.worse_than(Shape.of(STORY, set()))
    assert not run_together.worse_than(Shape.of(STORY[:3], set()))  # half the story: not taken
    assert not Shape.of(STORY, set()).worse_than(run_together)


def test_a_story_whose_paragraphs_fast_mode_runs_together_is_read_in_paragraphs():
    # Paragraphs set apart by empty <span>s a style sheet shows as breaks, and the structured data's articleBody
    # without them: fast mode reads the latter (The Times of India, every story).
    spans = '<span class="component br"></span>'.join(STORY)
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "articleBody": "".join(STORY)}
    html = (
        f'<html><head><title>Council backs tunnel</title><script type="application/ld+json">{json.dumps(data)}'
        f'</script></head><body><h1>Council backs tunnel</h1><div data-articlebody="1"><div class="story">'
        f'<div class="lead"></div>{spans}</div></div></body></html>'
    )
    article = extract_page(html.encode(), "https://news.example/2024/tunnel.html").article
    assert article is not None
    assert article.text.split("\n\n") == STORY


def test_stopped_early_when_the_page_holds_far_more_paragraph_text():
    long_page = parse_html(LONG_PAGE)
    assert long_page is not None
    assert _stopped_early(running_words(long_page), Shape.of(PROSE, set()))
    assert not _stopped_early(running_words(long_page), Shape.of(["word " * 1500], set()))
    # A story of 1,000 words where the fast run kept its 150-word lead (a news page whose body goes on in
    # another container): 850 words missing.
    story = parse_html("<html><body>" + ("<p>" + "word " * 100 + "</p>") * 10 + "</body></html>")
    assert story is not None
    assert _stopped_early(running_words(story), Shape.of(["lead " * 150], set()))


def test_stopped_early_when_the_page_holds_far_more_running_text_outside_paragraphs():
    # A guide whose sections are <div>s and <span>s: no <p> at all, 2,000 words of sentences.
    sentence = "The best tools for a freelancer keep invoices, receipts and taxes in one place. "
    sections = "".join(f"<div class='section'><span>{sentence * 5}</span></div>" for _ in range(28))
    guide = parse_html(f"<html><body><div class='content'>{sections}</div></body></html>")
    assert guide is not None
    assert _stopped_early(running_words(guide), Shape.of(["intro " * 220], set()))
    assert not _stopped_early(running_words(guide), Shape.of(["word " * 1500], set()))
    # Not running text: links, the page's header, footer, navigation and asides, forms, scripts, and text nodes
    # shorter than a sentence.
    chrome = "".join(
        f"<{tag}>{sentence * 5}</{tag}>" for tag in ("a", "nav", "header", "footer", "aside", "form", "script")
    )
    short = "<div>Read more</div><span>Share this guide</span>" * 300
    furnished = parse_html(f"<html><body><p>{sentence}</p>{chrome * 20}{short}</body></html>")
    assert furnished is not None
    assert not _stopped_early(running_words(furnished), Shape.of(["intro " * 150], set()))


def test_a_brief_is_not_read_again_by_the_thorough_run_unless_the_page_holds_more_running_text():
    # A brief of two paragraphs: fast mode read all of its running text.
    paragraphs = "".join(f"<p>{p}</p>" for p in PROSE)
    brief = parse_html(f"<html><body><div class='story'>{paragraphs}</div></body></html>")
    assert brief is not None
    assert thorough_run_reason(brief, PROSE, Shape.of(PROSE, set()), 150) is None
    # Fast mode read one of them: the page holds more, the fallback extractors may find it.
    assert thorough_run_reason(brief, PROSE[:1], Shape.of(PROSE[:1], set()), 150) == "short"
    # Nothing read, or navigation read: always.
    assert thorough_run_reason(brief, [], Shape.of([], set()), 150) == "no_text"
    assert thorough_run_reason(brief, TOWNS, Shape.of(TOWNS, set()), 150) == "navigation"
    # Not short: read again only when it stopped early.
    assert thorough_run_reason(brief, PROSE, Shape.of(PROSE, set()), 20) is None
    long_page = parse_html(LONG_PAGE)
    assert long_page is not None
    assert thorough_run_reason(long_page, ["lead " * 150], Shape.of(["lead " * 150], set()), 150) == "stopped_early"


def _sentence(seed: int, words: int) -> str:
    """A sentence of ``words`` words, different for each ``seed`` (trafilatura drops a paragraph it read before)."""
    vocabulary = "harbour tunnel council station lorries residents evening debate mayor river bridge rail".split()
    body = " ".join(vocabulary[(seed * 7 + i * 5) % len(vocabulary)] for i in range(words - 4))
    return f"Part {seed} of it: {body}."


def _guide(between: list[str], after: list[str]) -> tuple[str, list[str]]:
    """A guide: an introduction, eight sections of two paragraphs with ``between[n]`` (each an element) between
    them, a conclusion, then ``after``. The page, and its paragraphs alone."""
    paragraphs = [_sentence(0, 60)]
    sections = ""
    for n, inserted in enumerate(between):
        first, second = _sentence(100 + n, 40), _sentence(200 + n, 40)
        sections += f"<h2>Tool number {n}</h2><p>{first}</p>{inserted}<p>{second}</p>"
        paragraphs += [first, second]
    paragraphs.append(_sentence(1, 60))
    tail = "".join(after)
    page = f"<html><body><div><p>{paragraphs[0]}</p>{sections}<p>{paragraphs[-1]}</p></div>{tail}</body></html>"
    return page, paragraphs


def _reason(page: str, kept: list[str]) -> str | None:
    tree = parse_html(page)
    assert tree is not None
    return thorough_run_reason(tree, kept, Shape.of(kept, set()), 150)


def test_part_of_the_story_skipped_between_what_fast_mode_kept_sends_it_to_the_thorough_run():
    # Fast mode kept a guide's paragraphs (760 words) and passed over each section's list (8 x 60 words) between
    # them, as it does where no element names the page's content: the page's running text (1,240 words) is not
    # four times the result, yet part of the story is missing.
    items = [[_sentence(300 + n, 30), _sentence(400 + n, 30)] for n in range(8)]
    lists = [f"<ul><li>{first}</li><li>{second}</li></ul>" for first, second in items]
    guide, paragraphs = _guide(lists, [])
    tree = parse_html(guide)
    assert tree is not None and not _stopped_early(running_words(tree), Shape.of(paragraphs, set()))
    assert _reason(guide, paragraphs) == "skipped_part"
    # The lists kept: nothing skipped.
    assert _reason(guide, paragraphs + [item for pair in items for item in pair]) is None
    # A news story's inline box or caption left out, one sentence in a section: not enough to be part of it.
    captioned, paragraphs = _guide(
        [f"<figure><figcaption>{_sentence(500 + n, 30)}</figcaption></figure>" for n in range(2)] + [""] * 6, []
    )
    assert _reason(captioned, paragraphs) is None
    # Running text after the last paragraph kept (comments, other stories' blurbs): not between.
    followed, paragraphs = _guide([""] * 8, [f"<p>{_sentence(700 + n, 40)}</p>" for n in range(20)])
    assert _reason(followed, paragraphs) is None


def test_a_brief_in_chinese_or_japanese_is_still_read_again():
    # Sentences of 20 to 30 characters: each a sentence, none of the 40 characters a text node of the running text
    # has, so the page's running text counts none of them. A Chinese brief keeps the thorough run.
    sentences = ["市议会周二晚上投票决定修建隧道，市长说明年夏天开工。", "车站附近的居民担心四年施工期间的噪音和卡车。"]
    paragraphs = "".join(f"<p>{s}</p>" for s in sentences * 3)
    brief = parse_html(f"<html><body><div class='story'>{paragraphs}</div></body></html>")
    assert brief is not None
    assert running_words(brief) == 0
    assert thorough_run_reason(brief, sentences[:1], Shape.of(sentences[:1], set()), 150) == "short"
    assert Shape.of(sentences, set()).ideographic and not Shape.of(PROSE, set()).ideographic


def test_the_warm_ups_short_sample_reaches_both_fallback_extractors():
    """The fork server's warm-up reads its short sample with the thorough run, readability and jusText both, so
    that no worker pays for their first use: the sample's running text must hold more than fast mode reads."""
    code = (
        "import trafilatura.external as te; called = []; jt, rd = te.try_justext, te.try_readability; "
        "te.try_justext = lambda *a: called.append('justext') or jt(*a); "
        "te.try_readability = lambda *a: called.append('readability') or rd(*a); "
        "import crawler.extract.warmup; print(sorted(set(called)))"
    )
    assert run_python(code).strip() == "['justext', 'readability']"


def test_the_stop_list_union_is_the_one_trafilatura_builds():
    """The warm-up gives trafilatura's jusText fallback the union of every language's stop list, read file
    by file: it must hold exactly the words trafilatura's own word-by-word build holds."""
    assert set(stoplist_union()) == set(trafilatura.external.jt_stoplist_init())


def test_the_stop_list_union_is_installed_where_trafilatura_looks_for_it():
    """In a fresh process (trafilatura has built nothing yet) the union is where trafilatura's jusText
    fallback reads it, so that it does not build its own at the first page that needs it."""
    code = (
        "import trafilatura.external as te; from crawler.extract.stoplists import install_stoplist_union; "
        "print(te.JT_STOPLIST is None); install_stoplist_union(); print(len(set(te.JT_STOPLIST or ())))"
    )
    before, after = run_python(code).split()
    assert before == "True"
    assert int(after) == len(set(stoplist_union())) > 100_000


def test_the_stop_list_union_is_kept_for_the_next_start(tmp_path):
    """Read file by file at the first start, the union is kept: the next start reads the kept file instead of the
    stop lists, and installs the same words."""
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    code = (
        "import trafilatura.external as te, crawler.extract.stoplists as s; read = []; original = s.stoplist_union; "
        "s.stoplist_union = lambda: read.append(1) or original(); s.install_stoplist_union(); "
        "print(len(read), len(te.JT_STOPLIST), te.JT_STOPLIST == original())"
    )
    first = run_python(code, env=environment).split()
    assert (tmp_path / "storyonce" / "stop-words.txt").exists()
    second = run_python(code, env=environment).split()
    assert first[0] == "1" and second[0] == "0"
    assert first[1:] == second[1:] == [str(len(stoplist_union())), "True"]


def test_justext_takes_the_installed_union_as_it_is_and_lower_cases_any_other_stop_list():
    """jusText lower-cases every stop list it is handed; the union is lower-cased already, and taken as it is."""
    code = (
        "import justext.core, trafilatura.external as te; "
        "from crawler.extract.stoplists import install_stoplist_union; install_stoplist_union(); "
        "union = te.JT_STOPLIST; "
        "print(justext.core.define_stoplist(union) is union, frozenset(w.lower() for w in union) == union, "
        "sorted(justext.core.define_stoplist(('The', 'ÉTÉ'))))"
    )
    assert run_python(code).strip() == "True True ['the', 'été']"
