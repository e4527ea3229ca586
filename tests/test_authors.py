"""Authors as the page names them: no site name beside them, no placeholders or "by" phrases, initials as written."""

from __future__ import annotations

import pytest

from crawler.extract.article import extract_page
from crawler.extract.authors import looks_like_a_person, people_named, tidy_authors
from crawler.extract.metadata import MetadataReader, read_metadata
from crawler.extract.parsing import parse_html

URL = "https://www.daily-herald.example/politics/tunnel-vote.html"
SITE = ["The Daily Herald"]


@pytest.mark.parametrize(
    "found, expected",
    [
        ("Ann Example", "Ann Example"),
        ("Ann Example; Bo Writer", "Ann Example; Bo Writer"),
        # What a page writes before the name.
        ("View all posts by Daniel Lemire", "Daniel Lemire"),
        ("Zeige alle Beiträge von Petra Ruland", "Petra Ruland"),
        ("Por Alberto Ávila", "Alberto Ávila"),
        ("Auteur Anna Kubišta", "Anna Kubišta"),
        ("责任编辑：孔德明", "孔德明"),
        ("Vom Krimiblogger", "Krimiblogger"),
        # A name written twice in a row.
        ("jesusfreak jesusfreak", "jesusfreak"),
        ("Ann Example Ann Example", "Ann Example"),
        ("Ann Ann Example", "Ann Ann Example"),
        # A role before a person's name; alone, or before one word, it stays.
        ("Rechtsanwalt Sebastian Einbock", "Sebastian Einbock"),
        ("FOCUS-Online-Experte Robin Tschöpe", "Robin Tschöpe"),
        ("Reporterin Ann Example; Bo Writer", "Ann Example; Bo Writer"),
        ("Redakteur Max", "Redakteur Max"),
        # A job title given as a name of its own beside the person's; alone, it stays.
        ("Ann Example; Staff Writer", "Ann Example"),
        ("Senior Correspondent; Ann Example", "Ann Example"),
        ("Staff Writer", "Staff Writer"),
        # A job title, or the site's name and one, written after the name without a separator.
        ("Ann Example Staff Writer", "Ann Example"),
        # A company's or a blog's titles too.
        ("Ann Example; CEO", "Ann Example"),
        ("Ann Example Founder; Lead Reviewer", "Ann Example"),
        ("Ann Example; Senior Analyst", "Ann Example"),
        ("Ann Example Trending Editor", "Ann Example"),
        ("Ann Example Daily Herald Staff", "Ann Example"),
        ("Ann Example PhillyVoice Staff", "Ann Example PhillyVoice"),  # another site's name: not known as one
        # What someone does, given as a name beside a person's; alone, it is all the page says of who wrote it.
        ("Ann Example; professor of history at the University of Nowhere", "Ann Example"),
        (
            "Povilas Example; Mykolo Romerio universiteto Žmogaus ir visuomenės studijų fakulteto profesorius",
            "Povilas Example",
        ),
        ("professor of history at the University of Nowhere", "professor of history at the University of Nowhere"),
        # The particles of long names are no description.
        ("Ann Example; Maria da Conceição dos Santos e Silva", "Ann Example; Maria da Conceição dos Santos e Silva"),
        # The two people of an interview.
        ("Richard David Precht im Gespräch mit Karin Fischer", "Richard David Precht; Karin Fischer"),
        ("Ann Example in conversation with Bo Writer; Cy Third", "Ann Example; Bo Writer; Cy Third"),
        ("Gesprächspartner Ann Example", "Gesprächspartner Ann Example"),
        # "And" in other languages, between two full names only.
        ("Isabel Caro; Rocío Latorre y José Miguel Wilson", "Isabel Caro; Rocío Latorre; José Miguel Wilson"),
        ("Mario Rossi e Luca Bianchi", "Mario Rossi; Luca Bianchi"),
        ("Trine Juncher Jørgensen og Tôrtia Reimer-Johansen", "Trine Juncher Jørgensen; Tôrtia Reimer-Johansen"),
        ("Anna Svensson och Erik Lind", "Anna Svensson; Erik Lind"),
        ("Jan Kowalski i Anna Nowak", "Jan Kowalski; Anna Nowak"),
        ("José Ortega y Gasset", "José Ortega y Gasset"),
        ("Ann Example et al", "Ann Example et al"),
        ("Ann E Example", "Ann E Example"),  # an initial, not an "and"
        # One person written twice, as a byline and as the address of their page.
        ("Chuck Ross; Chuck-Ross", "Chuck Ross"),
        ("Ann Example; ann_example; Bo Writer", "Ann Example; Bo Writer"),
        # The publisher's address that structured data give beside its name.
        ("Süddeutsche.de GmbH; Munich; Germany", "Süddeutsche.de GmbH"),
        ("Ann Example; Germany", "Ann Example"),
        # A footer's credits or copyright line is nobody's byline.
        ("Hecho en Bolivia con Drupal por Smartica", None),
        ("Catch Themes", None),
        ("Copyright Haufe-Lexware GmbH; Co KG", None),
        # The site's own name beside the people who wrote for it; alone, it stays.
        ("The Daily Herald; Claudia Riedler", "Claudia Riedler"),
        ("Daily Herald; Claudia Riedler", "Claudia Riedler"),
        ("Claudia Riedler; Daily-Herald", "Claudia Riedler"),
        ("The Daily Herald", "The Daily Herald"),
        # The label of a date after the byline, its digits gone: "Stand: 05.02.2020", "vor 5 Stunden".
        ("Sara Zinnecker Stand", "Sara Zinnecker"),
        ("Houzz Deutschland vor", "Houzz Deutschland"),
        ("Stand", None),
        ("Ann Example; Updated", "Ann Example"),
        # A reading time's or publication time's label, its figures gone the same way.
        ("José Miguel Wilson Tiempo de lectura", "José Miguel Wilson"),
        ("Medellín Hora De Publicación Del Artículo", "Medellín"),
        ("Ann Example Min Read", "Ann Example"),
        ("Ann Example Last updated", "Ann Example"),
        # The month of a date after the byline, its figures gone or kept ("Dec 07, 2025", "February 8").
        ("Gary Marcus Dec", "Gary Marcus"),
        ("Supermove February 8", "Supermove"),
        ("Ann Example Last Updated August 1", "Ann Example"),
        ("Haley Hoekstra • March", "Haley Hoekstra"),
        ("Ann Example; On December 9", "Ann Example"),
        ("Dec", None),
        ("Updated January", None),
        # A month is cut after a name only where no name ends with it; after a date's label, any month.
        ("Theresa May", "Theresa May"),
        ("Zhang Jun", "Zhang Jun"),
        ("Peter Jan", "Peter Jan"),
        ("August", "August"),
        ("Ann Example Updated May", "Ann Example"),
        # Any run of white space is one space (a page may write thousands).
        ("Ann" + " " * 2000 + "Example\u2003Dec", "Ann Example"),
        # Host names, degrees, initials of a name beside them, placeholders, single letters.
        ("Facebook Com; Evgenia Karp", "Evgenia Karp"),
        ("Www Heraldnews De", None),
        ("Www Daily Herald De", None),
        ("Grant Tinsley; PhD", "Grant Tinsley"),
        ("Tina Klostermeier; TK", "Tina Klostermeier"),
        ("Admin", None),
        ("No Author", None),
        # A byline's label or the link beside it, read without the name or with it.
        ("Written By", None),
        ("View more posts", None),
        ("About the author Alex Woodbury Subscribe", "Alex Woodbury"),
        ("Read more about The Upwork Team", "The Upwork Team"),
        ("Zander Dejah See more", "Zander Dejah"),
        ("Ann Example See more Subscribe", "Ann Example"),
        # A few at most, one at a time: taken as a run, a hostile page's thousands cost the square of their length.
        ("Ann Example" + " See more" * 5, "Ann Example See more See more"),
        ("Article by Cara Dumaplin", "Cara Dumaplin"),
        ("Authors Julie Weisenhorn; Natalie Hoidal", "Julie Weisenhorn; Natalie Hoidal"),
        ("C", None),
        # Quotation marks around the list are no part of a name; an apostrophe in one is.
        ("'Luana Patriolino; Raphael Felice'", "Luana Patriolino; Raphael Felice"),
        ("“Ann Example”", "Ann Example"),
        ("Daniel O'Mahony", "Daniel O'Mahony"),
        # Not host names: a surname that is also a top-level domain.
        ("Emily Co", "Emily Co"),
        (None, None),
        ("", None),
    ],
)
def test_tidy_authors(found, expected):
    assert tidy_authors(found, URL, SITE, []) == expected


