"""Code run in a fresh interpreter from the repository root, for tests where what it has imported is the point."""

from __future__ import annotations

import subprocess
import sys

from tests.support.crawl import REPO


def run_python(code: str, *args: str) -> str:
    """What ``python -c code args...`` prints; fails the test with the end of its stderr if it fails."""
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout
