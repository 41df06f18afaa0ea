"""Crash safety on real processes: kill -9 of a worker holding unacked messages → another worker reclaims them
(XAUTOCLAIM after the lease) and the ledger holds one suggestion per message; and the enqueue is durable before the
callback's 200 (kill -9 of redis-server right after the 200, restart from its AOF, the message is still queued)."""

from __future__ import annotations

import time

import httpx
import pytest

from copilot.scale import inbox_stream
from tests.channels.wecom_fakes import text_xml
from tests.scale.conftest import post_kf_callback
from tests.scale.stack import Stack, kf_text, ledger_suggestions, signed_callback, wait_until

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.models, pytest.mark.slow]
QUESTIONS = [
    "返点协议最新版本是哪个？",
    "CA-9 报警 E-203 怎么处理？",
    "What is the return policy for implants?",
]


def counts(stack: Stack, ids: list[str]) -> dict[str, int]:
    seen = {i: 0 for i in ids}
    for s in ledger_suggestions(stack.ledger_url):
        if s["message_id"] in seen:
            seen[s["message_id"]] += 1
    return seen


def pending_of(stack: Stack, consumer: str) -> list[str]:
    rows = stack.redis.client().xpending_range(
        inbox_stream("demo"), "workers", "-", "+", 100, consumername=consumer
    )
    return [r["message_id"].decode() for r in rows]


def test_worker_killed_mid_processing_is_reclaimed_and_processed_once(
    stack: Stack, api: httpx.Client
) -> None:
    stack.stop_workers()
    doomed = stack.start_worker("doomed", env={"COPILOT_QUEUE_BATCH": "8"})  # holds several messages at once
    consumer = stack.consumer("doomed")
    assert consumer is not None
    ids = [f"crash-{i}" for i in range(12)]
    customers = ["C1001", "C1002", "C1004"]
    stack.kf.push([kf_text(m, QUESTIONS[i % 3], customer=customers[i % 3]) for i, m in enumerate(ids)])
    assert post_kf_callback(api, "crash-nonce").status_code == 200

    # kill it once it has finished at least one message and still holds unacked ones: mid-processing
    wait_until(
        lambda: sum(counts(stack, ids).values()) >= 1 and len(pending_of(stack, consumer["name"])) >= 1,
        240,
        "the doomed worker to be mid-batch",
        interval=0.02,
    )
    doomed.kill9()
    held = pending_of(stack, consumer["name"])
    done_before = {k for k, v in counts(stack, ids).items() if v}
    assert held, "the worker died holding unacked work"
    assert len(done_before) < len(ids)

    stack.start_worker("w1")
    stack.start_worker("w2")
    wait_until(lambda: all(counts(stack, ids).values()), 300, "every message processed", interval=0.5)
    wait_until(lambda: not pending_of(stack, consumer["name"]), 60, "the dead consumer's entries reclaimed")
    time.sleep(1.0)  # anything still in flight would show up as a second suggestion now
    assert counts(stack, ids) == {i: 1 for i in ids}


def test_enqueue_is_durable_before_the_200(stack: Stack, api: httpx.Client) -> None:
    """A WeCom app message is enqueued synchronously before the 200; redis-server (appendfsync always) is killed -9
    the moment the 200 arrives and restarted from its AOF: the message is in the stream and its dedupe key is set."""
    params, body = signed_callback(
        text_xml("9100000001", "返点政策是什么？", create_time=int(time.time())), "dur-1"
    )
    r = api.post("/channels/wecom/callback", params=params, content=body)
    assert r.status_code == 200, r.text
    stack.redis.kill9()
    stack.redis.start()
    client = stack.redis.client()
    payloads = [f[b"payload"].decode() for _id, f in client.xrange(inbox_stream("demo"))]
    assert any('"message_id":"9100000001"' in p for p in payloads)
    assert client.exists(inbox_stream("demo") + ":dedupe:demo:wecom_app:9100000001")
    # the service is back: Tencent's retry of the same request is answered 200 and not enqueued twice
    wait_until(
        lambda: api.post("/channels/wecom/callback", params=params, content=body).status_code == 200,
        30,
        "API",
    )
    again = [
        f for _id, f in client.xrange(inbox_stream("demo")) if b'"message_id":"9100000001"' in f[b"payload"]
    ]
    assert len(again) == 1
