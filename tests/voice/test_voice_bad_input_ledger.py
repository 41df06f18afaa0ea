"""Bad input on a live call, all the way into a real ledger: the WebSocket route (real whisper-base, real Silero VAD)
hands each final to the real graph, whose suggestions go into a real SQLite ledger (copilot.ledger, hash-chained).
For silence, music, a foreign language and swapped stereo channels the ledger stays empty; a connection dropped
mid-word is recorded as a confirmation question (flagged, no actions), never as a confident suggestion; an 8 kHz call
is recorded with its narrow-band signal, either as the right intent or as a confirmation question. The chain verifies
after each. The graph's other ports are the agents tests' small in-test ones (policy, CRM), as in
tests/voice/test_voice_confirmation.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.testclient import TestClient

from agents import AgentDeps, Copilot, ModeSettings, TenantConfig
from agents.perception.voice import LOW_CONFIDENCE_FLAG
from channels.voice import AsrService, build_voice_router
from contract.messages import InboundMessage
from contract.ports import Actor
from contract.suggestions import Suggestion
from copilot.ledger import Ledger, open_ledger
from copilot.settings import DEMO_TENANT_DIR
from tests.agents.agent_ports import (
    AuthorityRails,
    HashingEmbedder,
    KeywordInjection,
    KeywordPolicy,
    NumbersGrounding,
    RegexPii,
    TinyCrm,
)

from .conftest import say, silence
from .test_voice_bad_input import TURN, _stereo, call, espeak, sox_music, telephone_band
from .test_voice_ws import START, assert_clean, stream, wait_until

pytestmark = pytest.mark.models


class GraphDesk:
    """on_final → the graph → the ledger (what copilot/api/live.py wires), keeping each suggestion returned."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.copilot = Copilot(
            AgentDeps(
                policy=KeywordPolicy(), customers=TinyCrm(), pii=RegexPii(), injection=KeywordInjection(),
                grounding=NumbersGrounding(), rails=AuthorityRails(), ledger=ledger,
                tenant=TenantConfig.load(DEMO_TENANT_DIR), embedder=HashingEmbedder(),
                settings=ModeSettings(use_llm=False, mode="suggest"),
            )
        )  # fmt: skip
        self.suggestions: list[Suggestion] = []
        self.hangups: list[dict[str, Any]] = []

    async def on_final(self, message: InboundMessage) -> dict[str, Any] | None:
        actor = Actor(id="agent_chen", role="agent", call_customer_ref=message.customer_ref)
        suggestion = await run_in_threadpool(self.copilot.handle, message, actor)
        self.suggestions.append(suggestion)
        return suggestion.model_dump(mode="json")

    async def on_hangup(self, summary: dict[str, Any]) -> None:
        self.hangups.append(summary)

    def recorded(self) -> list[Suggestion]:
        """Every suggestion the ledger holds, read back from it (not from memory)."""
        ids = [e["suggestion_id"] for e in self.ledger.query(kind="suggestion") if e.get("suggestion_id")]
        return [self.ledger.get_suggestion(i) for i in ids]


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[GraphDesk]:
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield GraphDesk(ledger)
    report = ledger.verify()
    ledger.close()
    assert report.ok, report


@pytest.fixture
def client(asr_service: AsrService, desk: GraphDesk) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(
        build_voice_router(asr_service, desk.on_final, desk.on_hangup, tenant="demo", silence_notice_s=2.0)
    )
    with TestClient(app) as c:
        yield c
        assert_clean(c)


def _is_confirmation(s: Suggestion) -> bool:
    return (
        LOW_CONFIDENCE_FLAG in s.flags
        and s.actions == []
        and s.answer is not None
        and (s.answer.text.startswith("客户是否在说"))
    )


def _states(frames: list[dict[str, Any]]) -> list[str]:
    return [str(s) for s in frames[-1].get("states", [])] if frames and frames[-1]["type"] == "wrapup" else []


def test_silence_music_foreign_and_swapped_leave_the_ledger_empty(
    client: TestClient, desk: GraphDesk
) -> None:
    english = espeak("en", "Hello, I would like to ask about the rebate policy for this year, please.")
    agent = say("nin2 hao3, zhe4 li3 shi4 ke4 fu2 zhong1 xin1, qing3 wen4 you3 shen2 me5 ke3 yi3 bang1 nin2?")
    runs = {
        "silence": call(client, "l-silent", silence(3.5)),
        "music": call(client, "l-music", np.concatenate([silence(0.5), sox_music(4.0), silence(0.6)])),
        "foreign": call(client, "l-foreign", np.concatenate([silence(0.5), english, silence(0.8)])),
        "swapped": call(
            client, "l-swapped", _stereo(telephone_band(say(TURN)), agent), start={**START, "channels": 2}
        ),
    }
    assert "silence" in _states(runs["silence"])
    assert {"no_speech", "silence"} & set(_states(runs["music"])), _states(runs["music"])
    assert "foreign_language" in _states(runs["foreign"])
    assert "channels_swapped" in _states(runs["swapped"])
    assert desk.suggestions == [] and desk.recorded() == []  # nothing for the graph, nothing in the ledger
    assert desk.ledger.verify().ok


def test_dropped_connection_is_recorded_as_a_question_not_an_action(
    client: TestClient, desk: GraphDesk
) -> None:
    speech = say(TURN)
    with client.websocket_connect("/voice/calls/l-dropped") as ws:
        ws.send_json(START)
        ws.receive_json()
        stream(ws, np.concatenate([silence(0.4), speech[: int(speech.size * 0.7)]]))  # gone mid-word
    wait_until(lambda: bool(desk.hangups), "on_hangup after the drop")
    assert desk.hangups[0]["reason"] == "disconnected" and "disconnected" in desk.hangups[0]["states"]
    recorded = desk.recorded()
    assert len(recorded) == 1 and _is_confirmation(recorded[0]), recorded
    assert recorded[0].intent.confidence <= 0.5


def test_narrowband_call_is_recorded_with_its_signal_and_never_a_confident_guess(
    client: TestClient, desk: GraphDesk
) -> None:
    audio16 = np.concatenate([silence(0.5), telephone_band(say(TURN)), silence(0.8)])
    frames = call(client, "l-narrow", audio16[::2], start={**START, "sample_rate": 8000})
    assert _states(frames)[0] == "narrowband"
    final = next(f for f in frames if f["type"] == "final")
    assert final["signals"]["asr_narrowband"] == 1.0
    (recorded,) = desk.recorded()
    view = desk.ledger.get_suggestion_view(recorded.id, actor=Actor(id="admin", role="admin"))
    assert "asr_narrowband" in str(view["inputs"]), view["inputs"]  # the ledger says what the audio was
    # the caller asked about the rebate policy: either that, or a question to the agent — never another intent
    # acted on with confidence
    right = recorded.intent.name == "rebate_policy" and LOW_CONFIDENCE_FLAG not in recorded.flags
    assert right or _is_confirmation(recorded), (final["text"], recorded.intent.name, recorded.flags)
