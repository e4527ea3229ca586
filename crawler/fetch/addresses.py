"""Which network addresses a crawl may connect to (public ones, plus the hosts the user named), checked twice."""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.resolver import CachingThreadedResolver
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from crawler.config import CrawlConfig, Settings
from crawler.fetch.failures import Refused
from crawler.fetch.scope import Scope
from crawler.urls import site_of

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# What inet_aton accepts besides dotted quads: 2130706433, 0x7f000001, 0x7f.1, 0177.0.0.1, 127.1.
NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$", re.IGNORECASE)


def parse_ip_literal(host: str | None) -> IPAddress | None:
    """The address a URL's host spells, in any notation a resolver accepts, or None for a name.

    ``http://2130706433/``, ``http://0x7f.0.0.1/``, ``http://0177.0.0.1/`` and ``http://127.1/`` all
    reach 127.0.0.1, because the system resolver parses them as inet_aton does.
    """
    if not host:
        return None
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # drop an IPv6 zone index
    except ValueError:
        pass
    if NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def ascii_host(host: str) -> str:
    """The IDNA (xn--) spelling of a host name, as it appears in requests and DNS queries."""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def is_forbidden(address: IPAddress) -> bool:
    """True for any address that is not globally routable: loopback, private, link-local (cloud metadata),
    shared, reserved, unspecified, multicast, and IPv6 forms that embed such an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in ipaddress.IPv6Network("64:ff9b::/96"):  # NAT64
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and is_forbidden(embedded):
            return True
    return not address.is_global or address.is_multicast


class AddressPolicy:
    """The hosts and sites the user named as start URLs: those may be on private addresses.

    One per process, because Twisted installs one resolver per process (see GuardedResolver).
    """

    def __init__(self) -> None:
        self.named_hosts: set[str] = set()
        self.named_sites: set[str] = set()
        self.allow_private = False

    def name(self, urls: Iterable[str]) -> None:
        """Record the start URLs the user gave."""
        for url in urls:
            host = (urlsplit(url).hostname or "").rstrip(".")
            if host:
                self.named_hosts.add(host)
                self.named_hosts.add(ascii_host(host))  # requests carry the IDNA spelling
                self.named_sites.add(site_of(url))

    def refuses_url(self, url: str) -> IPAddress | None:
        """The forbidden address a URL spells as its host, unless the user named that site."""
        if self.allow_private:
            return None
        address = parse_ip_literal(urlsplit(url).hostname)
        if address is not None and is_forbidden(address) and site_of(url) not in self.named_sites:
            return address
        return None

    def refuses(self, host: str, address: str) -> bool:
        """True if ``host`` resolved to a forbidden ``address`` and the user did not name ``host``."""
        if self.allow_private or host.lower().rstrip(".") in self.named_hosts:
            return False
        try:
            return is_forbidden(ipaddress.ip_address(address))
        except ValueError:
            return True  # not an address at all: never connect to it


POLICY = AddressPolicy()


class ForbiddenAddress(DNSLookupError):
    """A name resolved to an address the crawl may not connect to.

    A DNSLookupError, so that Twisted treats it as "no address" when it happens while connecting.
    """

    def __init__(self, host: str, address: str):
        super().__init__(f"{host} resolves to {address}, a non-public address")
        self.host = host
        self.address = address


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing non-public addresses for names the user did not name.

    Installed as ``TWISTED_DNS_RESOLVER``, it checks the address every connection really goes to, so a
    name that resolves to 127.0.0.1 or 169.254.169.254 (or starts to, between two lookups) is never
    connected to. ``CRAWL_RESOLVE`` pins names to addresses, as /etc/hosts would; pinned addresses are
    checked like any other.
    """

    def __init__(self, reactor: Any, cache_size: int, timeout: float, hosts: dict[str, str], policy: AddressPolicy):
        super().__init__(reactor, cache_size, timeout)
        self.hosts = hosts
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        # ``crawler`` is the CrawlerProcess here: the resolver serves the whole process.
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        config = CrawlConfig.from_settings(settings)
        POLICY.allow_private = config.allow_private_addresses
        if settings.getbool("HTTPPROXY_ENABLED"):
            # A proxy from the environment (http_proxy, often on a private address) is the user's choice too.
            POLICY.name(url for key, url in getproxies().items() if key != "no")
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), config.resolve, POLICY)

    def getHostByName(self, name: str | bytes, timeout: Sequence[int] = ()) -> defer.Deferred:  # noqa: N802
        host = (name.decode("ascii", "replace") if isinstance(name, bytes) else name).lower().rstrip(".")
        pinned = self.hosts.get(host)
        resolved = defer.succeed(pinned) if pinned is not None else super().getHostByName(host, timeout)
        return resolved.addCallback(self._check, host)

    def _check(self, address: str, host: str) -> str:
        if self.policy.refuses(host, address):
            raise ForbiddenAddress(host, address)
        return address


