"""The bare headline of a page: structured headline and <h1> first, site-name decoration cut off.

Pages decorate their titles with the site's name ("Tunnel vote | The Daily Herald", "Herald » Tunnel
vote"). :func:`page_title` picks the headline from what one page says; :func:`learn_decoration` (and
:func:`bare_titles`) learns what a site adds to every title from many of its pages, which one page
cannot tell.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from crawler.extract.words import HANGUL, IDEOGRAPHS, WORD, clean, count_words, visible
from dedup.marks import COMBINING_MARKS

# What sites put between a headline and their name: a bar, a dash or a guillemet with spaces
# around it, or a colon after the name ("Herald: ..." is rare; "... : Herald" is common). Chinese and
# Japanese titles, written without spaces, set them off with a dash, an underscore or a full-width
# colon or bar that touches the characters ("标题-新华网", "标题_新浪新闻", "見出し：朝日新聞デジタル",
# "標題｜聯合新聞網"); only beside such a character, so that "COVID-19" and "e-mail" stay whole. Korean
# titles set the site off with a dash before the Hangul of a section's or the site's name and the letter
# ㅣ as a bar ("제목-정치ㅣ한국일보"): a dash inside a headline ("한-미 정상회담") splits it into parts too, but
# only parts at an edge that name the site or the page's section are ever cut.
SEPARATOR = re.compile(
    r"\s+(?:[|»«›‹·•⋆/~:–—－-]|::|\\\\|-{2})\s+|\s*[|｜丨ㅣ]\s*"
    rf"|(?<=[{IDEOGRAPHS}])(?:-{{1,2}}|[_－：])|(?:-{{1,2}}|[_－：])(?=[{IDEOGRAPHS}])|-(?=[{HANGUL}])"
)
# Separator characters left at either end once a part is cut off.
EDGE_PUNCTUATION = " |»«›‹·•⋆/~:–—-｜丨ㅣ_－："
# A kicker before a headline in the structured title, written as a label with a colon ("Brexit: ...",
# "Corona-Lockerungen: ..."); only believed when the page's <h1> is the rest.
KICKER_BEFORE = re.compile(r"^[^:|]{2,40}:\s+(.{3,})$")
MAX_KICKERS = 5  # "Sport: Football: Premier League: ...": kickers read before a headline, one after another
MIN_HEADLINE_CHARS = 3
# Exactly what str.isalnum() rejects (re's \w is isalnum() plus "_"); one regex pass, not a test per character.
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
MAX_TITLE_CHARS = 400
# A title or a site's name stated at more than this is none: a <title> left open holds the rest of the
# document (libxml2 reads it so, as browsers do), and a CMS may write a whole story into its headline field.
# Cutting a title into its parts and keying each run of them costs the square of its length: such a page
# held its worker for minutes, past the time limit, where trafilatura took a hundredth of a second. The
# longest stated on the evaluation corpus is 258 characters.
MAX_STATED_CHARS = 1000
MAX_NAME_PARTS = 4  # a site's name spelt with separators of its own spans this many of a title's parts at most
# A part of a title is the site's name when it begins it in this many words or more, and this share of its
# letters; or when its initials spell it, this many or more ("FBFS", "NPR": fewer spell too many things).
MIN_NAME_WORDS = 2
MIN_NAME_SHARE = 0.75
MIN_INITIALS = 3
# What blog templates put beside the headline in every title ("Blog » Blog Archive » Story").
TEMPLATE_PARTS = frozenset(("blogarchive", "blogarchiv"))
# A learned prefix or suffix must decorate at least this share of a site's titles, and this many.
MIN_DECORATED_SHARE = 0.8
MIN_DECORATED_TITLES = 3
MIN_VISIBLE_HEADLINE_WORDS = 3  # a page's one <h1> of fewer words is more often a section's name
MAX_HEADLINE_WORDS = 30  # the longest title of the evaluation corpus has 30 words
_GOES_ON_IN_WORDS = re.compile(r"^(?:[:,–-]\s*)?[^\W\d_]")  # a word next, after a colon or dash at most
_SEPARATOR = re.compile(r"[|•·»]")  # between a title's parts, not inside a headline
# Four letters and more, each with the vowel signs written on it ("सरकार": स र का र).
_LONG_WORD = re.compile(rf"(?:[^\W\d_][{COMBINING_MARKS}]*){{4,}}")
_BAR = re.compile(r"\s*\|\s*")
_COLON = re.compile(r"^([^:]{3,}):\s+([^:]{3,})$")  # one colon, a space after it, three characters either side
# Beside a headline between bars, a part of this many words at most is a section's name ("Story | iPhone |
# Forum", "Opinion | Story"), beside a headline of at least MIN_WORDS_BESIDE_SECTIONS.
MAX_SECTION_WORDS = 2
MIN_WORDS_BESIDE_SECTIONS = 4


def name_key(text: str) -> str:
    """A spelling-insensitive form of a name or title: case, accents, punctuation and spaces ignored."""
    return _NOT_ALPHANUMERIC.sub("", unicodedata.normalize("NFKD", text.casefold()))


def host_names(url: str) -> set[str]:
    """Names a site may call itself by, read from its host: 'www.daily-herald.co.uk' -> 'daily-herald', ..."""
    host = (urlsplit(url).hostname or "").lower()
    labels = [label for label in host.split(".") if label and label != "www"]
    names = {".".join(labels)} if labels else set()
    for label in labels[:-1]:
        if len(label) > 2:
            names.add(label)
    return names


def _is_site_name(part: str, site_names: Iterable[str]) -> bool:
    """Whether ``part`` (of a title, or a heading) is one of ``site_names``, spelt any way; the host name that
    ends or begins it ("Daily Herald" for "The Daily Herald", "Krimiblog-Archiv"); most of a name it begins, in
    two words or more ("Thrive Internet Marketing" of "Thrive Internet Marketing Agency", not "New York" of "New
    York Post"); or the name its words' initials spell ("Farm Bureau Financial Services" on fbfs.com)."""
    key = name_key(part)
    if not key or key in TEMPLATE_PARTS:
        return True  # a separator with nothing around it, or the template's words
    words = WORD.findall(part)
    initials = "".join(word[0] for word in words).casefold() if len(words) >= MIN_INITIALS else ""
    for name in site_names:
        other = name_key(name)
        if other and (key == other or (len(other) >= 4 and (key.startswith(other) or key.endswith(other)))):
            return True
        begins = len(words) >= MIN_NAME_WORDS and MIN_NAME_SHARE * len(other) <= len(key) < len(other)
        if (begins and other.startswith(key)) or (initials and initials == other):
            return True
    return False


def split_title(title: str) -> list[str]:
    """The parts of a title between separators: 'A | B - C' -> ['A', 'B', 'C']."""
    return [p for p in (clean(p).strip(EDGE_PUNCTUATION) for p in SEPARATOR.split(title)) if p]


def strip_site_name(title: str, site_names: Iterable[str]) -> str:
    """``title`` without leading and trailing parts that name the site (one of ``site_names``)."""
    names = [n for n in site_names if n and n.strip()]
    keys = {name_key(n) for n in names}
    return _without_colon_name(_without_site_parts(title, names, keys), keys)


def _without_site_parts(title: str, names: list[str], keys: set[str]) -> str:
    """``title`` without the parts at either end that its separators set off and that name the site."""
    parts = split_title(title)
    if len(parts) < 2:  # nothing to strip, but a separator left dangling at an end ("Site name -")
        return parts[0] if parts else ""
    if not names:
        return clean(title)
    end = len(parts) - _site_parts(parts, names, keys, from_end=True)
    start = _site_parts(parts[:end], names, keys)
    # The site's name after the headline, then its slogan or a section: "Story : Krimiblog | Ermittlungen".
    end = next((i for i in range(start + 1, end) if _is_site_name(parts[i], names)), end)
    if (start, end) == (0, len(parts)):
        return clean(title)
    return _rejoin(title, parts[start], parts[end - 1])


def _without_colon_name(title: str, keys: set[str]) -> str:
    """``title`` without the site's name (its key one of ``keys``) after a colon that no space precedes,
    which no separator is: "Story: Stadt Ahlen". Not before one: "Ahlen: Story" on a town's site is a
    headline with its kicker. A colon is no separator of :func:`split_title`, where it would split kickers."""
    colon = _COLON.match(title)
    if colon is None or name_key(colon.group(2)) not in keys:
        return title  # only the name spelt whole: more after the colon is a headline's rest
    return colon.group(1).strip()


def _site_parts(parts: list[str], names: list[str], keys: set[str], from_end: bool = False) -> int:
    """How many parts at the start of ``parts`` (at its end with ``from_end``) name the site, one part at
    least left: each one that does, and a name with a separator of its own spelt whole over several
    ("Story - Salsa-Figuren - Rueda in Berlin"; the longest such run first)."""
    ordered = parts[::-1] if from_end else parts
    taken = 0
    while len(ordered) - taken > 1:
        rest = ordered[taken:]
        # Runs of parts in reading order, the longest first; a name is spelt over a few at most.
        longest = min(len(rest) - 1, MAX_NAME_PARTS)
        runs = ((n, rest[:n][::-1] if from_end else rest[:n]) for n in range(longest, 1, -1))
        whole = next((n for n, run in runs if name_key("".join(run)) in keys), None)
        if whole is not None:
            taken += whole
        elif _is_site_name(rest[0], names):
            taken += 1
        else:
            break
    return taken


def without_sections(title: str) -> str:
    """``title`` without the sections' names a bar separates from its one headline: "Story | iPhone |
    Forum" and "Opinion | Story" give "Story"; a title of short parts, or of two long ones, is kept."""
    parts = [p for p in _BAR.split(title) if p]
    if len(parts) < 2:
        return title
    long = [p for p in parts if count_words(p) > MAX_SECTION_WORDS]
    if len(long) == 1 and count_words(long[0]) >= MIN_WORDS_BESIDE_SECTIONS:
        return long[0]
    return title


def _bare_headline(title: str, names: Iterable[str], section_keys: Collection[str] = ()) -> str:
    """A stated headline or ``<title>`` without the site's name and the sections' names beside it
    (``section_keys``: the name keys of the sections the page says it is in)."""
    return without_sections(_without_stated_section(strip_site_name(title, names), section_keys))


def _without_stated_section(title: str, section_keys: Collection[str]) -> str:
    """``title`` without a part at either end that names the section the page says it is in: "Story - Politik"
    once the site's name is cut from "Story - Politik | Herald" (``section_keys``: the sections' name keys)."""
    if not section_keys:
        return title
    parts = split_title(title)
    if len(parts) < 2:
        return title
    start = 1 if name_key(parts[0]) in section_keys else 0
    end = len(parts) - 1 if name_key(parts[-1]) in section_keys else len(parts)
    if end - start < 1 or (start, end) == (0, len(parts)):
        return title
    return _rejoin(title, parts[start], parts[end - 1])


def _rejoin(title: str, first: str, last: str) -> str:
    """The span of the original title from part ``first`` to part ``last``, separators inside kept."""
    text = clean(title)
    begin = text.find(first)
    finish = text.rfind(last)
    if begin < 0 or finish < 0 or finish + len(last) <= begin:
        return first
    return text[begin : finish + len(last)]


@dataclass(frozen=True)
class TitleSources:
    """What a page says its title is, in each place it says it."""

    title_tag: str = ""  # <title>
    headline: str = ""  # JSON-LD headline
    og_title: str = ""
    twitter_title: str = ""
    h1: Sequence[str] = ()
    h2: Sequence[str] = ()  # read only on a page without <h1>, where a theme writes its headline as <h2>
    site_names: Sequence[str] = ()  # og:site_name, the publisher's name, ...
    sections: Sequence[str] = ()  # the section the page says it is in (article:section)


def usable_headings(texts: Iterable[str]) -> list[str]:
    """The headings among ``texts`` that could be a headline: their visible words, three characters or more."""
    return [h for h in (clean(visible(t)) for t in texts) if len(h) >= MIN_HEADLINE_CHARS]


def page_title(sources: TitleSources, url: str = "") -> str | None:
    """The page's bare headline, or None when it names none.

    An <h1> (on a page without one, an <h2>) that the structured data (JSON-LD, OpenGraph, Twitter,
    <title>) repeats, alone or beside the site's name, is the headline in its visible spelling.
    Otherwise the page's only <h1> of three words or more that shares a word with the structured
    headline, <title> or ``url``'s slug (or the structured headline it holds whole beside a kicker or a
    date), else the structured headline, then the <h1>, then <title>, each without the site's name
    before or after it.
    """
    names = {n for n in map(_stated, sources.site_names) if n} | host_names(url)
    title_tag = _stated(visible(sources.title_tag))
    h1s = usable_headings(sources.h1)
    # An <h1> that is the last part of <title> is the site's name ("Post | Blog name"); not after a
    # shorter label, where it is the headline ("News - Elder: From the ghetto to Augusta").
    title_parts = split_title(title_tag)
    if len(title_parts) > 1:
        before = count_words(" ".join(title_parts[:-1]))
        names |= {h for h in h1s if name_key(h) == name_key(title_parts[-1]) and before >= count_words(h)}
    stated = (_stated(visible(t)) for t in (sources.headline, sources.og_title, sources.twitter_title))
    structured = [t for t in stated if t]
    # An <h1> the structured headline states whole is a headline even when it begins with the site's
    # name ("Welpen kaufen – Tipps zu jeder Hunderasse" on the site "Welpen").
    stated_whole = {name_key(t) for t in structured}
    # Without an <h1>, the <h2>s are the page's headings (older blog themes: the blog's name a link, each
    # post's title an <h2>), believed only where the markup repeats one.
    shown = h1s or usable_headings(sources.h2)
    agreeing = [h for h in shown if name_key(h) in stated_whole or not _is_site_name(h, names)]
    headings = agreeing if h1s else []
    # Agreement of the visible heading with what the markup states is the strongest evidence: with the
    # structured headline first, then with <title> (whose other parts are often a section's name, and
    # so is many a page's first <h1>: "News"). Without the site's name too: "Kicker - Headline - Site"
    # states "Headline" as "Kicker - Headline" does.
    section_keys = {key for key in map(name_key, sources.sections) if key}
    bare = [_bare_headline(t, names, section_keys) for t in structured]
    structured_runs = {key for text in (*structured, *bare) for key in _edge_run_keys(text)}
    # <title> without the site's name too: "Story: Stadt Ahlen" repeats "Story".
    bare_title = _bare_headline(title_tag, names, section_keys) if title_tag else ""
    title_runs = _edge_run_keys(title_tag) | _edge_run_keys(bare_title) if title_tag else set()
    for runs in (structured_runs, title_runs):
        for heading in agreeing:
            if name_key(heading) in runs:
                return heading[:MAX_TITLE_CHARS]
    # A structured headline that <title> repeats before one that it does not (trafilatura reads a
    # breadcrumb's "Aktuelles" from JSON-LD where og:title has the story's headline).
    bare.sort(key=lambda t: name_key(t) not in title_runs)  # a stable sort: otherwise in the order above
    candidates = bare + headings[:1]
    visible_headline = len(headings) == 1 and count_words(headings[0]) >= MIN_VISIBLE_HEADLINE_WORDS
    # An <h1> of a paragraph's length beside a stated headline is a lead set in large type, not the headline.
    visible_headline = visible_headline and not (structured and count_words(headings[0]) > MAX_HEADLINE_WORDS)
    if visible_headline and _shares_a_word(headings[0], [*structured, title_tag, _slug(url)]):
        # The page's one <h1> is the headline it shows; the structured one is often the search engines'
        # or social networks' variant ("Brexit: Nervenkrieg geht in nächste Runde" for "Der Nervenkrieg
        # um den Brexit geht in die nächste Runde"). It must share a word with them or the address's
        # slug (not a section's name: "/politik/"): one that shares none may be the same on every page
        # of its site (a slogan), or a section's name. Unless it holds a structured headline whole:
        # then it holds more than the headline (a kicker, a date), and that one is the bare headline;
        # but not where the <h1> only goes on after it in words of its own, of which it was cut short
        # ("Ultium Cells erhöht Gigafactory-Kapazität" of "... in Tennessee").
        heading = name_key(headings[0])
        inside = [t for t in bare if name_key(t) and name_key(t) in heading and not _cut_short(t, headings[0])]
        candidates = inside[:1] + headings + bare
    if title_tag:
        candidates.append(bare_title)
    candidates = [c for c in candidates if len(c) >= MIN_HEADLINE_CHARS]
    return candidates[0][:MAX_TITLE_CHARS] if candidates else None


def _stated(text: str) -> str:
    """``text`` tidied, or "" when it is too long to be a title or a name (see MAX_STATED_CHARS)."""
    text = clean(text)
    return text if len(text) <= MAX_STATED_CHARS else ""


def _shares_a_word(heading: str, others: list[str]) -> bool:
    """Whether ``heading`` has a word of four letters or more in common with one of ``others``."""
    words = {w.casefold() for w in _LONG_WORD.findall(heading)}
    return any(words & {w.casefold() for w in _LONG_WORD.findall(other)} for other in others if other)


def _slug(url: str) -> str:
    """The longest part of a URL's path, where most sites spell the story's headline (not a section's
    name, nor the number after it: "/politik/international/grenzschliessungen-report-von-der-grenze/2574.html")."""
    return max(urlsplit(url).path.split("/"), key=len)


def _cut_short(headline: str, heading: str) -> bool:
    """Whether ``heading`` begins with ``headline`` and goes on in words, not with a separator or a date."""
    if not heading.casefold().startswith(headline.casefold()):
        return False
    rest = heading[len(headline) :].strip()
    return _GOES_ON_IN_WORDS.match(rest) is not None and not _SEPARATOR.search(rest)


def _edge_run_keys(text: str) -> set[str]:
    """The keys of a title and of each run of its parts from either end ('A | B | C': A, A B, B C, C),
    and of what follows a kicker ("Climate: Drilling until it gets hot": the part after the colon)."""
    keys: set[str] = set()
    # Kicker after kicker in a loop, up to a few: a page's title may hold thousands of "Word: ", more than
    # Python has frames for a function calling itself, and each costs a pass over the rest of the title.
    for _ in range(MAX_KICKERS + 1):
        parts = split_title(text)
        keys.add(name_key(text))
        for cut in range(1, len(parts)):
            keys.add(name_key(" ".join(parts[:cut])))
            keys.add(name_key(" ".join(parts[cut:])))
        kicked = KICKER_BEFORE.match(text)
        if kicked is None:
            break
        text = kicked.group(1)
    return keys


@dataclass(frozen=True)
class TitleDecoration:
    """What a site adds around every headline: a prefix and a suffix (either may be empty)."""

    prefix: str = ""
    suffix: str = ""

    def undecorate(self, title: str) -> str:
        """``title`` without the site's prefix and suffix; a title that would be left empty is kept."""
        text = clean(title)
        if self.prefix and text.startswith(self.prefix) and len(text) > len(self.prefix):
            text = text[len(self.prefix) :]
        if self.suffix and text.endswith(self.suffix) and len(text) > len(self.suffix):
            text = text[: -len(self.suffix)]
        text = text.strip()
        return text if len(text) >= MIN_HEADLINE_CHARS else clean(title)


def learn_decoration(titles: Iterable[str]) -> TitleDecoration:
    """The prefix and suffix a site puts around its headlines, learned from many of its titles.

    A candidate is a run of whole title parts (between separators) at the start or the end of a
    title. It is kept when at least ``MIN_DECORATED_SHARE`` of the titles, and at least
    ``MIN_DECORATED_TITLES``, carry it and none of them is nothing but it. Too few titles, or none
    shared: an empty decoration, which strips nothing.
    """
    cleaned = [t for t in (clean(t) for t in titles) if t]
    distinct = list(dict.fromkeys(cleaned))
    if len(distinct) < MIN_DECORATED_TITLES:
        return TitleDecoration()
    prefixes: Counter[str] = Counter()
    suffixes: Counter[str] = Counter()
    for title in distinct:
        for prefix in _edge_runs(title, leading=True):
            prefixes[prefix] += 1
        for suffix in _edge_runs(title, leading=False):
            suffixes[suffix] += 1
    needed = max(MIN_DECORATED_TITLES, MIN_DECORATED_SHARE * len(distinct))
    return TitleDecoration(_longest(prefixes, needed, distinct), _longest(suffixes, needed, distinct))


def bare_titles(titles: Sequence[str]) -> list[str]:
    """Each of a site's titles without the decoration learned from all of them (see :func:`learn_decoration`)."""
    decoration = learn_decoration(titles)
    return [decoration.undecorate(t) for t in titles]


def _edge_runs(title: str, leading: bool) -> set[str]:
    """Every decoration a title could carry at one edge: the text up to (or from) each separator."""
    runs = set()
    for match in SEPARATOR.finditer(title):
        run = title[: match.end()] if leading else title[match.start() :]
        if title.strip() != run.strip():
            runs.add(run)
    return runs


def _longest(counts: Counter[str], needed: float, titles: list[str]) -> str:
    common = [run for run, n in counts.items() if n >= needed and run.strip() not in titles]
    return max(common, key=len, default="")
