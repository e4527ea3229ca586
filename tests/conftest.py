"""Fixtures shared by the test modules; the helpers themselves live in tests.support."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from crawler.demo.server import DEMO_SITE, SiteGroup
from crawler.extract import titles
from tests.support import sites


@pytest.fixture(scope="session", autouse=True)
def cache_of_the_session(tmp_path_factory):
    """Crawls started by the tests keep what they keep between crawls (htmldate's month names) in a directory of
    the test session, not in the tester's own ``~/.cache``: the first crawl gathers, the later ones read."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture
def demo_sites():
    with SiteGroup(DEMO_SITE) as group:
        yield group


@pytest.fixture(scope="session")
def manifest() -> dict:
    return sites.manifest()


@dataclass
class Keyed:
    characters: int = 0  # of the texts titles.name_key was asked to key


@pytest.fixture
def title_keying(monkeypatch) -> Keyed:
    """How much text the title reader keys (its work: a title read in linear work keys each part a few times)."""
    keyed = Keyed()
    name_key = titles.name_key

    def counted(text: str) -> str:
        keyed.characters += len(text)
        return name_key(text)

    monkeypatch.setattr(titles, "name_key", counted)
    return keyed
