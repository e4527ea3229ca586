"""Titles: the bare headline of one page, and a site's title decoration learned from many of its titles."""

from __future__ import annotations

import pytest

from crawler.extract.titles import (
    TitleDecoration,
    TitleSources,
    bare_titles,
    host_names,
    learn_decoration,
    page_title,
    split_title,
    strip_site_name,
    without_sections,
)

URL = "https://www.daily-herald.example/news/2024/tunnel-vote.html"


def test_a_title_of_a_hundred_parts_naming_the_site_is_cut_in_linear_work(title_keying):
    # Each run of parts was keyed to look for the site's name spelt over several of them: every run, at every
    # part cut off, a million characters keyed for this title of 900 (one stated at a page's length took minutes).
    title = " | ".join(["Herald"] * 100) + " | Tunnel vote passes"
    assert strip_site_name(title, ["Herald"]) == "Tunnel vote passes"
    assert title_keying.characters < 20 * len(title)


def test_split_title_at_separators_only():
    assert split_title("Tunnel vote | The Daily Herald") == ["Tunnel vote", "The Daily Herald"]
    assert split_title("Herald » News » Tunnel vote") == ["Herald", "News", "Tunnel vote"]
    assert split_title("Re-run: the well-known vote") == ["Re-run: the well-known vote"]  # no spaced separator


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Tunnel vote | The Daily Herald", "Tunnel vote"),
        ("The Daily Herald - Tunnel vote", "Tunnel vote"),
        ("Tunnel vote - News - daily-herald", "Tunnel vote - News"),
        ("Tunnel vote: what happens next | The Daily Herald", "Tunnel vote: what happens next"),
        ("Tunnel vote", "Tunnel vote"),
        ("The Daily Herald", "The Daily Herald"),  # nothing but the name: kept
        ("The Daily Herald -", "The Daily Herald"),  # a separator with nothing beyond it: not kept
        ("| Tunnel vote", "Tunnel vote"),
        # The name after the headline, then the site's slogan or a section: both go.
        ("Tunnel vote : The Daily Herald | News you can trust", "Tunnel vote"),
        ("Tunnel vote - Daily Herald - World", "Tunnel vote"),
        ("The Daily Herald » Blog Archive » Tunnel vote", "Tunnel vote"),  # a blog template's words
    ],
)
def test_strip_site_name(title, expected):
    assert strip_site_name(title, ["The Daily Herald", *host_names(URL)]) == expected


def test_a_site_name_spelt_by_its_initials_or_cut_short_is_stripped_from_a_title():
    fbfs = host_names("https://www.fbfs.com/learning-center/easy-car-maintenance-checklist")
    assert strip_site_name("Easy car checklist | Farm Bureau Financial Services", fbfs) == "Easy car checklist"
    assert strip_site_name("Farm Bureau Financial Services - Easy car checklist", fbfs) == "Easy car checklist"
    named = ["Thrive Internet Marketing Agency"]
    assert strip_site_name("Website Design Portfolio | Thrive Internet Marketing", named) == "Website Design Portfolio"
    # Words that begin a name but are not most of it, initials of fewer than three letters, a part of one
    # word: the headline's, kept.
    assert strip_site_name("Mayor resigns | New York", ["New York Post"]) == "Mayor resigns | New York"
    assert strip_site_name("Mayor resigns | World Politics", ["wp"]) == "Mayor resigns | World Politics"
    assert strip_site_name("Mayor resigns | Thrive", named) == "Mayor resigns | Thrive"


def test_a_site_name_holding_a_separator_is_stripped_whole():
    names = ["Salsa-Figuren - Rueda in Berlin", "rueda"]
    assert strip_site_name("Enchufla Figuren - Salsa-Figuren - Rueda in Berlin", names) == "Enchufla Figuren"
    assert strip_site_name("Salsa-Figuren - Rueda in Berlin | Enchufla Figuren", names) == "Enchufla Figuren"
    assert strip_site_name("Salsa-Figuren - Rueda in Berlin - Enchufla - Figuren", names) == "Enchufla - Figuren"


def test_structured_headline_without_the_site_name():
    sources = TitleSources(
        title_tag="Council backs tunnel | The Daily Herald",
        og_title="Council backs tunnel | The Daily Herald",
        site_names=["The Daily Herald"],
    )
    assert page_title(sources, URL) == "Council backs tunnel"


