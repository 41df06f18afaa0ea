"""Scale-out queue: a Redis Streams consumer group with the same API as channels.inbox.SqliteInbox
(accept / claim / ack / nack / requeue_stale / stats), so workers and callbacks don't know which one they use.

accept() is one Lua script: SET NX the dedupe key and XADD the message atomically, so a crash between the two can
neither lose a message nor mark it seen without enqueuing it. Durability before the 200 depends on Redis' AOF
(`appendonly yes`, `appendfsync always` for no loss on power failure — see docs/deployment.md).
claim() first takes over entries whose consumer went silent (XAUTOCLAIM after `lease_s`), then reads new ones; a
worker busy on a long message keeps its lease with touch() (XCLAIM JUSTID resets the idle time). An entry delivered
more than `max_attempts` times (it keeps killing its worker) is moved to `<stream>:dead` and acked; so is a message no
worker of this stream may process (dead_letter(): another tenant's message), with its reason.

Queue tuning comes from the environment (COPILOT_QUEUE_LEASE_S, _BATCH, _STREAM, _API_WORKER …), see QueueSettings.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import redis
from pydantic_settings import BaseSettings, SettingsConfigDict

from contract import BackendUnavailable, InboundMessage

log = logging.getLogger("copilot.scale")

# Conversation locks live 2 leases and are extended by the worker heartbeat (every lease/3) while held.
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_ACCEPT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'payload', ARGV[2])
  return 1
end
return 0
"""


class QueueSettings(BaseSettings):
    """Scale-out queue knobs (COPILOT_QUEUE_*). Separate from copilot.settings so the queue can be tuned per process."""

    model_config = SettingsConfigDict(env_prefix="COPILOT_QUEUE_", extra="ignore")

    # empty: one stream per tenant (`inbox_stream`). A worker serves one tenant and dead-letters another tenant's
    # message (RedisStreamInbox.dead_letter), so tenants sharing a stream would park each other's messages
    stream: str = ""
    group: str = "workers"
    lease_s: float = (
        30.0  # a silent consumer's entries are reclaimed after this; workers heartbeat at lease/3
    )
    batch: int = 1  # entries per claim: 1 spreads a burst evenly over the workers
    # message loops per `copilot worker` process: one waits on a round trip while the other computes
    # (docs/deployment.md, "Where a worker's time goes")
    concurrency: int = 2
    max_attempts: int = 5
    dedupe_ttl_s: int = 3 * 24 * 3600  # kf may re-deliver for days; Tencent retries within seconds
    max_len: int = 1_000_000
    api_worker: bool = False  # True = `copilot serve` also consumes (one-box deployments with Redis)
    redact_after_s: float = 300.0  # processed entries are deleted from the stream after this (privacy)
    # dead letters (and the SQLite inbox's dead rows and skipped callbacks) keep their raw content this long
    dead_redact_after_s: float = 72 * 3600


def inbox_stream(tenant: str) -> str:
    """The default stream of a tenant's messages: `copilot:inbox:<tenant>` (`copilot:inbox` when no tenant is named)."""
    return f"copilot:inbox:{tenant}" if tenant else "copilot:inbox"


def _stream_id(value: Any) -> tuple[int, int]:
    text = value.decode() if isinstance(value, bytes) else str(value)
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def api_runs_worker(settings: Any) -> bool:
    """Embedded mode: the API process runs the worker. Scale-out: `copilot worker` processes do, unless asked."""
    return not getattr(settings, "redis_url", "") or QueueSettings().api_worker


def _unavailable(exc: Exception) -> BackendUnavailable:
    return BackendUnavailable(f"redis queue unavailable: {exc}", reason="queue_unavailable")


class HeldLock:
    """What a conversation lock yields: `ack_on_release(id)` acks a processed entry together with the lock's release
    (copilot.worker does, once the message's suggestion is in the ledger)."""

    def __init__(self) -> None:
        self.acks: list[str] = []

    def ack_on_release(self, item_id: str) -> None:
        self.acks.append(item_id)