def test_initials_are_given_as_the_page_writes_them():
    sources = ['{"@type": "NewsArticle", "author": {"name": "Leah C. Stokes"}}', "T.V. Raman"]
    assert tidy_authors("Leah C Stokes", URL, SITE, sources) == "Leah C. Stokes"
    assert tidy_authors("T V Raman", URL, SITE, sources) == "T.V. Raman"
    assert tidy_authors("Perry Bacon Jr", URL, SITE, ["By Perry Bacon Jr. in Washington"]) == "Perry Bacon Jr."
    # Not written with full stops anywhere, or only run together in an address: kept as it is.
    assert tidy_authors("Leah C Stokes", URL, SITE, []) == "Leah C Stokes"
    assert tidy_authors("Perry Bacon Jr", URL, SITE, ["https://x.example/authors/perrybaconjr."]) == "Perry Bacon Jr"


def test_a_user_name_and_a_site_name_are_given_as_the_page_writes_them():
    # trafilatura makes underscores and full stops spaces: "Herr_Rein" is someone's user name.
    assert tidy_authors("Herr Rein", URL, SITE, ["Herr_Rein"]) == "Herr_Rein"
    assert tidy_authors("Isabella DiBiase", URL, SITE, ["Von Isabella.DiBiase am Samstag"]) == "Isabella.DiBiase"
    assert tidy_authors("Greentech LIVE Redaktion", URL, SITE, ['"Greentech.LIVE Redaktion"']) == (
        "Greentech.LIVE Redaktion"
    )
    # Not in an address, and spelt as the name is: a page's link or e-mail address is not how it writes it.
    addresses = ["https://x.example/author/Ann_Example/", "Ann.Example@x.example", "ann_example"]
    assert tidy_authors("Ann Example", URL, SITE, addresses) == "Ann Example"


