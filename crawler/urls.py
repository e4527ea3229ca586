"""URL normalisation: one spelling per page, and the site a URL belongs to."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that only say where a click came from; they never select different content.
TRACKING_PARAM = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|igshid|_ga|_gl|"
    r"ocid|cmpid|icid|at_medium|at_campaign|share|ref|ref_src|referrer)$",
    re.IGNORECASE,
)
DEFAULT_PORTS = {"http": 80, "https": 443}
FETCHABLE_SCHEMES = ("http", "https")
# A host's full stops: IDNA spells the ideographic and full-width ones (in "example。org") as ".".
HOST_FULL_STOPS = ".\u3002\uff0e\uff61"
# Links that lead to no page: a script, an e-mail, a phone number, inline data.
NOT_PAGE_SCHEMES = ("javascript:", "mailto:", "tel:", "data:")


def normalize_url(url: str, base: str | None = None) -> str:
    """Return the one spelling we store for ``url``.

    Lower-case scheme and host, no default port, no fragment, no tracking parameters, sorted query,
    resolved dot segments and percent-encoding normalised. Relative URLs are resolved against ``base``.
    """
    url = url.strip()
    if base and not url.startswith(("http://", "https://")):
        url = _joined(base, url)
    return _normalize_absolute(url)


def forget_spellings() -> None:
    """Forget the spellings :func:`normalize_url` remembers (the last 65,536): the next ones are worked out anew,
    as at the start of a crawl (benchmarks measure both ways of listing links from that start)."""
    _normalize_absolute.cache_clear()


_HOST_END = re.compile(r"[/?#]")  # what ends an address's host (and port, and user)
_QUERY_OR_FRAGMENT = re.compile(r"[?#]")


def _joined(base: str, url: str) -> str:
    """``urljoin(base, url)`` as normalising spells it; a path on the base's host ("/world/story.html", most
    relative links) without dot segments or parameters (the parts of it urljoin would change; an empty
    fragment, which it drops, normalising drops too) only put after the base's scheme and host."""
    plain_path = url.startswith("/") and not url.startswith("//") and "/." not in url and ";" not in url
    if plain_path and base.startswith(("http://", "https://")):
        host_end = _HOST_END.search(base, base.find("://") + 3)
        return base[: host_end.start() if host_end else len(base)] + url
    return urljoin(base, url)


def normalized_or_none(url: str, base: str | None = None) -> str | None:
    """:func:`normalize_url`, or None for an address that cannot be one ("http://[::1"): what pages, sitemaps and
    feeds link to is anything their authors typed."""
    try:
        return normalize_url(url, base)
    except ValueError:
        return None


# A URL spelt as normalising would spell it: http(s), a lower-case host without port, a path of characters
# that percent-encoding leaves as they are (";" not: an empty parameter goes), no dot segment, no empty
# segment, no query or fragment. Most links on news pages are (82 % on the corpus pages): returned as
# they are, without the 30-40 µs of splitting and canonicalising (listing a page's links: 5.7 -> 3.2 ms).
# tests/test_urls.py holds the two equal.
_ALREADY_NORMAL = re.compile(
    r"https?://[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?:/[A-Za-z0-9._~!$&'()*+,=:@-]*)+"
)


def already_normal(url: str) -> bool:
    """Whether ``url`` is spelt as :func:`normalize_url` spells it, by its characters alone (most links)."""
    return _ALREADY_NORMAL.fullmatch(url) is not None and not _has_dot_or_empty_segment(url) and not _numeric_end(url)


# A host whose last label is a number (decimal, or hexadecimal after "0x") is an IPv4 address to browsers and to
# getaddrinfo ("2130706433", "0x7f.1", "127.1": 127.0.0.1), and w3lib 2.6 writes it as one, or refuses it when it
# is none ("x.org.0.9"): left to the full normalisation, whatever the release. Dotted quads among them (rare).
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")  # lower case: _ALREADY_NORMAL's hosts are


def _numeric_end(url: str) -> bool:
    """Whether the host of an address of _ALREADY_NORMAL's characters (a host, then a path) ends in a number."""
    start = url.index("://") + 3
    host = url[start : url.index("/", start)]
    return _NUMERIC_LABEL.fullmatch(host.rpartition(".")[2]) is not None


def _has_dot_or_empty_segment(url: str) -> bool:
    """Whether an address of _ALREADY_NORMAL's characters has a "." or ".." segment, or an empty one ("//" not
    after a ":", which a path may hold): read with string searches, where a regular expression tried every
    position (1.6 us a link, three times the rest of the test)."""
    if "/./" in url or "/../" in url or url.endswith(("/.", "/..")):
        return True
    empty = url.find("//", url.find("://") + 3)
    while empty != -1:
        if url[empty - 1] != ":":
            return True
        empty = url.find("//", empty + 1)
    return False


# A query of plain keys and values ("id=42&page=2"): percent-encoding leaves it as it is.
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9._-]+(?:=[A-Za-z0-9._-]*)?(?:&[A-Za-z0-9._-]+(?:=[A-Za-z0-9._-]*)?)*")


@lru_cache(maxsize=65536)  # pages of a site share most of their links: normalise each spelling once
def _normalize_absolute(url: str) -> str:
    if already_normal(url):
        return url
    spelt = normal_by_characters(url)
    return spelt if spelt is not None else normalized_by_parts(url)


