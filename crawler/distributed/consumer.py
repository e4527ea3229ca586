"""The one writer of a shared crawl: reads the stream with a consumer group and stores it through the Writer."""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from crawler.config import CannotStart, StoreConfig
from crawler.distributed.config import RedisConfig, redact
from crawler.distributed.coordination import abandon_run
from crawler.distributed.history import RedisMirror
from crawler.distributed.record_codec import RecordError, decode_record
from crawler.distributed.run_stats import RunStats
from crawler.records import AnalysedPage, PageOutcome, Record, SeenAgain
from crawler.store.database import StorageError, utc_now
from crawler.store.pipeline import RECORDED_REASONS
from crawler.store.positions import Position, StreamPositions, entry_key
from crawler.store.writer import Writer

logger = logging.getLogger(__name__)

GROUP = "writer"  # the consumer group of the one writer
READ_COUNT = 500  # entries asked for at a time
MAX_BLOCK_MS = 10_000  # a blocking read returns at least this often (and stays under the socket timeout)
UNBATCHED = 2**62  # the Writer never commits on its own: the loop commits, with the stream position

# KEYS: writer. ARGV: our claim (JSON), time to live ms, a claim we may replace ('' for none).
# Returns false when the claim is ours (taken or refreshed), else the claim that holds it.
CLAIM = """
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] or current == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return false
end
return current
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
"""


