"""The SqliteInbox contract (its UNIQUE key is the one dedupe) and the nonce caches (one suite over the in-process and
Redis versions)."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from channels import InMemoryNonceCache, RedisNonceCache, SqliteInbox
from contract.errors import BackendUnavailable
from contract.messages import Channel, InboundMessage, TextPart


def message(msg_id: str, conversation: str = "C1001", text: str = "返点政策能再发一遍吗?") -> InboundMessage:
    return InboundMessage(
        tenant="demo",
        channel=Channel.WECOM_KF,
        conversation_id=conversation,
        message_id=msg_id,
        customer_ref=conversation,
        sent_at=datetime(2026, 11, 30, tzinfo=UTC),
        parts=[TextPart(text=text)],
    )


def test_accept_dedupes_and_round_trips(inbox: SqliteInbox) -> None:
    assert inbox.accept(message("m1")) is True
    assert inbox.accept(message("m1", text="retry with other text")) is False
    [(item_id, got)] = inbox.claim("w1", 10)
    assert got == message("m1")
    inbox.ack(item_id)
    assert inbox.accept(message("m1")) is False  # done rows are still the dedupe record
    assert inbox.stats() | {} == {"pending": 0, "claimed": 0, "done": 1, "dead": 0, "total": 1, "skipped": 0}


def test_claim_keeps_one_message_per_conversation_in_flight(inbox: SqliteInbox) -> None:
    for i in range(3):
        inbox.accept(message(f"a{i}", "C1001"))
    inbox.accept(message("b0", "C1002"))
    first = inbox.claim("w1", 10)
    assert [m.message_id for _, m in first] == ["a0", "b0"]
    assert inbox.claim("w2", 10) == []  # both conversations busy
    inbox.ack(first[0][0])
    [(_, nxt)] = inbox.claim("w2", 10)
    assert nxt.message_id == "a1"


def test_requeue_stale_and_dead_letter(tmp_path: Path) -> None:
    box = SqliteInbox(tmp_path / "i.sqlite", max_attempts=2)
    box.accept(message("m1"))
    [(item_id, _)] = box.claim("crashed-worker", 1)
    assert box.requeue_stale(older_than_s=3600) == 0  # lease still young
    assert box.requeue_stale(older_than_s=-1) == 1
    [(again, _)] = box.claim("w2", 1)
    assert again == item_id
    box.nack(again)  # second attempt failed too → dead
    assert box.stats()["dead"] == 1 and box.claim("w3", 1) == []


def test_a_message_no_worker_may_process_is_parked_at_once_with_its_reason(tmp_path: Path) -> None:
    box = SqliteInbox(tmp_path / "i.sqlite", max_attempts=5)
    box.accept(message("m1"))
    box.accept(message("m2", conversation="C1002"))
    [(first, msg), (second, _)] = box.claim("w1", 10)
    box.dead_letter(first, msg, "wrong_tenant")  # first attempt, not the fifth
    box.ack(second)
    assert box.stats() | {} == {"pending": 0, "claimed": 0, "done": 1, "dead": 1, "total": 2, "skipped": 0}
    assert box.claim("w2", 10) == []
    with sqlite3.connect(tmp_path / "i.sqlite") as db:
        rows = db.execute("SELECT status, dead_reason FROM inbox ORDER BY id").fetchall()
    assert rows == [("dead", "wrong_tenant"), ("done", None)]


def test_an_inbox_from_before_dead_reasons_opens_and_parks(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # the schema as released before the dead_reason column
        db.execute(
            "CREATE TABLE inbox (id INTEGER PRIMARY KEY AUTOINCREMENT, dedupe_key TEXT NOT NULL UNIQUE,"
            " conversation_id TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',"
            " attempts INTEGER NOT NULL DEFAULT 0, claimed_by TEXT, claimed_at REAL, created_at REAL NOT NULL,"
            " done_at REAL)"
        )
    box = SqliteInbox(path)
    box.accept(message("m1"))
    [(item_id, msg)] = box.claim("w1", 1)
    box.dead_letter(item_id, msg, "wrong_tenant")
    assert box.stats()["dead"] == 1


def test_closed_inbox_raises_backend_unavailable(tmp_path: Path) -> None:
    box = SqliteInbox(tmp_path / "i.sqlite")
    box.close()
    with pytest.raises(BackendUnavailable):
        box.accept(message("m1"))


def test_rows_survive_reopen(tmp_path: Path) -> None:
    box = SqliteInbox(tmp_path / "i.sqlite")
    box.accept(message("m1"))
    box.close()
    reopened = SqliteInbox(tmp_path / "i.sqlite")
    assert reopened.accept(message("m1")) is False
    assert [m.message_id for _, m in reopened.claim("w", 5)] == ["m1"]
    mode = sqlite3.connect(tmp_path / "i.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_concurrent_threads_enqueue_each_message_once(inbox: SqliteInbox) -> None:
    results: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for i in range(50):
            ok = inbox.accept(message(f"m{i}", f"C{i % 7}"))
            with lock:
                results.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 50 and inbox.stats()["total"] == 50


def _accept_in_process(path: str, ids: list[str]) -> None:
    box = SqliteInbox(path)
    for msg_id in ids:
        box.accept(message(msg_id, "C" + msg_id[-1]))


def test_two_processes_share_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "i.sqlite")
    ids = [f"m{i}" for i in range(40)]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_accept_in_process, args=(path, ids)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert SqliteInbox(path).stats()["total"] == 40


def test_skipped_are_recorded(inbox: SqliteInbox) -> None:
    inbox.record_skipped(
        "wecom_kf", "m9", "unsupported_type:channels", {"msgtype": "channels", "名称": "视频号"}
    )
    [row] = inbox.skipped()
    assert row["raw"]["名称"] == "视频号"


# ---- one suite over in-process and Redis ----------------------------------------------------------------------


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param


@pytest.fixture()
def redis_client(backend: str, request: pytest.FixtureRequest) -> Iterator[redis.Redis | None]:
    if backend == "memory":
        yield None
        return
    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    client.flushdb()
    yield client
    client.close()


def test_nonce_cache_contract(redis_client: redis.Redis | None) -> None:
    cache = RedisNonceCache(redis_client) if redis_client else InMemoryNonceCache()
    assert cache.remember("wecom:1700000000:n1", "sig-a", 60) is None
    assert cache.remember("wecom:1700000000:n1", "sig-b", 60) == "sig-a"
    cache.forget("wecom:1700000000:n1")
    assert cache.remember("wecom:1700000000:n1", "sig-b", 60) is None


@pytest.mark.redis
def test_redis_down_is_backend_unavailable() -> None:
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    with pytest.raises(BackendUnavailable):
        RedisNonceCache(dead).remember("k", "v", 10)
