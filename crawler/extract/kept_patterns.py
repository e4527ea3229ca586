"""Regular expressions the workers' fork server compiles, kept on disk: the next crawl's does not compile them."""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import marshal
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from crawler.extract.kept_words import cache_dir, keep_file
from crawler.extract.released import known_release

# The workers' fork server compiles some 430 patterns with `re` and 130 with `regex` (dateparser's) as it
# imports trafilatura, htmldate and dateparser and analyses its sample pages: 0.14 s of the 0.7 s of CPU its
# start takes, on the way to the first extracted page, at every crawl. Both packages compile in Python
# (parse, optimise, emit) and hand the program, a list of integers, to their C engine. This module keeps the
# arguments of that last call, per pattern and flags, and hands them over directly at the next crawl (5 ms
# to read them all; each compile then takes microseconds).
#
# The kept arguments are the engine's own, taken as it is called (nothing here re-implements a compiler),
# and are only used by the same interpreter build and the same `regex` release, which the file's header
# names. A digest of the programs is kept with them: the C engines check the programs they are handed only
# in part, and one damaged on disk could crash the process. A file that fails either check is not used.

FORMAT = 1
# sha256 of inspect.getsource of the functions stood in for, in the releases this module was written for
# (Python 3.11, regex 2026.12): another release's compiles are left as they are.
RELEASED_SOURCES = {
    ("re._compiler", "compile"): "0abaabe8e5892dad",
    ("regex._main", "_compile"): "b44613110bc0d269",
}
# A file that holds patterns is written again only when the new ones cost this much CPU to compile: writing it
# (marshalling some 580 programs, 0.9 MB) costs about 10 ms of the fork server's start. The three patterns a
# process makes anew at every start (character classes built from a set, in its hash order) cost 0.6 ms: the
# file was written again at every crawl for them.
WORTH_KEEPING_S = 0.005
# Raised by an engine refusing a program (regex raises SystemError): the pattern is then compiled as usual.
REFUSED = (RuntimeError, SystemError, TypeError, ValueError)
# Named with the interpreter's version: two Pythons sharing a home each keep their own, rather than taking
# turns to replace one file that the other cannot use.
NAME = f"compiled-patterns-{sys.implementation.cache_tag}.marshal"


class _Recorder:
    """Stands in for an engine module (``_sre``, ``_regex``) while patterns are compiled: notes each
    ``compile`` call's arguments under the pattern being compiled (where ``keeps`` them), and passes
    everything else through."""

    def __init__(self, engine: Any, kept: dict[tuple, tuple], keeps: Callable[[tuple], bool] = lambda args: True):
        self.engine = engine
        self.kept = kept
        self.keeps = keeps
        self.key: tuple | None = None
        self.noted = False

    def compile(self, *args: Any) -> Any:
        compiled = self.engine.compile(*args)
        if self.key is not None and self.keeps(args):
            self.kept[self.key] = _plain(args)
            self.noted = True
        self.key = None
        return compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


