"""The people a story names as its authors: the site's own name, placeholders and "by" phrases taken out."""

from __future__ import annotations

import re
from collections.abc import Iterable

from trafilatura.metadata import normalize_authors

from crawler.extract.titles import host_names, name_key
from crawler.extract.words import HANGUL, IDEOGRAPHS
from dedup.marks import COMBINING_MARKS

# The word a byline puts before the name ("By", "Von", "Por", "Door" ...), as a regular expression. (Not
# the list _BY_PHRASE takes off the front of a name: there "di" would cut "Di Maria".)
BYLINE_WORD = r"(?:by|von|par|por|di|door|av|af)"
# What a byline line puts before the names, as a regular expression: a byline's word or a label ("Autor:",
# "Words:", "Ein Artikel von"). The readers of bylines in words (lines of the story, pieces of text beside the
# headline) share it.
BYLINE_LEAD = (
    rf"(?:{BYLINE_WORD}|autor|autorin|author|text von|(?:ein |blog[- ]?|gast)?(?:artikel|beitrag) von"
    r"|(?:text|texto|texte|words)\s*:)"
)
# A label of one word (an article before it at most) before a byline's "von" or "by", in the page's own case
# ("capital von Jemima Kelly", "Ein Kommentar von ...", "Analysis by ..."), a capital letter after it. Not two
# words of any kind: "Ann Example von Reuters Berlin" names its author first.
_LABEL_THEN_BY = re.compile(
    r"^(?:(?i:ein|eine|a|an|the|un|une|una|uno|el|la|le|der|die|das)\s+)?\S+\s+(?:von|by|par|por|door|av|af)\s+"
    r"(?=[^\W\d_a-z])"
)
# What blog software writes before an author's name in the link to their archive.
ARCHIVE_PHRASE = r"(?:view|see) all (?:posts|articles|stories) by|(?:zeige )?alle (?:beiträge|artikel) von"
# What pages put in front of a name: "By", "Von", "Por", "View all posts by", "责任编辑：".
_BY_PHRASE = re.compile(
    rf"^(?:{ARCHIVE_PHRASE}|zum profil von"
    r"|(?:posted|written|written and edited|reported|article) by|(?:geschrieben|artikel|beitrag|ein beitrag|text) von"
    r"|about the author|read more about|by|von|vom|por|par|auteur|autor|authors|author|autorin|interview)\s*:?\s+"
    r"|^(?:责任编辑|責任編輯|编辑|編輯|作者|撰文|文|图文|文/图)\s*[:：/／]\s*"
    # A reporter, after the outlet that sent them ("本报记者", "新华社记者"): "记者张三", "記者 山田太郎".
    rf"|^[{IDEOGRAPHS}]{{0,6}}?(?:记者|記者|通讯员|通訊員)\s*[:：]?\s*",
    re.IGNORECASE,
)
# A person's name in Chinese or Japanese, written without a space: two to four characters (张三, 欧阳修远,
# 山田太郎), or a foreign name spelt with a middle dot (唐纳德·特朗普, ドナルド・トランプ); not an organisation,
# whose name ends in what it is (新华网, 新华社, 人民日报, 中央电视台).
_IDEOGRAPHIC_PERSON = re.compile(rf"^[{IDEOGRAPHS}]{{2,4}}$|^[{IDEOGRAPHS}]{{1,10}}(?:[·・][{IDEOGRAPHS}]{{1,10}})+$")
_ORGANISATION_END = re.compile(
    r"(?:网|網|社|报|報|台|刊|部|局|院|所|会|會|中心|新闻|新聞|频道|頻道|杂志|雜誌|集团|集團|公司|媒体|媒體|放送)$"
)
# Words of the labels and headings around a byline, never of a name ("作者简介", "关于我们", "小编", "佚名").
_LABEL_WORDS = re.compile(
    "作者|简介|簡介|关于|關於|我们|我們|编辑|編輯|记者|記者|小编|小編|佚名|匿名|未知|管理|本站|网友|網友|来源|來源"
    "|责任|責任|更多|相关|相關|推荐|推薦|热门|熱門|首页|首頁|新闻|新聞"
)
# Between the names of a Chinese or Japanese byline ("张三、李四").
_IDEOGRAPHIC_COMMA = re.compile("[、，]")
# A Korean byline gives the role after the names ("홍길동 기자", "홍길동·김철수 특파원"), a middle dot between them.
_KOREAN_ROLE_AFTER = re.compile(r"\s*(?:선임|객원|수습|인턴)?(?:기자|특파원|통신원|논설위원|편집위원)$")
_BETWEEN_HANGUL = re.compile(rf"(?<=[{HANGUL}])\s*[·ㆍ]\s*(?=[{HANGUL}])")
# A person's name in Korean, written as one word: a family name of one syllable (two in a few: 남궁, 선우) and a
# given name of one or two: two to four syllables (홍길동, 남궁민수); not an outlet or desk, whose name ends in what it
# is (연합뉴스, 조선일보, 편집부), nor a placeholder (관리자 "administrator", 기자 "reporter", 익명 "anonymous").
_HANGUL_PERSON = re.compile(f"^[{HANGUL}]{{2,4}}$")
_KOREAN_NOT_A_PERSON = re.compile(
    "(?:뉴스|일보|신문|방송|통신|미디어|닷컴|투데이|타임즈|타임스|저널|매거진|편집부|편집국|취재부|취재팀|보도국|기자단|데스크"
    "|센터|재단|협회|위원회)$"
    "|^(?:관리자|운영자|작성자|편집자|에디터|기자|저자|필자|글쓴이|익명|특파원|통신원|논설위원|편집위원|사용자|홈페이지)$"
)
# A role written before a person's name ("Rechtsanwalt Sebastian Einbock", "FOCUS-Online-Experte Robin Tschöpe"):
# the name is who wrote the story. Only before two words or more: alone, it is no name to keep.
_ROLE = re.compile(
    r"^(?:[\w-]+-)?(?:experte|expertin|rechtsanwalt|rechtsanwältin|fachanwalt|fachanwältin|redakteur|redakteurin"
    r"|chefredakteur|chefredakteurin|korrespondent|korrespondentin|reporter|reporterin)\s+(?=\S+\s+\S)",
    re.IGNORECASE,
)
# What joins the two people an interview names ("Richard David Precht im Gespräch mit Karin Fischer"): each
# is one of its authors, as "und" or "and" between them would make them (trafilatura splits only at those).
_IN_CONVERSATION_WITH = re.compile(
    r"\s+(?:im gespräch mit|im interview mit|in conversation with|en conversación con|en entretien avec)\s+",
    re.IGNORECASE,
)
# "And" in languages trafilatura does not split at ("Rocío Latorre y José Miguel Wilson", Danish and Norwegian
# "og", Swedish "och", Polish "i"); lower case only, as "Y" or "E" between names is an initial. Split only between
# two full names: "José Ortega y Gasset" is one person.
_OTHER_ANDS = r"y|e|et|og|och|i"
_AND = re.compile(rf"\s+(?:{_OTHER_ANDS})\s+")
# A footer's credits or copyright line, read as a byline ("Hecho en Bolivia con Drupal por Smartica", "Catch
# Themes", "Copyright Haufe-Lexware GmbH & Co KG"): it names who built or owns the site, not who wrote the story.
_SITE_CREDIT = re.compile(
    r"\b(?:copyright|themes?|drupal|wordpress|joomla|typo3)\b|©|^(?:hecho en|made with|powered by|designed by)\b",
    re.IGNORECASE,
)
# A description given as a name beside a person's ("Ann Example, professor of history at the University of X",
# "..., Mykolo Romerio universiteto ... fakulteto profesorius"): this many words, this many in lower case that
# are no particle of a name ("Maria da Conceição dos Santos e Silva").
MIN_DESCRIPTION_WORDS = 5
MIN_DESCRIPTION_LOWER_CASE_WORDS = 3
_NAME_PARTICLES = frozenset(
    ("von", "vom", "zu", "und", "van", "der", "den", "ter", "ten", "de", "del", "della", "di", "da", "das", "do",
     "dos", "du", "la", "le", "y", "e", "bin", "ibn", "al", "el")
)  # fmt: skip
# What content management systems and templates fill the author field with when nobody is named.
_PLACEHOLDERS = frozenset(
    ("admin", "administrator", "wordpressadmin", "webmaster", "name", "no author", "author", "autor", "posted",
     "follow", "datum", "date", "unknown", "text", "human", "小编", "小編", "佚名", "匿名", "未知", "管理员",
     "管理員", "本站", "网友", "網友",
     # A byline's label read without the name beside it (a link's label alone: _LINK_LABEL_TAIL).
     "written by", "about the author", "more about me", "authors")
)  # fmt: skip
# A link beside the byline read as the name's last words ("Zander Dejah See more", "Alex Woodbury Subscribe",
# "Tracey Bible ... Read more about Tracey Bible"). One at a time, a few at most: a pattern taking a run of them
# at once tries every run at every space, and a hostile page's thousands of "see more" took seconds.
_LINK_LABEL_TAIL = re.compile(
    r"\s+(?:see more|read more(?: about .*)?|view (?:all |more )?(?:posts|articles)(?: by .*)?|subscribe)$",
    re.IGNORECASE,
)
MAX_LINK_LABELS = 3
# The label of a date that follows a byline ("Sara Example  Stand: 05.02.2020", "Team X vor 5 Stunden"):
# trafilatura drops the date's digits and leaves the label as a last word of the name, or as a name.
_DATE_LABELS = frozenset(("stand", "vor", "aktualisiert", "veröffentlicht", "updated", "published"))
# Labels of a reading time or publication time after the byline, their figures gone the same way ("Tiempo de
# lectura: 8 minutos").
_TIME_LABELS = (
    "tiempo de lectura", "lesezeit", "reading time", "min read", "temps de lecture", "tempo di lettura", "leestijd",
    "hora de publicación del artículo", "fecha de publicación", "last updated",
)  # fmt: skip
_DATE_LABEL_TAIL = re.compile(
    r"(?:\s+(?:" + "|".join(map(re.escape, sorted((*_DATE_LABELS, *_TIME_LABELS)))) + r"))+$", re.IGNORECASE
)
# The month of a date after the byline ("Gary Marcus Dec 07, 2025", "Supermove February 8", "Haley Hoekstra •
# March"): trafilatura drops its figures or keeps them, and the month stays as the name's last word, or as a name.
# After a name, only a month no name ends with is cut; after a date's label or a separator ("Last Updated August 1",
# "• June"), any month, May, June and August being names too.
_MONTHS_NO_NAME_ENDS_WITH = (
    "january", "february", "september", "october", "november", "december",
    "feb", "apr", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
)  # fmt: skip
_MONTHS_ALSO_NAMES = ("march", "april", "may", "june", "july", "august", "jan", "mar", "jun")
_MONTH_LABELS = ("on", "posted", "last updated", *sorted(_DATE_LABELS))
_MONTH_TAIL = re.compile(
    rf"(?:\s+(?:{'|'.join(_MONTHS_NO_NAME_ENDS_WITH)})"
    rf"|(?:\s*[•|·]\s*|\s+(?:{'|'.join(_MONTH_LABELS)})\s+)"
    rf"(?:{'|'.join((*_MONTHS_NO_NAME_ENDS_WITH, *_MONTHS_ALSO_NAMES))}))\.?(?:\s+\d{{1,4}}(?:st|nd|rd|th)?,?)*$",
    re.IGNORECASE,
)
_DEGREES = frozenset(("phd", "ph d", "md", "dr", "prof", "mba", "msc", "bsc"))
# The words of a job title given beside the name as a name of its own ("Ann Example, Staff Writer").
_JOB_WORDS = frozenset(
    ("staff", "writer", "writers", "reporter", "reporters", "editor", "editors", "correspondent", "contributor",
     "contributing", "columnist", "senior", "chief", "associate", "deputy", "managing", "freelance", "guest",
     "special", "political", "business", "sports", "science", "news", "desk", "trending",
     # A company's or a blog's: its founder, its reviewers, a consultant writing for it.
     "ceo", "founder", "co-founder", "cofounder", "director", "lead", "analyst", "reviewer", "consultant",
     "attorney")
)  # fmt: skip
# The country of a publisher's address, which structured data give beside its name, after the city
# ("Süddeutsche.de GmbH; Munich; Germany").
_COUNTRIES = frozenset(
    ("germany", "deutschland", "austria", "österreich", "switzerland", "schweiz", "suisse", "france", "italy",
     "italia", "spain", "españa", "united kingdom", "uk", "united states", "usa", "us")
)  # fmt: skip
# The last labels of host names: "Facebook Com", "Hessenschau De" are addresses, not people. (Not
# those that end people's names too: "Emily Co".)
_TLDS = frozenset(
    ("com", "net", "org", "info", "eu", "de", "at", "ch", "fr", "es", "uk", "io", "nl", "pl", "se", "dk", "fi",
     "pt", "br", "ru", "cz", "sk", "hu", "ro", "gr", "ie", "cl", "mx")
)  # fmt: skip
_ARTICLES = ("the ", "die ", "der ", "das ", "el ", "la ", "le ", "les ", "il ", "lo ")
# Taken off the ends of each name: spaces, and the quotation marks around a list of names
# (content="'Ann Example, Bo Writer'"); an apostrophe inside a name stays.
_SPACES_AND_QUOTES = " \t'\"‘’‚“”„«»"
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")  # left out of the key under which two writings of a name are one
_INITIAL = re.compile(r"^(?:[^\W\d_]|jr|sr)$", re.IGNORECASE)
# A letter, or a vowel sign of Hindi or Bengali after one: "राहुल शर्मा" is two words of letters (scripts without
# capitals begin theirs with any letter).
_LETTER = rf"(?:[^\W\d_]|[{COMBINING_MARKS}])"
_CAPITALISED_WORD = rf"[^\W\d_a-z]{_LETTER}*(?:[-'’.]{_LETTER}+)*\.?"
_PERSON = re.compile(rf"^{_CAPITALISED_WORD}(?: {_CAPITALISED_WORD}){{1,2}}$")
# Between the people a byline names: a comma, an "and", or a slash (agencies write "Peter Maahn/SP-X").
_BETWEEN_NAMES = re.compile(rf"\s*[,/]\s*|\s+(?:(?i:and|und)|&|{_OTHER_ANDS})\s+")
# The broadcaster or agency a byline names after its people, by its short name: in capitals ("NDR", "AP",
# "SP-X") or, as German agencies write theirs, in lower case ("dpa", "epd").
_OUTLET = re.compile(r"^(?:[A-Z][A-Z0-9-]{1,5}|[a-z]{2,4})$")


