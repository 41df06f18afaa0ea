"""The leave-batches-out learning experiment (evals/learning_curve.py) exercises the product's own learning path: the
open blind batches are found by letter (never a held-out file), a test batch can never be a training batch, and a
rep's rejection recorded in a real SQLite ledger goes through collect → review → apply into a COPY of a pack (the
admin's review approves a miss and rejects a right turn taught again), leaving the shipped pack untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agents import Copilot, TenantConfig
from agents.learning import Candidate
from contract.decisions import DecisionKind, HumanDecision
from copilot.ledger import open_ledger
from evals import learning_curve as lc
from tests.agents.agent_helpers import TENANT_DIR, msg


def test_the_open_batches_are_found_by_letter_and_none_is_held_out():
    found = lc.batches()
    assert list(found)[:13] == [chr(c) for c in range(ord("a"), ord("m") + 1)]
    assert all(p.is_file() and "heldout" not in p.name for p in found.values())
    assert found["m"].parent.name == "fresh_r22" and found["a"].parent.name == "fresh_r12"


def test_letters_and_the_guard_against_training_on_a_test_batch():
    assert lc.letters("a..d") == ["a", "b", "c", "d"]
    assert lc.letters("j, k,m") == ["j", "k", "m"]
    assert lc.letters("a..c,l") == ["a", "b", "c", "l"]
    with pytest.raises(ValueError, match="never trained on"):
        lc.check_split(["a", "j"], ["j", "k"])
    lc.check_split(["a", "b"], ["j"])
    with pytest.raises(ValueError, match="unknown batch"):
        lc.check_split(["a"], ["z"])


def test_a_miss_is_approved_and_a_right_turn_taught_again_is_not():
    miss = Candidate(id="1", kind="intent_example", text="x", corrected="price_discount", predicted="invoice")
    again = Candidate(
        id="2", kind="intent_example", text="y", corrected="price_discount", predicted="price_discount"
    )
    act_miss = Candidate(
        id="3", kind="action_example", text="z", corrected="send_quote", predicted="a,b,send_quote"
    )
    act_ok = Candidate(
        id="4", kind="action_example", text="w", corrected="send_quote", predicted="a,send_quote"
    )
    assert [lc._is_miss(c) for c in (miss, again, act_miss, act_ok)] == [True, False, True, False]


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    dest = tmp_path / "demo"
    dest.mkdir()
    for name in ("intents.yaml", "actions.yaml", "playbooks.yaml", "vocabulary.yaml"):
        shutil.copy(TENANT_DIR / name, dest / name)
    return dest


def test_rejections_in_a_batch_ledger_are_learned_into_the_copy(make_deps, zhang, pack, tmp_path):
    data_dir = tmp_path / "batch-a"
    data_dir.mkdir()
    ledger = open_ledger(f"sqlite:///{data_dir / 'ledger.sqlite'}")  # where Settings(data_dir) puts it
    shipped = (TENANT_DIR / "intents.yaml").read_text(encoding="utf-8")
    try:
        tenant = TenantConfig.load(pack)
        cp = Copilot(make_deps(ledger=ledger, tenant=tenant))
        taught = {}
        for i, (text, value) in enumerate(
            [("这批货的单价还能谈吗，量大一点", "price_discount"), ("你好，在吗", "greeting")]
        ):
            s = cp.handle(msg(text, conv=f"lc-{i}"), zhang)
            taught[text] = (value, s.intent.name)
            cp.decide(
                HumanDecision(
                    suggestion_id=s.id,
                    kind=DecisionKind.REJECT,
                    actor="rep_zhang",
                    reason_code="wrong_intent",
                    reason_text=f"应为 {value}",
                ),
                zhang,
                conversation_id=f"lc-{i}",
                tenant="demo",
            )
    finally:
        ledger.close()
    file = tmp_path / "candidates.yaml"
    report = lc.learn([data_dir], pack, file, "wrong")
    misses = [t for t, (want, got) in taught.items() if want != got]
    assert report["candidates"] == 2 and report["approved"] == len(misses)
    assert report["applied"]["intent_example"] == len(misses)
    learned = TenantConfig.load(pack)
    for text, (want, got) in taught.items():
        assert (text in learned.intent(want).examples) == (want != got)
    assert (TENANT_DIR / "intents.yaml").read_text(
        encoding="utf-8"
    ) == shipped  # the shipped pack is untouched
    # teaching every turn approves the right one too
    report_all = lc.learn([data_dir], pack, tmp_path / "all.yaml", "all")
    assert report_all["approved"] == 2
    assert all(t in TenantConfig.load(pack).intent(w).examples for t, (w, _) in taught.items())
