"""The command line as people use it: the other Scrapy commands, argument mistakes, progress and the summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.demo.server import DEMO_SITE, SiteGroup
from tests.support.crawl import crawl, scrapy

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def herald():
    with SiteGroup(DEMO_SITE) as sites:
        yield sites


def test_fetch_prints_the_page_and_nothing_else_and_opens_no_database(tmp_path, herald):
    url = herald.base_url("herald") + "/articles/tervel-ice-core.html"
    db = tmp_path / "crawl.db"
    result = scrapy("fetch", "--nolog", url, "-s", f"SQLITE_PATH={db}")
    assert result.returncode == 0, result.stderr[-2000:]
    expected = (DEMO_SITE / "herald" / "articles" / "tervel-ice-core.html").read_text()
    # Scrapy's fetch ends what it prints with a newline; nothing else is added (no summary of ours).
    assert result.stdout == expected.replace("{{BASE}}", herald.base_url("herald")) + "\n"
    assert not db.exists() and not Path(f"{db}.lock").exists()


def test_parse_shows_what_would_be_stored(tmp_path, herald):
    url = herald.base_url("herald") + "/articles/tervel-ice-core.html"
    db = tmp_path / "crawl.db"
    result = scrapy("parse", url, "--spider", "news", "-a", f"urls={url}", "--nolog", "-s", f"SQLITE_PATH={db}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "'kind': 'article'" in result.stdout and "'author': 'Priya Castellan'" in result.stdout
    assert "'word_count':" in result.stdout and "Related articles" in result.stdout  # a teaser block cut out
    assert not db.exists() and not Path(f"{db}.lock").exists()


def test_parse_says_how_many_teasers_the_limit_leaves_out(tmp_path, herald):
    url = herald.base_url("herald") + "/articles/tervel-ice-core.html"
    db = tmp_path / "crawl.db"
    args = ("parse", url, "--spider", "news", "-a", f"urls={url}", "--nolog", "-s", f"SQLITE_PATH={db}")
    unlimited = scrapy(*args)
    limited = scrapy(*args, "-s", "EXTRACT_MAX_TEASERS=2")
    assert limited.returncode == 0, limited.stderr[-2000:]
    shown = unlimited.stdout.count(" -> ")  # a teaser is shown as "block: headline -> address"
    assert shown > 2 and limited.stdout.count(" -> ") == 2
    assert f"'teasers_over_limit': {shown - 2}" in limited.stdout and "teasers_over_limit" not in unlimited.stdout


def test_parse_with_pipelines_shows_the_same_and_extracts_the_page_once(tmp_path, herald):
    url = herald.base_url("herald") + "/articles/tervel-ice-core.html"
    db = tmp_path / "crawl.db"
    plain = scrapy("parse", url, "--spider", "news", "-a", f"urls={url}", "--nolog", "-s", f"SQLITE_PATH={db}")
    piped = scrapy("parse", url, "--spider", "news", "-a", f"urls={url}", "--pipelines", "-s", f"SQLITE_PATH={db}")
    assert piped.returncode == 0, piped.stderr[-2000:]
    assert piped.stdout == plain.stdout and "'kind': 'article'" in piped.stdout
    # What is shown is the extraction pipeline's work: it does not run a second time (its stats stay empty).
    assert "'response_received_count'" in piped.stderr and "'extract/article'" not in piped.stderr
    assert not db.exists()


def test_shell_looks_at_a_loopback_page_while_a_crawl_holds_the_database(tmp_path, herald):
    url = herald.base_url("herald") + "/"
    db = tmp_path / "crawl.db"
    lock = Path(f"{db}.lock")
    with open(lock, "a+") as held:
        import fcntl

        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running crawl holds it
        result = scrapy("shell", url, "--nolog", "-c", "response.status", "-s", f"SQLITE_PATH={db}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "200"
    assert not db.exists()


def test_a_misspelled_argument_is_refused_with_a_suggestion(tmp_path):
    result = crawl("news", tmp_path / "x.db", {"urls": "http://127.0.0.1:9/", "dpeth": 0})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        (
            "Cannot start the crawl: -a dpeth='0' is not allowed: not an argument of this spider "
            "(it takes urls, depth, sites); did you mean -a depth=...?"
        )
    ]
    assert not (tmp_path / "x.db").exists()


def test_a_crawl_that_could_fetch_nothing_has_its_own_exit_status(tmp_path):
    result = crawl("news", tmp_path / "x.db", {"urls": "http://127.0.0.1:9/a,http://127.0.0.1:9/b"}, {"RETRY_TIMES": 0})
    assert result.returncode == 4
    assert "Nothing could be fetched" in result.stderr.strip().splitlines()[-1]
    assert result.pages()["http://127.0.0.1:9/a"][1:] == ("skipped", "robots_unavailable")


def test_progress_lines_and_a_summary_printed_once(tmp_path, herald):
    urls = f"{herald.base_url('herald')}/,{herald.base_url('herald')}/feed.rss"
    result = crawl("news", tmp_path / "crawl.db", {"urls": urls}, {"CRAWL_PROGRESS_INTERVAL": 0.2})
    assert result.returncode == 0, result.stderr[-2000:]
    progress = [line for line in result.stderr.splitlines() if "Progress: " in line]
    assert progress and "pages (" in progress[-1] and "articles stored" in progress[-1]
    assert "Crawled" not in result.stderr  # Scrapy's own LogStats line is replaced
    summary = result.stdout.strip().splitlines()
    assert summary[0].startswith("Crawl finished (finished): 16 new articles stored")
    assert 4 <= len(summary) <= 6 and all(len(line) < 200 for line in summary)
    assert "Crawl finished" not in result.stderr  # once, on stdout
    figures = result.stats()["summary"]
    assert figures["articles_new"] == 16 and figures["pages"] >= 16 and figures["elapsed_s"] > 0
    assert json.dumps(figures)  # plain JSON in runs.stats
