"""trafilatura's XPath expressions in forms lxml evaluates faster, selecting the same elements in the same order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lxml import etree

from crawler.extract import walked_paths
from crawler.extract.regex_literals import literals_to_test_first
from crawler.extract.released import modules_of
from crawler.extract.walked_paths import predicates_in

REGEXP_NS = "http://exslt.org/regular-expressions"
# re:test(@class, 'pattern') and re:test(@id|@class, 'pattern', 'i'): an attribute (or a union of
# them), a pattern in single quotes, optional flags; not one already guarded.
_TEST = re.compile(r"(?<!\) and )re:test\(\s*(@[\w-]+(?:\s*\|\s*@[\w-]+)*)\s*,\s*'([^']*)'\s*(?:,\s*'([^']*)'\s*)?\)")
# A path's first step when it names the elements it wants by a predicate: .//*[self::div or self::p].
_NAMES_STEP = re.compile(r"^\s*(\.?//)\*\[\s*(self::[\w-]+(?:\s+or\s+self::[\w-]+)*)\s*\]")
_ANY_ELEMENT_STEP = re.compile(r"^\s*(\.?//)\*(?=\[)")
# A path's first step through "//": ".//div", "//*".
_DESCENDANT_STEP = re.compile(r"^\s*(\.?)//(\*|[\w-]+)")
# A path in parentheses and what filters it: "(.//main)[1]".
_PARENTHESIZED = re.compile(r"^\s*\((.*)\)((?:\s*\[[^\[\]]*\])*)\s*$", re.DOTALL)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
# What makes a predicate's value a number, which XPath compares with the element's position: only a
# predicate free of them filters the same elements wherever it stands.
_NUMERIC = re.compile(
    r"\b(?:position|last|count|sum|string-length|number|floor|ceiling|round)\s*\(|\bdiv\b|\bmod\b|\s[-+*]\s|^[\d.\s]+$"
)
# What, besides attributes, a predicate can read of an element: its name, children, text, itself, its
# ancestors' language, the document; a function with no argument reads the element ("string()").
_NOT_ONLY_ATTRIBUTES = re.compile(
    r"self::|/|(?<![\w@-])\.(?!\w)|@\*|\b(?:name|local-name|namespace-uri|lang|id)\(|\b(?!true\(|false\()[\w-]+\(\s*\)"
)


# trafilatura decides what is boilerplate with XPaths such as
#   .//*[self::div or ...][re:test(@id, '...') or re:test(@class, '...')]
# lxml evaluates the predicates for every element the path reaches, and each re:test as a Python
# call. Five rewrites, each selecting the same elements, in document order:
# - guarded: an absent attribute is tested as the empty string, which these patterns never match, so
#   "(@id and re:test(@id, ...))" makes the call only where there is something to test (most elements
#   have no id and many no class). A pattern that can match the empty string keeps its unguarded test.
#   Measured on the 990 corpus pages: fast mode 9.5 -> 8.3 ms a page, the thorough run 13.6 -> 12.3.
#   Where every match of the pattern holds one of a few strings ("comment-?list": "comment"), the
#   value is first searched for them with contains(), in C: most class names hold none, and the call
#   is not made. The workers' CPU a page 2.3 % less (as below: ratios 0.976-0.984).
# - named_steps: ".//*[self::div or self::p][P]" tests the name of every element in a predicate (a
#   node-set made and freed per name and element); ".//div[P] | .//p[P]" walks the tree once per
#   name, comparing names in C, and evaluates P only on those elements.
# - attribute_filtered: ".//*[P]" where P reads only some attributes and is false without all of
#   them: ".//*[@a or @b][P]" skips the rest of P on the elements that have none.
# The last two together: the workers' CPU a page (analyse_page, 990 corpus pages, each page run with
# both forms in turn, 3 rounds) 3.1 % less (ratios 0.962-0.977); every output identical.
# - descendant_steps: ".//div[P]" is "./descendant-or-self::node()/child::div[P]": libxml2 gathers every
#   node below (text nodes too) and asks each for its div children; "descendant::div[P]" walks once.
#   The same elements wherever P does not count positions (a position is among a parent's children in
#   the first, among all descendants in the second). Also inside parentheses, "(.//main)[1]", where the
#   position is taken of the whole set in document order. Measured as above after the other three:
#   2.8 % less (ratios 0.965-0.979); every output identical.
# - attribute_steps: ".//*[P]" where P reads one attribute only and is false without it is
#   "descendant::*/@a[P on .]/..": libxml2 gathers the elements' attributes of that name, without
#   evaluating a predicate for every element, and returns their elements in document order. On the
#   corpus pages: "//*[@itemprop]" 0.28 -> 0.19 ms a page, the author-box classes 0.61 -> 0.43.
# Where crawler.extract.walked_paths reads one of trafilatura's paths whole, a walk in Python answers it
# instead (faster still: see there); these rewrites serve every other path, and the project's own.


def guarded(path: str) -> str:
    """``path`` with each ``re:test`` of attributes evaluated only when one of them is present and, where
    every match of its pattern holds one of a few strings, only when the attribute holds one of them."""

    def guard(test: re.Match[str]) -> str:
        attributes, pattern, flags = test.group(1), test.group(2), test.group(3) or ""
        ignore_case = "i" in flags
        try:
            # lxml's EXSLT regular expressions are Python's, with these flags.
            matches_empty = re.search(pattern, "", re.IGNORECASE if ignore_case else 0) is not None
        except re.error:
            return test.group(0)
        if matches_empty:
            return test.group(0)
        present = " or ".join(a.strip() for a in attributes.split("|"))
        # Not for a pattern that ignores case: translate() to lower case, per string tested, measured
        # dearer than the call (trafilatura's cookie-banner test 2.7 times slower).
        holding = "" if ignore_case else _holding(attributes.strip(), pattern)
        return f"(({present}){holding} and {test.group(0)})"

    return _TEST.sub(guard, path)


def _holding(attributes: str, pattern: str) -> str:
    """ " and (contains(@a, 'x') or ...)": the strings one of which every match of ``pattern`` holds, tested
    on the same string re:test reads (a union's first attribute); "" where no such strings are known.

    contains() runs in C, re:test is a call into Python for every element that has the attribute; but
    each contains() is an XPath step of its own, and past a few strings they cost more than the call
    they spare.
    """
    literals = literals_to_test_first(pattern)
    if not literals or any("'" in literal for literal in literals):
        return ""
    return " and (" + " or ".join(f"contains({attributes}, '{literal}')" for literal in sorted(literals)) + ")"


def named_steps(path: str) -> str:
    """``path`` whose first step names its elements in a predicate (``.//*[self::div or self::p]``), followed
    only by predicates that filter, as a union of one named step per name; any other path as it is."""
    lead = _NAMES_STEP.match(path)
    predicates = predicates_in(path[lead.end() :]) if lead else None
    if lead is None or predicates is None or any(_positional(p) for p in predicates):
        return path
    tail = "".join(f"[{p}]" for p in predicates)
    return " | ".join(f"{lead.group(1)}{name}{tail}" for name in re.findall(r"self::([\w-]+)", lead.group(2)))


def attribute_filtered(path: str) -> str:
    """``.//*[P]`` (``//*[P]``), where ``P`` reads only attributes and is false on an element with none of them,
    with those attributes' presence tested first; any other path (and ``P`` that is that test already) as it is."""
    read = _any_element_filtered(path)
    names = _attributes_required(read[1]) if read else None
    presence = " or ".join(f"@{name}" for name in names or ())
    if read is None or not names or read[1].strip() == presence:
        return path
    start, predicate = read
    return f"{start}*[{presence}][{predicate}]"


def attribute_steps(path: str) -> str:
    """``.//*[P]`` (``//*[P]``), where ``P`` reads one attribute only and is false on an element without it, as
    the step to that attribute and back to its element: ``descendant::*/@a[P on .]/..``; any other path as it
    is. libxml2 reads an element's attributes without evaluating a predicate for every element."""
    read = _any_element_filtered(path)
    names = _attributes_required(read[1]) if read else None
    if read is None or names is None or len(names) != 1 or any("@" in quoted for quoted in _QUOTED.findall(path)):
        return path
    start, predicate = read
    on_the_attribute = re.sub(rf"@{names[0]}(?![\w-])", ".", predicate)
    test = "" if on_the_attribute.strip() == "." else f"[{on_the_attribute}]"
    return f"{'/descendant::*' if start == '//' else 'descendant::*'}/@{names[0]}{test}/.."


def _any_element_filtered(path: str) -> tuple[str, str] | None:
    """(".//" or "//", P) of a path ``.//*[P]`` or ``//*[P]``: one step to any element, one predicate."""
    step = _ANY_ELEMENT_STEP.match(path)
    predicates = predicates_in(path[step.end() :]) if step else None
    if step is None or predicates is None or len(predicates) != 1:
        return None
    return step.group(1), predicates[0]


def _attributes_required(predicate: str) -> list[str] | None:
    """The attributes ``predicate`` reads, where it reads nothing else and is false on an element with none of
    them; else None."""
    bare = _QUOTED.sub("''", predicate)
    names = sorted(set(re.findall(r"@([\w-]+)", bare)))
    if not names or _positional(predicate) or _NOT_ONLY_ATTRIBUTES.search(bare):
        return None
    try:
        if etree.XPath(f"self::*[{predicate}]", namespaces={"re": REGEXP_NS})(etree.Element("x")):
            return None  # true without the attributes ("not(@class)"): the filter would drop elements
    except etree.XPathError:
        return None
    return names


def descendant_steps(path: str) -> str:
    """``path`` with each of its alternatives that is ``.//E`` (``//E``) followed only by predicates that filter
    written ``descendant::E`` (``/descendant::E``); a path in parentheses (``(.//E)[1]``) gets every rewrite of
    this module after the guard; any other alternative stays as it is."""
    branches = _alternatives(path)
    if branches is None:
        return path
    rewritten = []
    for branch in branches:
        inner = _PARENTHESIZED.match(branch)
        if inner is not None and _alternatives(inner.group(1)) is not None:
            # The path inside gets every rewrite a whole path gets (the guard has been put in the text already).
            rewritten.append(f"({_unguarded_rewrites(inner.group(1))}){inner.group(2)}")
            continue
        step = _DESCENDANT_STEP.match(branch)
        predicates = predicates_in(branch[step.end() :]) if step else None
        if step is None or predicates is None or any(_positional(p) for p in predicates):
            rewritten.append(branch)
        else:
            root = "" if step.group(1) else "/"
            rewritten.append(f"{root}descendant::{step.group(2)}{branch[step.end() :]}")
    return " | ".join(b.strip() for b in rewritten) if rewritten != branches else path


def faster(path: str) -> str:
    """``path`` with every rewrite of this module that applies to it."""
    return _unguarded_rewrites(guarded(path))


def _unguarded_rewrites(path: str) -> str:
    """The rewrites that follow ``guarded``, in their order."""
    return descendant_steps(attribute_filtered(attribute_steps(named_steps(path))))


def among(path: str, elements: str, variable: str) -> str | None:
    """``//E[P]//<elements>`` (a step with filtering predicates, then ``elements``) as a filter of the node
    set ``$variable``: ``$variable[ancestor::E[P]]``. Where ``$variable`` holds the elements of the document
    ``elements`` selects that a caller wants, in document order, it selects those of them ``path`` selects,
    in the same order, evaluating ``P`` only on their ancestors rather than on the whole document. None
    for a path of any other shape."""
    bare = path.strip()
    if not bare.startswith("//") or not bare.endswith(f"//{elements}"):
        return None
    middle = bare[2 : -len(elements) - 2]
    step = re.match(r"(\*|[\w-]+)", middle)
    if step is None:
        return None
    predicates = predicates_in(middle[step.end() :])
    if not predicates or any(_positional(p) for p in predicates):
        return None
    return f"${variable}[ancestor::{step.group(1)}{''.join(f'[{p}]' for p in predicates)}]"


def _alternatives(path: str) -> list[str] | None:
    """The parts of a union ``A | B``, split where "|" stands outside quotes, brackets and parentheses; None
    for text this reader does not follow (brackets that do not balance)."""
    parts: list[str] = []
    depth, current, quote = 0, "", ""
    for char in path:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            if depth < 0:
                return None
        elif char == "|" and not depth:
            parts.append(current)
            current = ""
            continue
        current += char
    if depth or quote:
        return None
    return [*parts, current]


def _positional(predicate: str) -> bool:
    return _NUMERIC.search(_QUOTED.sub("''", predicate).strip()) is not None


def _faster_xpath(expression: etree.XPath) -> etree.XPath | walked_paths.WalkedPath:
    walk = walked_paths.walked(expression)
    if walk is not None:
        return walk
    path = faster(expression.path)
    if path == expression.path:
        return expression
    try:
        return etree.XPath(path, namespaces={"re": REGEXP_NS})
    except etree.XPathError:  # a prefix other than re:, or syntax this rewrite did not foresee
        return expression


# Where each faster form was put: (module or list, attribute or index, trafilatura's, faster).
_PLACED: list[tuple[Any, Any, etree.XPath, etree.XPath | walked_paths.WalkedPath]] = []


def install() -> int:
    """Put the faster form of every XPath trafilatura's loaded modules hold, as a module constant or in
    a module's list of them, in its place. Returns in how many places one was put (an expression two
    modules import counts twice); idempotent."""
    replaced: dict[int, etree.XPath | walked_paths.WalkedPath] = {}  # by id: XPath objects do not hash

    def place(container: Any, key: Any, expression: etree.XPath) -> None:
        if id(expression) not in replaced:
            replaced[id(expression)] = _faster_xpath(expression)
        new = replaced[id(expression)]
        if new is not expression:
            _put(container, key, new)
            _PLACED.append((container, key, expression, new))

    placed = len(_PLACED)
    for module in modules_of("trafilatura"):
        for attribute, value in list(vars(module).items()):
            if isinstance(value, etree.XPath):
                place(module, attribute, value)
            elif isinstance(value, list) and value and all(isinstance(e, etree.XPath) for e in value):
                for index, expression in enumerate(value):
                    place(value, index, expression)
    return len(_PLACED) - placed


def installed() -> list[tuple[etree.XPath, etree.XPath | walked_paths.WalkedPath]]:
    """Each of trafilatura's expressions now replaced, with its faster form."""
    return list({id(original): (original, new) for _, _, original, new in _PLACED}.values())


def released(expression: Any) -> Any:
    """trafilatura's own expression where ``expression`` is the faster form put in its place, else itself."""
    return next((original for original, new in installed() if new is expression), expression)


def uninstall() -> None:
    """Put trafilatura's own expressions back."""
    while _PLACED:
        container, key, original, _ = _PLACED.pop()
        _put(container, key, original)


@contextmanager
def removed() -> Iterator[None]:
    """trafilatura exactly as released within the block (benchmarks measure plain trafilatura so); the
    faster forms go back afterwards as they were, not compiled again."""
    placed = list(_PLACED)
    uninstall()
    try:
        yield
    finally:
        for container, key, _, faster_expression in placed:
            _put(container, key, faster_expression)
        _PLACED.extend(placed)


def _put(container: Any, key: Any, expression: etree.XPath | walked_paths.WalkedPath) -> None:
    if isinstance(container, list):
        container[key] = expression  # in place: other modules imported the same list
    else:
        setattr(container, key, expression)