def test_a_name_written_surname_first_is_one_person_where_the_page_writes_it_given_name_first():
    # trafilatura splits "Brazil, Rachel" (Dublin Core's and citation tags' form) at its comma.
    json_ld = ['{"author": [{"@type": "Person", "name": "Rachel Brazil"}]}']
    assert tidy_authors("Brazil; Rachel", URL, SITE, json_ld) == "Rachel Brazil"
    people = ["Michael L. Anderson", "Carlos Dobkin"]
    found = tidy_authors("Anderson; Michael L; Dobkin; Carlos", URL, SITE, people)
    assert found == "Michael L. Anderson; Carlos Dobkin"
    # Never written given name first, or only inside a longer name or an address: two names, as found.
    assert tidy_authors("Brazil; Rachel", URL, SITE, []) == "Brazil; Rachel"
    assert tidy_authors("Ann; Bo", URL, SITE, ["Bob Ann", "Bo Anne", "https://x.example/Bo Ann"]) == "Ann; Bo"


def test_a_dublin_core_creator_is_read_as_the_page_names_its_author():
    head = '<meta name="DC.creator" content="Harm, Robert"><meta name="DC.rights.rightsHolder" content="Robert Harm">'
    tree = parse_html(page(head))
    assert tree is not None
    assert read_metadata(tree, URL).author == "Robert Harm"


@pytest.mark.parametrize(
    "byline, expected",
    [
        ("capital von Jemima Example 3 Min", "Jemima Example"),
        ("Ein Kommentar von Ann Example", "Ann Example"),
        ("Analysis by Ann Example and Bo Writer", "Ann Example; Bo Writer"),
        # "von" in a name, or a name before "von": as written.
        ("Ursula von der Example", "Ursula von der Example"),
        ("Alexander von Example", "Alexander von Example"),
        ("Ann Example von Reuters Berlin", "Ann Example von Reuters Berlin"),
    ],
)
def test_a_label_before_the_bylines_von_or_by_is_no_part_of_the_name(byline, expected):
    tree = parse_html(page('<meta name="x" content="1">', f'<div class="byline">{byline}</div>'))
    assert tree is not None
    assert read_metadata(tree, URL).author == expected


def test_a_user_name_keeps_the_figures_trafilatura_cuts_it_at():
    # trafilatura cuts a name at its first figure: "Bo2man" comes out as "Bo".
    assert tidy_authors("Bo", URL, SITE, ["Author: Bo2man am 29.12.2010, 13:36 Uhr"]) == "Bo2man"
    assert tidy_authors("Happyface", URL, SITE, ['{"author": {"name": "happyface313"}}']) == "happyface313"
    # Only a word of its own: not an address, a file's name, a hyphenated word, or figures after a space.
    others = ["https://x.example/tim3/", "tim@x.example", "tim2020.jpg", "pic-tim2", "Tim 2 comments"]
    assert tidy_authors("Tim", URL, SITE, others) == "Tim"


def test_a_user_name_with_figures_is_read_from_a_page():
    html = page('<meta name="x" content="1">', '<div class="byline">Author: <b>Bo2man</b> am 29.12.2010</div>')
    assert read_metadata(parse_html(html), URL).author == "Bo2man"


