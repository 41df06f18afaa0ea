"""Do this round's mechanisms generalise? Round 9's scratch set (tests/agents/data/answers_scratch_r9.yaml: 7 NEW
messages, one per mechanism — another maker's car dated by the message, one order of two models, a code read aloud with
letters, an extended warranty priced for a count and started the day after the term, an English renewal window, a new
car's warranty for a prospect, an individual's traction-battery term), hand-computed must-mention facts.

Written after the round's first commit (2dcac70), so it guards the mechanisms rather than measuring a before: the
numbers are in the commit message. Run through the real graph (no LLM), as `copilot eval run … -c
evals/configs/no-llm.yaml` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.agents.scratch_suite import must_mention_items, must_not_claim_breaks, run_scratch_suite

DATA = Path(__file__).parent / "data" / "answers_scratch_r9.yaml"
ITEM_FLOOR = 0.85


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("scratch_r9"))


def test_scratch_set_is_new_and_hand_computed() -> None:
    text = DATA.read_text(encoding="utf-8")
    assert text.count("  - id: scr-r9-") >= 7
    assert "heldout" not in text.split("cases:")[1]  # never a held-out case


def test_must_mention_generalises(run) -> None:  # type: ignore[no-untyped-def]
    hit, total = must_mention_items(run)
    assert total >= 14
    assert hit / total >= ITEM_FLOOR, f"{hit}/{total}"


def test_no_must_not_claim_broken(run) -> None:  # type: ignore[no-untyped-def]
    broken = must_not_claim_breaks(run)
    assert not broken, broken
