"""datasketch's MinHash, loaded without the rest of datasketch (whose package imports scipy: 0.3 s of a core)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any

PACKAGE = "datasketch"
MODULE = f"{PACKAGE}.minhash"  # the one module of it that signing needs

_lock = threading.RLock()  # the writer thread and the reactor thread may both sign first

# A process that signs only a few texts (a crawl's writer cutting chrome from a few stored articles) signs them
# on Python integers (dedup.packed_minhash) instead: loading numpy and datasketch's MinHash costs about 0.06 s of
# a crawl process's CPU (0.12 to 0.13 s in a process of its own), what some 15,000 shingles cost so (4 us each,
# where datasketch takes 0.7). Past that many, it has paid about what loading them costs, and loads them: never
# much more than twice the cheaper of the two.
SHINGLES_BEFORE_NUMPY = 15_000
_shingles_without_numpy = 0


def minhash_class() -> type:
    """``datasketch.MinHash``, importing no more of datasketch than its ``minhash`` module.

    datasketch's ``__init__`` imports every sketch it has, and its LSH classes import scipy for the
    integrals that tune them: 0.3 s of a core in every process that signs (the workers' fork server at
    every start of a crawl, the crawl process when its writer signs), for classes this project does not
    use (dedup.index bands by itself). When datasketch is not imported yet, the package's module is
    made without running its ``__init__``, and only ``datasketch.minhash`` is imported under it. The
    first use of any other name of the package runs the ``__init__`` then (a module ``__getattr__``,
    PEP 562), so ``from datasketch import MinHashLSH`` works as usual later on, with the same MinHash.
    """
    if PACKAGE not in sys.modules:
        with _lock:
            if PACKAGE not in sys.modules:
                _package_with_minhash_only()
    # Also when datasketch was imported whole, or is being imported by another thread: the import
    # system's own locks then make this wait for the module, which a look-up of the package would not.
    return importlib.import_module(MODULE).MinHash


def numpy_pays_for(shingles: int) -> bool:
    """Whether to sign a text of ``shingles`` shingles with datasketch (loading it and numpy if need be), rather
    than on Python integers: yes once its MinHash is loaded, or once this process has signed
    :data:`SHINGLES_BEFORE_NUMPY` shingles without it."""
    global _shingles_without_numpy
    if MODULE in sys.modules:
        return True
    with _lock:
        _shingles_without_numpy += shingles
        return _shingles_without_numpy > SHINGLES_BEFORE_NUMPY


def _package_with_minhash_only() -> ModuleType:
    """Put datasketch's package module in ``sys.modules`` with only MinHash loaded, the rest on first use."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {PACKAGE!r}", name=PACKAGE)
    loader = spec.loader
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    try:
        minhash = importlib.import_module(MODULE)
    except BaseException:
        del sys.modules[PACKAGE]
        raise
    package.MinHash = minhash.MinHash  # type: ignore[attr-defined]

    def complete(name: str) -> Any:
        """Run the package's ``__init__`` (once), then look ``name`` up as if it had run at import."""
        with _lock:
            if package.__dict__.get("__getattr__") is complete:
                del package.__dict__["__getattr__"]
                try:
                    loader.exec_module(package)
                except BaseException:
                    package.__dict__["__getattr__"] = complete
                    raise
        return getattr(package, name)

    package.__dict__["__getattr__"] = complete
    return package


__all__ = ["SHINGLES_BEFORE_NUMPY", "minhash_class", "numpy_pays_for"]
