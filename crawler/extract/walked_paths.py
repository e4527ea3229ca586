"""trafilatura's XPath selections that read only element names and attributes, answered by a walk in Python."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.regex_literals import literals_to_test_first

# trafilatura finds the main content, and prunes comment sections and appended articles from the whole
# page, with paths such as
#   .//*[self::div or self::section][@class='post' or re:test(@id, '...') or contains(@class, '...')][1]
# libxml2 evaluates the predicates node by node, at about a microsecond an element even in the rewritten
# forms of crawler.extract.xpath_forms, and each re:test is a call into Python. A walk over the named
# elements (lxml's iterdescendants, which compares names in C) testing each one's attributes in one
# compiled Python expression, each attribute read once (and searched for the strings every match of a
# pattern holds before the pattern is searched), selects the same elements in the same (document) order in
# a third to a half of the time: the page-wide comment pruning 0.69 -> 0.35 ms a page of the corpus
# (0.24 with the strings searched first), the first body path 1.44 -> 0.54 (0.33). The workers' CPU a page 5 %
# less (analyse_page over the 990 corpus pages, page by page with the XPath forms in turn, 3 rounds:
# ratios 0.946 to 0.955).
#
# Only paths this module reads whole are walked; any other keeps its XPath:
#   path       := step | "(" step ")" "[1]"            -- "(...)[1]": the first in document order
#   step       := ".//" ("*" | NAME) predicate+         -- a final "[1]": the first among its siblings
#   predicate  := or ("or" or)* with "and", "not(...)" and parentheses, over
#                 self::NAME | .//NAME (there is one below) | @a | @a = 'v' | @a != 'v'
#                 | contains(value, 'v') | starts-with(value, 'v') | re:test(attributes, 'pattern'[, 'flags'])
#   value      := attributes | translate(attributes, 'from', 'to')
#   attributes := @a | @a|@b                           -- of two, the first in the element's source order
# As XPath reads them: an absent attribute is the empty string to contains(), starts-with(),
# translate() and re:test() (lxml's EXSLT: Python's re.search, "i" for re.IGNORECASE), and makes
# "@a = 'v'" and "@a != 'v'" false.

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'[^']*'|\"[^\"]*\")|(?P<descendant>\.//[A-Za-z][\w-]*)|(?P<self>self::[A-Za-z][\w-]*)"
    r"|(?P<attribute>@[A-Za-z_][\w-]*)|(?P<operator>!=|=|\|)|(?P<punctuation>[(),])|(?P<word>[A-Za-z][\w:-]*))"
)
_PATH = re.compile(r"^\s*(?P<open>\(\s*)?\.//(?P<name>\*|[A-Za-z][\w-]*)(?P<rest>.*)$", re.DOTALL)


class _Unread(Exception):
    """The path holds something this module does not read."""


class WalkedPath:
    """A path called as lxml's XPath is (``path(tree)``: the elements it selects, in document order), walking
    the tree in Python; the XPath it stands for answers any call it cannot (another context, variables)."""

    def __init__(
        self, expression: etree.XPath, names: tuple[str, ...], test: Callable, first_of_siblings: bool, first_only: bool
    ) -> None:
        self.path = expression.path
        self._expression = expression
        self._names = names or (etree.Element,)  # lxml's iter: elements only, no comments
        self._test = test
        self._first_of_siblings = first_of_siblings
        self._first_only = first_only

    def __call__(self, tree: Any, **variables: Any) -> list:
        if variables or not isinstance(tree, etree._Element):
            return self._expression(tree, **variables)
        test = self._test
        selected: list[HtmlElement] = []
        parents: set[Any] = set()
        for element in tree.iterdescendants(*self._names):
            if not test(element):
                continue
            if self._first_of_siblings:
                parent = element.getparent()
                if parent in parents:
                    continue
                parents.add(parent)
            selected.append(element)
            if self._first_only:
                break
        return selected


def walked(expression: etree.XPath) -> WalkedPath | None:
    """The walked form of ``expression``, or None where its path is not one this module reads whole."""
    try:
        return _walked(expression)
    except (_Unread, re.error, SyntaxError):
        return None


def _walked(expression: etree.XPath) -> WalkedPath:
    matched = _PATH.match(expression.path)
    if matched is None:
        raise _Unread
    filters_text = matched.group("rest").strip()
    first_only = matched.group("open") is not None  # "(step)[1]"
    if first_only:
        closed = re.fullmatch(r"(.*)\)\s*\[1\]", filters_text, re.DOTALL)
        if closed is None:
            raise _Unread
        filters_text = closed.group(1)
    filters = predicates_in(filters_text)
    if not filters:
        raise _Unread
    first_of_siblings = filters[-1].strip() == "1"  # "step[...][1]"
    if first_of_siblings:
        filters = filters[:-1]
    names: tuple[str, ...] = () if matched.group("name") == "*" else (matched.group("name"),)
    if not names and filters and (only_names := _names_only(filters[0])):
        names, filters = only_names, filters[1:]
    reader = _Reader()
    conditions = [reader.condition(text) for text in filters] or ["True"]
    reads = "".join(f"    {variable} = element.get({name!r})\n" for name, variable in reader.attributes.items())
    source = "def test(element):\n" + reads + "    return " + " and ".join(f"({c})" for c in conditions) + "\n"
    namespace: dict[str, Any] = dict(reader.constants)
    exec(compile(source, f"<walked {expression.path.strip()[:60]!r}>", "exec"), namespace)
    return WalkedPath(expression, names, namespace["test"], first_of_siblings, first_only)


def _names_only(predicate: str) -> tuple[str, ...] | None:
    """The names of "self::a or self::b", or None for any other predicate."""
    names = re.fullmatch(r"\s*self::[A-Za-z][\w-]*(?:\s+or\s+self::[A-Za-z][\w-]*)*\s*", predicate)
    return tuple(re.findall(r"self::([A-Za-z][\w-]*)", predicate)) if names else None


class _Reader:
    """Reads predicates into one Python expression over ``element``, each attribute they test read once."""

    def __init__(self) -> None:
        self.constants: dict[str, Any] = {"first_of": first_of}
        self.attributes: dict[str, str] = {}  # attribute name -> the local variable holding its value
        self._tokens: list[tuple[str, str]] = []
        self._at = 0

    def condition(self, predicate: str) -> str:
        self._tokens = _tokens(predicate)
        self._at = 0
        condition = self._or()
        if self._at != len(self._tokens):
            raise _Unread
        return condition

    def _peek(self) -> tuple[str, str]:
        return self._tokens[self._at] if self._at < len(self._tokens) else ("end", "")

    def _take(self, kind: str, text: str | None = None) -> str:
        token_kind, token_text = self._peek()
        if token_kind != kind or (text is not None and token_text != text):
            raise _Unread
        self._at += 1
        return token_text

    def _or(self) -> str:
        return self._joined("or", self._and)

    def _and(self) -> str:
        return self._joined("and", self._primary)

    def _joined(self, operator: str, operand: Callable[[], str]) -> str:
        """Operands joined by ``operator`` ("and" binds closer than "or": it reads the operands of "or")."""
        parts = [operand()]
        while self._peek() == ("word", operator):
            self._at += 1
            parts.append(operand())
        return f" {operator} ".join(f"({part})" for part in parts)

    def _primary(self) -> str:
        kind, text = self._peek()
        if (kind, text) == ("punctuation", "("):
            self._at += 1
            inner = self._or()
            self._take("punctuation", ")")
            return inner
        if kind == "self":
            self._at += 1
            return f"element.tag == {text[len('self::') :]!r}"
        if kind == "descendant":
            self._at += 1
            return f"next(element.iterdescendants({text[len('.//') :]!r}), None) is not None"
        if kind == "attribute":
            return self._attribute_test()
        if (kind, text) == ("word", "not"):
            self._at += 1
            self._take("punctuation", "(")
            inner = self._or()
            self._take("punctuation", ")")
            return f"not ({inner})"
        if kind == "word" and text in ("contains", "starts-with"):
            self._at += 1
            self._take("punctuation", "(")
            value = self._value()
            self._take("punctuation", ",")
            string = self._string()
            self._take("punctuation", ")")
            return f"{string!r} in {value}" if text == "contains" else f"{value}.startswith({string!r})"
        if (kind, text) == ("word", "re:test"):
            return self._regular_expression_test()
        raise _Unread

    def _attribute_test(self) -> str:
        variable = self._variable(self._take("attribute")[1:])
        operator = self._peek()
        if operator[0] != "operator":
            return f"{variable} is not None"
        self._at += 1
        value = self._string()
        if operator[1] == "=":
            return f"{variable} == {value!r}"
        return f"{variable} not in (None, {value!r})"

    def _regular_expression_test(self) -> str:
        self._at += 1
        self._take("punctuation", "(")
        names = self._attribute_names()
        self._take("punctuation", ",")
        pattern = self._string()
        flags = ""
        if self._peek() == ("punctuation", ","):
            self._at += 1
            flags = self._string()
        self._take("punctuation", ")")
        if set(flags) - {"i", "g"}:
            raise _Unread
        compiled = re.compile(pattern, re.IGNORECASE if "i" in flags else 0)
        search = self._constant(compiled.search)
        if len(names) == 1 and compiled.search("") is None:  # an absent attribute cannot match
            variable = self._variable(names[0])
            # Where every match holds one of a few strings, most values hold none: "in" rules them out
            # at a fraction of a search.
            literals = None if "i" in flags else literals_to_test_first(pattern)
            holding = ""
            if literals:
                holding = " and (" + " or ".join(f"{literal!r} in {variable}" for literal in sorted(literals)) + ")"
            return f"{variable} is not None{holding} and {search}({variable}) is not None"
        return f"{search}({self._string_of(names)}) is not None"

    def _value(self) -> str:
        kind, text = self._peek()
        if kind == "attribute":
            return self._string_of(self._attribute_names())
        if (kind, text) == ("word", "translate"):
            self._at += 1
            self._take("punctuation", "(")
            value = self._string_of(self._attribute_names())
            self._take("punctuation", ",")
            source = self._string()
            self._take("punctuation", ",")
            target = self._string()
            self._take("punctuation", ")")
            # XPath: a character of the first string becomes the one at its first position in the second, or
            # goes where the second is shorter.
            table: dict[int, int | None] = {}
            for index, char in enumerate(source):
                table.setdefault(ord(char), ord(target[index]) if index < len(target) else None)
            return f"{value}.translate({self._constant(table)})"
        raise _Unread

    def _attribute_names(self) -> list[str]:
        """``@a`` or ``@a|@b``."""
        names = [self._take("attribute")[1:]]
        if self._peek() == ("operator", "|"):
            self._at += 1
            names.append(self._take("attribute")[1:])
        if len(set(names)) != len(names):
            raise _Unread
        return names

    def _string_of(self, names: list[str]) -> str:
        """XPath's string of the attributes ``names`` (one, or a union of two): "" where absent."""
        if len(names) == 1:
            return f"({self._variable(names[0])} or '')"
        one, other = names
        return f"first_of(element, {one!r}, {self._variable(one)}, {other!r}, {self._variable(other)})"

    def _variable(self, name: str) -> str:
        return self.attributes.setdefault(name, f"attribute_{len(self.attributes)}")

    def _string(self) -> str:
        return self._take("string")[1:-1]

    def _constant(self, value: Any) -> str:
        name = f"constant_{len(self.constants)}"
        self.constants[name] = value
        return name