def tidy_authors(authors: str | None, url: str, site_names: Iterable[str | None], sources: Iterable[str]) -> str | None:
    """``authors`` (trafilatura's form, names joined by "; ") with what is not a person's name left out.

    The two people an interview's byline names ("X im Gespräch mit Y") are two authors, and so are two full names
    joined by "y", "e", "et", "og", "och" or "i"; a name given twice in other writing ("Chuck Ross", "Chuck-Ross")
    is given once, and a name written surname first ("Brazil, Rachel", split at its comma) is one person where the
    page writes it given name first ("Rachel Brazil"). None for a footer's credits or copyright line ("... con
    Drupal por Smartica"). Left out: quotation marks around the names, a "by" phrase or a role ("Rechtsanwalt")
    before a name, a name's second writing right after it ("jesusfreak jesusfreak"), the label of a date or reading
    time after it ("Stand", "vor" of "vor 5 Stunden", "Tiempo de lectura": trafilatura keeps it without the
    figures) and the date's month ("Dec" of "Dec 07, 2025", see _MONTH_TAIL), single letters, host names,
    placeholders a template fills in ("Admin", "No author"), a byline's label or a link's read as a name or after
    one ("Written by", "Zander Dejah See more"), a degree given as a name ("PhD"), a name that is only
    another's initials, a publisher's city and country ("Munich; Germany"), and the site's own name
    (``site_names``, the URL's host) or a job title ("Staff Writer") beside the people who wrote for it, or after a
    name with no separator ("Ann Example Herald Staff"): alone, it is who the page says wrote it (a personal blog,
    a press office).
    Initials lose their full stops in trafilatura's normalisation ("Leah C Stokes"), a user name its "_" or
    "." ("Herr Rein"); where the page's ``sources`` (its metadata strings) write them so, the name is given
    as written. None when no name is left.
    """
    # One space between words: what a name is matched by expects no more, and a run of thousands (a hostile page's)
    # would cost the patterns that read a name's end time in its square.
    authors = " ".join(authors.split()) if authors else authors
    if not authors or _SITE_CREDIT.search(authors):
        return None
    edges = _SPACES_AND_QUOTES
    parts = (
        part
        for name in authors.split(";")
        for listed in _IDEOGRAPHIC_COMMA.split(name)
        for korean in _BETWEEN_HANGUL.split(_KOREAN_ROLE_AFTER.sub("", listed.strip(edges)))
        for person in _IN_CONVERSATION_WITH.split(korean)
        for part in _between_full_names(person)
    )
    names = [_ROLE.sub("", _BY_PHRASE.sub("", name.strip(edges))).strip(edges) for name in parts]
    names = [_said_once(_without_link_labels(_without_date_after(name))) for name in names]
    names = _without_address(n for n in names if n and not _not_a_name(n))
    if not names:
        return None
    sources = list(sources)
    names = _surname_first_rejoined(names, sources)
    initials = {"".join(word[0] for word in n.split()).casefold() for n in names if len(n.split()) > 1}
    names = [n for n in names if not (len(n.split()) == 1 and n.isupper() and n.casefold() in initials)]
    sites = _site_keys(url, site_names)
    names = [_without_job_after(n, sites) for n in names]
    names = [n for n in names if not _is_site(n, sites)] or names
    names = [n for n in names if not _is_job_title(n)] or names
    names = [_as_written(n, sources) for n in names]
    # In the page's case: trafilatura title-cases a name written all in lower case.
    names = [n for n in names if not _is_description(n)] or names
    # Once each, as first written: a byline's "Chuck Ross" and the address of his page's "Chuck-Ross" are one.
    once: dict[str, str] = {}
    for name in names:
        once.setdefault(_NOT_ALPHANUMERIC.sub("", name).casefold(), name)
    return "; ".join(once.values())


def _without_date_after(name: str) -> str:
    """A name without the date a byline gives after it: its month and figures (_MONTH_TAIL; a name that is only a
    date is matched from its first word, a space put before it), then the label left of a date or reading time
    (_DATE_LABEL_TAIL)."""
    return _DATE_LABEL_TAIL.sub("", _MONTH_TAIL.sub("", f" {name}").strip())


def _without_link_labels(name: str) -> str:
    """A name without the labels of the links after it (_LINK_LABEL_TAIL), MAX_LINK_LABELS at most."""
    name = f" {name}"  # a name that is only a link's label ("View more posts") is matched from its first word
    for _ in range(MAX_LINK_LABELS):
        name, cut = _LINK_LABEL_TAIL.subn("", name)
        if not cut:
            break
    return name.strip()


def _said_once(name: str) -> str:
    """A name written twice in a row, as a byline's link and the picture beside it give it ("jesusfreak
    jesusfreak", "Ann Example Ann Example"), once."""
    words = name.split()
    half = len(words) // 2
    return " ".join(words[:half]) if half and len(words) % 2 == 0 and words[:half] == words[half:] else name


def _without_address(names: Iterable[str]) -> list[str]:
    """``names`` without a country and the one-word city before it: an address, not who wrote the story."""
    kept: list[str] = []
    for name in names:
        if name.casefold() not in _COUNTRIES:
            kept.append(name)
        elif kept and len(kept[-1].split()) == 1:
            kept.pop()
    return kept


def _surname_first_rejoined(names: list[str], sources: list[str]) -> list[str]:
    """``names`` with each name written surname first ("Brazil, Rachel", as Dublin Core and citation meta tags
    write one), which trafilatura splits at its comma into two one-word names ("Brazil; Rachel"), given as one
    person where the page writes them given name first ("Rachel Brazil" in its JSON-LD). Two one-word names
    the page never writes so stay two: "Ann, Bo" may be two people."""
    rejoined: list[str] = []
    index = 0
    while index < len(names):
        surname = names[index]
        given = names[index + 1] if index + 1 < len(names) else None
        person = _written_form(f"{given} {surname}", sources) if given and " " not in surname else None
        rejoined.append(person or surname)
        index += 2 if person else 1
    return rejoined


def _between_full_names(name: str) -> list[str]:
    """``name`` split at an "and" (y, e, et) with a name of two words or more on each side of every one."""
    parts = _AND.split(name)
    if len(parts) > 1 and all(len(part.split()) > 1 for part in parts):
        return parts
    return [name]


def people_named(names: str) -> str | None:
    """The people a byline's ``names`` are, joined by "; " as trafilatura joins them, when each of them looks
    like a person's name ("Volkmar Kabisch, Jan Lukas Strozyk und Benedikt Strunz"); an outlet's short capitals
    after them ("..., NDR") left out. None when any other part is no person's name."""
    if looks_like_a_person(names):
        return names
    parts = [part.strip() for part in _BETWEEN_NAMES.split(names)]
    if len(parts) > 1 and _OUTLET.match(parts[-1]):
        parts.pop()
    if all(looks_like_a_person(part) for part in parts):
        return "; ".join(parts)
    return None


