"""Scale-out queue: a Redis Streams consumer group with the same API as channels.inbox.SqliteInbox
(accept / claim / ack / nack / requeue_stale / stats), so workers and callbacks don't know which one they use.

accept() is one Lua script: SET NX the dedupe key and XADD the message atomically, so a crash between the two can
neither lose a message nor mark it seen without enqueuing it. Durability before the 200 depends on Redis' AOF
(`appendonly yes`, `appendfsync always` for no loss on power failure — see docs/deployment.md).
claim() first takes over entries whose consumer went silent (XAUTOCLAIM after `lease_s`), then reads new ones.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import redis

from contract import BackendUnavailable, InboundMessage

log = logging.getLogger("copilot.scale")

_ACCEPT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'payload', ARGV[2])
  return 1
end
return 0
"""


class RedisStreamInbox:
    def __init__(
        self,
        url: str,
        *,
        stream: str = "copilot:inbox",
        group: str = "workers",
        dedupe_ttl_s: int = 3 * 24 * 3600,  # kf may re-deliver for days; Tencent retries within seconds
        lease_s: float = 30.0,
        max_len: int = 1_000_000,
        max_attempts: int = 5,
    ) -> None:
        self.url, self.stream, self.group = url, stream, group
        self.dedupe_ttl_s, self.lease_s, self.max_len, self.max_attempts = (
            dedupe_ttl_s,
            lease_s,
            max_len,
            max_attempts,
        )
        self._r = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self._accept = self._r.register_script(_ACCEPT)
        try:
            self._r.xgroup_create(stream, group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        except redis.RedisError as exc:
            raise BackendUnavailable(f"redis queue unavailable: {exc}", reason="queue_unavailable") from exc

    def accept(self, msg: InboundMessage) -> bool:
        try:
            added = self._accept(
                keys=[f"{self.stream}:dedupe:{msg.dedupe_key}", self.stream],
                args=[self.dedupe_ttl_s, msg.model_dump_json(), self.max_len],
            )
        except redis.RedisError as exc:
            raise BackendUnavailable(f"redis queue unavailable: {exc}", reason="queue_unavailable") from exc
        return bool(added)

    def claim(self, worker_id: str, limit: int = 10) -> list[tuple[str, InboundMessage]]:
        try:
            _next, stale, _deleted = self._r.xautoclaim(
                self.stream,
                self.group,
                worker_id,
                min_idle_time=int(self.lease_s * 1000),
                start_id="0-0",
                count=limit,
            )
            entries = list(stale)
            if len(entries) < limit:
                fresh = self._r.xreadgroup(
                    self.group, worker_id, {self.stream: ">"}, count=limit - len(entries)
                )
                for _stream, items in fresh or []:
                    entries.extend(items)
        except redis.RedisError as exc:
            raise BackendUnavailable(f"redis queue unavailable: {exc}", reason="queue_unavailable") from exc
        out: list[tuple[str, InboundMessage]] = []
        for entry_id, fields in entries:
            eid = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
            payload = fields.get(b"payload") if fields else None
            if payload is None:  # trimmed or malformed: nothing to process, drop the pending entry
                self.ack(eid)
                continue
            out.append((eid, InboundMessage.model_validate_json(payload)))
        return out

    def ack(self, item_id: str) -> None:
        try:
            self._r.xack(self.stream, self.group, item_id)
        except redis.RedisError as exc:
            raise BackendUnavailable(f"redis queue unavailable: {exc}", reason="queue_unavailable") from exc

    def nack(self, item_id: str) -> None:
        """Leave it pending; XAUTOCLAIM hands it to a worker after the lease."""

    def requeue_stale(self, older_than_s: float) -> int:
        """Pending entries idle longer than this (their worker died) are claimable again by any worker."""
        pending = self._r.xpending_range(self.stream, self.group, min="-", max="+", count=1000)
        return sum(1 for p in pending if p["time_since_delivered"] >= older_than_s * 1000)

    def stats(self) -> dict[str, Any]:
        info = self._r.xinfo_groups(self.stream)
        group = next((g for g in info if g["name"] in (self.group, self.group.encode())), {})
        return {
            "length": int(self._r.xlen(self.stream)),
            "pending": int(group.get("pending", 0)),
            "lag": int(group.get("lag", 0) or 0),
        }

    def ping(self) -> None:
        self._r.ping()

    def close(self) -> None:
        self._r.close()


def run_worker_process(worker_id: str) -> None:
    """`copilot worker`: one process claiming from Redis until SIGTERM."""
    import signal
    import threading

    from copilot.settings import get_settings
    from copilot.wiring import build_services

    settings = get_settings()
    if not settings.redis_url:
        raise SystemExit(
            "copilot worker needs COPILOT_REDIS_URL (embedded mode runs the worker inside `serve`)"
        )
    services = build_services(settings)
    worker = services.make_worker(f"{worker_id}@{socket.gethostname()}:{os.getpid()}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    worker.start()
    stop.wait()
    worker.stop()
    services.close()