def normal_by_characters(url: str) -> str | None:
    """What :func:`normalized_by_parts` makes of ``url`` where its characters alone say (None elsewhere): a
    normal address but for a fragment (dropped), no path (``/``) or a plain query (tracking parameters
    dropped, the others sorted by key and value, each written ``key=value``). More than half of the links
    not already normal on the corpus pages; the rest are split and canonicalised part by part.
    tests/test_urls.py holds the two equal.
    """
    address, question, query = url.partition("#")[0].partition("?")
    if not already_normal(address):
        if "/" in address[address.find("://") + 3 :] or not already_normal(address + "/"):
            return None
        address += "/"
    if not question:
        return address
    if not _PLAIN_QUERY.fullmatch(query):
        return None
    pairs = sorted(pair.partition("=")[::2] for pair in query.split("&"))
    kept = "&".join(f"{key}={value}" for key, value in pairs if not TRACKING_PARAM.match(key))
    return f"{address}?{kept}" if kept else address


def normalized_by_parts(url: str) -> str:
    """An absolute URL normalised part by part (scheme, host, port, path, query), whatever its spelling.
    ValueError for what is no address, also once normalised: a user name taken off may leave an address
    with one bracket ("https://[v1.x]@h.example:0]]" would be "https://h.example:0]]/", which no URL parser
    reads)."""
    normal = _spelt_by_parts(url)
    urlsplit(normal)  # raises ValueError where it cannot be read again
    return normal


def _spelt_by_parts(url: str) -> str:
    # A backslash before the query is a slash to browsers, and to w3lib's canonicalising below: made one
    # first, so the host is the one they would ask ("http://a.example\\b/" is a.example's page /b/).
    query_at = _QUERY_OR_FRAGMENT.search(url)
    cut = query_at.start() if query_at else len(url)
    url = url[:cut].replace("\\", "/") + url[cut:]
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(HOST_FULL_STOPS)
    if not host and scheme in FETCHABLE_SCHEMES:  # no page ("https:///a", "https://../a"): is_fetchable refuses
        # it. Not canonicalised: w3lib would take a path's "//x" for a host.
        return _kept_as_written(scheme, "", parts.path, parts.query)
    try:
        port = parts.port
    except ValueError:  # no port ("x.org:99999", "a:b:c"): kept as written, not dropped, which would name the
        # host's default port, another page. is_fetchable refuses the URL; w3lib would refuse to canonicalise it.
        return _kept_as_written(scheme, parts.netloc.rpartition("@")[2].lower(), parts.path, parts.query)
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" + netloc[len(host) :]
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAM.match(k)]
    )
    path = parts.path or "/"
    normal = canonicalize_url(urlunsplit((scheme, netloc, path, query, "")))
    # w3lib 2.6 drops an empty ";" parameter after resolving the dot segments: "//..;" is "//.." once, "/" when
    # canonicalised again. Once more, so that normalising a normal address changes nothing.
    return canonicalize_url(normal) if ";" in path else normal


def _kept_as_written(scheme: str, netloc: str, path: str, query: str) -> str:
    """An address put back together from its parts as they are written (not by urlunsplit, which takes a path's
    "//x" for a host where there is none). Its query and its end are stripped as normalize_url strips what it is
    given (a fragment cut off can leave a space before it): normalising it again changes nothing."""
    path = path if path.startswith("/") else "/" + path
    query = query.strip()
    return ((f"{scheme}:" if scheme else "") + f"//{netloc}{path}" + (f"?{query}" if query else "")).strip()


# An address whose host is plain (letters, digits, dots and hyphens: nearly every link's) is read from its
# characters, as urlsplit reads it: at depth 1 the spider asks whether each of a page's hundred or so links can be
# fetched and which site it is on, nearly all of them new to the caches, and splitting one costs 3.5 us where
# this costs 0.5 (the scope's check of the 104 links a page of the first 226 corpus pages: 0.73 -> 0.22 ms a
# page). tests/test_urls.py holds the two equal.
_PLAIN_SITE = re.compile(r"(https?)://([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?(?=[/?#]|\Z)")


def _plain_parts(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host as written, port) of an address with a plain host and a port that is one (None for any other)."""
    plain = _PLAIN_SITE.match(url)
    if plain is None:
        return None
    scheme, host, written_port = plain.groups()
    port = int(written_port) if written_port is not None else None
    if port is not None and port > 65535:
        return None  # no port (urlsplit refuses it): read by parts
    return scheme, host, port


@lru_cache(maxsize=65536)  # the writer asks for it for every teaser's link, the spider for every page's links
def site_of(url: str) -> str:
    """The site a URL belongs to: its lower-case host, with the port when it is not the default."""
    plain = _plain_parts(url)
    if plain is None:
        return site_by_parts(url)
    scheme, host, port = plain
    return _site(scheme, host.lower().rstrip("."), port)


def site_by_parts(url: str) -> str:
    """:func:`site_of` ``url``, from the parts urlsplit splits it into (any address)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    return _site(parts.scheme.lower(), host, port)


def _site(scheme: str, host: str, port: int | None) -> str:
    return host if port is None or port == DEFAULT_PORTS.get(scheme) else f"{host}:{port}"


def scope_key(url_or_site: str) -> str:
    """What two URLs must share to be on the same site: the site without a leading ``www.``."""
    site = site_of(url_or_site) if "://" in url_or_site else url_or_site.lower()
    return site[4:] if site.startswith("www.") else site


@lru_cache(maxsize=65536)  # asked for every link of every page: sites link to the same pages from all of theirs
def is_fetchable(url: str) -> bool:
    """Only http and https are ever fetched, and only from a host name that can be looked up (no spaces)."""
    return _plain_parts(url) is not None or fetchable_by_parts(url)


def fetchable_by_parts(url: str) -> bool:
    """:func:`is_fetchable` ``url``, from the parts urlsplit splits it into (any address)."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # "x.org:99999" has no port: reading it raises
    except ValueError:  # no URL at all: "http://[::1" (an unclosed IPv6 bracket), or no port
        return False
    return parts.scheme.lower() in FETCHABLE_SCHEMES and bool(parts.hostname) and " " not in parts.netloc