def test_chinese_and_japanese_bylines():
    # A name written as one word; the reporter's role and the outlet that sent them before it; "、" between names.
    assert tidy_authors("新华社记者 张三", URL, SITE, []) == "张三"
    assert tidy_authors("本报记者张三、李四", URL, SITE, []) == "张三; 李四"
    assert tidy_authors("記者 山田太郎", URL, SITE, []) == "山田太郎"
    assert tidy_authors("文/王五", URL, SITE, []) == "王五"
    assert tidy_authors("文天祥", URL, SITE, []) == "文天祥"  # a name that begins as the label "文/" does
    assert looks_like_a_person("欧阳修远") and looks_like_a_person("唐纳德·特朗普")
    assert not looks_like_a_person("人民日报") and not looks_like_a_person("新华网") and not looks_like_a_person("本")
    # Labels and placeholders beside a byline, or an author box's heading.
    assert not any(looks_like_a_person(label) for label in ("作者简介", "关于我们", "小编", "佚名", "责任编辑"))
    assert tidy_authors("小编", URL, SITE, []) is None


def test_korean_bylines_give_the_role_after_the_names():
    assert tidy_authors("홍길동 기자", URL, SITE, []) == "홍길동"
    assert tidy_authors("홍길동·김철수 특파원", URL, SITE, []) == "홍길동; 김철수"
    assert tidy_authors("唐纳德·特朗普", URL, SITE, []) == "唐纳德·特朗普"  # one name: the dot is inside it


def test_names_in_hindi_and_bengali_look_like_peoples():
    assert people_named("राहुल शर्मा, प्रिया सिंह") == "राहुल शर्मा; प्रिया सिंह"
    assert looks_like_a_person("সুরেশ কুমার") and not looks_like_a_person("राहुल")  # a first name alone is not


@pytest.mark.parametrize(
    "byline, expected",
    [("By Jane Doe jane.doe@example.com", "Jane Doe"), ("홍길동 기자 hong@yna.co.kr", "홍길동")],
    ids=["english", "korean"],
)
def test_an_address_after_the_name_in_a_byline_is_no_part_of_it(byline, expected):
    # trafilatura's reader made its parts words of the name: "Jane Doe jane doe com".
    html = page('<meta name="x" content="1">', f'<div class="byline">{byline}</div>')
    assert read_metadata(parse_html(html), URL).author == expected


@pytest.mark.parametrize(
    "content, expected",
    [("张三", "张三"), ("山田太郎", "山田太郎"), ("新华网", None), ("新华社", None), ("小编", None)],
    ids=["chinese", "japanese", "a-site", "an-agency", "a-placeholder"],
)
def test_a_chinese_or_japanese_name_in_the_author_meta_tag_is_kept_but_not_a_sites(content, expected):
    # trafilatura drops a one-word author of the meta tags as a site's or a user's name.
    html = page(f'<meta name="author" content="{content}">')
    assert read_metadata(parse_html(html), "https://news.example.cn/a/1.html").author == expected


@pytest.mark.parametrize(
    "content, expected",
    [
        ("홍길동", "홍길동"),
        ("남궁민수", "남궁민수"),
        ("홍길동기자", "홍길동"),
        ("김철수·이영희", "김철수; 이영희"),
        ("연합뉴스", None),
        ("조선일보", None),
        ("편집부", None),
        ("관리자", None),
        ("기자", None),
        ("김철수·연합뉴스", None),
    ],
    ids=["a-name", "a-two-syllable-family-name", "the-role-after", "two-names", "an-agency", "a-daily", "a-desk",
         "a-placeholder", "a-role-alone", "a-name-and-an-agency"],
)  # fmt: skip
def test_a_korean_name_in_the_author_meta_tag_is_kept_but_not_an_outlets(content, expected):
    # Korean names are written as one word too: trafilatura dropped them as it drops a site's or a user's name.
    html = page(f'<meta name="author" content="{content}">')
    assert read_metadata(parse_html(html), "https://news.example.kr/a/1.html").author == expected


def page(head: str, body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}<p>{'Words of the story. ' * 30}</p></body></html>"


def test_authors_read_from_a_page():
    json_ld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", "author": ['
        '{"@type": "Organization", "name": "The Daily Herald"}, {"@type": "Person", "name": "Leah C. Stokes"}]}'
        "</script>"
    )
    head = f'<meta property="og:site_name" content="The Daily Herald">{json_ld}'
    tree = parse_html(page(head))
    assert tree is not None
    assert read_metadata(tree, URL).author == "Leah C. Stokes"


def test_a_placeholder_author_gives_way_to_the_byline():
    tree = parse_html(page('<meta name="author" content="No Author">', '<p class="byline">Ann Example</p>'))
    assert tree is not None
    assert read_metadata(tree, URL).author == "Ann Example"


