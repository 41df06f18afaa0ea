"""Do round 10b's mechanisms generalise? tests/agents/data/answers_scratch_r10b.yaml: 7 NEW messages (WeChat with
emoji, a voice transcript, English, a rep's ask) for other customers than the tuning cases, whose answers need a count
over the customer's CRM records, a CRM date chained with a policy interval (last service + the interval → next service
due), the privacy notice's purpose clause, or the extended-warranty lead among a rep's talking points; hand-computed
must-mention facts.

Written BEFORE the fixes: baseline 1/14 items (0.071), 0 of 7 cases passing. After: 14/14, 7 of 7.
Run through the real graph (no LLM), as `copilot eval run … -c evals/configs/no-llm.yaml` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.agents.scratch_suite import must_mention_items, must_not_claim_breaks, run_scratch_suite

DATA = Path(__file__).parent / "data" / "answers_scratch_r10b.yaml"
ITEM_FLOOR = 0.85


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("scratch_r10b"))


def test_scratch_set_is_new_and_hand_computed() -> None:
    text = DATA.read_text(encoding="utf-8")
    assert text.count("  - id: scr-r10b-") >= 7
    assert "heldout" not in text.split("cases:")[1]  # never a held-out case


def test_must_mention_generalises(run) -> None:  # type: ignore[no-untyped-def]
    hit, total = must_mention_items(run)
    assert total >= 14
    assert hit / total >= ITEM_FLOOR, f"{hit}/{total}"


def test_no_must_not_claim_broken(run) -> None:  # type: ignore[no-untyped-def]
    broken = must_not_claim_breaks(run)
    assert not broken, broken
