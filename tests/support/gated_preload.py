"""Imported by a fork server in the pool tests: a warm-up that says it has begun, then lasts until a file exists."""

from __future__ import annotations

import os
import time
from pathlib import Path

gate = Path(os.environ["PRELOAD_GATE"])
gate.with_suffix(".begun").touch()
deadline = time.monotonic() + 60
while not gate.exists() and time.monotonic() < deadline:
    time.sleep(0.01)
