"""evals/tenants_report.py: keys `<tenant>.<split>.<metric>` from a run's cases split by `heldout`, the zero-config copy
of a pack (descriptions only, no examples, no rules) still loads, and the markdown shows every row."""

from __future__ import annotations

from pathlib import Path

import yaml

from copilot.cli.tenant_validate import validate_pack
from evals.runner import run_suite
from evals.suite import load_yaml_suite
from evals.tenants_report import METRICS, SPLITS, metrics_for, render_markdown, zero_config_copy
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


def test_zero_config_copy_keeps_descriptions_only(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "liftcare")
    bare = zero_config_copy(pack, tmp_path / "bare" / "liftcare")
    intents = yaml.safe_load((bare / "intents.yaml").read_text(encoding="utf-8"))["intents"]
    assert all(set(i) <= {"name", "label_zh", "description", "policy_hint"} for i in intents)
    assert not any("examples" in i for i in intents)
    playbooks = yaml.safe_load((bare / "playbooks.yaml").read_text(encoding="utf-8"))["playbooks"]
    assert all(pb["rules"] == [] for pb in playbooks)
    assert validate_pack(bare) == []  # still a pack that loads