def test_an_h1_the_markup_repeats_wins_in_its_visible_spelling():
    sources = TitleSources(
        title_tag='Council "backs" tunnel - Herald',
        og_title='Council "backs" tunnel',
        h1=["Council „backs“ tunnel"],
    )
    assert page_title(sources, URL) == "Council „backs“ tunnel"


def test_an_h1_that_is_the_blog_name_is_not_the_headline():
    sources = TitleSources(title_tag="Podcasts in Plex | Disfunctions", h1=["Disfunctions"])
    assert page_title(sources, "https://disfunctions.example/plex/") == "Podcasts in Plex"


def test_an_h1_the_structured_headline_states_whole_may_begin_with_the_sites_name():
    headline = "Welpen kaufen – Tipps zu jeder Hunderasse"
    sources = TitleSources(
        title_tag=f"{headline} | Welpenkaufen24", og_title=headline, h1=[headline], site_names=["Welpen"]
    )
    assert page_title(sources, "http://www.welpen.example/") == headline
    # One the structured headline does not state is still taken for the site's name.
    sources = TitleSources(
        title_tag="Tipps zu jeder Hunderasse | Welpen", og_title="Tipps zu jeder Hunderasse", h1=["Welpen kaufen"]
    )
    assert page_title(sources, "http://www.welpen.example/") == "Tipps zu jeder Hunderasse"


def test_an_h1_after_a_shorter_section_label_in_the_title_is_the_headline():
    sources = TitleSources(
        title_tag="News - Elder: From the ghetto to Augusta", h1=["Elder: From the ghetto to Augusta"]
    )
    assert page_title(sources, "https://www.golf.example/i7484_1.html") == "Elder: From the ghetto to Augusta"


def test_an_h1_the_structured_headline_repeats_before_a_section_name_the_title_repeats():
    sources = TitleSources(
        title_tag="News - Eawag",
        og_title="The first electron is what counts",
        h1=["News", "The first electron is what counts"],
    )
    assert page_title(sources, "https://www.eawag.example/de/news/") == "The first electron is what counts"


@pytest.mark.parametrize(
    "title_tag, story, site",
    [
        (
            "Snowflakes - walking the dog in winter - Martin Example DOGS",
            "Snowflakes - walking the dog in winter",
            "Martin Example DOGS",
        ),
        # The site's name after a colon with no space before it: <title> repeats the story without it.
        ("Reparaturcafé am 31. Januar: Stadt Ahlen", "Reparaturcafé am 31. Januar", "Stadt Ahlen"),
    ],
)
def test_of_differing_structured_headlines_the_one_the_title_repeats(title_tag, story, site):
    # trafilatura reads a breadcrumb's name from JSON-LD; og:title and <title> name the story.
    sources = TitleSources(title_tag=title_tag, headline="Aktuelles", og_title=story, site_names=[site])
    assert page_title(sources, URL) == story


def test_without_a_title_tag_the_json_ld_headline_comes_first():
    assert page_title(TitleSources(headline="Tunnel plan approved", og_title="Tunnel"), URL) == "Tunnel plan approved"


def test_characters_that_show_nothing_are_left_out_of_the_headline():
    # Soft hyphens mark where a long German word may break; stored, the title would not match its words.
    sources = TitleSources(
        title_tag="BKA - Pressemitteilungen 2022 - Messengerdienste sind kein rechtsfreier Raum",
        h1=["Bundeskriminalamt (BKA)", "Mes\xadsen\xadger\xaddiens\xadte sind kein rechts\xadfrei\xader Raum"],
    )
    assert page_title(sources, "https://www.bka.example/DE/Presse/") == "Messengerdienste sind kein rechtsfreier Raum"
    assert page_title(TitleSources(og_title="Zero\u200bwidth\ufeff title"), URL) == "Zerowidth title"


