"""Scale mode end to end on real processes: a 微信客服 message announced by an encrypted WeCom callback is pulled by
the API, enqueued in Redis Streams, processed by a `copilot worker` process into exactly one suggestion in the
PostgreSQL ledger, and pushed over Redis pub/sub to a rep page's SSE stream served by the API process."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest

from copilot.scale import inbox_stream
from tests.scale.conftest import post_kf_callback
from tests.scale.stack import KF_ID, Stack, kf_text, ledger_suggestions, wait_until

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.models, pytest.mark.slow]
ADMIN = {"X-API-Key": "dev-admin"}


def suggestions_for(stack: Stack, message_id: str) -> list[dict[str, Any]]:
    return [s for s in ledger_suggestions(stack.ledger_url) if s["message_id"] == message_id]


def sync_calls(stack: Stack, cursor: str) -> int:
    return sum(1 for c in stack.tencent.calls("/cgi-bin/kf/sync_msg") if c.get("cursor", "") == cursor)


def queue_idle(stack: Stack) -> bool:
    group = stack.redis.client().xinfo_groups(inbox_stream("demo"))[0]
    return int(group["pending"]) == 0 and int(group.get("lag") or 0) == 0


def listen(url: str, topic: str, got: list[dict[str, Any]], ready: threading.Event) -> None:
    """A page's EventSource: collect suggestion events for `topic` until one arrives. `ready` is set at the first
    keep-alive, so the push is checked on a subscription that has already been quiet for a while."""
    with httpx.stream("GET", f"{url}/v1/stream", params={"topic": topic}, headers=ADMIN, timeout=180) as r:
        event = ""
        for line in r.iter_lines():
            if line.startswith(": keep-alive"):
                ready.set()  # subscribed and past a quiet keep-alive period: events must still arrive
            elif line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "suggestion":
                got.append(json.loads(line[6:]))
                return


def test_kf_callback_to_one_suggestion_in_postgres_pushed_to_the_page(
    stack: Stack, api: httpx.Client
) -> None:
    got: list[dict[str, Any]] = []
    ready = threading.Event()
    topic = f"conversation:demo:{KF_ID}:C1001"
    listener = threading.Thread(target=listen, args=(stack.api_url, topic, got, ready), daemon=True)
    listener.start()
    assert ready.wait(90), "no keep-alive on the SSE stream"

    stack.kf.push([kf_text("e2e-kf-1", "返点协议最新版本是哪个？")])
    # Tencent retries the same callback (same nonce and body) when it missed our answer: 3 deliveries
    r = post_kf_callback(api, "e2e-nonce-1", times=3)
    assert r.status_code == 200, r.text

    wait_until(lambda: len(suggestions_for(stack, "e2e-kf-1")) >= 1, 180, "a suggestion in the ledger")
    wait_until(lambda: queue_idle(stack), 60, "the queue drained")
    (sug,) = suggestions_for(stack, "e2e-kf-1")
    assert sug["channel"] == "wecom_kf" and sug["customer_ref"] == "C1001"
    assert sug["intent"]["name"] == "rebate_policy"
    assert sug["draft"]["source"] in ("template", "extractive")  # COPILOT_LLM__BACKEND=none: no LLM draft
    evidence = {e["id"] for e in sug["evidence"]}
    assert all(c["evidence_id"] in evidence for c in sug["draft"]["citations"])

    listener.join(60)
    assert [s["suggestion"]["id"] for s in got] == [sug["id"]]  # the worker's push reached the API's SSE

    # only worker processes consume: the API process is not a consumer of the group
    consumers = [
        c["name"].decode() for c in stack.redis.client().xinfo_consumers(inbox_stream("demo"), "workers")
    ]
    assert consumers and all(c.startswith(("w1@", "w2@", "doomed@", "bench")) for c in consumers), consumers


def test_same_msgid_in_a_later_page_is_not_processed_twice(stack: Stack, api: httpx.Client) -> None:
    stack.kf.push([kf_text("e2e-kf-2", "CA-9 报警 E-203 怎么处理？", customer="C1004")])
    assert post_kf_callback(api, "e2e-nonce-2").status_code == 200
    wait_until(lambda: len(suggestions_for(stack, "e2e-kf-2")) >= 1, 180, "a suggestion")
    page = stack.kf.tail
    synced_before = sync_calls(stack, page)
    stack.kf.push([kf_text("e2e-kf-2", "CA-9 报警 E-203 怎么处理？", customer="C1004")])  # re-delivered
    assert post_kf_callback(api, "e2e-nonce-3").status_code == 200
    wait_until(lambda: sync_calls(stack, page) > synced_before, 30, "the second sync")
    wait_until(lambda: queue_idle(stack), 60, "the queue drained")
    assert len(suggestions_for(stack, "e2e-kf-2")) == 1


def test_rest_ingest_in_scale_mode_is_idempotent(stack: Stack, api: httpx.Client) -> None:
    body = {
        "channel": "rest",
        "conversation_id": "scale-rest-1",
        "message_id": "scale-rest-1",
        "customer_ref": "C1001",
        "parts": [{"kind": "text", "text": "Which rebate agreement version is current?"}],
    }
    # the API process runs REST messages inline; its first graph run loads the models (slow on a busy machine)
    first = api.post("/v1/messages", json=body, headers={"X-API-Key": "dev-rep-zhang"}, timeout=600)
    assert first.status_code == 200, first.text
    again = api.post("/v1/messages", json=body, headers={"X-API-Key": "dev-rep-zhang"})
    assert again.json()["id"] == first.json()["id"]
    assert len(suggestions_for(stack, "scale-rest-1")) == 1
