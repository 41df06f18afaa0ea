"""`copilot eval all` (make eval) never publishes a held-out suite case by case: its failing cases would show the next
tuner what to fit. Held-out splits are reported as aggregates (tenants.md, answers.md); naming the suite runs it."""

from __future__ import annotations

from pathlib import Path

from evals.all import suite_paths


def test_held_out_suites_are_left_out_of_eval_all(tmp_path: Path) -> None:
    for name in ("acme.yaml", "acme-heldout.yaml", "demo.yaml"):
        (tmp_path / name).write_text("name: x\n", encoding="utf-8")
    assert [p.name for p in suite_paths(None, tmp_path)] == ["acme.yaml", "demo.yaml"]
    assert [p.name for p in suite_paths(["acme-heldout"], tmp_path)] == ["acme-heldout.yaml"]


def test_the_repository_has_a_held_out_suite_that_eval_all_skips() -> None:
    shipped = {p.stem for p in suite_paths()}
    assert "autodealer" in shipped and "autodealer-heldout" not in shipped
