"""evals/tenants_report.py: keys `<tenant>.<split>.<metric>` from a run's cases split by `heldout`, the zero-config copy
of a pack (descriptions only, no examples, no rules) still loads, and the markdown shows every row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from copilot.cli.tenant_validate import validate_pack
from evals import tenants_report
from evals.runner import run_suite
from evals.runner.results import TurnResult
from evals.suite import load_yaml_suite
from evals.tenants_report import (
    METRICS,
    SPLITS,
    correction_for,
    metrics_for,
    render_markdown,
    zero_config_copy,
)
from tests.evals.test_evals_frictions import SUITE, RecordingTarget
from tests.tenants.pack_factory import write_pack


def test_keys_per_tenant_split_and_metric() -> None:
    run = run_suite(load_yaml_suite(SUITE), RecordingTarget(deny={"B9"}, refuse={"B8"}), seed=0)
    by_split = {s: [c for c in run.cases if c.heldout == (s == "heldout")] for s in SPLITS}
    out = metrics_for("acme", by_split)
    assert set(out) == {f"acme.{s}.{m}" for s in SPLITS for m in [*METRICS, "cases", "errors", "pass_rate"]}
    assert out["acme.heldout.cases"] == 2.0 and out["acme.tuning.cases"] == 4.0
    assert out["acme.heldout.authz_refusals_correct"] == 1.0
    assert out["acme.tuning.authz_refusals_correct"] is None  # no trap in the tuning split
    md = render_markdown({"_meta": {"generated_at": "now", "config": "c"}, **out}, ["acme"])
    assert "| acme | heldout | 2 |" in md and "| acme | tuning | 4 |" in md
    table = [
        line
        for line in md.splitlines()
        if line.startswith(("| acme | heldout |", "| acme | tuning |", "| tenant | split |"))
    ]
    assert (
        len({line.count("|") for line in table}) == 1
    )  # every row has the header's columns, none silently dropped


def test_zero_config_copy_keeps_descriptions_only(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "liftcare")
    bare = zero_config_copy(pack, tmp_path / "bare" / "liftcare")
    intents = yaml.safe_load((bare / "intents.yaml").read_text(encoding="utf-8"))["intents"]
    assert all(set(i) <= {"name", "label_zh", "description", "policy_hint"} for i in intents)
    assert not any("examples" in i for i in intents)
    playbooks = yaml.safe_load((bare / "playbooks.yaml").read_text(encoding="utf-8"))["playbooks"]
    assert all(pb["rules"] == [] for pb in playbooks)
    assert validate_pack(bare) == []  # still a pack that loads


# Corrections are gathered on the tuning cases only; the held-out ones are paraphrases of the same requests, so what
# is learned from the tuning split can show up there. Written for this test (an elevator-maintenance pack that exists
# nowhere in the product).
LEARNING_SUITE = """name: liftcare
tenant: {path: .., id: liftcare, as_of: "2026-09-15"}
cases:
  - id: t-fault
    customer_ref: L01
    rep_ref: s_wu
    turns: [{text: 2号梯门一直关不上，来回开合}]
    expect: {intent: fault_report}
  - id: t-light
    customer_ref: L01
    rep_ref: s_wu
    turns: [{text: 轿厢里的灯不亮了}]
    expect: {intent: fault_report}
  - id: t-camera
    customer_ref: L01
    rep_ref: s_wu
    turns: [{text: 监控摄像头装在轿厢里行不行}]
    expect: {intent: parts_order}
  - id: t-renew
    customer_ref: L01
    rep_ref: s_wu
    turns: [{text: 明年的保养费用还按今年的标准吗}]
    expect: {intent: contract_renewal}
  - id: h-light
    customer_ref: L01
    rep_ref: s_wu
    heldout: true
    turns: [{text: 轿厢的灯一闪一闪的}]
    expect: {intent: fault_report}
  - id: h-camera
    customer_ref: L01
    rep_ref: s_wu
    heldout: true
    turns: [{text: 能在电梯里装摄像头吗}]
    expect: {intent: parts_order}
