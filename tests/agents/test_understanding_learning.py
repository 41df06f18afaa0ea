"""Learning from humans on the real SQLite ledger: a wrong-intent / wrong-action rejection naming the right value
becomes a reviewable candidate; approved candidates are merged into the tenant's examples (comments kept, idempotent,
nothing written when the pack would not load), and the classifier then gets the message right."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from agents import Copilot, TenantConfig
from agents.learning import (
    apply_candidates,
    collect_candidates,
    corrected_value,
    read_candidates,
    write_candidates,
)
from agents.understanding.intent import EmbeddingIntentClassifier
from contract.decisions import DecisionKind, HumanDecision
from contract.errors import UserError
from copilot.ledger import open_ledger
from tests.agents.agent_helpers import TENANT_DIR, msg

TEXT = "你们这个东西还能不能再商量一下"


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    dest = tmp_path / "demo"
    dest.mkdir()
    for name in ("intents.yaml", "actions.yaml", "playbooks.yaml", "vocabulary.yaml"):
        shutil.copy(TENANT_DIR / name, dest / name)
    return dest


@pytest.fixture
def ledger(tmp_path: Path):
    led = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield led
    led.close()


def test_corrected_value_by_name_or_label():
    names = {"price_discount": "价格与折扣", "invoice": "发票"}
    assert corrected_value("应为 price_discount", names) == "price_discount"
    assert corrected_value("intent: invoice", names) == "invoice"
    assert corrected_value("应该是价格与折扣", names) == "price_discount"
    assert corrected_value("不对", names) == "" and corrected_value("price_discount 或 invoice", names) == ""


def test_rejections_become_candidates_that_an_admin_applies(make_deps, zhang, ledger, pack, tmp_path):
    tenant = TenantConfig.load(pack)
    cp = Copilot(make_deps(ledger=ledger, tenant=tenant))
    wrong = cp.handle(msg(TEXT, conv="learn-1"), zhang)
    cp.decide(
        HumanDecision(
            suggestion_id=wrong.id,
            kind=DecisionKind.REJECT,
            actor="rep_zhang",
            reason_code="wrong_intent",
            reason_text="应为 price_discount",
        ),  # fmt: skip
        zhang,
        conversation_id="learn-1",
        tenant="demo",
    )
    action = cp.handle(msg("那帮我约个时间来谈谈合同吧", conv="learn-2"), zhang)
    cp.decide(
        HumanDecision(
            suggestion_id=action.id,
            kind=DecisionKind.REJECT,
            actor="rep_zhang",
            reason_code="wrong_action",
            reason_text="应该是 schedule_visit",
        ),  # fmt: skip
        zhang,
        conversation_id="learn-2",
        tenant="demo",
    )
    vague = cp.handle(msg("这个呢", conv="learn-3"), zhang)
    cp.decide(
        HumanDecision(
            suggestion_id=vague.id,
            kind=DecisionKind.REJECT,
            actor="rep_zhang",
            reason_code="wrong_intent",
            reason_text="不对",
        ),  # fmt: skip
        zhang,
        conversation_id="learn-3",
        tenant="demo",
    )

    report = collect_candidates(ledger, tenant)
    assert [(c.kind, c.corrected, c.text) for c in report.candidates] == [
        ("intent_example", "price_discount", TEXT),
        ("action_example", "schedule_visit", "那帮我约个时间来谈谈合同吧"),
    ]
    assert (
        report.candidates[0].predicted == wrong.intent.name and report.candidates[0].decided_by == "rep_zhang"
    )
    assert report.skipped and "names no known value" in report.skipped[0]["why"]

    path = tmp_path / "learn" / "candidates.yaml"
    write_candidates(report.candidates, path, tenant=tenant.tenant)
    assert path.read_text(encoding="utf-8").startswith("# Candidate examples")
    assert apply_candidates(path, pack).applied == []  # nothing approved yet: nothing changes
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for c in data["candidates"]:
        c["status"] = "approved"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    before = (pack / "intents.yaml").read_text(encoding="utf-8")
    applied = apply_candidates(path, pack)
    assert len(applied.applied) == 2 and len(applied.files_changed) == 2
    after = (pack / "intents.yaml").read_text(encoding="utf-8")
    assert after.startswith(before.splitlines()[0])  # the header comment is kept
    learned = TenantConfig.load(pack)
    assert TEXT in learned.intent("price_discount").examples
    assert "那帮我约个时间来谈谈合同吧" in learned.action("schedule_visit").examples
    assert {c.status for c in read_candidates(path)} == {"applied"}
    # applying again (and collecting again) changes nothing
    assert apply_candidates(path, pack).applied == []
    write_candidates(collect_candidates(ledger, learned).candidates, path, tenant=learned.tenant)
    assert {c.status for c in read_candidates(path)} == {"applied"}
    assert (pack / "intents.yaml").read_text(encoding="utf-8") == after

    clf = EmbeddingIntentClassifier(learned, make_deps().get_embedder())
    assert clf.classify(TEXT).name == "price_discount"


def test_a_candidate_for_an_unknown_intent_is_refused_and_nothing_is_written(pack, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "candidates:\n  - {id: x, kind: intent_example, text: 你好呀, corrected: nope, status: approved}\n",
        encoding="utf-8",
    )
    before = (pack / "intents.yaml").read_text(encoding="utf-8")
    with pytest.raises(UserError, match="not in the tenant's intents.yaml"):
        apply_candidates(path, pack)
    assert (pack / "intents.yaml").read_text(encoding="utf-8") == before
    path.write_text("candidates:\n  - {id: x, kind: intent_example, text: a, corrected: b, status: maybe}\n")
    with pytest.raises(UserError, match="status"):
        read_candidates(path)


def test_a_one_line_flow_list_of_examples_becomes_a_block_list_with_the_new_one():
    from agents.learning import _insert_example

    text = 'intents:\n  - name: fault\n    label_zh: 故障\n    examples: ["灯不亮", "门 关不上"]  # seed\n  - name: other\n'
    out = _insert_example(text, "fault", "按钮没反应")
    assert out is not None
    data = yaml.safe_load(out)
    assert data["intents"][0]["examples"] == ["灯不亮", "门 关不上", "按钮没反应"]
    assert "# seed" in out and data["intents"][1]["name"] == "other"
    assert _insert_example("intents:\n  - name: fault\n    examples: [a,\n      b]\n", "fault", "c") is None
