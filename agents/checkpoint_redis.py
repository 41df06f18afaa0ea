"""A LangGraph checkpointer on plain Redis commands (hashes + a lexically ordered sorted set per thread).

langgraph-checkpoint-redis needs the RediSearch and RedisJSON modules (Redis Stack / Redis 8 with modules); Debian's
redis-server 7 has neither (FT.INFO: unknown command). `make_checkpointer("redis")` uses that library when the server
has the modules and this saver otherwise, so the same settings work on a stock Redis. Sync API only (the graph runs
synchronously in workers)."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_id,
    get_checkpoint_metadata,
    writes_sort_key,
)

# The newest checkpoint of a thread and its pending writes: KEYS[1] the ids zset, ARGV[1] the thread's key base
# ("<prefix>:<thread>:<ns>"); returns {} or {id, checkpoint hash as field/value list, writes hash as field/value list}.
_LATEST = """
local latest = redis.call('ZREVRANGEBYLEX', KEYS[1], '+', '-', 'LIMIT', 0, 1)
if #latest == 0 then return {} end
local cid = latest[1]
return {cid, redis.call('HGETALL', ARGV[1] .. ':cp:' .. cid), redis.call('HGETALL', ARGV[1] .. ':w:' .. cid)}
"""


def _pairs(flat: list[Any]) -> dict[bytes, bytes]:
    """A Lua HGETALL reply (field, value, field, value, ...) as redis-py's hgetall gives it."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


