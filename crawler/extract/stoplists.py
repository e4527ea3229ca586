"""The union of every language's jusText stop list, for trafilatura's jusText fallback: read file by file, then kept."""

from __future__ import annotations

import pkgutil

import justext.core
import trafilatura.external
from justext.utils import get_stoplists

from crawler.extract.kept_words import kept_words

# How stoplist_union reads the lists, named in the kept file with jusText's release: a file kept by a version
# of the project that read them otherwise is not taken for this one's.
UNION_FORM = 1


def stoplist_union() -> frozenset[str]:
    """Every word of every jusText stop list, lower-cased, once: the words trafilatura's own
    ``jt_stoplist_init`` gathers, which decodes and lower-cases them one by one (0.2-0.3 s; this, 0.06)."""
    words: set[str] = set()
    for language in get_stoplists():
        data = pkgutil.get_data("justext", f"stoplists/{language}.txt") or b""
        words.update(data.decode("utf8").lower().splitlines())
    return frozenset(words)


def install_stoplist_union() -> None:
    """Give trafilatura the union now, so that it does not build it at the first page whose language it
    was not told that reaches its jusText fallback."""
    # Only where trafilatura keeps the union in this global and has not built it yet: a version that
    # keeps it elsewhere builds its own, as it always did.
    if getattr(trafilatura.external, "JT_STOPLIST", False) is None:
        # Kept from the crawl that first read the files: one file read and split (0.03 s) instead of about a
        # hundred read, decoded and lower-cased (0.07 s), at every start of the workers' fork server.
        made_from = f"justext {justext.__version__} union {UNION_FORM}"
        union = frozenset(kept_words("stop-words", made_from, lambda: sorted(stoplist_union())))
        trafilatura.external.JT_STOPLIST = union  # type: ignore[assignment]  # a tuple where trafilatura builds it
        _take_as_lowered(union)


def _take_as_lowered(union: frozenset[str]) -> None:
    """Have jusText take ``union`` as the set of lower-cased words it already is.

    jusText lower-cases each stop list it is handed into a frozen set, cached by the list: for the union's
    154,000 words 0.05-0.07 s once (in the workers' warm-up), and 0.7 ms at every page it reads after that,
    to hash the tuple trafilatura hands it. Handed this set, it would lower-case it into an equal one.
    """
    lower_case = justext.core.define_stoplist
    if not hasattr(lower_case, "cache_info"):  # not jusText 3's cached function: it does as it does
        return

    def define_stoplist(stoplist: object) -> object:
        return stoplist if stoplist is union else lower_case(stoplist)

    # classify_paragraphs looks the function up by its name at each call.
    justext.core.define_stoplist = define_stoplist