def after_a_label(byline: str) -> str:
    """A byline as written without a label before its "von" or "by" (see _LABEL_THEN_BY) when people's names
    follow ("capital von Jemima Kelly" -> "Jemima Kelly", "Analysis by Ann Example and Bo Writer"); else as it
    is: "Ursula von der Leyen" and "Alexander von Humboldt" are names."""
    label = _LABEL_THEN_BY.match(byline)
    if label is None:
        return byline
    rest = byline[label.end() :]
    named = normalize_authors(None, rest)
    return rest if named and all(looks_like_a_person(name) for name in named.split("; ")) else byline


def names_only_the_site(authors: str, url: str, site_names: Iterable[str | None]) -> bool:
    """Whether tidied ``authors`` are only the site's own name: who wrote the page when nobody else is named."""
    sites = _site_keys(url, site_names)
    return all(_is_site(name, sites) for name in authors.split("; "))


def looks_like_a_person(authors: str) -> bool:
    """Whether tidied ``authors`` are one person's name as bylines write it: two or three capitalised words, or
    a name in Chinese, Japanese (see _IDEOGRAPHIC_PERSON) or Korean (_HANGUL_PERSON)."""
    if ";" in authors:
        return False
    if _PERSON.match(authors) is not None:
        return True
    if _HANGUL_PERSON.match(authors) is not None:
        return _korean_person(authors)
    return (
        _IDEOGRAPHIC_PERSON.match(authors) is not None
        and _ORGANISATION_END.search(authors) is None
        and _LABEL_WORDS.search(authors) is None
    )


