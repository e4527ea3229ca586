"""Where faster forms go in a library's modules, and its attributes as released again for the length of a block."""

from __future__ import annotations

import hashlib
import inspect
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from crawler.extract.kept_fingerprints import kept_fingerprint

Placed = tuple[Any, str, Any, Any]  # (module, attribute name, as released, the faster form put there)


def modules_of(package: str) -> list[ModuleType]:
    """The modules of ``package`` loaded now, the package itself included."""
    return [
        module
        for name, module in list(sys.modules.items())
        if module is not None and (name == package or name.startswith(f"{package}."))
    ]


def source_fingerprint(function: Any) -> str | None:
    """A short sha256 of a function's source, to tell the release a faster form was written for; None
    where the source cannot be read. Kept from one crawl to the next while its file is unchanged."""
    return kept_fingerprint(function, _read_fingerprint)


def _read_fingerprint(function: Any) -> str | None:
    try:
        return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]
    except (OSError, TypeError):
        return None


def known_release(module_name: str, name: str, fingerprint: str) -> Any:
    """``name`` of the loaded module ``module_name`` where its source has ``fingerprint`` (the release a faster form
    was written for), else None: not loaded, not there, or another release's."""
    found = getattr(sys.modules.get(module_name), name, None)
    return found if found is not None and source_fingerprint(found) == fingerprint else None


def place(placed: list[Placed], module: Any, name: str, released: Any, faster: Any) -> None:
    """``faster`` in place of ``released`` as ``module.name``, remembered in ``placed`` (for :func:`as_released`)."""
    setattr(module, name, faster)
    placed.append((module, name, released, faster))


def place_when_known(
    placed: list[Placed], module_name: str, sources: Mapping[str, str], name: str, faster_of: Callable[[Any], Any]
) -> None:
    """``faster_of(released)`` in place of ``name`` of the module ``module_name``, remembered in ``placed``, where every
    function named in ``sources`` (``name`` among them) reads there as its fingerprint says: the release the faster
    form was written for. Else nothing is put."""
    found = {function: known_release(module_name, function, fingerprint) for function, fingerprint in sources.items()}
    if all(function is not None for function in found.values()):
        place(placed, sys.modules[module_name], name, found[name], faster_of(found[name]))


@contextmanager
def as_released(placed: Sequence[Placed]) -> Iterator[None]:
    """Each attribute in ``placed`` set back to its released value within the block, its faster form after."""
    placed = list(placed)  # what was in place when the block began, whatever is installed meanwhile
    for module, name, released, _ in placed:
        setattr(module, name, released)
    try:
        yield
    finally:
        for module, name, _, faster in placed:
            setattr(module, name, faster)
