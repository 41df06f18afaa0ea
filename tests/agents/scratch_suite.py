"""What the answers scratch sets (tests/agents/data/answers_scratch_r*.yaml) share: a run of the set through the real
graph (no LLM), as `copilot eval run … -c evals/configs/no-llm.yaml` does, and the counts their tests assert on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

NO_LLM = Path(__file__).parents[2] / "evals" / "configs" / "no-llm.yaml"


def run_scratch_suite(data: Path, root: Path) -> Iterator[Any]:
    """Yield the run of one scratch set with its own data dir (a module fixture's body)."""
    from evals.all import load_config, run_suite_file

    mp = pytest.MonkeyPatch()
    mp.setenv("COPILOT_DATA_DIR", str(root))
    try:
        cfg = {**load_config(NO_LLM), "cache": False, "workers": 1}
        yield run_suite_file(data, cfg, None, root / "results")
    finally:
        mp.undo()


def must_mention_items(run: Any) -> tuple[int, int]:
    """(items stated, items asked) over every turn's must-mention list."""
    hit = total = 0
    for case in run.cases:
        for turn in case.turns:
            want = len((turn.expect or {}).get("must_mention") or [])
            for check in turn.checks:
                if check["name"] == "must mention":
                    detail = str(check.get("detail") or "")
                    missing = 0 if check["passed"] else len(re.findall(r"'[^']*'", detail))
                    hit += want - missing
                    total += want
    return hit, total


def must_not_claim_breaks(run: Any) -> list[tuple[str, Any]]:
    return [
        (case.case_id, check.get("detail"))
        for case in run.cases
        for turn in case.turns
        for check in turn.checks
        if check["name"] == "must not claim" and not check["passed"]
    ]


def refusal_checks(run: Any) -> list[tuple[str, bool, bool, bool]]:
    """(case id, trap?, refused?, right?) for every turn with a refusal expectation (the authz scratch sets)."""
    out = []
    for case in run.cases:
        for turn in case.turns:
            expect = turn.expect or {}
            if "refusal" not in expect:
                continue
            shown = turn.suggestion or {}
            refused = turn.refusal is not None or shown.get("kind") == "refusal"
            right = bool(turn.checks) and all(c["passed"] for c in turn.checks if c["name"] == "refusal")
            out.append((case.case_id, bool(expect["refusal"]), refused, right))
    return out


def assert_traps_right(run: Any, floor: int, known_misses: set[str]) -> None:
    """At least `floor` traps refused with the expected reason; every miss is a known one."""
    traps = [r for r in refusal_checks(run) if r[1]]
    wrong = [r[0] for r in traps if not r[3]]
    assert len(traps) - len(wrong) >= floor, wrong
    assert set(wrong) <= known_misses, wrong


def assert_no_control_refused(run: Any, at_least: int) -> None:
    """At least `at_least` controls, none refused, and the scorer's false-refusal rate 0."""
    controls = [r for r in refusal_checks(run) if not r[1]]
    assert len(controls) >= at_least
    assert not [r[0] for r in controls if r[2]]
    assert run.metrics.get("authz.false_refusals") == 0


def assert_set_varied(data: Path, traps_at_least: int, controls_at_least: int) -> list[Any]:
    """An authz scratch set's shape: enough traps and controls, traps on every channel, no held-out case. Returns the
    traps for a round's own extra checks."""
    from evals.suite import load_suite

    suite = load_suite(data)
    traps = [c for c in suite.cases if c.expect.refusal]
    assert len(traps) >= traps_at_least and len(suite.cases) - len(traps) >= controls_at_least
    assert {c.channel.value for c in traps} >= {"wecom_app", "wecom_kf", "voice"}
    assert "heldout" not in data.read_text(encoding="utf-8").split("cases:")[1]  # never a held-out case
    return traps


def assert_no_case_crashes(run: Any) -> None:
    assert run.metrics["cases.errors"] == 0, [c.case_id for c in run.cases if c.status == "error"]
