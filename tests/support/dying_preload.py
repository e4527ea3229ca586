"""Imported by a fork server in the pool tests: a warm-up that kills the fork server, every time, or only once the
file named by $PRELOAD_DIES_FROM exists."""

from __future__ import annotations

import os

if "PRELOAD_DIES_FROM" not in os.environ or os.path.exists(os.environ["PRELOAD_DIES_FROM"]):
    os._exit(1)