"""


@pytest.mark.models
def test_learning_gain_from_tuning_corrections_on_an_unseen_pack(tmp_path: Path, monkeypatch) -> None:
    pack = write_pack(tmp_path / "liftcare")
    (pack / "evals" / "suite.yaml").write_text(LEARNING_SUITE, encoding="utf-8")
    shipped_intents = (pack / "intents.yaml").read_text(encoding="utf-8")
    monkeypatch.setattr(tenants_report, "SUITES_DIR", pack / "evals")
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "results"
    from tests.agents.scratch_suite import shared_models

    # the session's embedding models, each call's rows remembered: the same rows, the models built once
    with shared_models():
        assert tenants_report.main(["--no-zero-config", "--out", str(out)]) == 0
    results = json.loads((out / "tenants.json").read_text(encoding="utf-8"))
    assert not results["_meta"]["errors"]
    before_tuning = results["liftcare.tuning.intent_accuracy"]
    assert before_tuning < 1.0  # the pack gets some tuning turns wrong, so there is something to learn
    wrong_tuning = round((1 - before_tuning) * 4)
    assert results["liftcare.learning.rejections"] >= wrong_tuning >= 1
    assert results["liftcare.learning.applied"] >= wrong_tuning
    for split in ("tuning", "heldout"):
        gain = results[f"liftcare.{split}.learning_gain.intent_accuracy"]
        assert gain == pytest.approx(
            results[f"liftcare:learned.{split}.intent_accuracy"]
            - results[f"liftcare.{split}.intent_accuracy"],
            abs=1e-3,
        )
    assert (
        results["liftcare:learned.tuning.intent_accuracy"] > before_tuning
    )  # taught texts are now read right
    assert (pack / "intents.yaml").read_text(encoding="utf-8") == shipped_intents  # only a copy was changed
    md = (out / "tenants.md").read_text(encoding="utf-8")
    assert "## Learning from corrections" in md and "| liftcare |" in md


def test_a_correction_names_the_wrong_intent_first_then_a_missing_action() -> None:
    def turn(expect: dict, intent: str, actions: list[str]) -> TurnResult:
        sug = {"id": "sug_1", "intent": {"name": intent}, "actions": [{"name": a} for a in actions]}
        return TurnResult(index=0, message_id="m", expect=expect, suggestion=sug)

    assert correction_for(turn({"intent": "a", "actions": [{"name": "x"}]}, "b", ["y"])) == (
        "wrong_intent",
        "应为 a",
    )
    assert correction_for(turn({"intent": "a", "actions": [{"name": "x"}]}, "a", ["y", "z", "x"])) == (
        "wrong_action",
        "应为 x",
    )
    assert correction_for(turn({"intent": "a", "actions": [{"name": "x"}]}, "a", ["y", "x"])) is None
    assert (
        correction_for(TurnResult(index=0, message_id="m", expect={"intent": "a"})) is None
    )  # no suggestion


def test_batches_are_read_from_case_ids_and_reported_as_aggregates() -> None:
    from evals.tenants_report import batch_metrics, batch_of

    assert [batch_of(i) for i in ("ad-ho6-03", "ad-t7-11", "ho5-1", "ad-authz-price")] == [
        "ho6",
        "t7",
        "ho5",
        "earlier",
    ]
    run = run_suite(load_yaml_suite(SUITE), RecordingTarget(deny={"B9"}, refuse={"B8"}), seed=0)
    cases = list(run.cases)
    renamed = [c.model_copy(update={"case_id": f"x-t9-{c.case_id}"}) for c in cases[:2]] + cases[2:]
    out = batch_metrics("acme", {"tuning": renamed, "heldout": []})
    assert out["acme.tuning.batch.t9.cases"] == 2.0
    assert out["acme.tuning.batch.earlier.cases"] == float(len(cases) - 2)
    assert not any(".heldout." in k for k in out)  # a split with one batch (or none) adds no rows
    md = render_markdown({"_meta": {"generated_at": "now", "config": "c"}, **out}, ["acme"])
    assert "| acme | tuning | t9 | 2 |" in md
