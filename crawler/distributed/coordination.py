"""Who takes part in a shared run: one crawler seeds it, all stay while work is left, the last one ends it."""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import redis
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.distributed.config import RedisConfig, redact
from crawler.handoff import page_history

logger = logging.getLogger(__name__)

WAITING_POLL_S = 0.25  # how often a crawler waiting for work looks at the shared queue and its peers

# Every script reads the server's clock (TIME), so machines whose clocks differ agree on who is gone.
# A crawler's entry in the crawlers hash: {"state": "busy"|"idle", "expires": ms, "host": ..., "pid": ...}.
_PRELUDE = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Drop the crawlers not heard of in time; count the others (not `me`), and those of them that are busy.
local function census(key, now, me)
  local alive, busy = 0, 0
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    local entry = cjson.decode(all[i + 1])
    if entry.expires < now then
      redis.call('HDEL', key, all[i])
    elseif all[i] ~= me then
      alive = alive + 1
      if entry.state == 'busy' then busy = busy + 1 end
    end
  end
  return alive, busy
end
local function mark(key, me, state, now, timeout, host, pid)
  redis.call('HSET', key, me, cjson.encode({state = state, expires = now + tonumber(timeout), host = host, pid = pid}))
end
"""

# KEYS: run, crawlers, requests, seen, stream. ARGV: me, timeout ms, host, pid, new run id, spider, args, started.
# Joins the run going on, if anyone is still in it; otherwise ends an abandoned one and starts a new run,
# which this crawler seeds: exactly one crawler seeds each run.
JOIN = (
    _PRELUDE
    + """
local now = now_ms()
local alive = census(KEYS[2], now, ARGV[1])
local run = redis.call('HGET', KEYS[1], 'id')
if run and alive > 0 then
  mark(KEYS[2], ARGV[1], 'busy', now, ARGV[2], ARGV[3], ARGV[4])
  return {'join', run, redis.call('HGET', KEYS[1], 'args') or ''}
end
if run then
  redis.call('XADD', KEYS[5], '*', 'type', 'end', 'run', run, 'reason', 'aborted')
end
redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], 'id', ARGV[5], 'spider', ARGV[6], 'args', ARGV[7], 'started', ARGV[8])
redis.call('XADD', KEYS[5], '*', 'type', 'start', 'run', ARGV[5], 'spider', ARGV[6], 'args', ARGV[7])
mark(KEYS[2], ARGV[1], 'busy', now, ARGV[2], ARGV[3], ARGV[4])
return {'seed', ARGV[5], ARGV[7]}
"""
)

# KEYS: run, crawlers. ARGV: me, run id, state ('' keeps it), timeout ms, host, pid. 0: the run is over.
BEAT = (
    _PRELUDE
    + """
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[2] then return 0 end
local state = ARGV[3]
if state == '' then
  local current = redis.call('HGET', KEYS[2], ARGV[1])
  state = current and cjson.decode(current).state or 'busy'
end
mark(KEYS[2], ARGV[1], state, now_ms(), ARGV[4], ARGV[5], ARGV[6])
return 1
"""
)

# KEYS: run, crawlers, requests. ARGV: me, run id, timeout ms, host, pid.
# Marks this crawler idle; returns {queued requests, busy peers}, or {-1, 0} when the run is over.
IDLE = (
    _PRELUDE
    + """
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[2] then return {-1, 0} end
local now = now_ms()
mark(KEYS[2], ARGV[1], 'idle', now, ARGV[3], ARGV[4], ARGV[5])
local alive, busy = census(KEYS[2], now, ARGV[1])
return {redis.call('ZCARD', KEYS[3]), busy}
"""
)

# KEYS: requests, crawlers, run. ARGV: me, run id, timeout ms, host, pid.
# Takes the first request of the shared queue and marks this crawler busy, at once: a peer never sees
# an empty queue and everyone idle while a request is on its way to being fetched.
POP = (
    _PRELUDE
    + """
local found = redis.call('ZRANGE', KEYS[1], 0, 0)
if #found == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
if redis.call('HGET', KEYS[3], 'id') == ARGV[2] then
  mark(KEYS[2], ARGV[1], 'busy', now_ms(), ARGV[3], ARGV[4], ARGV[5])
end
return found[1]
"""
)

# KEYS: run, crawlers, requests, seen, stream. ARGV: me, run id, reason, stats (JSON).
# Leaves the run with this crawler's stats; the last one to leave ends it: queue and filter go.
LEAVE = (
    _PRELUDE
    + """
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('XADD', KEYS[5], '*', 'type', 'closed', 'run', ARGV[2], 'crawler', ARGV[1], 'reason', ARGV[3],
  'stats', ARGV[4])
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[2] then return 0 end
local alive = census(KEYS[2], now_ms(), ARGV[1])
if alive > 0 then return 0 end
redis.call('XADD', KEYS[5], '*', 'type', 'end', 'run', ARGV[2], 'reason', ARGV[3])
redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
return 1
"""
)

# KEYS: run, crawlers, requests, seen, stream. Ends the run as 'aborted' if no crawler of it is left
# (all killed); returns its id, or false.
ABANDON = (
    _PRELUDE
    + """
