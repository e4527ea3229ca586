"""Texts made to a given likeness, for the near-duplicate indexes."""

from __future__ import annotations

import random


def template_family(size: int, seed: int = 3) -> tuple[str, str, list[str]]:
    """A text, a near-copy of it (Jaccard 0.9) and ``size`` texts that share half their words with it (a
    site's template: every look-up of the text finds them all in its bands, none of them a copy)."""
    rng = random.Random(seed)
    words = iter(f"w{n}" for n in rng.sample(range(10**7), 100 + 60 + 50 * size))
    template, own = [next(words) for _ in range(100)], [next(words) for _ in range(50)]
    copy = template + own[:45] + [next(words) for _ in range(5)]
    others = [template + [next(words) for _ in range(50)] for _ in range(size)]
    return " ".join(template + own), " ".join(copy), [" ".join(o) for o in others]
