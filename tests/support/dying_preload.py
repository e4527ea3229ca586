"""Imported by a fork server in the pool tests: a warm-up that kills the fork server, every time."""

from __future__ import annotations

import os

os._exit(1)