def korean_names(authors: str) -> bool:
    """Whether ``authors`` are Korean people's names written without a space, as an author meta tag gives them:
    one or more (a middle dot between them), the role after them or not ("홍길동", "홍길동기자", "김철수·이영희")."""
    names = _BETWEEN_HANGUL.split(_KOREAN_ROLE_AFTER.sub("", authors.strip()))
    return all(_korean_person(name) for name in names)


def _korean_person(name: str) -> bool:
    """A Korean person's name written as one word (see _HANGUL_PERSON), not an outlet's, a desk's or a placeholder."""
    return _HANGUL_PERSON.match(name) is not None and _KOREAN_NOT_A_PERSON.search(name) is None


def _site_keys(url: str, site_names: Iterable[str | None]) -> set[str]:
    return {name_key(_without_article(name)) for name in (*site_names, *host_names(url)) if name}


def _is_site(name: str, sites: set[str]) -> bool:
    # Matched whole ("Die Tagespost" for die-tagespost.de), not as titles' parts are: a person's name may
    # hold the site's ("FOCUS-Online-Experte Robin Tschöpe").
    return name_key(_without_article(name)) in sites or name_key(name) in sites


def _without_article(name: str) -> str:
    lowered = name.casefold()
    return next((name[len(a) :] for a in _ARTICLES if lowered.startswith(a)), name)