class KeptPatterns:
    """Serves ``re`` and ``regex`` compiles from programs kept on disk, and notes the ones not kept yet.

    ``install`` puts it in place; ``keep`` stops noting and, when no file could be read or the new patterns took
    ``worth_keeping_s`` of CPU or more to compile, writes the programs used since; compiles then still come from
    the kept programs. One instance per process.
    """

    def __init__(self, path: Path | None = None, worth_keeping_s: float = WORTH_KEEPING_S):
        self.path = path if path is not None else cache_dir() / NAME
        self.worth_keeping_s = worth_keeping_s
        self.header = _header()
        self.kept: dict[tuple, tuple] = {}
        self.used: set[tuple] = set()  # the keys compiled since install, kept or new
        self.new = 0
        self.new_compile_s = 0.0  # the CPU time the new ones took to compile
        self.loaded = False  # whether a file of this interpreter's and releases' programs was read
        self.recording = False
        self._recorders: list[tuple[Any, str, _Recorder]] = []  # (module, name of its engine, stand-in)

    # -- reading and writing the file ---------------------------------------------------------
    def load(self) -> None:
        try:
            with open(self.path, "rb") as file:
                data = file.read()
            # From bytes: marshal.load reads a file a value at a time, 15 times slower.
            header, digest, programs = marshal.loads(data)
            if header != self.header or digest != _digest(programs):
                return  # another interpreter's or release's, or damaged: compiled as usual, and kept again
            kept = marshal.loads(programs)
        except (OSError, EOFError, ValueError, TypeError):
            return  # none kept yet, or unreadable
        if isinstance(kept, dict):
            self.kept = kept
            self.loaded = True

    def keep(self) -> None:
        """Stop noting compiles; when new patterns worth keeping were compiled, write the programs this process used.

        Only those used: a few patterns are made anew by each process (from a set, in its hash order), and the
        file would otherwise grow by them at every crawl.
        """
        self.recording = False
        for module, name, recorder in self._recorders:
            setattr(module, name, recorder.engine)
        self._recorders.clear()
        if not self.new or (self.loaded and self.new_compile_s < self.worth_keeping_s):
            return
        used = {key: self.kept[key] for key in self.used if key in self.kept}
        try:
            programs = marshal.dumps(used)
        except ValueError:  # a value marshal cannot write: not kept
            return
        keep_file(self.path, marshal.dumps((self.header, _digest(programs), programs)))
        self.new, self.new_compile_s = 0, 0.0

    # -- serving compiles ---------------------------------------------------------------------
    def install(self) -> None:
        """Serve compiles from the kept programs and note new ones until :meth:`keep`."""
        self.load()
        self.recording = True
        self._install_re()
        self._install_regex()

    def _serve(
        self, key: tuple, recorder: _Recorder, compile_as_usual: Callable[[], Any], memo: dict | None = None
    ) -> Any:
        """The pattern ``key`` names: made from its kept program (and put in ``memo``, if given), else compiled
        as usual, and its program noted while noting."""
        if self.recording:
            self.used.add(key)
        args = self.kept.get(key)
        if args is not None:
            with contextlib.suppress(*REFUSED):
                compiled = recorder.engine.compile(*args)
                if memo is not None:
                    memo[key] = compiled
                return compiled
        if not self.recording:
            return compile_as_usual()
        recorder.key, recorder.noted = key, False
        started = time.process_time()
        try:
            compiled = compile_as_usual()
        finally:
            recorder.key = None
        if recorder.noted:
            self.new += 1
            self.new_compile_s += time.process_time() - started
        return compiled

    def _stand_in(self, module: Any, name: str, keeps: Callable[[tuple], bool] = lambda args: True) -> _Recorder:
        """A recorder in place of ``module``'s engine ``name`` until :meth:`keep`."""
        recorder = _Recorder(getattr(module, name), self.kept, keeps)
        setattr(module, name, recorder)
        self._recorders.append((module, name, recorder))
        return recorder

    def _install_re(self) -> None:
        compile_program = known_release("re._compiler", "compile", RELEASED_SOURCES["re._compiler", "compile"])
        if compile_program is None:
            return  # a Python whose `re` compiles otherwise: left as it is
        compiler: Any = sys.modules["re._compiler"]  # where `re` turns a pattern into a program
        recorder = self._stand_in(compiler, "_sre")  # `re`'s C engine
        debug = int(compiler.SRE_FLAG_DEBUG)

        def compile_kept(pattern: Any, flags: int = 0) -> Any:
            if type(pattern) not in (str, bytes) or flags & debug:
                return compile_program(pattern, flags)
            return self._serve(("re", pattern, int(flags)), recorder, partial(compile_program, pattern, flags))

        compiler.compile = compile_kept

    def _install_regex(self) -> None:
        try:
            regex = importlib.import_module("regex")
        except ImportError:
            return
        compile_program = known_release("regex._main", "_compile", RELEASED_SOURCES["regex._main", "_compile"])
        if compile_program is None:
            return  # a regex release that compiles otherwise: left as it is
        main: Any = sys.modules["regex._main"]
        debug, locale = int(main.DEBUG), int(main.LOCALE)
        # An inline (?L) makes the program depend on the locale after all: not kept.
        recorder = self._stand_in(main, "_regex", keeps=lambda args: not args[1] & locale)
        served: dict[tuple, Any] = {}  # regex's own cache holds what it compiles; this, what kept programs made

        def compile_kept(pattern: Any, flags: int, ignore_unused: bool, kwargs: dict, cache_it: bool) -> Any:
            # Named lists, the debug flag and a locale (the program depends on the locale's encoding) are
            # compiled as regex does.
            if kwargs or type(pattern) not in (str, bytes) or flags & (debug | locale):
                return compile_program(pattern, flags, ignore_unused, kwargs, cache_it)
            key = ("regex", pattern, int(flags), int(regex.DEFAULT_VERSION))
            compiled = served.get(key)  # first: regex calls this at each search with a pattern's text
            if compiled is None:
                as_usual = partial(compile_program, pattern, flags, ignore_unused, kwargs, cache_it)
                compiled = self._serve(key, recorder, as_usual, served if cache_it else None)
            return compiled

        main._compile = compile_kept


def _header() -> tuple:
    """What the kept programs are valid for: this interpreter build, its `re` engine and the `regex` release."""
    try:
        regex_version = importlib.import_module("regex").__version__
    except ImportError:
        regex_version = None
    magic = importlib.import_module("_sre").MAGIC
    return ("storyonce compiled patterns", FORMAT, sys.version, sys.implementation.cache_tag, magic, regex_version)


def _digest(programs: bytes) -> bytes:
    """The programs' digest, kept with them: a program damaged on disk could crash the engine it is handed to."""
    return hashlib.blake2b(programs, digest_size=16).digest()


def _plain(value: Any) -> Any:
    """``value`` with int subclasses (`re`'s named opcodes, flag enums) as ints, so marshal can write it."""
    if isinstance(value, bool) or value is None or type(value) in (int, str, bytes, float):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if isinstance(value, frozenset):
        return frozenset(_plain(item) for item in value)
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    return value
