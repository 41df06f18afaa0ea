"""evals/answers.py: which (suite, mode) runs happen (`--llm-only`), progress per case, how many cases each figure
rests on and the LLM-phrased share, and merging with an earlier file. The runs here use the scripted eval target
(tests/evals/evals_helpers.py) on the demo suite, never a held-out split."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from evals import answers
from evals.runner import RunResult, run_suite
from evals.suite import Suite
from tests.evals.conftest import DEMO_SUITE
from tests.evals.evals_helpers import ScriptedTarget


def test_llm_only_runs_llm_mode_on_the_named_suites_and_no_llm_on_all():
    stems = ["autodealer", "autodealer-heldout", "demo"]
    assert answers.planned_runs(stems, ["no_llm", "llm"], ["demo", "autodealer-heldout"]) == [
        ("autodealer", "no_llm"),
        ("autodealer-heldout", "no_llm"),
        ("autodealer-heldout", "llm"),
        ("demo", "no_llm"),
        ("demo", "llm"),
    ]
    assert answers.planned_runs(stems, ["llm"], None) == [(s, "llm") for s in stems]


def test_metric_keys_name_tenant_split_and_mode():
    assert answers.metric_key("demo", "llm") == "must_mention.demo.llm"
    assert answers.metric_key("autodealer", "no_llm") == "must_mention.autodealer.tuning.no_llm"
    assert answers.metric_key("autodealer-heldout", "llm") == "must_mention.autodealer.heldout.llm"


def test_progress_says_each_case_with_elapsed_time_and_eta(demo_suite: Suite):
    suite = demo_suite.model_copy(update={"cases": demo_suite.cases[:4]})
    out = io.StringIO()
    target = answers.ProgressTarget(ScriptedTarget(), "demo.llm", len(suite.cases), out)
    run = run_suite(suite, target, suite_path=DEMO_SUITE, workers=1, seed=1)
    elapsed = target.finish()
    lines = out.getvalue().splitlines()
    cases = [line for line in lines if " case " in line]
    assert [re.search(r"case (\d+)/4", line).group(1) for line in cases] == ["1", "2", "3", "4"]  # type: ignore[union-attr]
    assert "ETA" not in cases[0] and all("s per case" in line and "ETA" in line for line in cases[1:])
    assert lines[-1].startswith("[demo.llm] done: 4 case(s)") and elapsed >= 0
    assert len(run.cases) == 4 and run.target.get("class", "").endswith("ScriptedTarget")


def _scripted_runner(limit_cases: int):
    def runner(path: Path, mode: str, limit: int | None) -> tuple[RunResult, int, float]:
        from evals.suite import load_suite

        suite = load_suite(DEMO_SUITE)
        total = len(suite.cases)
        n = min(limit or total, limit_cases)
        suite = suite.model_copy(update={"cases": suite.cases[:n]})
        return run_suite(suite, ScriptedTarget(), suite_path=DEMO_SUITE, workers=1, seed=1), total, 1.0

    return runner


def test_measure_records_cases_covered_per_mode_and_the_llm_phrased_share():
    out = answers.measure(
        ["no_llm", "llm"],
        3,
        ["demo"],
        ["demo"],
        runner=_scripted_runner(20),
        progress=io.StringIO(),
    )
    assert set(out["metrics"]) == {"must_mention.demo.no_llm", "must_mention.demo.llm"}
    total = out["runs"]["demo.no_llm"]["cases_in_suite"]
    assert out["cases_covered"]["must_mention.demo.no_llm"] == {"cases": total, "of": total}
    assert out["cases_covered"]["must_mention.demo.llm"] == {"cases": 3, "of": total}
    assert out["runs"]["demo.llm"]["subset"] is True and out["runs"]["demo.llm"]["s_per_case"] == round(
        1 / 3, 2
    )
    sources = out["runs"]["demo.llm"]["draft_sources"]
    assert out["llm_phrased"]["llm_phrased.demo.llm"] == answers.llm_phrased_share(sources)
    md = answers.to_markdown({**out["metrics"], **out})
    assert f"must_mention.demo.llm (3/{total} cases)" in md


def test_the_llm_phrased_share_counts_only_what_the_llm_was_asked_to_phrase():
    assert answers.llm_phrased_share({"llm": 8, "fallback": 2, "template": 5}) == 0.8
    assert answers.llm_phrased_share({"template": 5}) is None


def test_keeping_earlier_runs_keeps_every_suite_and_mode_not_run_now():
    old = {
        "metrics": {"must_mention.demo.llm": 0.9, "must_mention.demo.no_llm": 0.8},
        "cases_covered": {"must_mention.demo.llm": {"cases": 20, "of": 20}},
        "runs": {
            "demo.llm": {
                "cases": 20,
                "cases_in_suite": 20,
                "draft_sources": {"llm": 9, "fallback": 1},
                "drafts": 10,
            },
            "demo.no_llm": {"cases": 20, "cases_in_suite": 20, "drafts": 19, "hygiene": {"table_markup": 1}},
        },
    }
    new = {
        "metrics": {"must_mention.demo.no_llm": 1.0},
        "runs": {
            "demo.no_llm": {"cases": 20, "cases_in_suite": 20, "drafts": 19, "hygiene": {"table_markup": 0}}
        },
        "cases_covered": {"must_mention.demo.no_llm": {"cases": 20, "of": 20}},
        "llm_phrased": {},
    }
    merged = answers.keep_other_modes(new, old, ["no_llm"])
    assert merged["metrics"] == {"must_mention.demo.no_llm": 1.0, "must_mention.demo.llm": 0.9}
    assert merged["runs"]["demo.no_llm"]["hygiene"] == {"table_markup": 0}  # the new row wins
    assert merged["llm_phrased"] == {"llm_phrased.demo.llm": 0.9}
    assert merged["hygiene_violations"]["drafts"] == 29 and merged["hygiene_violations"]["total"] == 0


def test_an_unknown_suite_name_is_a_clear_error(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        answers.main(["--llm-only", "demo,no-such-suite", "--out", "/nonexistent/x.json"])
    assert "unknown suite(s) in --llm-only: ['no-such-suite']" in capsys.readouterr().err


def test_render_rewrites_the_markdown_from_the_json(tmp_path: Path):
    out = answers.measure(["no_llm"], None, ["demo"], runner=_scripted_runner(2), progress=io.StringIO())
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({**out["metrics"], **out}), encoding="utf-8")
    assert answers.main(["--render", "--out", str(path)]) == 0
    assert "must_mention.demo.no_llm (2/" in path.with_suffix(".md").read_text(encoding="utf-8")
