"""robots.txt as RFC 9309 reads it: 4xx allows everything, 5xx or an unreachable file disallows everything."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from crawler.config import CrawlConfig
from crawler.fetch.conditional import NOT_MODIFIED, conditional_headers, header
from crawler.fetch.crawl_delay import asked_delay, hold_host_to
from crawler.fetch.failures import Refused, describe_exception
from crawler.handoff import outcome_recorded, page_history
from crawler.records import PageOutcome
from crawler.urls import normalize_url

logger = logging.getLogger(__name__)

ALLOW_ALL = "allow_all"
DISALLOW_ALL = "disallow_all"
RULES = "rules"
ENDLESS_REDIRECTS = {"redirect_loop", "too_many_redirects"}


@dataclass
class HostRobots:
    """What one host's robots.txt decided: its rules, or everything allowed, or nothing."""

    decision: str  # RULES, ALLOW_ALL or DISALLOW_ALL
    parser: RobotParser | None = None

    def allows(self, url: str, user_agent: str | bytes) -> bool:
        if self.decision == RULES:
            assert self.parser is not None
            return self.parser.allowed(url, user_agent)
        return self.decision == ALLOW_ALL


def decide(status: int) -> str:
    """The decision for a robots.txt answered with ``status`` (after redirects and retries).

    RFC 9309 2.3.1: 2xx gives rules; 4xx means there are none (allow all); 5xx means the site cannot
    say, so nothing may be crawled. 429 asks us to slow down: treated like 5xx, as Google does. A
    redirect that was not followed leaves the file unavailable (allow, per 2.3.1.2).
    """
    if 200 <= status < 300:
        return RULES
    if status == 429 or status >= 500:
        return DISALLOW_ALL
    return ALLOW_ALL


