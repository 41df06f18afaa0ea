"""A tool's word gates (when_words, say_when_words, covered_words) read the message as a need reads its words:
case-insensitive, an ASCII word where a word starts. Before session 12 they were a case-sensitive substring test, so
"Brake pads worn" never ran a tool gated on `brake`, and "embrake" did. Table-driven, a made-up equipment tenant."""

from __future__ import annotations

from datetime import date

import pytest

from agents.reasoning.config import ToolSpec, words_hit
from agents.reasoning.results import Computed
from knowledge.policy import PolicyStore
from tests.agents.reasoning_fixtures import WARRANTY_TERM, device, devices_crm, policy_store, run_on

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("words", "text", "hit"),
    [
        (["brake"], "Brake pads are worn", True),  # capitalised at the start of a sentence
        (["brake"], "BRAKES SQUEAL", True),  # shouting, plural
        (["brake"], "the handbrake", False),  # not where a word starts
        (["wiper"], "wipers smear", True),
        (["PKG"], "pkg-b还剩几次", True),  # the tenant wrote it in capitals, the customer did not
        (["PKG"], "保养包PKG-B", True),
        (["Warranty"], "is it under warranty?", True),  # the tenant capitalised it
        (["刹车"], "刹车有异响", True),  # Chinese: anywhere
        (["刹车"], "轮胎有异响", False),
        (["all our"], "How many do All Our vans number", True),
        ([], "anything", False),
    ],
)
def test_words_hit(words: list[str], text: str, hit: bool) -> None:
    assert words_hit(words, text) is hit


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> PolicyStore:
    return policy_store(tmp_path_factory.mktemp("gates"), WARRANTY_TERM)


SPEC = ToolSpec(
    id="w",
    tool="term_end",
    doc="wty",
    clause="第二条",
    term="整机保修",
    end_rule="day_before",
    start_field="device.installed_at",
    label="整机保修",
    when_words=["warranty", "保修"],
)


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("Warranty end date please", True),
        ("WARRANTY??", True),
        ("when does my warranty end", True),
        ("保修到哪天", True),
        ("Extended-warrantyless question", True),  # after a hyphen a word starts
        ("prewarranty check", False),
        ("price list please", False),
    ],
)
def test_run_tool_gate_is_case_insensitive(store: PolicyStore, text: str, runs: bool) -> None:
    out = run_on(SPEC, store, devices_crm([device("2025-07-10")], TODAY), text, TODAY)
    assert any(isinstance(r, Computed) for r in out) is runs
