"""A library's attributes as released for the length of a block, where a faster form was put in their place."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

Placed = tuple[Any, str, Any, Any]  # (module, attribute name, as released, the faster form put there)


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