class WriterInUse(CannotStart):
    """Another writer stores the same stream: there is one writer per shared crawl."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WriterLock:
    """One writer per stream: a claim in Redis with a time to live (``CRAWL_PEER_TIMEOUT``), renewed as it runs.

    A writer that died lets its claim lapse after that time; one that died on this machine is seen
    to be gone at once (its pid is not running), so a restarted writer need not wait.
    """

    def __init__(self, client: redis.Redis, config: RedisConfig):
        self.redis = client
        self.key = config.keys.writer
        self.stream = config.keys.stream
        self.ttl_ms = int(config.peer_timeout * 1000)
        self.host, self.pid = socket.gethostname(), os.getpid()
        claim = {"host": self.host, "pid": self.pid, "since": utc_now(), "id": secrets.token_hex(4)}
        self.value = json.dumps(claim)
        self._claim = client.register_script(CLAIM)
        self._release = client.register_script(RELEASE)

    def acquire(self) -> None:
        held = self._claim(keys=[self.key], args=[self.value, self.ttl_ms, ""])
        if held is None:
            return
        holder = json.loads(held)
        gone = holder.get("host") == self.host and not _alive(int(holder.get("pid", 0)))
        if gone and self._claim(keys=[self.key], args=[self.value, self.ttl_ms, held]) is None:
            logger.info("took over the stream from writer pid %s, which is no longer running", holder.get("pid"))
            return
        raise WriterInUse(
            f"another writer (pid {holder.get('pid')} on {holder.get('host')}, since {holder.get('since')}) is "
            f"storing {self.stream}: there is one writer per crawl. If it died on another machine, its claim "
            f"lapses {self.ttl_ms / 1000:g} s after it was last renewed"
        )

    def renew(self) -> None:
        if self._claim(keys=[self.key], args=[self.value, self.ttl_ms, ""]) is not None:
            raise StorageError(f"another writer took over {self.stream} (this one was not heard of in time)")

    def release(self) -> None:
        try:
            self._release(keys=[self.key], args=[self.value])
        except redis.RedisError as exc:
            logger.warning("could not release the claim on %s: %s", self.stream, exc)


def non_retrying(client: redis.Redis) -> redis.Redis:
    """A client to the same server whose commands are never sent again after a lost connection.

    A stream read is not retried: a reply lost with the connection leaves entries delivered but unseen,
    and a retry would read past them (the loop recovers them instead, see
    ``StreamStore._recover_lost_deliveries``). redis-py retries with the *connection's* ``Retry``, which
    its pool gives every connection: sharing ``client``'s pool would retry whatever this client says.
    """
    pool = client.connection_pool
    kwargs = {**pool.connection_kwargs, "retry": Retry(NoBackoff(), 0)}
    return redis.Redis(connection_pool=redis.ConnectionPool(connection_class=pool.connection_class, **kwargs))


class StreamStore:
    """Stores a shared crawl's stream into the SQLite database, as the one writer (``scrapy store``).

    Entries are read with a consumer group (``XREADGROUP``) in stream order and written through the
    :class:`Writer`, which makes every decision that needs the whole database. Every
    ``SQLITE_BATCH_SIZE`` entries, or ``SQLITE_COMMIT_INTERVAL`` seconds, one transaction commits
    their rows together with the stream position (``stream_positions``) and the run's stats; then
    the page history is mirrored into Redis (:class:`RedisMirror`) and the entries are acknowledged
    (``XACK``) and removed from the stream. So an entry delivered again after a crash (it was stored,
    not yet acknowledged) changes nothing, whatever its kind.

    A writer that died leaves entries pending; the next one claims them (``XAUTOCLAIM``) and goes
    on with the same ``runs`` row. Each run the crawlers start and end in the stream is recorded in
    ``runs`` like a single-machine crawl. Without ``follow`` the writer returns once a run has ended
    and the stream is drained; with it, it waits for the next run.
    """

    def __init__(
        self, client: redis.Redis, config: RedisConfig, store: StoreConfig, follow: bool, report: Callable[[str], None]
    ):
        self.redis = client
        self.reader = non_retrying(client)
        self.config = config
        self.keys = config.keys
        self.store = replace(store, batch_size=UNBATCHED)
        self.batch_size = store.batch_size
        self.commit_interval = store.commit_interval
        self.database = os.path.realpath(store.path)
        self.follow = follow
        self.report = report
        self.consumer = f"{socket.gethostname()}:{os.getpid()}"
        self.lock = WriterLock(client, config)
        self.writer: Writer | None = None
        self.mirror: RedisMirror | None = None
        self.positions: StreamPositions | None = None
        self.position: Position | None = None
        self.crawl_run: str | None = None  # the shared run being stored (its id in Redis)
        self.unacked: list[str] = []
        self.deliveries_lost = False  # a read failed mid-reply: entries may be ours without our knowing
        self.remirror: set[str] = set()
        self.sequences: dict[str, int] = {}  # the last record number stored from each crawler
        self.seen_again: set[str] = set()
        self.signed_again_for: set[str] = set()  # why pages were signed again, each said once in the log
        self.first_unacked = 0.0
        self.runs_ended = 0
        self.stopping = False

    def stop(self) -> None:
        """Stop after the batch in hand (from a signal handler): it is committed and acknowledged first."""
        self.stopping = True

    # -- the loop -------------------------------------------------------------------------------
    def run(self) -> bool:
        """Store the stream until the crawl is finished (or, following, until stopped); False if stopped."""
        self.open()
        try:
            while not self.stopping and self.step():
                pass
            self._commit()
            return not self.stopping
        finally:
            self.close()

    def open(self) -> None:
        """Claim the stream, open the database, go on with a run left open, store what a stopped writer left."""
        self.lock.acquire()
        try:
            self._create_group()
            self._open_writer()
            self._resume()
            self._claim_pending()
        except BaseException:
            self.close()
            raise

    def step(self) -> bool:
        """Read and store what came; False once the crawl is finished (never when following)."""
        self._recover_lost_deliveries()
        entries = self.read()
        for entry_id, fields in entries:
            self.handle(entry_id, fields)
        if not entries or len(self.unacked) >= self.batch_size or self._interval_passed():
            self._commit()
        self.lock.renew()
        if entries:
            return True
        if self.crawl_run is not None:
            self._end_abandoned_run()
            return True
        return self.follow or not self.runs_ended

    def close(self) -> None:
        """Leave the database as it is (a run going on stays open for the next writer) and the stream."""
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.db.rollback()  # nothing uncommitted was acknowledged: it is delivered again
            writer.db.conn.close()
            writer.lock.release()
        self.lock.release()
        self.reader.connection_pool.disconnect()

    def _create_group(self) -> None:
        try:
            self.redis.xgroup_create(self.keys.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def read(self) -> list[tuple[str, dict[bytes, bytes]]]:
        """The next entries of the stream for this writer, waiting at most until the next commit is due."""
        block: int | None = None  # the crawl is finished: only whether anything is left to store
        if self.follow or self.crawl_run is not None or not self.runs_ended:
            due = (self.first_unacked if self.unacked else time.monotonic()) + self.commit_interval
            block = min(max(int((due - time.monotonic()) * 1000), 1), MAX_BLOCK_MS)  # 0 would block for ever
        try:
            response: Any = self.reader.xreadgroup(
                GROUP, self.consumer, {self.keys.stream: ">"}, count=READ_COUNT, block=block
            )
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            logger.warning("lost Redis at %s (%s): waiting for it", redact(self.config.url), exc)
            self.deliveries_lost = True
            self.redis.ping()  # retried for CRAWL_REDIS_WAIT seconds
            return []
        return [(entry_id.decode(), fields) for entry_id, fields in response[0][1]] if response else []

    def _interval_passed(self) -> bool:
        return bool(self.unacked) and time.monotonic() - self.first_unacked >= self.commit_interval

    def _claim_pending(self) -> None:
        """Take over what a writer that died had read but not acknowledged, and store it first, in order."""
        start: Any = "0-0"
        while True:
            next_start, claimed, deleted = self.reader.xautoclaim(
                self.keys.stream, GROUP, self.consumer, min_idle_time=0, start_id=start, count=READ_COUNT
            )
            if claimed:
                logger.info("claimed %d entries a writer that stopped had not acknowledged", len(claimed))
            for entry_id, fields in claimed:
                if fields is not None:
                    self.handle(entry_id.decode(), fields)
            if deleted:
                self.redis.xack(self.keys.stream, GROUP, *deleted)
            if len(self.unacked) >= self.batch_size:
                self._commit()
            self.lock.renew()  # a long backlog must not let the claim on the stream lapse
            if next_start in (b"0-0", "0-0"):
                break
            start = next_start
        self._commit()
        for consumer in self.redis.xinfo_consumers(self.keys.stream, GROUP):
            if consumer["name"].decode() != self.consumer and not consumer["pending"]:
                self.redis.xgroup_delconsumer(self.keys.stream, GROUP, consumer["name"])

    def _recover_lost_deliveries(self) -> None:
        """Entries delivered to this writer whose reply was lost (Redis went away): read them again, first.

        Only after a read that failed: that is the only way an entry becomes ours unseen (a writer's
        start claims what an earlier one left, see :meth:`_claim_pending`).
        """
        if not self.deliveries_lost:
            return
        self.deliveries_lost = False
        summary: Any = self.redis.xpending(self.keys.stream, GROUP)
        ours = sum(c["pending"] for c in summary.get("consumers", []) if c["name"].decode() == self.consumer)
        if ours <= len(self.unacked):
            return
        tracked = set(self.unacked)
        response: Any = self.reader.xreadgroup(GROUP, self.consumer, {self.keys.stream: "0"}, count=ours)
        lost = [(i.decode(), f) for i, f in response[0][1] if i.decode() not in tracked] if response else []
        logger.warning("%d entries delivered while Redis went away are stored now", len(lost))
        for entry_id, fields in lost:
            self.handle(entry_id, fields)

    def _end_abandoned_run(self) -> None:
        run = abandon_run(self.redis, self.config)
        if run is not None:
            logger.warning("no crawler of the shared run %s is left (all were killed): it ends as 'aborted'", run)

    # -- entries --------------------------------------------------------------------------------
    def handle(self, entry_id: str, fields: dict[bytes, bytes]) -> None:
        """Store one entry inside the open batch (or, if a stopped writer stored it, only mirror it again)."""
        if self.position is not None and self.position.covers(entry_id):
            # Stored by a writer that stopped before acknowledging it: its rows are committed. Only
            # the page history it changed is written to Redis again (that may not have happened).
            self._take(entry_id)
            self._count("store/stream/redelivered")
            self._collect_urls(fields)
            return
        kind = fields.get(b"type", b"").decode(errors="replace")
        try:
            if kind == "record":
                self._record(fields)
            elif kind == "start":
                self._start(_text(fields, b"run"), _text(fields, b"spider"), _json(fields, b"args"), entry_id)
            elif kind == "closed":
                self._closed(fields)
            elif kind == "end":
                if self._end(entry_id, _text(fields, b"run"), _text(fields, b"reason")):
                    return
            else:
                raise RecordError(f"unknown entry type {kind!r}")
        except RecordError as exc:
            self._count("store/stream/rejected")
            logger.error("entry %s of %s is not stored: %s", entry_id, self.keys.stream, exc)
        self.position = Position(entry_id, self.crawl_run, self.writer.run_id if self.writer else None)
        self._take(entry_id)

    def _take(self, entry_id: str) -> None:
        """The entry is handled: it is acknowledged with the next commit."""
        if not self.unacked:
            self.first_unacked = time.monotonic()
        self.unacked.append(entry_id)

    def _record(self, fields: dict[bytes, bytes]) -> None:
        crawler, sequence = _text(fields, b"crawler"), _text(fields, b"seq")
        if not sequence.isdigit():
            raise RecordError(f"seq is {sequence!r}")
        if int(sequence) <= self.sequences.get(crawler, 0):
            self._count("store/stream/duplicates")  # added twice: Redis went away before it answered
            return
        self.sequences[crawler] = int(sequence)
        assert self.writer is not None
        record = decode_record(fields.get(b"data", b""), self.writer.article_index.scheme, self._signed_again)
        if self.crawl_run is None:
            # A crawler that fell behind its run (it was taken for gone) goes on handing records over.
            logger.warning("records of the shared run %s arrive after it ended", _text(fields, b"run"))
            self._start(_text(fields, b"run"), "news", {}, None)
        if isinstance(record, SeenAgain):
            if record.url in self.seen_again:
                return  # every crawler may list a stored article; it is seen once per run, as on one machine
            self.seen_again.add(record.url)
        self._count("store/stream/records")
        try:
            self._writer().write(record)
        except StorageError:
            raise
        except Exception:  # one bad record must not stop the writer; a crawl's item pipeline logs it too
            self._count("store/stream/failed_records")
            logger.exception("could not store a record of %s", getattr(record, "url", "?"))

    def _start(self, run: str, spider: str, args: dict[str, Any], entry_id: str | None) -> None:
        self._commit()  # what came before is committed with its own position
        if self.crawl_run is not None:
            self._finish_run("aborted")  # its end never came
        writer = self._writer()
        if entry_id is not None:
            # Committed together with the new runs row: a restart finds the run this entry began.
            self.positions_table().set(self.keys.stream, Position(entry_id, run, None))
        writer.stats = RunStats()
        writer.start_run(spider, args)
        self.crawl_run = run
        self.seen_again = set()
        assert self.mirror is not None
        self.mirror.mark(self.database, writer.run_id)
        logger.info("storing the shared run %s as run %s of %s", run, writer.run_id, self.store.path)

    def _closed(self, fields: dict[bytes, bytes]) -> None:
        stats = _json(fields, b"stats")
        if self.crawl_run is None or _text(fields, b"run") != self.crawl_run:
            return  # the stats of a run already recorded
        stats_of = self._writer().stats
        if isinstance(stats_of, RunStats):
            stats_of.add_crawler(stats)

    def _end(self, entry_id: str, run: str, reason: str) -> bool:
        """Record the end of the run being stored; False for the end of a run whose start this writer never saw."""
        if self.crawl_run is None or run != self.crawl_run:
            return False
        recorded = RECORDED_REASONS.get(reason, reason)
        writer = self._writer()
        writer.stats.set_value("finish_reason", recorded)
        # The run's last rows, its stats with the reason, and this position commit together; should
        # the writer die before the run's end is recorded, the next one records it from them.
        self._take(entry_id)
        self.position = Position(entry_id, None, writer.run_id)
        self._commit()
        self.crawl_run = None
        self._finish_run(recorded)
        return True

    def _finish_run(self, reason: str) -> None:
        writer = self._writer()
        summary = writer.finish(reason)
        self.writer = self.mirror = self.positions = None
        self.crawl_run = None
        self.runs_ended += 1
        logger.info(summary)
        self.report(summary)
        if writer.failure:
            raise StorageError(writer.failure)

    def _collect_urls(self, fields: dict[bytes, bytes]) -> None:
        if fields.get(b"type") != b"record":
            return
        try:
            record: Record = decode_record(fields.get(b"data", b""))
        except RecordError:
            return
        self.remirror.add(record.url)
        if isinstance(record, PageOutcome) and record.target:
            self.remirror.add(record.target)
        if isinstance(record, AnalysedPage) and record.analysis.extraction.article is not None:
            canonical = record.analysis.extraction.article.canonical_url
            if canonical:
                self.remirror.add(canonical)

    def _signed_again(self, why: str) -> None:
        """A page record whose hashes and signatures the writer made again (see decode_record): counted, and
        said once per reason, not once per page."""
        self._count("store/stream/signed_again")
        if why not in self.signed_again_for:
            self.signed_again_for.add(why)
            logger.warning("pages whose signatures do not fit this writer's are signed again here: %s", why)

    def _count(self, key: str) -> None:
        if self.writer is not None and self.crawl_run is not None:
            self.writer.stats.inc_value(key)

    # -- commits --------------------------------------------------------------------------------
    def _commit(self) -> None:
        """Store the entries in hand, then acknowledge them (see :meth:`store_batch`)."""
        if self.unacked:
            self.store_batch()
            self.acknowledge()

    def store_batch(self) -> None:
        """One transaction: the entries' rows, the stream position and the run's stats; then the page
        history they changed goes to Redis. A writer that stops now has stored what it did not acknowledge."""
        writer = self._writer()
        if self.position is not None:
            self.positions_table().set(self.keys.stream, self.position)
        if writer.run_id is not None and self.crawl_run is not None:
            writer.runs.save_stats(writer.run_id, writer.stats.get_stats())
        writer.commit()
        if self.remirror:
            assert self.mirror is not None
            self.mirror.refresh(self.remirror)
            self.remirror = set()

    def acknowledge(self) -> None:
        """Acknowledge the stored entries and remove them from the stream; none after them is trimmed."""
        if not self.unacked:
            return
        self.redis.xack(self.keys.stream, GROUP, *self.unacked)
        millis, sequence = entry_key(max(self.unacked, key=entry_key))
        self.redis.xtrim(self.keys.stream, minid=f"{millis}-{sequence + 1}", approximate=False)
        self.unacked = []

    # -- the database ---------------------------------------------------------------------------
    def _writer(self) -> Writer:
        if self.writer is None:
            self._open_writer()
        assert self.writer is not None
        return self.writer

    def positions_table(self) -> StreamPositions:
        self._writer()
        assert self.positions is not None
        return self.positions

    def _open_writer(self) -> None:
        writer = Writer(self.store, RunStats())
        self.writer = writer
        self.positions = StreamPositions(writer.db)
        self.mirror = RedisMirror(self.redis, self.keys, writer.history, writer.db, lambda: self.crawl_run)
        writer.listeners.append(self.mirror)
        if self.position is None:
            self.position = self.positions.get(self.keys.stream)
        last_run = writer.runs.last_id()
        if not self.mirror.is_current(self.database, last_run):
            self.mirror.copy_all(self.database, last_run, progress=self.lock.renew)

    def _resume(self) -> None:
        """Go on with the run a writer that stopped was storing (its ``runs`` row and stats)."""
        writer = self._writer()
        position = self.position
        if position is None or (position.crawl_run is None and position.run_id is None):
            return
        run_id = position.run_id
        if run_id is None:  # stopped right after the run's row was made
            run_id = writer.runs.last_id()
        values = writer.runs.unfinished(run_id) if run_id is not None else None
        if values is None:
            return
        writer.stats = RunStats(values)
        writer.run_id = run_id
        if position.crawl_run is None:  # it stopped while recording the run's end: record it now
            logger.info("recording the end of run %s, which the writer that stopped had stored", run_id)
            self._finish_run(values.get("finish_reason", "finished"))
            return
        self.crawl_run = position.crawl_run
        logger.info("going on with the shared run %s (run %s of %s)", self.crawl_run, run_id, self.store.path)


def _text(fields: dict[bytes, bytes], name: bytes) -> str:
    value = fields.get(name)
    if value is None:
        raise RecordError(f"no {name.decode()} field")
    try:
        return value.decode()
    except UnicodeDecodeError:
        raise RecordError(f"{name.decode()} is not text") from None


def _json(fields: dict[bytes, bytes], name: bytes) -> dict[str, Any]:
    try:
        value = json.loads(_text(fields, name))
    except json.JSONDecodeError as exc:
        raise RecordError(f"{name.decode()} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise RecordError(f"{name.decode()} is {value!r}")
    return value
