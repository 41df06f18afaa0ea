"""The service's event flow on the real embedded stack (demo tenant, no LLM): one message ends in one SuggestionMade,
the two-phase progress reaches the same hub topics first, a decision ends in DecisionRecorded, and /metrics shows the
latencies and the decision."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contract import Channel, DecisionKind, HumanDecision, InboundMessage, TextPart
from contract.ports import Actor
from copilot.app import create_app
from copilot.events import DecisionRecorded, EventBus, MessageSkipped, SuggestionMade, SuggestionProgress
from copilot.hub import LocalHub
from copilot.listeners import subscribe_all
from copilot.metrics import ServiceMetrics
from copilot.service import Services
from copilot.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.models
ZHANG = Actor(id="rep_zhang", role="rep")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path_factory.mktemp("service-flow"),
        model_cache_dir=REPO_ROOT / "var" / "models",
        llm={"backend": "none"},
    )


@pytest.fixture(scope="module")
def base(settings: Settings) -> Iterator[Services]:
    from rich.console import Console

    from copilot.demo import prepare

    svc = prepare(settings, use_llm=False, fresh=True, console=Console(quiet=True))
    yield svc
    svc.close()


@pytest.fixture
def wired(base: Services) -> tuple[Services, list[object], LocalHub]:
    """The same backends with a fresh bus, hub and metrics, and a recorder of every event."""
    hub, metrics, bus = LocalHub(), ServiceMetrics(tenant="demo"), EventBus()
    seen: list[object] = []
    for kind in (SuggestionMade, SuggestionProgress, DecisionRecorded, MessageSkipped):
        bus.subscribe(kind, seen.append)
    subscribe_all(bus, hub, None, metrics)
    return dataclasses.replace(base, hub=hub, bus=bus, metrics=metrics), seen, hub


def _msg(message_id: str, sender: str = "customer") -> InboundMessage:
    return InboundMessage(
        tenant="demo",
        channel=Channel.WECOM_APP,
        conversation_id="flow-1",
        message_id=message_id,
        customer_ref="C1001",
        rep_ref="rep_zhang",
        sender=sender,  # type: ignore[arg-type]
        parts=[TextPart(text="麻烦发我一下最新的骨科耗材返点协议")],
    )


def test_a_message_ends_in_one_event_and_progress_comes_first_on_the_same_topics(
    wired: tuple[Services, list[object], LocalHub],
) -> None:
    services, seen, hub = wired

    async def run() -> list[dict[str, Any]]:
        subscription = hub.subscribe("rep:rep_zhang").__aiter__()
        first = asyncio.ensure_future(subscription.__anext__())
        await asyncio.sleep(0.05)  # subscribed before the message runs
        await asyncio.to_thread(services.handle_message, _msg("flow-m1"), ZHANG)
        got = [await asyncio.wait_for(first, 10)]
        while got[-1]["type"] != "suggestion":
            got.append(await asyncio.wait_for(subscription.__anext__(), 10))
        await subscription.aclose()
        return got

    pushed = asyncio.run(run())
    made = [e for e in seen if isinstance(e, SuggestionMade)]
    assert len(made) == 1 and not made[0].redelivered
    assert pushed[-1]["suggestion"]["id"] == made[0].suggestion.id
    progress = [e for e in seen if isinstance(e, SuggestionProgress)]
    assert progress and seen.index(progress[0]) < seen.index(made[0])  # phase 1 before the final suggestion
    assert pushed[0]["type"] in ("suggestion_partial", "draft_token")

    again = services.handle_message(_msg("flow-m1"), ZHANG)  # a redelivery: the same, flagged as such
    assert again is not None and again.id == made[0].suggestion.id
    assert [e.redelivered for e in seen if isinstance(e, SuggestionMade)] == [False, True]

    assert services.handle_message(_msg("flow-m2", sender="rep"), ZHANG) is None
    assert isinstance(seen[-1], MessageSkipped)


def test_a_decision_ends_in_decision_recorded_and_metrics_show_it(
    wired: tuple[Services, list[object], LocalHub], settings: Settings
) -> None:
    services, seen, _ = wired
    suggestion = services.handle_message(_msg("flow-m3"), ZHANG)
    assert suggestion is not None
    entry = services.decide(
        HumanDecision(suggestion_id=suggestion.id, actor="rep_zhang", kind=DecisionKind.ACCEPT), ZHANG
    )
    recorded = [e for e in seen if isinstance(e, DecisionRecorded)]
    assert len(recorded) == 1 and recorded[0].entry_id == entry
    with TestClient(create_app(settings, services=services, start_worker=False)) as client:
        r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert 'copilot_latency_ms_count{capability="suggestion_no_llm",tenant="demo"} 1' in text
    assert 'copilot_decisions_total{kind="accept",tenant="demo"} 1' in text
    assert 'copilot_acceptance_ratio{tenant="demo"} 1' in text
    assert 'copilot_sla_ms{capability="full_draft"}' in text