@pytest.mark.parametrize(
    "title, byline, expected",
    [
        # Byline markup around the headline (a rating widget) states the title: no one's name.
        ("Harbour council backs the tunnel", "Harbour council backs the tunnel", None),
        # A page about a person whose byline names them: their name.
        ("Ann Example", "Ann Example", "Ann Example"),
    ],
)
def test_the_headline_in_byline_markup_is_no_author(title, byline, expected):
    tree = parse_html(page(f"<title>{title}</title>", f'<h1>{title}</h1><div class="byline">{byline}</div>'))
    assert tree is not None
    assert read_metadata(tree, URL).author == expected


def test_the_sites_name_beside_a_person_is_left_out_of_a_page_author():
    head = '<meta property="og:site_name" content="The Daily Herald">'
    head += '<meta name="author" content="Daily Herald, Ann Example">'
    tree = parse_html(page(head))
    assert tree is not None
    assert read_metadata(tree, URL).author == "Ann Example"


def test_the_site_name_the_page_states_is_left_out_beside_a_person():
    # The publisher's name in JSON-LD is another ("swr.online"): og:site_name names the site too.
    head = (
        '<meta property="og:site_name" content="SWR Sport"><meta name="author" content="SWR Sport, Julius Richter">'
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
        '"publisher": {"@type": "Organization", "name": "swr.online"}}</script>'
    )
    tree = parse_html(page(head))
    assert tree is not None
    assert read_metadata(tree, "https://www.swr.example/sport/volleyball.html").author == "Julius Richter"


def test_the_people_json_ld_names_replace_the_author_of_the_meta_tags():
    people = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", "author": '
        '[{"@type": "Person", "name": "Fiona Example"}, {"@type": "Person", "name": "Mariam Writer"}]}</script>'
    )
    company = '<meta name="author" content="Conde Nast Germany">'
    tree = parse_html(page(company + people))
    assert tree is not None
    assert read_metadata(tree, URL).author == "Fiona Example; Mariam Writer"
    # Without people in JSON-LD, the meta tags' author stands.
    tree = parse_html(page(company))
    assert tree is not None
    assert read_metadata(tree, URL).author == "Conde Nast Germany"


@pytest.mark.parametrize(
    "byline, expected",
    [
        ("Ursula Baatz", "Ursula Baatz"),
        # A byline that is not one person's name does not replace the site's.
        ("CSP, International, Photovoltaik, Solarthermie", "Die Furche"),
        ("Recipe by Die Furche", "Die Furche"),
    ],
)
def test_a_person_in_the_byline_is_the_author_where_the_structured_data_names_only_the_site(byline, expected):
    head = (
        '<meta property="og:site_name" content="Die Furche">'
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
        '"author": {"@type": "Person", "name": "Die Furche"}}</script>'
    )
    tree = parse_html(page(head, f'<div class="author">{byline}</div>'))
    assert tree is not None
    assert read_metadata(tree, URL).author == expected


@pytest.mark.parametrize(
    "structured, byline, expected",
    [
        # A login name, the person's name run together (as a blog's JSON-LD gives it): the byline spells it out.
        ("arianschlichenmayer", "Arian Schlichenmayer", "Arian Schlichenmayer"),
        # Another person in the byline: the structured data's name stands.
        ("arianschlichenmayer", "Ann Example", "Arianschlichenmayer"),
        # A first name alone is not run together: it stands, whoever the byline names.
        ("Ann", "Ann Example", "Ann"),
    ],
)
def test_a_name_run_together_is_spelt_as_the_byline_spells_it(structured, byline, expected):
    json_ld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Article", '
        f'"author": {{"@type": "Person", "name": "{structured}"}}}}</script>'
    )
    tree = parse_html(page(json_ld, f'<div class="post-author">von <a href="/creator/x/">{byline}</a></div>'))
    assert tree is not None
    assert read_metadata(tree, URL).author == expected


def test_a_name_whose_letters_the_json_ld_writes_as_character_references():
    # The HTML parser leaves a script's text as written: "&oacute;" is still a reference in it.
    head = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
        '"author": {"@type": "Person", "name": "Redacci&oacute;n Diario Ejemplo"}, "headline": "Tom &amp; Jerry"}'
        "</script>"
    )
    tree = parse_html(f"<html><head>{head}</head><body><p>Words.</p></body></html>")
    assert tree is not None
    assert read_metadata(tree, URL).author == "Redacción Diario Ejemplo"


@pytest.mark.parametrize("header", ["Art Example says:", "stephan said, on August 3, 2019 at 3:12 pm"])
def test_a_readers_comment_header_is_no_byline(header):
    page = f'<html><body><article><p>Words.</p></article><div class="author">{header}</div></body></html>'
    assert read_metadata(parse_html(page), URL).author is None


