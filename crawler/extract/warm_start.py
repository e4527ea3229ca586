"""Imported first by the workers' fork server: kept patterns served, the collector off until the warm-up ends."""

from __future__ import annotations

import gc

from crawler.extract.kept_patterns import KeptPatterns

# The collector waits until the warm-up's end (crawler.extract.warmup), as Python's documentation of gc.freeze
# advises for a process that forks: loading trafilatura, numpy and the rest and analysing the sample pages makes
# some 90,000 objects that live as long as the workers, and about 500 of garbage. Collecting as they came
# (115 young, 10 middle and 1 full collection, each walking more of them) cost 0.1 s of the fork server's
# 0.5 s, on the way to the first extracted page.
gc.disable()

KEPT_PATTERNS = KeptPatterns()
KEPT_PATTERNS.install()  # kept again, with what the warm-up adds, at the warm-up's end (crawler.extract.warmup)
