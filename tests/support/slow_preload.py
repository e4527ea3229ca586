"""Imported by a fork server in the pool tests: a warm-up far longer than any test waits."""

from __future__ import annotations

import time

time.sleep(120)
