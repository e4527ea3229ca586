"""Code run in a fresh interpreter from the repository root, for tests where what it has imported is the point."""

from __future__ import annotations

import subprocess
import sys

from tests.support.crawl import REPO


def run_python(code: str, *args: str, env: dict[str, str] | None = None) -> str:
    """What ``python -c code args...`` prints (in the environment ``env``, if given); fails the test with the end
    of its stderr if it fails."""
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout
