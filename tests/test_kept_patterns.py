"""Patterns the workers' fork server compiles are kept on disk and served to the next start, the same programs."""

from __future__ import annotations

import json
import marshal
import os
import sys

from tests.support.fresh_python import run_python

# Put into the scripts below where counting starts: counts in ``parsed`` each pattern compiled in Python (the
# part kept programs skip): each that `re` makes a program of, each that `regex` parses.
COUNT_COMPILES = """
import re._compiler, regex._main
parsed = []
program_re, parse_regex = re._compiler._code, regex._main._parse_pattern
re._compiler._code = lambda *args: parsed.append(1) or program_re(*args)
regex._main._parse_pattern = lambda *args: parsed.append(1) or parse_regex(*args)
"""

# In a fresh interpreter: compile patterns with `re` and `regex` (the programs kept in argv[1] when argv[2] is
# "kept"), and print how many were compiled in Python (the part kept programs skip), how many were new, and
# what each pattern finds in a text.
COMPILE = (
    """
import json, re, sys
from pathlib import Path
import regex, regex._main
import re._compiler

kept = None
if sys.argv[2] == "kept":
    from crawler.extract.kept_patterns import KeptPatterns
    kept = KeptPatterns(Path(sys.argv[1]))
    kept.install()
"""
    + COUNT_COMPILES
    + """
TEXT = "Veröffentlicht am 24. März 2026, 18:45 Uhr von Anna Müller (anna@example.com); updated 2026-03-25"
found = []
for pattern, flags in [
    (r"(?P<day>\\d{1,2})\\.\\s+(?P<month>[^\\W\\d]+)\\s+(?P<year>\\d{4})", 0),
    (r"^veröffentlicht\\s+am\\b", re.IGNORECASE | re.MULTILINE),
    (r"(\\d{4})-(\\d\\d)-(\\d\\d)", 0),
    (r"von\\s+([A-ZÄÖÜ]\\w+(?:\\s+[A-ZÄÖÜ]\\w+)*)", 0),
    (r"[\\w.]+@[\\w.]+", re.ASCII),
]:
    compiled = re.compile(pattern, flags)
    found.append(["re", compiled.groups, dict(compiled.groupindex), compiled.flags,
                  [match.groups() or match.group() for match in compiled.finditer(TEXT)]])
byte_pattern = re.compile(rb"(\\d+):(\\d+)\\s+Uhr")
found.append(["re bytes", byte_pattern.findall(TEXT.encode("utf-8")) == [(b"18", b"45")]])
for pattern, flags in [
    (r"\\p{Lu}\\p{Ll}+\\s+\\p{Lu}\\p{Ll}+", 0),
    (r"(?i)m(?:ä|ae)rz", 0),
    (r"(?<stunde>\\d\\d):(?<minute>\\d\\d)", regex.VERSION1),
    (r"\\b(?:uhr|am|von)\\b", regex.IGNORECASE),
]:
    compiled = regex.compile(pattern, flags)
    found.append(["regex", compiled.groups, dict(compiled.groupindex), compiled.flags,
                  [match.group() for match in compiled.finditer(TEXT)]])
new = kept.new if kept is not None else None
if kept is not None:
    kept.keep()
print(json.dumps({"parsed": len(parsed), "new": new, "found": found}))
"""
)


def compile_patterns(path, kept: bool = True) -> dict:
    return json.loads(run_python(COMPILE, str(path), "kept" if kept else "not kept"))


def test_patterns_compiled_at_one_start_are_served_to_the_next_the_same(tmp_path):
    path = tmp_path / "cache" / "compiled-patterns.marshal"
    as_compiled = compile_patterns(path, kept=False)
    first = compile_patterns(path)
    assert first["parsed"] == as_compiled["parsed"] >= 10  # every pattern compiled, as without kept programs
    assert first["new"] == 10 and path.exists()
    second = compile_patterns(path)
    assert second["parsed"] == 0 and second["new"] == 0  # all served from the file: none parsed
    assert second["found"] == first["found"] == as_compiled["found"]  # the same groups, flags and matches


# In a fresh interpreter: with the programs kept in argv[1], compile the pattern argv[2] too, the file written
# again only for new patterns that took argv[3] seconds of CPU or more; prints how many were new.
ONE_MORE = """
import json, re, sys
from pathlib import Path
from crawler.extract.kept_patterns import KeptPatterns
kept = KeptPatterns(Path(sys.argv[1]), worth_keeping_s=float(sys.argv[3]))
kept.install()
re.compile(r"(\\d{4})-(\\d\\d)-(\\d\\d)")
re.compile(sys.argv[2])
new = kept.new
kept.keep()
print(json.dumps({"new": new}))
"""


def test_a_file_is_written_again_only_for_new_patterns_worth_keeping(tmp_path):
    path = tmp_path / "compiled-patterns.marshal"
    compile_patterns(path)
    written = path.read_bytes()

    def one_more(pattern: str, worth_keeping_s: float) -> int:
        return json.loads(run_python(ONE_MORE, str(path), pattern, str(worth_keeping_s)))["new"]

    # A pattern cheaper to compile than writing the file (as the few a process makes from a set, in its hash
    # order, at every start): compiled again at the next start rather than written.
    assert one_more(r"[ab]+x", 60.0) == 1 and path.read_bytes() == written
    assert one_more(r"[ab]+x", 60.0) == 1 and path.read_bytes() == written
    # Worth keeping: written, with the programs that start used, and served to the next.
    assert one_more(r"[ab]+x", 0.0) == 1 and path.read_bytes() != written
    assert one_more(r"[ab]+x", 0.0) == 0


def test_a_damaged_or_foreign_file_is_not_used_and_is_kept_anew(tmp_path):
    path = tmp_path / "compiled-patterns.marshal"
    as_compiled = compile_patterns(path, kept=False)
    compile_patterns(path)
    header, digest, programs = marshal.loads(path.read_bytes())
    kept = marshal.loads(programs)
    # Every program cut short, under the digest of the whole ones: handed to the engines, some crash the process.
    damaged = marshal.dumps({key: (*args[:2], args[2][:3], *args[3:]) for key, args in kept.items()})
    foreign = (("another interpreter", *header[1:]), digest, programs)
    for content in [
        b"\x00not marshal",
        path.read_bytes()[:-100],  # cut short
        marshal.dumps((header, digest, damaged)),
        marshal.dumps(foreign),
    ]:
        path.write_bytes(content)
        served = compile_patterns(path)  # a crawl's start with that file: no crash, compiled as usual
        assert served["parsed"] == as_compiled["parsed"] and served["found"] == as_compiled["found"]
        again = compile_patterns(path)  # and kept anew
        assert again["parsed"] == 0 and again["found"] == as_compiled["found"]


def test_a_cache_that_cannot_be_written_leaves_compiling_as_it_was(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache directory would be")
    as_compiled = compile_patterns(blocked / "compiled-patterns.marshal", kept=False)
    for _ in range(2):
        served = compile_patterns(blocked / "compiled-patterns.marshal")
        assert served["parsed"] == as_compiled["parsed"] and served["found"] == as_compiled["found"]


# In a fresh interpreter, as the fork server starts: the warm-up, with the kept programs installed first;
# prints how many patterns it parsed and how many programs the file holds.
WARM_UP = (
    """
import json, marshal
import crawler.extract.analysis
from crawler.extract.warm_start import KEPT_PATTERNS
"""
    + COUNT_COMPILES
    + """
for module in crawler.extract.analysis.WARM_UP:
    __import__(module)
header, digest, programs = marshal.loads(KEPT_PATTERNS.path.read_bytes())
print(json.dumps({"parsed": len(parsed), "kept": len(marshal.loads(programs))}))
"""
)

# In a fresh interpreter: every program in the file against the one `re` and `regex` compile themselves.
VERIFY = """
import _sre, marshal, re, sys
import regex, regex._main
from crawler.extract.kept_patterns import KeptPatterns
kept = KeptPatterns()
kept.load()
TEXTS = ["Published 24 March 2026 at 18:45 by Anna Müller", "Mis à jour le 3 janv. 2025", "2026-03-24T18:45:00Z", ""]
different = []
for key, args in kept.kept.items():
    if key[0] == "re":
        served, own = _sre.compile(*args), re.compile(key[1], key[2])
        same = served == own  # the same pattern, flags and program
    else:
        served = regex._main._regex.compile(*args)
        own = regex.compile(key[1], key[2], cache_pattern=False)
        same = (served.pattern, served.flags, served.groups, served.groupindex) == (
            own.pattern, own.flags, own.groups, own.groupindex
        ) and all(
            [m.span() for m in served.finditer(text)] == [m.span() for m in own.finditer(text)]
            for text in TEXTS if isinstance(key[1], str)
        )
    if not same:
        different.append(repr(key)[:200])
print(len(kept.kept), len(different), different[:5])
"""


def test_the_fork_servers_warm_up_parses_its_patterns_once_across_crawls(tmp_path):
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    first = json.loads(run_python(WARM_UP, env=environment))
    assert first["parsed"] > 300 and first["kept"] > 300  # trafilatura's, htmldate's, dateparser's, the project's
    # In the cache directory, named with the Python that made it (another keeps its own).
    assert (tmp_path / "storyonce" / f"compiled-patterns-{sys.implementation.cache_tag}.marshal").exists()
    second = json.loads(run_python(WARM_UP, env=environment))
    # Served from the file but for the few a process makes anew (from a set, in its hash order).
    assert second["parsed"] <= 10
    # The file keeps what one start uses: it does not grow. (The second start uses fewer: it reads the source
    # fingerprints the first one kept, where the first tokenised sources, with patterns of its own.)
    assert second["kept"] <= first["kept"]
    third = json.loads(run_python(WARM_UP, env=environment))
    assert third["parsed"] <= 10 and third["kept"] == second["kept"]
    kept, different, examples = run_python(VERIFY, env=environment).split(" ", 2)
    assert int(kept) == second["kept"] and int(different) == 0, examples


# In a fresh interpreter: install, and say whether each package's compile is served; with argv[1] "other",
# regex's compile first given other parameters, as another release of it might take.
INSTALLED = """
import json, re._compiler, sys, tempfile
from pathlib import Path
import regex, regex._main
if sys.argv[1] == "other":
    released = regex._main._compile
    def _compile(pattern, flags, ignore_unused, kwargs, cache_it, version=None):
        return released(pattern, flags, ignore_unused, kwargs, cache_it)
    regex._main._compile = _compile
before = re._compiler.compile, regex._main._compile
from crawler.extract.kept_patterns import KeptPatterns
kept = KeptPatterns(Path(tempfile.mkdtemp()) / "kept.marshal")
kept.install()
found = regex.findall(r"(?<=am )\\d+", "am 24 und am 25") == ["24", "25"]
print(json.dumps({"re": re._compiler.compile is not before[0], "regex": regex._main._compile is not before[1],
                  "regex works": found}))
"""


def test_each_package_is_served_only_where_its_compile_is_the_one_this_was_written_for():
    shipped = json.loads(run_python(INSTALLED, "shipped"))
    assert shipped == {"re": True, "regex": True, "regex works": True}  # the releases this project installs
    other = json.loads(run_python(INSTALLED, "other"))
    assert other == {"re": True, "regex": False, "regex works": True}  # another regex: left as it is