local run = redis.call('HGET', KEYS[1], 'id')
if not run then return false end
local alive = census(KEYS[2], now_ms(), '')
if alive > 0 then return false end
redis.call('XADD', KEYS[5], '*', 'type', 'end', 'run', run, 'reason', 'aborted')
redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
return run
"""
)


def crawler_identity() -> tuple[str, str, int]:
    """(id, host, pid) of this process as peers see it; the id stays unique when a pid is reused."""
    host, pid = socket.gethostname(), os.getpid()
    return f"{host}:{pid}:{secrets.token_hex(3)}", host, pid


def abandon_run(client: redis.Redis, config: RedisConfig) -> str | None:
    """End the run going on as ``aborted`` if none of its crawlers is left; its id, or None."""
    keys = config.keys
    script = client.register_script(ABANDON)
    run = script(keys=[keys.run, keys.crawlers, keys.requests, keys.seen, keys.stream])
    return run.decode() if isinstance(run, bytes) else None


class CrawlCoordinator:
    """Extension: this crawler's part in the shared run (active when ``REDIS_URL`` is set).

    When the spider opens it joins the run going on, or starts one and seeds it (see
    :class:`SeedOnce`). A heartbeat every ``CRAWL_PEER_TIMEOUT / 6`` seconds tells the peers it is
    alive; one not heard of for ``CRAWL_PEER_TIMEOUT`` counts as gone. When the spider is idle it stays
    open while the shared queue holds requests or a peer is busy (a peer's page may still yield
    links). When it closes it hands its stats to the writer, and the last crawler to leave ends the run.
    Stats: ``distributed/role`` (``seed`` or ``join``), ``distributed/idle_waits``.
    """

    def __init__(self, crawler: Crawler, config: RedisConfig, client: redis.Redis):
        self.crawler = crawler
        self.config = config
        self.redis = client
        self.keys = config.keys
        self.id, self.host, self.pid = crawler_identity()
        self.timeout_ms = int(config.peer_timeout * 1000)
        self.run: str | None = None
        self.seeds = False
        self.failed = False
        self._join = client.register_script(JOIN)
        self._beat = client.register_script(BEAT)
        self._idle = client.register_script(IDLE)
        self._pop = client.register_script(POP)
        self._leave = client.register_script(LEAVE)
        self._heartbeat = task.LoopingCall(self.heartbeat)
        self._waiting = task.LoopingCall(self._look_for_work)
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlCoordinator:
        config = RedisConfig.from_settings(crawler.settings)
        if config is None:
            raise NotConfigured("REDIS_URL is not set: one machine")
        return cls(crawler, config, config.connect())

    # -- signals ------------------------------------------------------------------------------
    def spider_opened(self, spider: Spider) -> None:
        args = json.dumps(getattr(spider, "run_args", {}), sort_keys=True)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            role, run, run_args = self._join(
                keys=[self.keys.run, self.keys.crawlers, self.keys.requests, self.keys.seen, self.keys.stream],
                args=[self.id, self.timeout_ms, self.host, self.pid, secrets.token_hex(8), spider.name, args, started],
            )
        except redis.RedisError as exc:
            self.unavailable(exc)
            return
        self.run, self.seeds = run.decode(), role == b"seed"
        self.crawler.stats.set_value("distributed/role", role.decode())
        if self.seeds:
            logger.info("started the shared run %s in %s; this crawler seeds it", self.run, redact(self.config.url))
        else:
            logger.info("joined the shared run %s in %s", self.run, redact(self.config.url))
            if run_args.decode() != args:
                logger.warning(
                    "this crawler's arguments differ from those the run was started with (%s): every crawler "
                    "of a run should be started with the same arguments",
                    run_args.decode(),
                )
        self._heartbeat.start(self.config.heartbeat, now=False)

    def spider_idle(self, spider: Spider) -> None:
        if self.run is None or self.failed:
            return
        queued, busy = self._census()
        if queued < 0:
            logger.warning("the shared run %s ended without this crawler", self.run)
            return
        if queued or busy:
            self.crawler.stats.inc_value("distributed/idle_waits")
            self.watch()
            raise DontCloseSpider

    def _census(self) -> tuple[int, int]:
        """Mark this crawler idle; (requests in the shared queue, busy peers), or (-1, 0) when the run is over."""
        try:
            queued, busy = self._idle(
                keys=[self.keys.run, self.keys.crawlers, self.keys.requests],
                args=[self.id, self.run or "", self.timeout_ms, self.host, self.pid],
            )
        except redis.RedisError as exc:
            self.unavailable(exc)
            return -1, 0
        return int(queued), int(busy)

    def watch(self) -> None:
        """Look at the shared queue every ``WAITING_POLL_S`` seconds until there is work for this crawler.

        Called when the queue gave this crawler nothing. An engine with nothing to do looks at its
        scheduler again only at its heartbeat, every 5 seconds: peers would join a run late, and
        could miss it altogether when it takes less time than that.
        """
        if self.run is not None and not self.failed and not self._waiting.running:
            self._waiting.start(WAITING_POLL_S, now=False)

    def _look_for_work(self) -> None:
        """Wake the engine when requests are queued, or when it is idle and no peer is busy any more."""
        try:
            queued = self.redis.zcard(self.keys.requests)
        except redis.RedisError:
            return  # the heartbeat stops the crawl if Redis stays away
        if not queued:
            if not self._engine_idle():
                return  # pages in progress: when they are done the engine looks at the queue itself
            queued, busy = self._census()
            if busy:
                return
        self._waiting.stop()
        wake_engine(self.crawler)  # it takes the requests, or (nobody busy, nothing queued) it closes

    def _engine_idle(self) -> bool:
        engine = self.crawler.engine
        try:
            return engine is not None and engine.spider_is_idle()
        except RuntimeError:  # closing: no slot any more
            return False

    def spider_closed(self, spider: Spider, reason: str) -> None:
        for loop in (self._heartbeat, self._waiting):
            if loop.running:
                loop.stop()
        if self.run is None:
            return
        stats = dict(self.crawler.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        stats.setdefault("finish_time", datetime.now(UTC))
        try:
            ended = self._leave(
                keys=[self.keys.run, self.keys.crawlers, self.keys.requests, self.keys.seen, self.keys.stream],
                args=[self.id, self.run, reason, json.dumps(stats, default=str)],
            )
        except redis.RedisError as exc:
            logger.error("could not leave the shared run %s: %s", self.run, exc)
            return
        if ended:
            logger.info("the shared run %s ended (%s): this crawler was the last in it", self.run, reason)

    # -- liveness -----------------------------------------------------------------------------
    def heartbeat(self) -> None:
        """Tell the peers this crawler is alive (keeping its state); a run that ended without it stops it."""
        try:
            current = self._beat(
                keys=[self.keys.run, self.keys.crawlers],
                args=[self.id, self.run or "", "", self.timeout_ms, self.host, self.pid],
            )
        except redis.RedisError as exc:
            self.unavailable(exc)
            return
        if not current:
            logger.error(
                "the shared run %s ended while this crawler was still in it (not heard of for %g s?); stopping",
                self.run,
                self.config.peer_timeout,
            )
            self._close("left_behind")

    def pop(self) -> bytes | None:
        """The next request of the shared queue (JSON), this crawler marked busy with it; None when empty."""
        found = self._pop(
            keys=[self.keys.requests, self.keys.crawlers, self.keys.run],
            args=[self.id, self.run or "", self.timeout_ms, self.host, self.pid],
        )
        return found if isinstance(found, bytes) else None

    def unavailable(self, exc: Exception) -> None:
        """A Redis command failed (after ``CRAWL_REDIS_WAIT`` of retries): the crawl stops."""
        self.fail(f"Redis at {redact(self.config.url)} is unavailable: {exc}")

    def fail(self, message: str) -> None:
        """Redis cannot be used any more: stop the crawl as one that could not store what it fetched."""
        if not self.failed:
            self.failed = True
            logger.error("%s. Stopping the crawl.", message)
            self.crawler.stats.set_value("store/failed", message)
        self._close("storage_error")

    def _close(self, reason: str) -> None:
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None and engine.running:
            deferred_from_coro(engine.close_spider_async(reason=reason))


def wake_engine(crawler: Crawler) -> None:
    """Have the engine ask its scheduler for requests now, rather than at its next heartbeat.

    Scrapy has no public call for this (``engine.crawl()`` does it, with a request to schedule); an
    engine without that slot is left to its own heartbeat.
    """
    slot = getattr(crawler.engine, "_slot", None)
    nextcall = getattr(slot, "nextcall", None)
    if nextcall is not None:
        nextcall.schedule()


class SeedOnce:
    """Spider middleware: only the crawler that started the run seeds it (start URLs, revisits).

    The others take their requests from the shared queue; they only ask for the page history their
    spider reads, which the spider's own ``start()`` would have asked for.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeedOnce:
        if RedisConfig.from_settings(crawler.settings) is None:
            raise NotConfigured("REDIS_URL is not set: one machine")
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        coordinator = self.crawler.get_extension(CrawlCoordinator)
        if coordinator is not None and coordinator.seeds:
            async for item_or_request in start:
                yield item_or_request
            return
        spider = self.crawler.spider
        if spider is not None and hasattr(spider, "history"):
            spider.history = page_history(self.crawler)


def coordinator_of(crawler: Crawler, needed_by: str) -> CrawlCoordinator:
    """The crawl's :class:`CrawlCoordinator` (built before pipelines and the scheduler), whose Redis client
    every part of a shared crawl uses; ``NotConfigured`` without it (one machine)."""
    coordinator = crawler.get_extension(CrawlCoordinator)
    if coordinator is None:
        raise NotConfigured(f"{needed_by} needs the CrawlCoordinator extension (REDIS_URL)")
    return coordinator