class RedisStreamInbox:
    def __init__(
        self,
        url: str,
        *,
        stream: str | None = None,
        tenant: str = "",
        group: str | None = None,
        dedupe_ttl_s: int | None = None,
        lease_s: float | None = None,
        max_len: int | None = None,
        max_attempts: int | None = None,
    ) -> None:
        q = QueueSettings()
        self.url = url
        self.stream = stream or q.stream or inbox_stream(tenant)
        self.group = group or q.group
        self.dedupe_ttl_s = dedupe_ttl_s or q.dedupe_ttl_s
        self.lease_s = lease_s if lease_s is not None else q.lease_s
        self.max_len = max_len or q.max_len
        self.max_attempts = max_attempts or q.max_attempts
        self.redact_after_s = q.redact_after_s
        self.dead_redact_after_s = q.dead_redact_after_s
        self._last_dead_sweep = float("-inf")
        self._last_purge = time.monotonic()
        self._reclaim_every_s = min(1.0, self.lease_s / 4)
        self._next_reclaim = float("-inf")
        # redis-py's stubs type stream replies as unions of bytes|str|int; the shapes are checked by the tests
        self._r: Any = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self._accept = self._r.register_script(_ACCEPT)
        self._release = self._r.register_script(_RELEASE)
        self._extend = self._r.register_script(_EXTEND)
        # conversation lock key → (token, taken at, monotonic), refreshed by touch() for at most max_hold_s
        self._held: dict[str, tuple[str, float]] = {}
        # as long as copilot.worker.Worker renews a lease by default: a hung run stops holding its conversation then
        self.max_hold_s = max(self.lease_s * 5, 1.0)
        try:
            self._r.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc

    def accept(self, msg: InboundMessage) -> bool:
        try:
            added = self._accept(
                keys=[f"{self.stream}:dedupe:{msg.dedupe_key}", self.stream],
                args=[self.dedupe_ttl_s, msg.model_dump_json(), self.max_len],
            )
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc
        return bool(added)

    # Worker: claim(…, wait_s=) blocks on the stream until an entry arrives, instead of the worker sleeping a poll
    claim_can_wait = True

    def claim(self, worker_id: str, limit: int = 10, wait_s: float = 0.0) -> list[tuple[str, InboundMessage]]:
        """Up to `limit` entries: expired leases first, then new ones. `wait_s` > 0 and nothing to take: XREADGROUP
        BLOCKs up to that long and returns as soon as an entry arrives (an idle worker used to sleep a whole poll
        interval, 0.1 s, before it looked again: up to 0.1 s added to the first message of every burst)."""
        try:
            stale: list[Any] = []
            now = time.monotonic()
            # Expired leases are looked for every `_reclaim_every_s`, not before every message: XAUTOCLAIM was one
            # of five Redis round trips per message (a write, so an AOF fsync with `appendfsync always`), and it can
            # only find entries idle for a whole lease. While it finds some, it runs on every claim until none are left.
            if now >= self._next_reclaim:
                _next, stale, _deleted = self._r.xautoclaim(
                    self.stream,
                    self.group,
                    worker_id,
                    min_idle_time=int(self.lease_s * 1000),
                    start_id="0-0",
                    count=limit,
                )
                self._next_reclaim = now if stale else now + self._reclaim_every_s
            entries = [e for e in stale if not self._dead_letter(e)]
            if len(entries) < limit:
                block_ms = int(wait_s * 1000) if wait_s > 0 and not entries else None  # 0 would block forever
                fresh = self._r.xreadgroup(
                    self.group, worker_id, {self.stream: ">"}, count=limit - len(entries), block=block_ms
                )
                for _stream, items in fresh or []:
                    entries.extend(items)
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc
        out: list[tuple[str, InboundMessage]] = []
        for entry_id, fields in entries:
            eid = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
            payload = fields.get(b"payload") if fields else None
            if payload is None:  # trimmed or malformed: nothing to process, drop the pending entry
                self.ack(eid)
                continue
            out.append((eid, InboundMessage.model_validate_json(payload)))
        return out

    def _dead_letter(self, entry: Any) -> bool:
        """A reclaimed entry delivered too often is parked in <stream>:dead (kept for an operator) and acked."""
        entry_id, fields = entry
        info = self._r.xpending_range(self.stream, self.group, min=entry_id, max=entry_id, count=1)
        if not info or info[0]["times_delivered"] <= self.max_attempts:
            return False
        log.error(
            "queue entry %s was delivered %d times: moved to the dead stream",
            entry_id,
            info[0]["times_delivered"],
        )
        pipe = self._r.pipeline(transaction=True)
        pipe.xadd(
            f"{self.stream}:dead", dict(fields or {"payload": b""}), maxlen=self.max_len, approximate=True
        )
        pipe.xack(self.stream, self.group, entry_id)
        pipe.execute()
        return True

    def dead_letter(self, item_id: str, msg: InboundMessage, reason: str) -> None:
        """A message no worker of this stream may process (`wrong_tenant`: another tenant's message on this tenant's
        stream) is parked in `<stream>:dead` with its reason, and acked in the same transaction (MULTI/EXEC): never
        acked away, never parked without the ack. An unreachable Redis raises BackendUnavailable and leaves the entry
        pending, so it is reclaimed and parked later."""
        log.error(
            "queue entry %s (message %s, tenant %r) moved to the dead stream: %s",
            item_id,
            msg.dedupe_key,
            msg.tenant,
            reason,
        )
        pipe = self._r.pipeline(transaction=True)
        pipe.xadd(
            f"{self.stream}:dead",
            {"payload": msg.model_dump_json(), "reason": reason},
            maxlen=self.max_len,
            approximate=True,
        )
        pipe.xack(self.stream, self.group, item_id)
        try:
            pipe.execute()
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc
        self._after_ack([item_id])

    def register(self, worker_id: str) -> None:
        """Make the consumer visible in the group now (XREADGROUP on an empty stream does not create it)."""
        try:
            self._r.xgroup_createconsumer(self.stream, self.group, worker_id)
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc

    def touch(self, worker_id: str, item_ids: list[str]) -> None:
        """Heartbeat: keep the lease of entries still being worked on (resets their idle time), and the conversation
        locks this process holds (so a dead worker's lock lapses after about one lease). A lock held longer than
        `max_hold_s` is no longer extended: a run hung that long stops blocking its conversation within two leases,
        as its entry's lease lapses too (the worker stops renewing it), and another worker takes the message over."""
        try:
            if item_ids:
                self._r.xclaim(self.stream, self.group, worker_id, 0, item_ids, justid=True)
            now = time.monotonic()
            for key, (token, since) in list(self._held.items()):
                if now - since < self.max_hold_s:
                    self._extend(keys=[key], args=[token, self._lock_ttl_ms()])
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc

    def _lock_ttl_ms(self) -> int:
        return int(max(2.0 * self.lease_s, 1.0) * 1000)

    def ack(self, item_id: str) -> None:
        try:
            self._r.xack(self.stream, self.group, item_id)
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc
        self._after_ack([item_id])

    def _after_ack(self, item_ids: list[str]) -> None:
        try:  # privacy clean-up: never fails the ack (the next ack or purge catches up)
            if self.redact_after_s <= 0:
                self._r.xdel(self.stream, *item_ids)  # no grace period: the raw entry goes with its ack
            elif time.monotonic() - self._last_purge >= 5.0:
                self.purge_processed()
        except redis.RedisError as exc:
            log.warning("could not delete processed queue entries yet: %s", exc)

    def conversation_lock(
        self, msg: InboundMessage, *, wait_s: float | None = None
    ) -> AbstractContextManager[HeldLock]:
        """One graph run per conversation at a time across every worker (the SQLite inbox gets this from its claim
        rule). Waits up to `wait_s` (default: the lease), then raises BackendUnavailable so the message is retried
        later. The lock expires by itself if its holder dies."""
        return self.thread_lock(msg.tenant, msg.conversation_id, wait_s=wait_s)

    @contextmanager
    def thread_lock(
        self, tenant: str, conversation_id: str, *, wait_s: float | None = None
    ) -> Iterator[HeldLock]:
        """The same lock by the graph thread's own key (tenant, conversation), for a run that has no message: the
        rep's decision resuming a thread in the API process while a worker may run the conversation's next message."""
        key = f"{self.stream}:lock:{tenant}:{conversation_id}"
        token = uuid.uuid4().hex
        deadline = time.monotonic() + (self.lease_s if wait_s is None else wait_s)
        try:
            while not self._r.set(key, token, nx=True, px=self._lock_ttl_ms()):
                if time.monotonic() >= deadline:
                    raise BackendUnavailable(
                        f"conversation {conversation_id} is being processed by another worker",
                        reason="conversation_busy",
                    )
                time.sleep(0.05)
        except redis.RedisError as exc:
            raise BackendUnavailable(f"redis queue unavailable: {exc}", reason="queue_unavailable") from exc
        self._held[key] = (token, time.monotonic())
        held = HeldLock()
        try:
            yield held
        finally:
            self._held.pop(key, None)
            if held.acks:
                self._release_and_ack(key, token, held.acks)
            else:
                with contextlib.suppress(redis.RedisError):  # expiry releases it if Redis is unreachable now
                    self._release(keys=[key], args=[token])

    def _release_and_ack(self, key: str, token: str, item_ids: list[str]) -> None:
        """The lock's release and the acks of the entries processed under it in ONE round trip (a pipeline, not a
        transaction: the same two commands ack() and the release sent one after the other, each a write, so each an
        AOF fsync with `appendfsync always`). The release is queued as a bare EVALSHA: a Script registered on a
        redis-py pipeline makes execute() send SCRIPT EXISTS first, a round trip of its own. A server that does not
        know the script (restarted, flushed) answers NOSCRIPT; the release is then sent again through the Script,
        which loads it. An unreachable Redis fails the ack as ack() does (the lock expires by itself); a failed
        release alone is ignored, as before."""
        pipe = self._r.pipeline(transaction=False)
        pipe.evalsha(self._release.sha, 1, key, token)
        pipe.xack(self.stream, self.group, *item_ids)
        try:
            results = pipe.execute(raise_on_error=False)
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc
        if isinstance(results[-1], Exception):
            raise _unavailable(results[-1])
        if isinstance(results[0], redis.exceptions.NoScriptError):
            with contextlib.suppress(redis.RedisError):  # expiry releases it if Redis is unreachable now
                self._release(keys=[key], args=[token])
        self._after_ack(item_ids)

    def purge_processed(self, older_than_s: float | None = None) -> int:
        """Privacy: delete entries that were delivered and acknowledged more than `older_than_s` ago (default
        COPILOT_QUEUE_REDACT_AFTER_S), so a raw customer message does not outlive its processing in the stream. The
        dedupe keys are separate and keep their TTL; pending and never-delivered entries are never touched. Runs from
        ack() at most every 5 s; returns how many entries went."""
        self._last_purge = time.monotonic()
        older = self.redact_after_s if older_than_s is None else older_than_s
        cutoff_ms = int((time.time() - older) * 1000)
        group = next(
            (g for g in self._r.xinfo_groups(self.stream) if g["name"] in (self.group, self.group.encode())),
            None,
        )
        if group is None:
            return 0
        last = _stream_id(group["last-delivered-id"])
        pending = {
            _stream_id(p["message_id"])
            for p in self._r.xpending_range(self.stream, self.group, min="-", max="+", count=10_000)
        }
        done = [
            eid
            for eid, _fields in self._r.xrange(self.stream, min="-", max=str(max(cutoff_ms, 0)), count=1000)
            if _stream_id(eid) <= last and _stream_id(eid) not in pending
        ]
        purged = int(self._r.xdel(self.stream, *done)) if done else 0
        if time.monotonic() - self._last_dead_sweep >= 60.0:
            self.redact_dead()
        return purged

    def redact_dead(self, older_than_s: float | None = None) -> int:
        """Privacy retention for `<stream>:dead`: an entry parked more than `older_than_s` ago (default
        COPILOT_QUEUE_DEAD_REDACT_AFTER_S) is replaced by a stub that keeps its identity (dedupe key, conversation,
        ids) and loses the content. A stream entry cannot be rewritten in place: the stub is appended, the raw entry
        deleted (Redis' AOF keeps the old bytes until its next rewrite, see docs/deployment.md). Returns how many."""
        from channels.inbox import DEAD_REDACTED_TEXT, redacted_payload

        self._last_dead_sweep = time.monotonic()
        older = self.dead_redact_after_s if older_than_s is None else older_than_s
        cutoff_ms = int((time.time() - older) * 1000)
        dead = f"{self.stream}:dead"
        due = []
        for eid, fields in self._r.xrange(dead, min="-", max=str(max(cutoff_ms, 0)), count=1000):
            raw = fields.get(b"payload", b"")
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            if "content removed" not in text and '"redacted"' not in text:
                # the reason a message was parked (dead_letter) outlives its content
                reason = {"reason": fields[b"reason"]} if b"reason" in fields else {}
                due.append((eid, redacted_payload(text, DEAD_REDACTED_TEXT), reason))
        if not due:
            return 0
        pipe = self._r.pipeline(transaction=True)
        for eid, stub, reason in due:
            pipe.xadd(
                dead, {"payload": stub, "redacted": "1", **reason}, maxlen=self.max_len, approximate=True
            )
            pipe.xdel(dead, eid)
        pipe.execute()
        return len(due)

    def nack(self, item_id: str) -> None:
        """Leave it pending; XAUTOCLAIM hands it to a worker after the lease."""

    def release(self, worker_id: str, item_ids: list[str] | None = None) -> int:
        """Graceful shutdown: give entries back now. Streams have no "unclaim": XCLAIM with a large IDLE makes them
        look expired, so the next XAUTOCLAIM of any worker takes them over without waiting out the lease."""
        try:
            if item_ids is None:
                rows = self._r.xpending_range(
                    self.stream, self.group, min="-", max="+", count=1000, consumername=worker_id
                )
                item_ids = [r["message_id"].decode() if isinstance(r["message_id"], bytes) else str(r["message_id"])
                            for r in rows]  # fmt: skip
            if not item_ids:
                return 0
            idle_ms = int(self.lease_s * 1000) * 10 + 1000
            self._r.xclaim(self.stream, self.group, worker_id, 0, item_ids, idle=idle_ms, justid=True)
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc
        # this process's next claim looks for them at once; other processes within their `_reclaim_every_s` (≤ 1 s)
        self._next_reclaim = float("-inf")
        return len(item_ids)

    def requeue_stale(self, older_than_s: float) -> int:
        """Pending entries idle longer than this (their worker died) are claimable again by any worker."""
        try:
            pending = self._r.xpending_range(self.stream, self.group, min="-", max="+", count=1000)
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc
        return sum(1 for p in pending if p["time_since_delivered"] >= older_than_s * 1000)

    def _consumer_group(self) -> dict[str, Any] | None:
        """This queue's consumer group as XINFO GROUPS reports it (None when it does not exist). One XINFO GROUPS."""
        try:
            info = self._r.xinfo_groups(self.stream)
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc
        return next((g for g in info if g.get("name") in (self.group, self.group.encode())), None)

    def stats(self) -> dict[str, Any]:
        group = self._consumer_group() or {}
        try:
            length = int(self._r.xlen(self.stream))
            dead = int(self._r.xlen(f"{self.stream}:dead"))
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc
        return {
            "length": length,
            "pending": int(group.get("pending", 0)),
            "lag": int(group.get("lag", 0) or 0),
            "dead": dead,
        }

    def backlog(self) -> tuple[int, int | None]:
        """(pending, lag) of the consumer group: entries delivered and not acked, entries not yet delivered (None
        where Redis cannot tell the lag, after deletions inside the stream). One XINFO GROUPS."""
        group = self._consumer_group()
        if group is None:
            raise BackendUnavailable(
                f"no consumer group {self.group!r} on {self.stream}", reason="queue_unavailable"
            )
        lag = group.get("lag", 0)
        return int(group.get("pending", 0)), (None if lag is None else int(lag))

    def drained(self) -> bool:
        """The consumer group has no entry pending (claimed, not acked) and none unread (lag 0); where Redis cannot
        tell the lag (None after deletions inside the stream), pending alone answers. A worker acks an entry only once
        its suggestion is committed, so a drained queue means every accepted message was processed (or refused)."""
        group = self._consumer_group()
        if group is None:
            return False
        lag = group.get("lag", 0)
        return int(group.get("pending", 1)) == 0 and (lag is None or int(lag) == 0)

    def ping(self) -> None:
        self._r.ping()

    def close(self) -> None:
        self._r.close()


def run_worker_process(worker_id: str) -> None:
    """`copilot worker`: one process claiming from Redis until SIGTERM (finishes the message in hand, then exits)."""
    import signal
    import threading

    from copilot.settings import get_settings
    from copilot.wiring import build_services
    from copilot.worker import Worker

    settings = get_settings()
    if not settings.redis_url:
        raise SystemExit(
            "copilot worker needs COPILOT_REDIS_URL (embedded mode runs the worker inside `serve`)"
        )
    services = build_services(settings)
    inbox = services.inbox  # with a Redis URL, open_inbox gives the stream inbox
    if not isinstance(inbox, RedisStreamInbox):
        services.close()
        raise SystemExit(f"copilot worker needs the Redis stream inbox, got {type(inbox).__name__}")
    consumer = f"{worker_id}@{socket.gethostname()}:{os.getpid()}"
    queue = QueueSettings()
    worker = Worker(inbox, services, worker_id=consumer, batch=queue.batch, concurrency=queue.concurrency)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    inbox.register(consumer)
    worker.start()
    log.warning("worker %s consuming %s", consumer, inbox.stream)
    stop.wait()
    worker.stop()
    services.close()
