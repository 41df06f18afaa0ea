"""`copilot eval` end to end through Typer: run with a config-selected target, report, compare and gate exit codes,
validate with file:line errors, from-ledger."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from evals.cli import app
from evals.runner import RunResult

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[2] / "evals" / "suites" / "demo.yaml"


def _config(tmp_path: Path, name: str, **extra: object) -> Path:
    path = tmp_path / f"{name}.yaml"
    data = {
        "target": "tests.evals.evals_helpers:make_scripted_target",
        "workers": 2,
        "seed": 3,
        "cache": False,
        **extra,
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_run_writes_results_report_and_gates(tmp_path: Path) -> None:
    out = tmp_path / "runs" / "good.json"
    res = runner.invoke(
        app, ["run", str(DEMO), "--config", str(_config(tmp_path, "good")), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    run = RunResult.load(out)
    assert run.seed == 3 and run.workers == 2 and run.config["target"].endswith("make_scripted_target")
    assert out.with_suffix(".html").read_text(encoding="utf-8").startswith("<!doctype html>")
    assert "评测套件" in out.with_suffix(".md").read_text(encoding="utf-8")
    bad = tmp_path / "runs" / "bad.json"
    res = runner.invoke(
        app,
        [
            "run",
            str(DEMO),
            "-c",
            str(_config(tmp_path, "bad", good=False, crash_on="钓鱼")),
            "-o",
            str(bad),
            "--fail-on-gate",
        ],
    )
    assert res.exit_code == 1, res.output  # cases.errors and forbidden-document gates fail
    assert RunResult.load(bad).metrics["cases.errors"] == 1.0


def test_compare_and_gate_exit_codes(good_run: RunResult, bad_run: RunResult, tmp_path: Path) -> None:
    a, b = good_run.save(tmp_path / "a.json"), bad_run.save(tmp_path / "b.json")
    res = runner.invoke(app, ["compare", str(a), str(b), "--md", str(tmp_path / "cmp.md")])
    assert res.exit_code == 0, res.output
    assert "regressed" in res.output and "headline-rebate-c1001" in res.output
    assert "▼ 退步" in (tmp_path / "cmp.md").read_text(encoding="utf-8")
    assert runner.invoke(app, ["compare", str(a), str(b), "--fail-on-regression"]).exit_code == 1
    back = ["compare", str(b), str(a), "--fail-on-regression", "--latency-tolerance", "1000"]
    assert runner.invoke(app, back).exit_code == 0  # only improvements (timings of scripted runs are noise)
    assert runner.invoke(app, ["compare", str(a), str(a), "--fail-on-regression"]).exit_code == 0

    assert runner.invoke(app, ["gate", str(a)]).exit_code == 0
    assert runner.invoke(app, ["gate", str(b)]).exit_code == 1
    strict = tmp_path / "strict.yaml"
    strict.write_text("intent.accuracy: 0.99\n", encoding="utf-8")
    res = runner.invoke(app, ["gate", str(a), "--thresholds", str(strict)])
    assert res.exit_code == 1 and "意图准确率" in res.output
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text(
        "gates:\n  - {metric: intent.accuracy, min: 0.5}\n  - {metric: pii.leaks, max: 0}\n", encoding="utf-8"
    )
    assert runner.invoke(app, ["gate", str(b), "-t", str(lenient)]).exit_code == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text("gates:\n  - {metric: intent.accuracy}\n", encoding="utf-8")
    assert runner.invoke(app, ["gate", str(a), "-t", str(broken)]).exit_code == 2
    assert runner.invoke(app, ["gate", str(tmp_path / "missing.json")]).exit_code == 2


def test_compare_b_to_a_reports_improvements_and_the_remaining_regressions(
    good_run: RunResult, bad_run: RunResult
) -> None:
    from evals.report import compare_runs

    cmp = compare_runs(bad_run, good_run)
    by_case = {c.case_id: c for c in cmp.cases}
    assert by_case["out-of-scope-fishing-c1005"].change == "improved"  # error → pass
    assert by_case["headline-rebate-c1001"].change == "improved"
    metric = {d.metric: d for d in cmp.metrics}
    assert metric["documents.forbidden_violations"].change == "improved"  # 4 → 0, lower is better
    assert metric["intent.abstain_recall"].change == "improved"


def test_validate_prints_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\ncases:\n  - id: a\n    customer_ref: C1\n    turns:\n      - sender: 机器人\n        text: 你好\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2
    assert f"{bad}:6:" in res.output.replace("\n", "")
    assert runner.invoke(app, ["validate", str(DEMO)]).exit_code == 0


def test_from_ledger_and_human_rates_commands(tmp_path: Path, good_run: RunResult) -> None:
    from tests.evals.test_evals_history import ledger_entries

    export = tmp_path / "ledger.jsonl"
    export.write_text(
        "\n".join(json.dumps(e, ensure_ascii=False) for e in ledger_entries(good_run)), encoding="utf-8"
    )
    out = tmp_path / "history.yaml"
    res = runner.invoke(app, ["from-ledger", str(export), "--out", str(out), "--name", "历史"])
    assert res.exit_code == 0, res.output
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    res = runner.invoke(app, ["human-rates", str(export), "--by", "intent"])
    assert res.exit_code == 0 and "intent=rebate_policy" in res.output


def test_unknown_adapter_and_bad_config_are_refused(tmp_path: Path) -> None:
    assert runner.invoke(app, ["adapter", "不存在"]).exit_code == 2
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("- not a mapping\n", encoding="utf-8")
    res = runner.invoke(app, ["run", str(DEMO), "--config", str(cfg)])
    assert res.exit_code == 2 and "mapping" in res.output