BLOG_POST = """<html><head><title>Barcamp 2015</title></head><body class="single has-comments">
<article><h1>Barcamp 2015</h1>
<div class="entry-meta">Posted on <a href="/2015/04/05/">5 April</a>
<span class="who"><a class="url fn n" href="https://murdel.example/author/murdelta/"
 title="View all posts by marc">{name}</a></span></div>
<p>Two days of talks about the web and much more, with many people who came from everywhere.</p>
</article>
{aside}
</body></html>"""


def test_a_blogs_author_named_only_in_the_link_to_their_archive():
    tree = parse_html(BLOG_POST.format(name="marc", aside=""))
    assert read_metadata(tree, URL).author == "marc"
    # Its rel="author" text, without the phrase some themes put in it.
    rel = '<a rel="author" href="/about/">Zeige alle Beiträge von Petra Ruland</a>'
    tree = parse_html(f"<html><body><article><p>Words.</p><div>{rel}</div></article></body></html>")
    assert read_metadata(tree, URL).author == "Petra Ruland"
    # An archive at another address sites give an author's page (German WordPress themes: /autor/).
    autor = '<a href="/autor/pruland/" title="Alle Beiträge von Petra Ruland">Petra</a>'
    tree = parse_html(f"<html><body><article><p>Words.</p><div>{autor}</div></article></body></html>")
    assert read_metadata(tree, URL).author == "Petra Ruland"


@pytest.mark.parametrize("folder", ["author", "autor", "reporters", "writer", "contributors", "columnist"])
def test_the_addresses_of_an_authors_page(folder):
    link = f'<a href="/{folder}/pruland/" title="View all posts by Petra Ruland">Petra</a>'
    tree = parse_html(f"<html><body><article><p>Words.</p><div>{link}</div></article></body></html>")
    assert read_metadata(tree, URL).author == "Petra Ruland"


def test_archive_links_in_a_layout_with_a_sidebar_and_with_an_arrow_are_read():
    # "one-sidebar" says how the page is laid out: the post in it is no sidebar.
    post = BLOG_POST.format(name="marc", aside="").replace("<article>", '<div id="main" class="one-sidebar"><article>')
    assert read_metadata(parse_html(post.replace("</article>", "</article></div>")), URL).author == "marc"
    # The author box's link says the name with an arrow after it: the same person as the byline's link.
    box = '<div id="author-link"><a href="/author/murdelta/" rel="author">View all posts by marc →</a></div>'
    assert read_metadata(parse_html(BLOG_POST.format(name="marc", aside=box)), URL).author == "marc"


@pytest.mark.parametrize(
    "aside",
    [
        # Other people's archive links in the comments or a sidebar do not count against the post's.
        '<div id="comments" class="comments-area"><a href="/author/bo/" title="View all posts by Bo">Bo</a></div>',
        '<aside class="widget"><a href="/author/cy/" title="View all posts by Cy">Cy</a></aside>',
    ],
)
def test_archive_links_of_comments_and_sidebars_are_not_read(aside):
    assert read_metadata(parse_html(BLOG_POST.format(name="marc", aside=aside)), URL).author == "marc"


def test_archive_links_naming_several_people_or_nobody_give_no_author():
    other = '<div class="entry-meta"><a href="/author/tom/" title="View all posts by Tom Stelling">Tom</a></div>'
    assert read_metadata(parse_html(BLOG_POST.format(name="marc", aside=other)), URL).author is None  # a listing
    more = '<html><body><p>Words.</p><a href="/author/ann-example/">mehr</a></body></html>'
    assert read_metadata(parse_html(more), URL).author is None  # a link to /author/ that names nobody


def test_initials_from_the_byline_keep_the_full_stops_it_writes():
    page = '<html><body><article><p>Words.</p><span class="author">Von Günter W. Kienitz</span></article></body></html>'
    assert read_metadata(parse_html(page), URL).author == "Günter W. Kienitz"
    page = '<html><body><div class="byline">Posted by T. V. Raman at 10:00</div><p>Words.</p></body></html>'
    assert read_metadata(parse_html(page), URL).author == "T. V. Raman"


STORY_WITH_COMMENTS = """<html><body><div class="story"><div class="header"><h1>The loneliest woman</h1>
<address>{byline}</address></div><p>An appreciation of a song, and of the band that wrote it.</p></div>
<ol class="commentlist"><li><div class="comment-author vcard"><cite>Art Example</cite> says:</div>
<p>Great piece.</p></li></ol>
<div class="related"><p class="post-item-meta">By <a href="/author/chiara/">Chiara Other</a></p></div>
</body></html>"""


