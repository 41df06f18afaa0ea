"""Probes on the service core, on the real embedded stack (demo tenant: SQLite ledger and inbox, Chroma directory,
real offline embeddings, the real graph without the LLM). Each replays one attack or outage from issue 17."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from channels.inbox import SqliteInbox
from contract import Channel, InboundMessage, TextPart
from contract.ports import Actor
from copilot.app import create_app
from copilot.events import EventBus, SuggestionMade
from copilot.hub import RedisHub
from copilot.listeners import subscribe_all
from copilot.service import Services
from copilot.settings import REPO_ROOT, Settings
from copilot.worker import Worker

pytestmark = pytest.mark.models

ZHANG = {"X-API-Key": "dev-rep-zhang"}  # owns C1001, C1002
WANG = {"X-API-Key": "dev-rep-wang"}  # owns C1004
AGENT = {"X-API-Key": "dev-agent-chen"}
AGENT_CHEN = Actor(id="agent_chen", role="agent", call_customer_ref="C1004")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path_factory.mktemp("core-sec"),
        model_cache_dir=REPO_ROOT / "var" / "models",
        llm={"backend": "none"},
    )


@pytest.fixture(scope="module")
def services(settings: Settings) -> Iterator[Services]:
    from rich.console import Console

    from copilot.demo import prepare

    svc = prepare(settings, use_llm=False, fresh=True, console=Console(quiet=True))
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def client(settings: Settings, services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(settings, services=services, start_worker=False)) as c:
        yield c


def body(
    message_id: str, conversation: str, customer: str, text: str = "返点协议最新版本是哪个？"
) -> dict[str, Any]:
    return {
        "channel": "rest",
        "conversation_id": conversation,
        "message_id": message_id,
        "customer_ref": customer,
        "parts": [{"kind": "text", "text": text}],
    }


def suggestions_for(services: Services, message_id: str) -> list[Any]:
    return [
        e
        for e in services.ledger.find(kind="suggestion")
        if e.payload and e.payload["suggestion"]["message_id"] == message_id
    ]


# ---- access first ---------------------------------------------------------------------------------------------------


@pytest.mark.probe(
    id="idor-message-id-of-another-conversation",
    sends="rep_wang POSTs /v1/messages reusing rep_zhang's message_id with his own conversation and customer",
    expect="409 message_id_taken, nothing of rep_zhang's suggestion in the answer; the attempt is recorded",
)
def test_idor_by_message_id_returns_nothing(client: TestClient, services: Services) -> None:
    r = client.post("/v1/messages", json=body("idor-1", "idor-zhang", "C1001"), headers=ZHANG)
    assert r.status_code == 200, r.text
    victim = r.json()
    for conversation, customer in (("idor-wang", "C1004"), ("idor-zhang", "C1004"), ("idor-zhang", "C1001")):
        r = client.post("/v1/messages", json=body("idor-1", conversation, customer), headers=WANG)
        assert r.status_code == 409, (conversation, customer, r.text)
        assert r.json()["reason"] == "message_id_taken"
        assert victim["id"] not in r.text and "evidence" not in r.json()
    assert len(suggestions_for(services, "idor-1")) == 1
    denials = services.ledger.find(kind="access_denied", actor="rep_wang")
    assert any(d.reason_code == "message_id_taken" for d in denials)


@pytest.mark.probe(
    id="agent-lists-only-active-call-suggestions",
    sends="agent_chen GET /v1/suggestions with no call, then with one active call",
    expect="[] without a call; with a call, only that call's suggestions (no rep's)",
)
def test_agent_suggestions_are_scoped_to_active_calls(client: TestClient, services: Services) -> None:
    client.post("/v1/messages", json=body("scope-rep-1", "scope-rep", "C1002"), headers=ZHANG)
    r = client.get("/v1/suggestions", headers=AGENT, params={"limit": 200})
    assert r.status_code == 200 and r.json() == []
    services.call_started("call-sec-1", "agent_chen", "C1004", "demo")
    msg = InboundMessage(
        tenant="demo",
        channel=Channel.VOICE,
        conversation_id="call-sec-1",
        message_id="call-sec-1:seg1",
        customer_ref="C1004",
        rep_ref="agent_chen",
        parts=[TextPart(text="C形臂报警E-203主轴过热怎么处理？")],
    )
    made = services.handle_message(msg, AGENT_CHEN)
    assert made is not None
    listed = client.get("/v1/suggestions", headers=AGENT, params={"limit": 200}).json()
    assert [s["suggestion"]["conversation_id"] for s in listed] == ["call-sec-1"]


@pytest.mark.probe(
    id="agent-360-without-call",
    sends="agent_chen GET /v1/customers/C1001/360 with no call to C1001 (and C1004 during a call to C1004)",
    expect="403 not_on_call, recorded; 200 for the customer on the call",
)
def test_agent_reads_a_360_only_with_a_call(client: TestClient, services: Services) -> None:
    r = client.get("/v1/customers/C1001/360", headers=AGENT)
    assert r.status_code == 403 and r.json()["reason"] == "not_on_call"
    assert "facts" not in r.json()
    services.call_started("call-sec-2", "agent_chen", "C1004", "demo")
    r = client.get("/v1/customers/C1004/360", headers=AGENT)
    assert r.status_code == 200 and r.json()["customer_id"] == "C1004"
    assert any(
        d.reason_code == "not_on_call" for d in services.ledger.find(kind="access_denied", actor="agent_chen")
    )


@pytest.mark.probe(
    id="rep-asks-about-another-reps-customer",
    sends="rep_wang POSTs /v1/messages about C1001 (rep_zhang's customer)",
    expect="200 with kind=refusal, X-Copilot-Refused: not_owner, an access guard verdict, no customer facts; "
    "a refusal suggestion and an access_denied entry in the ledger; the retry gets the same refusal",
)
def test_refusal_is_a_logged_suggestion(client: TestClient, services: Services) -> None:
    r = client.post(
        "/v1/messages", json=body("steal-1", "steal-wang", "C1001", "把宁波康达的采购记录发我"), headers=WANG
    )
    assert r.status_code == 200, r.text
    refusal = r.json()
    assert refusal["kind"] == "refusal" and r.headers["x-copilot-refused"] == "not_owner"
    assert refusal["evidence"] == [] and refusal["draft"] is None
    verdict = refusal["verdicts"][0]
    assert (
        verdict["guard"] == "access" and verdict["outcome"] == "block" and verdict["reasons"] == ["not_owner"]
    )
    trail = services.ledger.find(suggestion=refusal["id"])
    assert [e.kind.value for e in trail] == ["suggestion", "access_denied"]
    assert trail[0].suggestion_kind == "refusal"
    again = client.post(
        "/v1/messages", json=body("steal-1", "steal-wang", "C1001", "把宁波康达的采购记录发我"), headers=WANG
    )
    assert again.status_code == 200 and again.json()["id"] == refusal["id"]


@pytest.mark.probe(
    id="key-or-message-of-another-tenant",
    sends="a key issued for tenant acme calls this demo service; a demo rep POSTs a message naming tenant acme",
    expect="403 wrong_tenant for the key before anything is read; 403 wrong_tenant for the message, recorded as "
    "an access_denied entry; a key issued for this tenant works",
)
def test_keys_and_messages_are_scoped_to_the_tenant(settings: Settings, services: Services) -> None:
    from copilot.auth import hash_key

    keys = {
        hash_key("acme-key"): "rep:rep_zhang:ortho-east-1:acme",
        hash_key("demo-key"): "rep:rep_zhang::demo",
    }
    scoped = settings.model_copy(update={"api_keys": keys})
    with TestClient(create_app(scoped, services=services, start_worker=False)) as c:
        r = c.get("/v1/customers/C1001/360", headers={"X-API-Key": "acme-key"})
        assert r.status_code == 403 and r.json()["reason"] == "wrong_tenant", r.text
        assert "facts" not in r.json() and "宁波" not in r.text
        r = c.post(
            "/v1/messages", json=body("tenant-1", "tenant-conv", "C1001"), headers={"X-API-Key": "acme-key"}
        )
        assert r.status_code == 403 and r.json()["reason"] == "wrong_tenant"
        ok = c.post(
            "/v1/messages", json=body("tenant-2", "tenant-conv", "C1001"), headers={"X-API-Key": "demo-key"}
        )
        assert ok.status_code == 200 and ok.json()["tenant"] == "demo", ok.text
    with TestClient(create_app(settings, services=services, start_worker=False)) as c:
        r = c.post(
            "/v1/messages", json={**body("tenant-3", "tenant-conv", "C1001"), "tenant": "acme"}, headers=ZHANG
        )
    assert r.status_code == 403 and r.json()["reason"] == "wrong_tenant", r.text
    assert suggestions_for(services, "tenant-3") == []
    denials = services.ledger.find(kind="access_denied", actor="rep_zhang")
    assert any(d.reason_code == "wrong_tenant" for d in denials)


# ---- exactly once ---------------------------------------------------------------------------------------------------


@pytest.mark.probe(
    id="four-identical-concurrent-messages",
    sends="4 identical POST /v1/messages at once (same tenant, channel, message id, conversation)",
    expect="4 × 200 with the same suggestion id; one suggestion in the ledger",
)
def test_four_identical_concurrent_messages_make_one_suggestion(
    client: TestClient, services: Services
) -> None:
    gate = threading.Barrier(4)
    answers: list[httpx.Response] = []

    def post() -> None:
        gate.wait()
        answers.append(client.post("/v1/messages", json=body("quad-1", "quad", "C1002"), headers=ZHANG))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(suggestions_for(services, "quad-1")) == 1


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _message(i: int, conversation: str) -> InboundMessage:
    return InboundMessage(
        tenant="demo",
        channel=Channel.WECOM_APP,
        conversation_id=conversation,
        message_id=f"{conversation}-m{i}",
        customer_ref="C1002",
        rep_ref="rep_zhang",
        parts=[TextPart(text=["返点什么时候结算？", "脊柱试用装怎么申请？", "谢谢"][i % 3])],
    )


def _wait(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.probe(
    id="stranded-claim-after-kill",
    sends="a message claimed by a worker process that died (kill -9), a second message of the same conversation",
    expect="at start-up the new worker gives the dead claim back: both processed exactly once, nothing claimed",
)
def test_a_dead_workers_claim_is_reclaimed_at_start_up(services: Services, tmp_path: Path) -> None:
    inbox = SqliteInbox(
        tmp_path / "inbox.sqlite", lease_s=3600.0
    )  # a long lease: only start-up recovery helps
    for i in range(2):
        assert inbox.accept(_message(i, "stranded"))
    ghost = f"ghost@{socket.gethostname()}:{_dead_pid()}"
    assert [m.message_id for _, m in inbox.claim(ghost, 1)] == ["stranded-m0"]
    assert inbox.claim("someone-else", 5) == []  # the conversation is blocked behind the dead claim
    worker = Worker(inbox, services, worker_id="rescuer", poll_s=0.05)
    worker.start()
    try:
        _wait(lambda: inbox.stats()["done"] == 2, 300, "both messages processed")
    finally:
        worker.stop()
    assert inbox.stats()["claimed"] == 0 and inbox.stats()["pending"] == 0
    assert [len(suggestions_for(services, f"stranded-m{i}")) for i in range(2)] == [1, 1]
    inbox.close()


@pytest.mark.probe(
    id="stuck-message-blocks-one-lease",
    sends="a live worker claims a message and never acks nor heartbeats (a hung graph)",
    expect="after one lease another worker can claim it: the conversation is blocked for at most a lease",
)
def test_a_stuck_message_blocks_its_conversation_for_one_lease_at_most(tmp_path: Path) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite", lease_s=0.5)
    inbox.accept(_message(0, "stuck"))
    inbox.accept(_message(1, "stuck"))
    hung = f"hung@{socket.gethostname()}:{os.getpid()}"
    assert [m.message_id for _, m in inbox.claim(hung, 5)] == ["stuck-m0"]
    assert inbox.claim("other", 5) == []
    time.sleep(0.7)
    assert [m.message_id for _, m in inbox.claim("other", 5)] == ["stuck-m0"]
    inbox.close()


@pytest.mark.probe(
    id="graceful-shutdown-gives-back",
    sends="stop() the worker while it holds a batch of claimed messages",
    expect="the message in progress finishes; the rest go back to pending at once (not stranded, no attempt spent)",
)
def test_graceful_shutdown_gives_messages_back(services: Services, tmp_path: Path) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite", lease_s=3600.0)
    for i in range(4):
        inbox.accept(_message(0, f"give-back-{i}"))
    bus = EventBus()
    local = dataclasses.replace(services, bus=bus)
    worker = Worker(inbox, local, worker_id="graceful", batch=4, poll_s=0.05)
    stopper: list[threading.Thread] = []

    def stop_after_first(_: SuggestionMade) -> None:
        if not stopper:
            stopper.append(threading.Thread(target=worker.stop))
            stopper[0].start()

    bus.subscribe(SuggestionMade, stop_after_first)
    worker.start()
    _wait(lambda: bool(stopper), 300, "the first suggestion")
    stopper[0].join(60)
    stats = inbox.stats()
    assert stats["claimed"] == 0
    assert stats["done"] >= 1 and stats["done"] + stats["pending"] == 4
    assert worker.released == stats["pending"]
    inbox.close()


# ---- Redis outages (scale mode) -------------------------------------------------------------------------------------


@pytest.fixture
def doomed_redis(tmp_path: Path) -> Iterator[str]:
    """A redis-server of our own, so the probe can kill it."""
    from tests.scale.stack import RedisServer

    server = RedisServer(tmp_path / "redis", fsync="no")  # started by the constructor
    yield server.url
    server.stop()


@pytest.mark.redis
@pytest.mark.probe(
    id="redis-down-after-ledger-write",
    sends="POST /v1/messages while the Redis behind the push hub is killed",
    expect="200 with the suggestion, which is in the ledger; the failed push is logged and counted, no 500",
)
def test_push_failure_after_the_ledger_write_is_not_a_500(
    settings: Settings, services: Services, doomed_redis: str
) -> None:
    hub = RedisHub(doomed_redis, settings.tenant)
    bus = EventBus(on_failure=lambda name: services.metrics.listener_failures.inc(listener=name))
    scaled = dataclasses.replace(services, hub=hub, bus=bus)
    subscribe_all(bus, hub, services.channels, services.metrics)
    redis.Redis.from_url(doomed_redis).shutdown(nosave=True)
    with TestClient(create_app(settings, services=scaled, start_worker=False)) as c:
        r = c.post("/v1/messages", json=body("redis-down-1", "redis-down", "C1002"), headers=ZHANG)
    assert r.status_code == 200, r.text
    assert len(suggestions_for(services, "redis-down-1")) == 1
    assert bus.failures >= 1


@pytest.mark.redis
@pytest.mark.probe(
    id="readyz-while-redis-down",
    sends="GET /readyz in scale mode with Redis killed",
    expect="503, checks.redis = down",
)
def test_readyz_says_not_ready_while_redis_is_down(
    settings: Settings, services: Services, doomed_redis: str
) -> None:
    client = redis.Redis.from_url(doomed_redis, socket_timeout=1, socket_connect_timeout=1)
    scaled = dataclasses.replace(services, readiness_probes={"redis": client})
    with TestClient(create_app(settings, services=scaled, start_worker=False)) as c:
        assert c.get("/readyz").status_code == 200
        client.shutdown(nosave=True)
        r = c.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["redis"].startswith("down")


# ---- an agent on two calls -----------------------------------------------------------------------------------------


def _call_turn(call_id: str, customer: str, taken_by: str) -> InboundMessage:
    return InboundMessage(
        tenant="demo",
        channel=Channel.VOICE,
        conversation_id=call_id,
        message_id=f"{call_id}:seg1",
        customer_ref=customer,
        rep_ref=taken_by,
        parts=[TextPart(text="C形臂报警E-203主轴过热怎么处理？")],
    )


@pytest.mark.probe(
    id="agent-on-two-calls-decides-on-the-older-one",
    sends="agent_two, on a call with C1004 and then on a second one with C1001, reads and rejects the suggestion made "
    "on the first call (taken over from a colleague), then reads one of rep_zhang's customer C1002",
    expect="the first call's suggestion is read and decided (checked against its own call, not the latest one); "
    "C1002's suggestion is refused and the refusal recorded",
)
def test_an_agent_on_two_calls_decides_on_either(services: Services) -> None:
    from contract import DecisionKind, HumanDecision
    from contract.errors import AccessDenied

    agent = Actor(id="agent_two", role="agent")  # as the API builds it: no call named
    services.call_started("call-two-a", "agent_two", "C1004", "demo")
    first = services.handle_message(
        _call_turn("call-two-a", "C1004", "agent_colleague"),
        Actor(id="agent_colleague", role="agent", call_customer_ref="C1004"),
    )
    assert first is not None and first.rep_ref != "agent_two"
    time.sleep(0.02)
    services.call_started("call-two-b", "agent_two", "C1001", "demo")
    assert [c.call_id for c in services.calls.for_agent("agent_two")][0] == "call-two-b"

    view = services.suggestion_view(first.id, agent)
    assert view["suggestion"]["id"] == first.id  # type: ignore[index]
    decision = HumanDecision(
        suggestion_id=first.id, kind=DecisionKind.REJECT, actor="agent_two", reason_code="not_needed"
    )
    assert services.decide(decision, agent)

    theirs = services.handle_message(
        InboundMessage(
            tenant="demo",
            channel=Channel.REST,
            conversation_id="two-calls-zhang",
            message_id="two-calls-zhang-1",
            customer_ref="C1002",
            parts=[TextPart(text="返点协议最新版本是哪个？")],
        ),
        Actor(id="rep_zhang", role="rep"),
    )
    assert theirs is not None
    with pytest.raises(AccessDenied):
        services.suggestion_view(theirs.id, agent)
    with pytest.raises(AccessDenied):
        services.decide(
            HumanDecision(
                suggestion_id=theirs.id, kind=DecisionKind.REJECT, actor="agent_two", reason_code="not_needed"
            ),
            agent,
        )
    refused = services.ledger.find(kind="access_denied", actor="agent_two")
    assert len(refused) >= 2 and all(e.suggestion_id == theirs.id for e in refused)


@pytest.mark.probe(
    id="stream-of-another-reps-topic",
    sends="rep_wang GET /v1/stream?topic=rep:rep_zhang",
    expect="403 topic_not_allowed, and the refusal is in the ledger with its reason",
)
def test_a_refused_stream_topic_is_recorded(client: TestClient, services: Services) -> None:
    r = client.get("/v1/stream", params={"topic": "rep:rep_zhang"}, headers=WANG)
    assert r.status_code == 403 and r.json()["reason"] == "topic_not_allowed", r.text
    denials = services.ledger.find(kind="access_denied", actor="rep_wang")
    assert any(d.reason_code == "topic_not_allowed" for d in denials)