def test_the_pages_one_h1_before_a_differing_structured_headline():
    # The headline the page shows, not the variant for search engines and social networks.
    h1 = "Der Nervenkrieg um den Brexit geht in die nächste Runde"
    sources = TitleSources(og_title="Brexit: Nervenkrieg geht in nächste Runde", h1=[h1])
    assert page_title(sources, URL) == h1
    # In Hindi, whose words hold vowel signs between their letters ("किसानों": four letters, three signs).
    h1 = "सरकार ने किसानों के लिए नई योजना की घोषणा की"
    sources = TitleSources(og_title="किसानों के लिए नई योजना: सरकार का बड़ा फैसला", h1=[h1])
    assert page_title(sources, URL) == h1
    # Several <h1>s, or a short one (a section's name): the structured headline.
    sources = TitleSources(headline="Tunnel plan approved", h1=["Live: the council debate", "More from the region"])
    assert page_title(sources, URL) == "Tunnel plan approved"
    sources = TitleSources(headline="Tunnel plan approved", h1=["Council news"])
    assert page_title(sources, URL) == "Tunnel plan approved"
    # An <h1> holding a structured headline whole holds more than the headline (a kicker, a date).
    og_title = "Eigentumsvorbehalt: Das sollten Käufer und Verkäufer wissen"
    sources = TitleSources(og_title=og_title, h1=[f"Forderungsausfälle vermeiden {og_title}"])
    assert page_title(sources, URL) == og_title
    og_title = "Zuschauerrückkehr bei den Proficlubs der Region"
    sources = TitleSources(og_title=og_title, h1=[f"{og_title} 02.02.2022 •"])
    assert page_title(sources, URL) == og_title
    # Unless it only goes on in words of its own: the structured headline was cut short.
    h1 = "Ultium Cells erhöht Gigafactory-Kapazität in Tennessee"
    sources = TitleSources(og_title="Ultium Cells erhöht Gigafactory-Kapazität", h1=[h1])
    assert page_title(sources, URL) == h1


def test_an_h1_of_a_paragraphs_length_is_a_lead_beside_a_stated_headline():
    lead = (
        "Learn which home renovations have the best return on investment. Get expert tips on how to understand and "
        "calculate the return of a renovation, and everything else you need to know about its value."
    )
    og_title = "The 10 Best Home Renovation Projects of 2023 | RenoFi"
    sources = TitleSources(og_title=og_title, h1=[lead], site_names=["RenoFi"])
    assert page_title(sources, URL) == "The 10 Best Home Renovation Projects of 2023"
    # Without a stated headline the <h1> is all the page says.
    assert page_title(TitleSources(h1=[lead]), URL) == lead


def test_a_kicker_before_the_headline_is_cut_when_the_h1_is_the_headline():
    sources = TitleSources(og_title="Klimaschutz: Bohren, bis es heiß wird", h1=["Bohren, bis es heiß wird"])
    assert page_title(sources, URL) == "Bohren, bis es heiß wird"
    sources = TitleSources(headline="Brexit: Talks resume | The Daily Herald", h1=["Talks resume"])
    assert page_title(sources, URL) == "Talks resume"
    # Without an <h1> saying so, a colon may belong to the headline itself: it is kept.
    sources = TitleSources(og_title="Brexit: Talks resume", h1=["Europe"])
    assert page_title(sources, URL) == "Brexit: Talks resume"


def test_an_h1_that_is_the_part_between_a_kicker_and_the_site_name():
    og_title = "Olympic Games in Paris - Drinks by boat to the city centre - Daily Herald"
    sources = TitleSources(og_title=og_title, h1=["Drinks by boat to the city centre"])
    assert page_title(sources, URL) == "Drinks by boat to the city centre"
    # Without the site's name to cut, a middle part is no headline the markup states (with a second
    # <h1> beside it: the page's only one would be the headline it shows).
    og_title = "Olympic Games in Paris - Drinks by boat - Evening"
    sources = TitleSources(og_title=og_title, h1=["Drinks by boat", "Evening news from Paris"])
    assert page_title(sources, URL) == og_title


def test_without_an_h1_an_h2_the_title_repeats_is_the_headline():
    # An older blog theme: the post's title in an <h2>, the blog's name (which no markup states) after it
    # in <title>; the sidebar's <h2>s are not repeated.
    h2 = ["Alles Neue mach der Mai…", "Kategorien", "Neueste Kommentare"]
    sources = TitleSources(title_tag="Alles Neue mach der Mai… | Bibliothek 2.0 und mehr", h2=h2)
    assert page_title(sources, "http://www.bibliothek2null.example/2014/05/18/mai/") == "Alles Neue mach der Mai…"
    # <h2>s that no markup repeats are no headline: <title> without the site's name is.
    sources = TitleSources(title_tag="Council backs tunnel | The Daily Herald", h2=["Kategorien", "Archiv"])
    assert page_title(sources, URL) == "Council backs tunnel"
    # An <h2> that is the site's name (as its link home says: the caller names it a site name) is not.
    sources = TitleSources(
        title_tag="Council backs tunnel | Harbour Notes", h2=["Archiv"], site_names=["Harbour Notes"]
    )
    assert page_title(sources, URL) == "Council backs tunnel"
    # With an <h1>, the <h2>s are not read: the caller passes none.
    sources = TitleSources(title_tag="Council backs tunnel | Herald", h1=["Council backs tunnel"], h2=["Archiv"])
    assert page_title(sources, URL) == "Council backs tunnel"