def first_of(element: HtmlElement, one: str, one_value: str | None, other: str, other_value: str | None) -> str:
    """XPath's string of "@one|@other" (their values given): the first of the two in the element's source order."""
    if one_value is None or other_value is None:
        return (one_value if other_value is None else other_value) or ""  # one of them, or neither: ""
    return one_value if next(name for name in element.attrib if name in (one, other)) == one else other_value


def predicates_in(text: str) -> list[str] | None:
    """The predicates ``[...]`` that make up ``text``, without their brackets; None if it is anything else."""
    found: list[str] = []
    depth, current, quote = 0, "", ""
    for char in text:
        if quote:
            current += char
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
            current += char
        elif char == "[":
            if depth:
                current += char
            else:
                current = ""
            depth += 1
        elif char == "]":
            depth -= 1
            if depth < 0:
                return None
            if depth:
                current += char
            else:
                found.append(current)
        elif depth:
            current += char
        elif not char.isspace():
            return None  # a further step or an operator: not a plain filter
    return found if depth == 0 and not quote else None


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    at = 0
    while at < len(text):
        if text[at:].isspace():
            break
        matched = _TOKEN.match(text, at)
        if matched is None or matched.lastgroup is None:
            raise _Unread
        tokens.append((matched.lastgroup, matched.group(matched.lastgroup)))
        at = matched.end()
    return tokens
