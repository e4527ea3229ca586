"""The fetch rules on their own: address spellings, the address policy, Retry-After, robots.txt decisions."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from pathlib import Path

import pytest
from twisted.python.failure import Failure

import crawler
from crawler.commands.crawl import exit_status
from crawler.config import ArgumentError, CrawlConfig, SettingError, parse_static_hosts
from crawler.fetch.addresses import (
    AddressPolicy,
    ForbiddenAddress,
    GuardedResolver,
    is_forbidden,
    parse_ip_literal,
)
from crawler.fetch.retry import retry_after_seconds
from crawler.fetch.robots import ALLOW_ALL, DISALLOW_ALL, RULES, decide
from crawler.fetch.sites import load_sites
from tests.support.store import PROJECT_SETTINGS


@pytest.mark.parametrize(
    "host, address",
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("fe80::1%eth0", "fe80::1"),
        ("8.8.8.8", "8.8.8.8"),
        ("news.example.com", None),
        ("cafe.be", None),
        ("1e100.net", None),
    ],
)
def test_every_spelling_of_an_address_is_parsed(host, address):
    parsed = parse_ip_literal(host)
    assert (str(parsed) if parsed else None) == address


@pytest.mark.parametrize(
    "address, forbidden",
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("172.31.255.255", True),
        ("192.168.0.1", True),
        ("169.254.169.254", True),
        ("0.0.0.0", True),
        ("100.64.0.1", True),
        ("::1", True),
        ("fc00::1", True),
        ("fd12::1", True),
        ("fe80::1", True),
        ("::ffff:10.0.0.1", True),
        ("2002:a00:1::", True),
        ("64:ff9b::a9fe:a9fe", True),
        ("8.8.8.8", False),
        ("172.32.0.1", False),
        ("2606:4700::1111", False),
        ("::ffff:8.8.8.8", False),
    ],
)
def test_non_public_addresses_are_forbidden(address, forbidden):
    assert is_forbidden(ipaddress.ip_address(address)) is forbidden


def test_policy_exempts_only_what_the_user_named():
    policy = AddressPolicy()
    policy.name(["http://127.0.0.1:8371/", "http://intranet.local/news"])
    assert policy.refuses_url("http://127.0.0.1:8371/a") is None
    assert str(policy.refuses_url("http://127.0.0.1:8372/a")) == "127.0.0.1"
    assert policy.refuses("intranet.local", "10.0.0.5") is False
    assert policy.refuses("www.intranet.local", "10.0.0.5") is True
    assert policy.refuses("example.com", "93.184.216.34") is False
    policy.allow_private = True
    assert policy.refuses("www.intranet.local", "10.0.0.5") is False


def test_static_hosts_are_checked():
    assert parse_static_hosts("A.test=127.0.0.1, b.test = ::1") == {"a.test": "127.0.0.1", "b.test": "::1"}
    assert parse_static_hosts({"A.test": "::1"}) == {"a.test": "::1"}  # a dict, in a settings file
    with pytest.raises(ValueError, match="not an IP address"):
        parse_static_hosts("a.test=localhost")
    with pytest.raises(ValueError, match="name=address"):
        parse_static_hosts("a.test")
    # As a setting: the crawl's configuration names it (and the crawl refuses to start, in one line).
    with pytest.raises(SettingError, match=r"CRAWL_RESOLVE='a.test' is not allowed: name=address pairs"):
        CrawlConfig.from_settings({**PROJECT_SETTINGS, "CRAWL_RESOLVE": "a.test"})


def test_retry_after_in_seconds_or_as_a_date():
    now = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds(b"Mon, 02 Mar 2026 09:01:30 GMT", now) == 90
    assert retry_after_seconds(b"Mon, 02 Mar 2026 08:00:00 GMT", now) == 0
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


@pytest.mark.parametrize(
    "status, decision",
    [
        (200, RULES),
        (404, ALLOW_ALL),
        (401, ALLOW_ALL),
        (410, ALLOW_ALL),
        (429, DISALLOW_ALL),
        (500, DISALLOW_ALL),
        (503, DISALLOW_ALL),
        (301, ALLOW_ALL),
    ],
)
def test_robots_decision_by_status(status, decision):
    assert decide(status) == decision


def test_exit_status_by_finish_reason():
    assert exit_status("finished", False) == 0
    assert exit_status("closespider_timeout", False) == 0
    assert exit_status("shutdown", False) == 3
    assert exit_status("storage_error", True) == 1
    assert exit_status("shutdown", True) == 1
    assert exit_status("finished", False, responses=0) == 4
    assert exit_status("finished", False, responses=0, shared=True) == 0  # its peers took every request


def test_the_resolver_refuses_what_a_name_resolves_to_not_only_what_a_url_spells():
    """The last line of defence: the address every connection is made to, whatever asked for it."""
    policy = AddressPolicy()
    policy.name(["http://news.test:8080/"])
    hosts = parse_static_hosts("news.test=127.0.0.1,www.news.test=127.0.0.1,public.test=93.184.216.34")
    resolver = GuardedResolver(object(), 0, 5.0, hosts, policy)

    def outcome(name: str | bytes):
        results: list = []
        resolver.getHostByName(name).addBoth(results.append)
        assert len(results) == 1  # answered from the fixed hosts, without a lookup
        return results[0].value if isinstance(results[0], Failure) else results[0]

    assert outcome("news.test") == "127.0.0.1"  # named by the user
    assert outcome(b"NEWS.test.") == "127.0.0.1"
    assert isinstance(outcome("www.news.test"), ForbiddenAddress)
    assert outcome("public.test") == "93.184.216.34"


EXAMPLE_SITES = Path(crawler.__file__).with_name("sites.example.toml")
CRAWL = CrawlConfig.from_settings(PROJECT_SETTINGS)


def test_the_shipped_sites_file_loads():
    sites = load_sites(str(EXAMPLE_SITES), CRAWL)
    assert [s.name for s in sites] == ["herald", "wire"]
    herald, wire = sites
    assert herald.depth == 1 and wire.depth == 0 and wire.delay == 2.0 and wire.concurrency == 1
    assert herald.revisit_after == CRAWL.revisit_after and wire.revisit_within == 1
    assert not herald.allows("https://www.herald.example/tag/politics") and herald.allows(
        "https://www.herald.example/a"
    )
    assert herald.hosts() == {"herald.example", "www.herald.example"}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("name = 'x'", "a TOML file with one [[site]] table per site"),
        ("[[site]]\nname = 'x'\nurls = ['https://x.org/']\ndepht = 2", "only the keys"),
        ("[[site]]\nname = 'x'\nurls = ['https://x.org/']\ndeny = ['(']", "deny: valid regular expressions"),
        ("[[site]]\nname = 'x'\nurls = ['ftp://x.org/']", "start URLs must be absolute http(s) URLs"),
        (
            "[[site]]\nname = 'a'\nurls = ['https://x.org/']\n[[site]]\nname = 'b'\nurls = ['https://www.x.org/']",
            "each host in one site",
        ),
        ("[[site]]\nname = 'x'\nurls = ['https://x.org/']\nconcurrency = 0", "concurrency = a whole number"),
        ("[[site", "a TOML sites file"),
        ("[[site]]\nurls = ['https://x.org/']", 'a name = "..." for every site'),
        ("[[site]]\nname = 'x y'\nurls = ['https://x.org/']", "a name of letters, digits"),
    ],
)
def test_a_bad_sites_file_is_one_line_naming_what_is_wrong(tmp_path, toml, message):
    path = tmp_path / "sites.toml"
    path.write_text(toml)
    with pytest.raises(ArgumentError) as error:
        load_sites(str(path), CRAWL)
    assert message in str(error.value) and "\n" not in str(error.value)