def test_the_sites_name_after_a_colon_with_no_space_before_it_is_cut():
    assert strip_site_name("Reparaturcafé am 31. Januar: Stadt Ahlen", ["Stadt Ahlen"]) == "Reparaturcafé am 31. Januar"
    # More than the name after the colon, or the name before it (a town's name as the kicker): kept.
    kept = ["Produkttester werden: gratis testen bei Stadt Ahlen", "Stadt Ahlen: Reparaturcafé am 31. Januar"]
    for title in kept:
        assert strip_site_name(title, ["Stadt Ahlen"]) == title
    kicked = "Climate: Drilling until it gets hot"
    assert strip_site_name(kicked, ["The Daily Herald"]) == kicked


def test_no_title_anywhere():
    assert page_title(TitleSources(), URL) is None


SUFFIXED = [
    "Council backs tunnel | News | The Daily Herald",
    "Rowing club wins the cup | Sport | The Daily Herald",
    "Ice core drilled at Tervel | News | The Daily Herald",
    "Budget passes after all-night session | News | The Daily Herald",
    "About us | The Daily Herald",
]


def test_learn_a_suffix_shared_by_a_sites_titles():
    decoration = learn_decoration(SUFFIXED)
    assert decoration == TitleDecoration("", " | The Daily Herald")
    assert decoration.undecorate("Council backs tunnel | News | The Daily Herald") == "Council backs tunnel | News"
    assert decoration.undecorate("A title of another site") == "A title of another site"


def test_learn_a_prefix():
    titles = [f"Herald » Story number {n} about the harbour" for n in range(5)]
    decoration = learn_decoration(titles)
    assert decoration.prefix == "Herald » " and decoration.suffix == ""
    assert decoration.undecorate(titles[0]) == "Story number 0 about the harbour"


def test_nothing_learned_from_too_few_or_undecorated_titles():
    assert learn_decoration(SUFFIXED[:2]) == TitleDecoration()
    assert learn_decoration(["One story", "Another story", "A third one", "A fourth"]) == TitleDecoration()
    # Headlines that merely start alike ("Live: ...") on a minority of pages are not decoration.
    mixed = ["Live: vote tonight", "Live: results", "Tunnel plan", "Rowing cup", "Ice core", "Budget"]
    assert learn_decoration(mixed) == TitleDecoration()


def test_a_title_that_is_only_the_decoration_is_kept():
    decoration = learn_decoration(SUFFIXED)
    assert decoration.undecorate(" | The Daily Herald") == "| The Daily Herald"


def test_bare_titles_of_a_site():
    assert bare_titles(SUFFIXED)[:2] == ["Council backs tunnel | News", "Rowing club wins the cup | Sport"]
    assert bare_titles(["Only one | Herald"]) == ["Only one | Herald"]


# Chinese and Japanese sites set their name off without spaces around the separator.
UNSPACED_DECORATIONS = {
    "-新华网": ["武汉的声音：有英勇的你，才有英雄的城！", "国务院召开常务会议", "北京新增本地病例通报", "全国两会开幕"],
    "_新浪新闻": ["美国大选最新消息", "中国经济数据发布", "北京天气预报", "上海地铁新线开通"],
    "：朝日新聞デジタル": ["首相が会見で表明", "株価が大幅に上昇", "台風が九州に接近"],
    "--国际--人民网": ["新冠疫苗接种进展", "美国大选结果揭晓", "G20峰会在罗马开幕"],
    "｜聯合新聞網": ["台股收盤上漲", "颱風明天登陸", "立法院三讀通過"],
}


@pytest.mark.parametrize("suffix", UNSPACED_DECORATIONS, ids=["xinhua", "sina", "asahi", "people", "udn"])
def test_learn_the_decoration_of_a_site_writing_without_spaces(suffix):
    headlines = UNSPACED_DECORATIONS[suffix]
    titles = [headline + suffix for headline in headlines]
    decoration = learn_decoration(titles)
    assert decoration == TitleDecoration("", suffix)
    assert [decoration.undecorate(t) for t in titles] == headlines