class PlainRedisSaver(BaseCheckpointSaver[str]):
    def __init__(self, client: Any, *, prefix: str = "copilot:lgcp", ttl_s: int | None = None) -> None:
        super().__init__()
        self.r, self.prefix, self.ttl_s = client, prefix, ttl_s
        self._read_latest: Any = None  # the _LATEST script, registered on first use

    # keys: ids zset (member = checkpoint id, lexical order = time order for uuid6 ids), one hash per checkpoint,
    # one hash of pending writes per checkpoint, and a set of every key of the thread for delete_thread
    def _k(self, thread: str, ns: str, *rest: str) -> str:
        return ":".join((self.prefix, thread, ns or "-", *rest))

    def _track(self, pipe: Any, thread: str, *keys: str) -> None:
        index = f"{self.prefix}:{thread}:keys"
        pipe.sadd(index, *keys)
        if self.ttl_s:
            for key in (*keys, index):
                pipe.expire(key, self.ttl_s)

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        thread = config["configurable"]["thread_id"]
        ns = config["configurable"].get("checkpoint_ns", "")
        cid = checkpoint["id"]
        ctype, cbytes = self.serde.dumps_typed(checkpoint)
        mtype, mbytes = self.serde.dumps_typed(get_checkpoint_metadata(config, metadata))
        parent = config["configurable"].get("checkpoint_id") or ""
        ids, key = self._k(thread, ns, "ids"), self._k(thread, ns, "cp", cid)
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(key, mapping={"ct": ctype, "c": cbytes, "mt": mtype, "m": mbytes, "p": parent})
        pipe.zadd(ids, {cid: 0})
        self._track(pipe, thread, key, ids)
        pipe.execute()
        return {"configurable": {"thread_id": thread, "checkpoint_ns": ns, "checkpoint_id": cid}}

    def put_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        thread = config["configurable"]["thread_id"]
        ns = config["configurable"].get("checkpoint_ns", "")
        key = self._k(thread, ns, "w", config["configurable"]["checkpoint_id"])
        pipe = self.r.pipeline(transaction=True)
        for idx, (channel, value) in enumerate(writes):
            widx = WRITES_IDX_MAP.get(channel, idx)
            field = f"{task_id}|{widx}"
            vtype, vbytes = self.serde.dumps_typed(value)
            record = b"\x1f".join(
                [task_id.encode(), channel.encode(), vtype.encode(), task_path.encode(), vbytes]
            )
            if widx >= 0:
                pipe.hsetnx(
                    key, field, record
                )  # a regular write is never overwritten (same as InMemorySaver)
            else:
                pipe.hset(key, field, record)
        self._track(pipe, thread, key)
        pipe.execute()

    def _writes(self, raw: dict[bytes, bytes]) -> list[tuple[str, str, Any]]:
        rows = []
        for field, record in raw.items():
            task_id, channel, vtype, task_path, vbytes = record.split(b"\x1f", 4)
            idx = int(field.decode().rsplit("|", 1)[1])
            rows.append(
                (task_id.decode(), idx, channel.decode(), (vtype.decode(), vbytes), task_path.decode())
            )
        rows.sort(key=lambda w: writes_sort_key(w[4], w[0], w[1]))
        return [(t, c, self.serde.loads_typed(v)) for t, _, c, v, _ in rows]

    def _tuple(self, thread: str, ns: str, cid: str) -> CheckpointTuple | None:
        # the checkpoint and its pending writes in one round trip (a worker reads them before every message)
        pipe = self.r.pipeline(transaction=False)
        pipe.hgetall(self._k(thread, ns, "cp", cid))
        pipe.hgetall(self._k(thread, ns, "w", cid))
        h, writes = pipe.execute()
        return self._build(thread, ns, cid, h, writes)

    def _build(
        self, thread: str, ns: str, cid: str, h: dict[bytes, bytes], writes: dict[bytes, bytes]
    ) -> CheckpointTuple | None:
        if not h:
            return None
        parent = h[b"p"].decode()
        cfg: RunnableConfig = {
            "configurable": {"thread_id": thread, "checkpoint_ns": ns, "checkpoint_id": cid}
        }
        return CheckpointTuple(
            config=cfg,
            checkpoint=self.serde.loads_typed((h[b"ct"].decode(), h[b"c"])),
            metadata=self.serde.loads_typed((h[b"mt"].decode(), h[b"m"])),
            parent_config={
                "configurable": {"thread_id": thread, "checkpoint_ns": ns, "checkpoint_id": parent}
            }
            if parent
            else None,
            pending_writes=self._writes(writes),
        )

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        thread = config["configurable"]["thread_id"]
        ns = config["configurable"].get("checkpoint_ns", "")
        cid = get_checkpoint_id(config)
        if not cid:
            return self._latest(thread, ns)
        return self._tuple(thread, ns, cid)

    def _latest(self, thread: str, ns: str) -> CheckpointTuple | None:
        """The thread's newest checkpoint with its pending writes in ONE round trip (a read-only script: the newest id
        from the ids zset, then the two hashes), where a worker before every message used two (the id, then the
        hashes). The keys are the ones _tuple reads."""
        if self._read_latest is None:
            self._read_latest = self.r.register_script(_LATEST)
        found = self._read_latest(keys=[self._k(thread, ns, "ids")], args=[self._k(thread, ns)])
        if not found:
            return None
        cid = found[0].decode() if isinstance(found[0], bytes) else str(found[0])
        return self._build(thread, ns, cid, _pairs(found[1]), _pairs(found[2]))

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        if config is None:
            return
        thread = config["configurable"]["thread_id"]
        ns = config["configurable"].get("checkpoint_ns", "")
        wanted, before_id = get_checkpoint_id(config), get_checkpoint_id(before) if before else None
        for raw in self.r.zrevrangebylex(self._k(thread, ns, "ids"), "+", "-"):
            cid = raw.decode()
            if (wanted and cid != wanted) or (before_id and cid >= before_id):
                continue
            tup = self._tuple(thread, ns, cid)
            if tup is None or (filter and any(tup.metadata.get(k) != v for k, v in filter.items())):
                continue
            if limit is not None:
                if limit <= 0:
                    return
                limit -= 1
            yield tup

    def delete_thread(self, thread_id: str) -> None:
        index = f"{self.prefix}:{thread_id}:keys"
        keys = list(self.r.smembers(index))
        if keys:
            self.r.delete(*keys)
        self.r.delete(index)

    def get_next_version(self, current: str | None, channel: None) -> str:
        current_v = (
            0 if current is None else current if isinstance(current, int) else int(current.split(".")[0])
        )
        return f"{current_v + 1:032}.{random.random():016}"