def test_a_byline_that_says_by_before_the_link_to_the_authors_page_names_the_author():
    byline = 'By <a href="http://nervous.example/author/tanderson/"> Tim Anderson </a>'
    assert read_metadata(parse_html(STORY_WITH_COMMENTS.format(byline=byline)), URL).author == "Tim Anderson"
    # The link alone, without a byline's words before it, could be any link to the author's page; the
    # related stories' bylines, away from the page's headline, name the authors of other stories.
    bare = '<a href="http://nervous.example/author/tanderson/">Tim Anderson</a>'
    assert read_metadata(parse_html(STORY_WITH_COMMENTS.format(byline=bare)), URL).author is None


STORY = "Words of the story, told at length so that the paragraph reads as one. " * 4


def story_text(*lines: str, at: int = 0, paragraphs: int = 8) -> str:
    """An article text of ``paragraphs`` paragraphs with ``lines`` put in as paragraphs at index ``at``."""
    body = [STORY] * paragraphs
    body[at:at] = lines
    return "\n\n".join(body)


@pytest.mark.parametrize(
    "text, expected",
    [
        (story_text("Von Daniela Obers"), "Daniela Obers"),
        (story_text("Autor: Fritz Imhof", at=1), "Fritz Imhof"),
        (story_text("Por Agencia EFE", at=2), "Agencia EFE"),
        (story_text("By Jan Kupitz", at=8), "Jan Kupitz"),  # signed at the end
        # Several people, the outlet after them left out; the pictures' credit after the names.
        (
            story_text("Von Volkmar Kabisch, Jan Lukas Strozyk und Benedikt Strunz, NDR", at=1),
            "Volkmar Kabisch; Jan Lukas Strozyk; Benedikt Strunz",
        ),
        (story_text("Words: Rudolf Fischer, Simon Kohler Photos: Simon Kohler", at=8), "Rudolf Fischer; Simon Kohler"),
        (story_text("Text von Christian Seiler   Illustration von Markus Roost"), "Christian Seiler"),
        (story_text("Von Ann Example und dem Team der Redaktion"), None),
        (story_text("By Ann E Example"), "Ann E Example"),
        (story_text("Von David Hutzler, dpa"), "David Hutzler"),  # an agency in lower case
        (story_text("By Ann Example, Staff Writer"), "Ann Example"),
        (story_text("Von Ann Example/dpa"), "Ann Example"),  # an agency after a slash
        (story_text("Von Ann Example / Bo Writer"), "Ann Example; Bo Writer"),
        (story_text("Blog Beitrag von Margarita Koreneva", at=1), "Margarita Koreneva"),
        (story_text("Gastbeitrag von Ann Example", at=8), "Ann Example"),
        (story_text("BY JESSICA HOLLY AND GAIL LEVY"), "JESSICA HOLLY; GAIL LEVY"),
        # A sentence, not a byline; a name in the middle of the story; a name that is no person's.
        (story_text("Von Anfang an war klar, dass der Tunnel kommt."), None),
        (story_text("Von Daniela Obers", at=4), None),
        (story_text("von unserer Redaktion"), None),
    ],
)
def test_a_byline_line_of_the_articles_text_names_the_author(text, expected):
    tree = parse_html(page(""))
    assert tree is not None
    assert MetadataReader(tree, URL).read(text).author == expected


def test_the_byline_line_the_reader_sees_names_the_author_over_the_structured_data():
    json_ld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
        ' "author": {"@type": "Person", "name": "Isabell Angele"}}</script>'
    )
    tree = parse_html(page(json_ld))
    assert tree is not None
    assert MetadataReader(tree, URL).read(story_text()).author == "Isabell Angele"
    assert MetadataReader(tree, URL).read(story_text("Von Matthias Lauerer", at=1)).author == "Matthias Lauerer"


def test_a_stored_article_takes_its_author_from_the_byline_line_under_its_headline():
    body = "<article><h1>The tunnel vote</h1><p><i>Von Daniela Obers</i></p>"
    body += "".join(f"<p>{STORY} Paragraph {n}.</p>" for n in range(6)) + "</article>"
    article = extract_page(f"<html><head><title>The tunnel vote</title></head><body>{body}</body></html>", URL).article
    assert article is not None
    assert article.author == "Daniela Obers"


HEADLINE_PAGE = """<html><head><title>The tunnel vote</title></head><body>
<div class="hero"><div class="inner"><h1>The tunnel vote</h1></div>{byline}</div>
<div class="story">{story}</div>
<script>var byline = "By Ann Example";</script></body></html>"""


