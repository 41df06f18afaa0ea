"""intent_reading (agents/nodes/ground.py) is computed once per turn: ground_policy and decide ask with the same text
and IntentInput, and the second answer comes from a memo in deps.cache, equal to computing it again."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

import agents.nodes.ground as ground
from contract.suggestions import Intent


class _Spelling:
    def __init__(self) -> None:
        self.calls = 0

    def correct(self, text: str) -> tuple[str, list[Any]]:
        self.calls += 1
        return text.replace("保羊", "保养"), []


@pytest.fixture
def spelling(monkeypatch: pytest.MonkeyPatch) -> _Spelling:
    spell = _Spelling()
    classifier = SimpleNamespace(spelling=spell)
    monkeypatch.setattr("agents.understanding.service.embedding_classifier", lambda deps: classifier)
    return spell


def _runtime() -> Any:
    return SimpleNamespace(context=SimpleNamespace(deps=SimpleNamespace(cache={})))


def _state(text: str, history: list[dict[str, Any]] | None = None) -> Any:
    return {
        "clean_text": text,
        "history": history or [],
        "message": {"parts": [{"kind": "text", "text": text}]},
    }


INTENT = Intent(name="service_booking", confidence=0.9, entities={"product_model": ["X7"]})


def test_the_second_read_of_a_turn_is_a_lookup_with_the_same_answer(spelling: _Spelling) -> None:
    runtime = _runtime()
    state = _state("您好，我想预约X7保羊")
    first = ground.intent_reading(state, runtime, INTENT)
    second = ground.intent_reading(state, runtime, INTENT.model_copy())  # decide parses its own Intent
    assert second == first
    assert spelling.calls == 1
    ground.READING_MEMO_ON = False
    try:
        assert ground.intent_reading(state, _runtime(), INTENT) == first  # computed afresh: the same reading
    finally:
        ground.READING_MEMO_ON = True


def test_a_different_input_is_read_again(spelling: _Spelling) -> None:
    runtime = _runtime()
    ground.intent_reading(_state("保羊多少钱"), runtime, INTENT)
    ground.intent_reading(_state("保羊多少钱", [{"role": "customer", "text": "上次的X7"}]), runtime, INTENT)
    ground.intent_reading(_state("保羊多少钱"), runtime, INTENT.model_copy(update={"entities": {}}))
    ground.intent_reading(_state("换个时间"), runtime, INTENT)
    assert spelling.calls == 4  # other history, other entities, other text: each computed
    other_classifier = _runtime()
    ground.intent_reading(_state("换个时间"), other_classifier, INTENT)  # another deps: its own memo
    assert spelling.calls == 5
