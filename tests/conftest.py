"""Fixtures shared by the test modules; the helpers themselves live in tests.support."""

from __future__ import annotations

import pytest

from crawler.demo.server import DEMO_SITE, SiteGroup
from tests.support import sites


@pytest.fixture
def demo_sites():
    with SiteGroup(DEMO_SITE) as group:
        yield group


@pytest.fixture(scope="session")
def manifest() -> dict:
    return sites.manifest()