class AddressMiddleware:
    """Refuses requests that would reach a loopback, private, link-local or other non-public address.

    The sites of the start URLs are exempt: the user named them. A host written as an address (in
    any notation: ``2130706433``, ``0x7f.0.0.1``, ``[::ffff:127.0.0.1]``) is checked as written; a
    name in scope is resolved first, with the crawl's resolver and its cache, and its address checked.
    ``GuardedResolver`` checks again when connecting, so a name cannot change its answer in between.
    Refusals get reason ``forbidden_address``. ``CRAWL_ALLOW_PRIVATE_ADDRESSES=True`` turns this off.
    """

    def __init__(self, crawler: Crawler, policy: AddressPolicy, stats: StatsCollector):
        self.crawler = crawler
        self.policy = policy
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressMiddleware:
        if CrawlConfig.from_settings(crawler.settings).allow_private_addresses:
            raise NotConfigured("CRAWL_ALLOW_PRIVATE_ADDRESSES is on")
        # The spider exists when middlewares are built: its start URLs are what the user named.
        POLICY.name(getattr(crawler.spider, "start_urls", None) or [])
        return cls(crawler, POLICY, crawler.stats)

    async def process_request(self, request: Request) -> None:
        address = self.policy.refuses_url(request.url)
        if address is not None:
            self._refuse(request, str(address))
        host = (urlparse_cached(request).hostname or "").rstrip(".")
        if not host or parse_ip_literal(host) is not None or host in self.policy.named_hosts:
            return
        scope: Scope | None = getattr(self.crawler.spider, "scope", None)
        if scope is not None and request.url not in scope:
            return  # ScopeMiddleware refuses it, without a DNS lookup
        from twisted.internet import reactor  # the one Scrapy installed; importing it earlier would install another

        try:
            resolved = await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[arg-type]
        except ForbiddenAddress as exc:
            self._refuse(request, exc.address)
        except Exception:  # noqa: BLE001 -- a name that does not resolve fails in the download, with its reason
            return
        if self.policy.refuses(host, resolved):  # another TWISTED_DNS_RESOLVER may not check
            self._refuse(request, resolved)

    def _refuse(self, request: Request, address: str) -> None:
        refuse(request.url, address, self.stats)


def refuse_a_forbidden_host(crawler: Crawler, url: str) -> None:
    """Refuse ``url`` at once when its host is written as a non-public address (see :class:`AddressMiddleware`).

    For a redirect's target, before Scrapy's duplicate filter can drop it: w3lib 2.6 writes every spelling of an
    address as a dotted quad ("0177.0.0.1", "2130706433": "127.0.0.1"), so two redirects to one address lead to
    one request, and the second redirect would be recorded as followed, its target never checked.
    """
    if Settings(crawler.settings).flag("CRAWL_ALLOW_PRIVATE_ADDRESSES"):  # one setting: not every one, per redirect
        return
    address = POLICY.refuses_url(url)
    if address is not None:
        refuse(url, str(address), crawler.stats)


def refuse(url: str, address: str, stats: StatsCollector | None) -> None:
    """Count and log the refusal of ``url``, which leads to the non-public ``address``, and raise it."""
    if stats is not None:  # a crawler without its stats yet still refuses
        stats.inc_value("scope/refused/forbidden_address")
    logger.warning("refused %s: it leads to %s, a non-public address", url, address)
    raise Refused("forbidden_address", f"{url} leads to the non-public address {address}")