def _not_a_name(name: str) -> bool:
    folded = " ".join(name.casefold().replace(".", " ").split())
    if len(folded) < 2 or folded in _PLACEHOLDERS or folded in _DEGREES or folded in _DATE_LABELS:
        return True
    words = folded.split()
    # A host name, title-cased by trafilatura ("Www Daily Herald De": its dots and hyphens became spaces).
    return len(words) > 1 and words[-1] in _TLDS and (len(words) <= 3 or words[0] == "www")


def _is_job_title(name: str) -> bool:
    """A job title given as a name ("Staff Writer", "Senior Correspondent"): beside a person's name, it is no
    one's; alone, it is who the page says wrote it."""
    words = set(name.casefold().split())
    return bool(words) and words <= _JOB_WORDS


def _is_description(name: str) -> bool:
    """What someone does, given as a name (see MIN_DESCRIPTION_WORDS): beside a person's name, no one's."""
    words = name.split()
    lower_case = sum(1 for word in words if word[0].islower() and word not in _NAME_PARTICLES)
    return len(words) >= MIN_DESCRIPTION_WORDS and lower_case >= MIN_DESCRIPTION_LOWER_CASE_WORDS


def _without_job_after(name: str, sites: set[str]) -> str:
    """A person's name followed, with no separator, by a job title or by the site's name and one ("Ann
    Example Staff Writer", "Adam Aaronson PhillyVoice Staff"): the name alone, if it looks like one."""
    words = name.split()
    end = len(words)
    while end > 2 and words[end - 1].casefold() in _JOB_WORDS:
        end -= 1
    if end == len(words):
        return name
    # The site's name before the job title, in one word or several ("Daily Herald Staff").
    end = next((i for i in range(2, end) if _is_site(" ".join(words[i:end]), sites)), end)
    person = " ".join(words[:end])
    return person if looks_like_a_person(person) else name


def _has_initials(name: str) -> bool:
    return len(name.split()) > 1 and any(_INITIAL.match(word) for word in name.split())


def _as_written(name: str, sources: list[str]) -> str:
    """The name as the page writes it: initials with their full stops ("Leah C. Stokes"), a user name's
    words joined by "_" or "." ("Herr_Rein", "Isabella.DiBiase"; trafilatura makes them spaces), a user
    name with its figures ("Bo2man", "happyface313"; trafilatura cuts a name at its first figure)."""
    if len(name.split()) < 2:
        return _with_its_figures(name, sources)
    return _written_form(name, sources) or name


def _written_form(name: str, sources: list[str]) -> str | None:
    """A name of two words or more as a source writes it (see :func:`_as_written`), or None if none does."""
    words = name.split()
    initials = _has_initials(name)
    # Initials are matched in any case (trafilatura capitalises them); other names as spelt, so a
    # substring test passes over the sources that do not hold them before any pattern is built.
    holding = sources if initials else [s for s in sources if words[0] in s and words[-1] in s]
    if not holding:
        return None  # no pattern built (compiling one costs more than the rest of the author's reading)
    # Words apart as written, a full stop between them ("T.V. Raman"), or a user name's joint; never run
    # together, and not inside an address (".../author/John_Smith", "John.Smith@example.com").
    joint = r"(?:(?<=\.)\s*|\s+|[._])"
    pattern = joint.join(re.escape(w) + (r"\.?" if _INITIAL.match(w) else "") for w in words)
    written = re.compile(rf"(?<![\w./]){pattern}(?![\w@/])", re.IGNORECASE if initials else 0)
    for source in holding:
        found = written.search(source)
        if found:
            return " ".join(found.group(0).split())
    return None


def _with_its_figures(name: str, sources: list[str]) -> str:
    """A one-word name as a source writes it with the figures and letters run on after it, the user name
    trafilatura cut at its first figure ("Bo" of "Bo2man"); else as it is."""
    folded = name.casefold()
    holding = [s for s in sources if folded in s.casefold()]  # most pages: none, and no pattern is built
    if not holding:
        return name
    # A word of its own: not part of an address, a file's name ("tim2020.jpg") or a hyphenated word.
    written = re.compile(rf"(?<![\w@./-]){re.escape(name)}\d\w*(?![\w@./-])", re.IGNORECASE)
    for source in holding:
        found = written.search(source)
        if found:
            return found.group(0)
    return name