class RobotsPolicyMiddleware:
    """Obeys robots.txt (replaces Scrapy's RobotsTxtMiddleware, which allows everything on a 5xx).

    Each host's decision is recorded: stats ``robotstxt/decision/<decision>``, and, when the file gave
    no rules, a ``pages`` row for the robots.txt (kind ``robots``, its status, reason
    ``robots_unavailable`` or ``robots_missing``). Pages refused by rules get reason ``robots``; pages
    refused because robots.txt could not be read (5xx, 429, timeout, connection errors) get
    ``robots_unavailable``. A later run asks again.

    A ``Crawl-delay`` (or ``Request-rate``) in the rules is the least time between two requests to the
    host, up to ``CRAWL_ROBOTS_DELAY_MAX`` seconds (0: not obeyed).
    """

    DOWNLOAD_PRIORITY = 1000

    def __init__(
        self,
        crawler: Crawler,
        parser_class: type[RobotParser],
        user_agent: str,
        robots_user_agent: str,
        max_delay: float = 0.0,
    ):
        self.crawler = crawler
        self.stats = crawler.stats
        self.parser_class = parser_class
        self.user_agent = user_agent
        self.robots_user_agent = robots_user_agent
        self.max_delay = max_delay
        self.hosts: dict[str, HostRobots] = {}  # by netloc
        self.waiting: dict[str, list[Deferred[HostRobots]]] = {}  # requests waiting for a robots.txt fetch

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsPolicyMiddleware:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("ROBOTSTXT_OBEY is off")
        parser_class = load_object(settings.get("ROBOTSTXT_PARSER"))
        build_from_crawler(parser_class, crawler, b"")  # fail at startup if the parser's package is missing
        return cls(
            crawler,
            parser_class,
            settings.get("USER_AGENT"),
            settings.get("ROBOTSTXT_USER_AGENT") or "",
            CrawlConfig.from_settings(settings).robots_delay_max,
        )

    async def process_request(self, request: Request) -> None:
        if request.meta.get("dont_obey_robotstxt") or urlparse_cached(request).scheme not in ("http", "https"):
            return
        robots = await self._robots_for(request)
        user_agent = self.robots_user_agent or request.headers.get(b"User-Agent") or self.user_agent
        if robots.allows(request.url, user_agent):
            return
        self.stats.inc_value("robotstxt/forbidden")
        if robots.decision == DISALLOW_ALL:
            raise Refused("robots_unavailable", f"robots.txt of {request.url} could not be read: nothing is allowed")
        raise Refused("robots", f"Forbidden by robots.txt: {request.url}")

    async def _robots_for(self, request: Request) -> HostRobots:
        parts = urlparse_cached(request)
        netloc = parts.netloc
        if netloc in self.hosts:
            return self.hosts[netloc]
        if netloc in self.waiting:
            # One Deferred per waiter: a Deferred awaited twice hands the second waiter None.
            waiter: Deferred[HostRobots] = Deferred()
            self.waiting[netloc].append(waiter)
            return await maybe_deferred_to_future(waiter)
        self.waiting[netloc] = []
        try:
            robots = await self._fetch(f"{parts.scheme}://{netloc}/robots.txt")
        except Exception:  # a robots.txt the parser chokes on says nothing we could obey
            logger.exception("robots.txt of %s could not be parsed: nothing on that host is crawled", netloc)
            robots = HostRobots(DISALLOW_ALL)
        self.hosts[netloc] = robots
        for waiter in self.waiting.pop(netloc):
            waiter.callback(robots)
        return robots

    async def _fetch(self, url: str) -> HostRobots:
        # Asked for conditionally when its rules are stored: an unchanged robots.txt costs a 304.
        page = normalize_url(url)
        history = page_history(self.crawler)
        stored = history.kept_body(page)
        headers = conditional_headers(history.known(page)) if stored is not None else {}
        request = Request(
            url,
            priority=self.DOWNLOAD_PRIORITY,
            headers=headers,
            meta={"dont_obey_robotstxt": True},
            callback=NO_CALLBACK,
        )
        self.stats.inc_value("robotstxt/request_count")
        try:
            response: Response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # noqa: BLE001 -- any other way of not getting the file is "unreachable"
            _, status, cause = describe_exception(exc)
            self.stats.inc_value(f"robotstxt/unreachable/{cause}")
            # RFC 9309 2.3.1.2: redirects that never end mean the file is unavailable, like a 4xx.
            robots = HostRobots(ALLOW_ALL if cause in ENDLESS_REDIRECTS else DISALLOW_ALL)
        else:
            self.stats.inc_value("robotstxt/response_count")
            self.stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            status, cause = response.status, f"http_{response.status}"
            etag, last_modified = header(response, "ETag"), header(response, "Last-Modified")
            if status == NOT_MODIFIED and stored is not None:  # unchanged: the stored rules apply
                robots = HostRobots(RULES, build_from_crawler(self.parser_class, self.crawler, stored))
                self._send(PageOutcome(page, status, "robots", "not_modified", etag, last_modified))
                self._keep_delay(request, stored)
            elif decide(status) == RULES:
                robots = HostRobots(RULES, build_from_crawler(self.parser_class, self.crawler, response.body))
                self._send(PageOutcome(page, status, "robots", None, etag, last_modified, body=response.body))
                self._keep_delay(request, response.body)
            else:
                robots = HostRobots(decide(status))
        self.stats.inc_value(f"robotstxt/decision/{robots.decision}")
        if robots.decision != RULES:
            self._record(url, status, cause, robots.decision)
        return robots

    def _keep_delay(self, request: Request, body: bytes) -> None:
        """Hold the host to the time between requests its robots.txt asks for, up to ``max_delay``."""
        if self.max_delay <= 0:
            return
        host = urlparse_cached(request).netloc
        try:
            asked = asked_delay(body, self.robots_user_agent or self.user_agent)
        except Exception:  # a delay that cannot be read leaves the rules, which could, in force
            logger.exception("the Crawl-delay of %s could not be read: not obeyed", request.url)
            return
        if asked is None:
            return
        delay = min(asked, self.max_delay)
        if delay < asked:
            self.stats.inc_value("robotstxt/crawl_delay/capped")
            logger.warning(
                "robots.txt of %s asks for %g s between requests: held to %g s (CRAWL_ROBOTS_DELAY_MAX)",
                host,
                asked,
                delay,
            )
        else:
            logger.info("robots.txt of %s asks for %g s between requests: kept", host, delay)
        self.stats.inc_value("robotstxt/crawl_delay/hosts")
        hold_host_to(self.crawler.engine.downloader, request, delay)

    def _send(self, outcome: PageOutcome) -> None:
        self.crawler.signals.send_catch_log(outcome_recorded, outcome=outcome)

    def _record(self, url: str, status: int | None, cause: str, decision: str) -> None:
        if decision == DISALLOW_ALL:
            logger.warning("%s could not be read (%s): nothing on that host is crawled (RFC 9309)", url, cause)
            reason = "robots_unavailable"
        else:
            logger.info("%s does not exist (%s): everything on that host is allowed (RFC 9309)", url, cause)
            reason = "robots_missing"
        self._send(PageOutcome(normalize_url(url), status, "robots", reason))