def test_a_dash_between_latin_letters_or_digits_is_no_separator_beside_chinese():
    headlines = ["COVID-19疫情最新通报", "iPhone发布会举行", "e-mail诈骗案告破", "5G网络建设提速"]
    assert bare_titles([headline + "-新华网" for headline in headlines]) == headlines
    assert split_title("COVID-19疫情最新通报") == ["COVID-19疫情最新通报"]


def test_a_page_naming_its_site_after_an_unspaced_separator():
    sources = TitleSources(title_tag="首相が会見で表明：朝日新聞デジタル", site_names=["朝日新聞デジタル"])
    assert page_title(sources) == "首相が会見で表明"
    sources = TitleSources(title_tag="台股收盤上漲｜聯合新聞網", site_names=["聯合新聞網"])
    assert page_title(sources) == "台股收盤上漲"


def test_a_korean_title_sets_its_section_and_site_off_with_a_dash_and_a_bar():
    headline = "민주당 '선호투표제' 도입 또다시 불발··· 친청계 \"당규 개정 왜 밀어붙이나\""
    title = headline + "-정치ㅣ한국일보"
    sources = TitleSources(title_tag=title, og_title=title, site_names=["한국일보"], sections=["정치"])
    assert page_title(sources) == headline
    assert split_title("장동혁 부담 커졌다-정치ㅣ한국일보") == ["장동혁 부담 커졌다", "정치", "한국일보"]
    # A dash inside the headline splits it into parts, but none of them names the site: all kept.
    assert (
        page_title(TitleSources(title_tag="한-미 정상회담 열려 | 한국일보", site_names=["한국일보"]))
        == "한-미 정상회담 열려"
    )


def test_the_section_the_page_states_is_cut_from_beside_the_headline():
    title = "Tunnel vote passes - Politics | Daily Herald"
    stated = TitleSources(title_tag=title, site_names=["Daily Herald"], sections=["Politics"])
    assert page_title(stated) == "Tunnel vote passes"
    assert page_title(TitleSources(title_tag="Politics: Tunnel vote passes", sections=["Politics"])) == (
        "Politics: Tunnel vote passes"  # a colon sets off a kicker, not a separate part
    )
    # Another section's name, or none stated, is the headline's; nor is a title that is only the section cut.
    assert page_title(TitleSources(title_tag=title, site_names=["Daily Herald"], sections=["Sport"])) == (
        "Tunnel vote passes - Politics"
    )
    only_the_section = TitleSources(
        title_tag="Politics | Daily Herald", site_names=["Daily Herald"], sections=["Politics"]
    )
    assert page_title(only_the_section) == "Politics"


def test_an_h1_sharing_no_word_with_the_structured_headline_title_or_address_is_no_visible_headline():
    # A slogan a site shows on every page, not the story's headline.
    sources = TitleSources(og_title="Tunnel plan approved by the council", h1=["Good news every single day"])
    assert page_title(sources, "https://herald.example/2024/tunnel-vote") == "Tunnel plan approved by the council"
    # A section's name shares its words with the address's sections only, not with the story's slug.
    sources = TitleSources(og_title="Tunnel plan approved by the council", h1=["Politik aus dem Inland"])
    url = "https://herald.example/politik/inland/tunnel-plan-approved/25745432.html"
    assert page_title(sources, url) == "Tunnel plan approved by the council"
    # One word in common with the address's slug is enough.
    sources = TitleSources(og_title="A press event of the first class", h1=["Never travel without my shower head"])
    assert page_title(sources, "https://blog.example/never-without-my-shower-head") == (
        "Never travel without my shower head"
    )


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "kein App Store mehr über Mobile Daten mit iOS 13 ? | iPhone | Forum",
            "kein App Store mehr über Mobile Daten mit iOS 13 ?",
        ),
        ("Opinion | The tunnel vote was a mistake", "The tunnel vote was a mistake"),
        ("Tunnel vote | Opinion", "Tunnel vote | Opinion"),  # no part long enough to be the headline
        (
            "Tunnel vote passes easily | Council rejects the budget",
            "Tunnel vote passes easily | Council rejects the budget",
        ),
        ("Council: the tunnel vote passes - Local news", "Council: the tunnel vote passes - Local news"),  # bars only
    ],
)
def test_sections_beside_the_headline_between_bars_are_cut(title, expected):
    assert without_sections(title) == expected


def test_a_title_tags_sections_are_no_part_of_the_headline():
    sources = TitleSources(title_tag="Council rejects the tunnel budget | Politics | Local | The Daily Herald")
    assert page_title(sources, URL) == "Council rejects the tunnel budget"
