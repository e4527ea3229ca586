"""Regular expressions the workers' fork server compiles, kept on disk: the next crawl's does not compile them."""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import inspect
import marshal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crawler.extract.kept_words import cache_dir, keep_file

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
# The parameters of the functions stood in for, in the releases this module was written for (Python 3.11,
# regex 2026.12): where they take others (another release), compiles are left as they are.
RE_COMPILE = ("p", "flags")
REGEX_COMPILE = ("pattern", "flags", "ignore_unused", "kwargs", "cache_it")
# Named with the interpreter's version: two Pythons sharing a home each keep their own, rather than taking
# turns to replace one file that the other cannot use.
NAME = f"compiled-patterns-{sys.implementation.cache_tag}.marshal"


class _Recorder:
    """Stands in for an engine module (``_sre``, ``_regex``) while patterns are compiled: notes each
    ``compile`` call's arguments under the pattern being compiled, and passes everything else through."""

    def __init__(self, engine: Any, kept: dict[tuple, tuple]):
        self.engine = engine
        self.kept = kept
        self.key: tuple | None = None

    def compile(self, *args: Any) -> Any:
        compiled = self.engine.compile(*args)
        if self.key is not None:
            self.kept[self.key] = _plain(args)
            self.key = None
        return compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


class KeptPatterns:
    """Serves ``re`` and ``regex`` compiles from programs kept on disk, and notes the ones not kept yet.

    ``install`` puts it in place; ``keep`` stops noting and, when anything new was compiled, writes the
    programs used since; compiles then still come from the kept programs. One instance per process.
    """

    def __init__(self, path: Path | None = None):
        self.path = path if path is not None else cache_dir() / NAME
        self.header = _header()
        self.kept: dict[tuple, tuple] = {}
        self.used: set[tuple] = set()  # the keys compiled since install, kept or new
        self.new = 0
        self.recording = False
        self._undo: list[Callable[[], None]] = []

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

    def keep(self) -> None:
        """Stop noting compiles; when new patterns were compiled, write the programs this process used.

        Only those used: a few patterns are made anew by each process (from a set, in its hash order), and the
        file would otherwise grow by them at every crawl.
        """
        self.recording = False
        for undo in self._undo:
            undo()
        self._undo.clear()
        if not self.new:
            return
        used = {key: self.kept[key] for key in self.used if key in self.kept}
        try:
            programs = marshal.dumps(used)
        except ValueError:  # a value marshal cannot write: not kept
            return
        keep_file(self.path, marshal.dumps((self.header, _digest(programs), programs)))
        self.new = 0

    # -- serving compiles ---------------------------------------------------------------------
    def install(self) -> None:
        """Serve compiles from the kept programs and note new ones until :meth:`keep`."""
        self.load()
        self.recording = True
        self._install_re()
        self._install_regex()

    def _install_re(self) -> None:
        engine: Any = importlib.import_module("_sre")  # `re`'s C engine
        compiler: Any = importlib.import_module("re._compiler")  # where `re` turns a pattern into a program
        compile_program = compiler.compile
        hands_to_engine = getattr(compiler, "_sre", None) is engine
        if not (_called_as(compile_program, RE_COMPILE) and hands_to_engine):
            return  # a Python whose `re` compiles otherwise: left as it is
        recorder = _Recorder(engine, self.kept)
        debug = int(compiler.SRE_FLAG_DEBUG)
        kept = self.kept

        def compile_kept(pattern: Any, flags: int = 0) -> Any:
            if type(pattern) not in (str, bytes) or flags & debug:
                return compile_program(pattern, flags)
            key = ("re", pattern, int(flags))
            if self.recording:
                self.used.add(key)
            args = kept.get(key)
            if args is not None:
                with contextlib.suppress(RuntimeError, TypeError, ValueError):  # refused: compiled as usual
                    return engine.compile(*args)
            if not self.recording:
                return compile_program(pattern, flags)
            recorder.key = key
            try:
                compiled = compile_program(pattern, flags)
            finally:
                recorder.key = None
            self.new += 1
            return compiled

        compiler.compile = compile_kept
        compiler._sre = recorder  # until keep(): it notes each program compile_program makes

        def stop_noting() -> None:
            compiler._sre = engine

        self._undo.append(stop_noting)

    def _install_regex(self) -> None:
        try:
            regex = importlib.import_module("regex")
            main: Any = importlib.import_module("regex._main")
        except ImportError:
            return
        compile_program = main._compile
        engine: Any = getattr(main, "_regex", None)
        if not _called_as(compile_program, REGEX_COMPILE) or not hasattr(engine, "compile"):
            return  # a regex release that compiles otherwise: left as it is
        recorder = _Recorder(engine, self.kept)
        debug, locale = int(main.DEBUG), int(main.LOCALE)
        compiled_here: dict[tuple, Any] = {}
        kept = self.kept

        def compile_kept(pattern: Any, flags: int, ignore_unused: bool, kwargs: dict, cache_it: bool) -> Any:
            # Named lists, the debug flag and a locale (the program depends on the locale's encoding) are
            # compiled as regex does.
            if kwargs or type(pattern) not in (str, bytes) or flags & (debug | locale):
                return compile_program(pattern, flags, ignore_unused, kwargs, cache_it)
            key = ("regex", pattern, int(flags), int(regex.DEFAULT_VERSION))
            if self.recording:
                self.used.add(key)
            compiled = compiled_here.get(key)
            if compiled is not None:
                return compiled
            args = kept.get(key)
            if args is not None:
                with contextlib.suppress(RuntimeError, SystemError, TypeError, ValueError):
                    compiled = engine.compile(*args)
                    if cache_it:
                        compiled_here[key] = compiled
                    return compiled
            if not self.recording:
                return compile_program(pattern, flags, ignore_unused, kwargs, cache_it)
            recorder.key = key
            try:
                compiled = compile_program(pattern, flags, ignore_unused, kwargs, cache_it)
            finally:
                recorder.key = None
            if key in kept and kept[key][1] & locale:  # an inline (?L): depends on the locale after all
                del kept[key]
            else:
                self.new += 1
            return compiled

        main._compile = compile_kept
        main._regex = recorder

        def stop_noting() -> None:
            main._regex = engine

        self._undo.append(stop_noting)


def _called_as(function: Any, parameters: tuple[str, ...]) -> bool:
    """Whether ``function`` takes these parameters: the one this module stands in for, in the release it knows."""
    try:
        return tuple(inspect.signature(function).parameters) == parameters
    except (TypeError, ValueError):
        return False


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