@pytest.mark.parametrize(
    "byline, expected",
    [
        # The byline's word, then the name in an element of its own, linked nowhere an author's page is.
        ('<div><span>By</span><span><a href="/about/newsteam/jr-stone">J.R. Stone</a></span></div>', "J.R. Stone"),
        ("<div>Ein Artikel von <strong>Pamela Sladky</strong> | 27.01.2022 - 12:45</div>", "Pamela Sladky"),
        # The label in a heading of its own, an agency after a slash.
        ('<div><h5 class="title-inline">Autor: </h5>Peter Maahn/SP-X</div>', "Peter Maahn"),
        ('<ul><li><span class="label"> von Alexander Rosenkranz </span></li></ul>', "Alexander Rosenkranz"),
        # A date and a name parted by bars.
        ("<small>04.02.2022 | 13:10 Uhr | Uta Helkenberg</small>", "Uta Helkenberg"),
        ("<p>Ann Example | 2022-01-27</p>", "Ann Example"),
        ('<p class="text-muted">11.12.2019 - Amelie Loevenich</p>', "Amelie Loevenich"),
        ('<div><span class="screen-reader-text">| By </span> <span>Cara Stiles</span> | April 13</div>', "Cara Stiles"),
        ("<p>04.02.2022 | Politik</p>", None),
        ("<p>Ann Example | Bo Writer</p>", None),  # no date: two names, or a name and a section's
        # No byline's words, or words that name no person.
        ('<div class="meta"><a href="/about/newsteam/jr-stone">J.R. Stone</a></div>', None),
        ('<p class="kicker">Von Anfang an umstritten</p>', None),
        ("", None),
    ],
)  # fmt: skip
def test_a_byline_beside_the_headline_is_read_from_its_words(byline, expected):
    tree = parse_html(HEADLINE_PAGE.format(byline=byline, story=f"<p>{STORY}</p>"))
    assert tree is not None
    assert read_metadata(tree, URL).author == expected


def test_a_by_after_the_story_has_begun_is_not_read_as_its_byline():
    # A byline may follow the headline's lead, never the story's paragraphs: there "By" starts a quotation
    # or a related story's byline. Nor is a "By" fifteen short pieces of text after the headline read.
    byline = "<p>By</p><p>Quoted Person</p>"
    lead, paragraph = f"<p>{STORY} Lead.</p>", f"<p>{STORY} Paragraph.</p>"
    for story, expected in [
        (lead + byline + paragraph, "Quoted Person"),
        (lead + paragraph + byline, None),
        ("<p>Short.</p>" * 15 + byline, None),
    ]:
        tree = parse_html(HEADLINE_PAGE.format(byline="", story=story))
        assert tree is not None
        assert read_metadata(tree, URL).author == expected, story


def test_only_the_first_headlines_of_a_page_are_read_for_a_byline():
    # A listing that makes every teaser's title an <h1> is not walked again for each of them.
    # (Each teaser with more short texts than are read after a headline: only the fourth <h1> is beside the "By".)
    teasers = "".join(f"<div><div><h1>Story {n}</h1>{'<p>Short.</p>' * 16}</div></div>" for n in range(3))
    byline = "<div><div><h1>Story 3</h1><p>By</p><p>Ann Example</p></div></div>"
    tree = parse_html(f"<html><body>{teasers}{byline}</body></html>")
    assert tree is not None
    assert read_metadata(tree, URL).author is None
    tree = parse_html(f"<html><body>{byline}{teasers}</body></html>")
    assert tree is not None
    assert read_metadata(tree, URL).author == "Ann Example"


BOX_PAGE = """<html><head><title>The tunnel vote</title></head><body><article><h1>The tunnel vote</h1>
<p>{story}</p></article>{box}</body></html>"""
BIO = "<p>" + "Writes about leasing, loans and the cars people drive to work, after years at a bank. " * 3 + "</p>"


@pytest.mark.parametrize(
    "box, expected",
    [
        (f'<div class="author-bio footer"><h3>Martin Junker</h3>{BIO}</div>', "Martin Junker"),
        # The name and a "Follow" link in one heading: the name alone.
        (f'<div class="author-info"><h3><a href="/in/ih">Inga Hoeltmann</a><a href="/login">Follow</a></h3>{BIO}</div>',
         "Inga Hoeltmann"),
        (f'<div class="about-the-author"><h4>About Ann Example</h4>{BIO}</div>', "Ann Example"),
        # Hindi: no capitals, and vowel signs that re's \w does not take for letters.
        (f'<div class="author-bio"><h3>राहुल शर्मा</h3>{BIO}</div>', "राहुल शर्मा"),
        # A first name alone, a box among the comments: no author.
        (f'<div class="author-box"><h3>Über Kathrin</h3>{BIO}</div>', None),
        (f'<div class="comments"><div class="author-info"><b>Helmut Kruse</b>{BIO}</div></div>', None),
    ],
)  # fmt: skip
def test_an_about_the_author_box_names_the_author(box, expected):
    tree = parse_html(BOX_PAGE.format(story=STORY, box=box))
    assert tree is not None
    assert read_metadata(tree, URL).author == expected
