"""Benchmark adapters on CI-sized subsets of the full public benchmarks (COPILOT_BENCHMARKS_DIR, default
../shared/benchmarks, read in place), with the real offline embedder, and `eval all` writing results and
docs/benchmarks.md (into a temp dir here). Skipped when the benchmarks are absent; test_evals_adapters_slices.py runs the
same adapters on the vendored slices in tests/fixtures/benchmarks on every machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from evals.adapters.common import BENCH_ROOT, AdapterResult

pytestmark = [pytest.mark.models, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _benchmarks_present() -> None:
    if not (BENCH_ROOT / "banking77" / "train.csv").exists():
        pytest.skip(
            f"needs the full public benchmarks at {BENCH_ROOT} (set COPILOT_BENCHMARKS_DIR); "
            "the vendored slices are tested in test_evals_adapters_slices.py"
        )


def _check_common(r: AdapterResult, tmp_path: Path) -> str:
    j, m = r.save(tmp_path)
    data = json.loads(j.read_text(encoding="utf-8"))
    assert data["subset"] is True and data["n"] == r.n and data["versions"]["python"]
    for row in r.ours.values():
        assert all(v is None or 0.0 <= v <= 1.0 for v in row.values())
    md = m.read_text(encoding="utf-8")
    assert "How our task differs" in md and "Published" in md and r.published
    return md


def test_banking77_50_test_utterances(tmp_path: Path) -> None:
    from evals.adapters.intents import run_banking77

    r = run_banking77(limit=50)
    assert r.n == 50
    assert r.ours["few-shot 8/intent"]["accuracy"] > 0.4  # chance is 1/77
    md = _check_common(r, tmp_path)
    assert "84.49" in md and "79.75" in md  # published MTEB numbers quoted beside ours


def test_clinc150_in_scope_vs_out_of_scope(tmp_path: Path) -> None:
    from evals.adapters.intents import run_clinc150

    r = run_clinc150(limit=60)
    assert r.ours["no threshold"]["oos_recall"] == 0.0
    assert r.ours["calibrated τ"]["in_scope_accuracy"] is not None
    _check_common(r, tmp_path)


def test_dstc11_call_intents(tmp_path: Path) -> None:
    from evals.adapters.intents import run_dstc11

    r = run_dstc11(limit=30)
    assert set(r.ours) == {"banking (8 shots/intent)", "finance (8 shots/intent)"}
    assert r.ours["banking (8 shots/intent)"]["accuracy"] > 0.3  # chance is 1/18
    md = _check_common(r, tmp_path)
    assert "CLUSTERING" in md and "75.25" in md


def test_tau_knowledge_10_tasks(tmp_path: Path) -> None:
    from evals.adapters.tau_knowledge import run_tau_knowledge

    r = run_tau_knowledge(limit=10)
    assert r.n == 10
    hybrid = r.ours["RRF bm25stop+dense"]
    assert hybrid["recall@10"] is not None and hybrid["recall@10"] > 0.1
    md = _check_common(r, tmp_path)
    assert "pass^1" in md and ".648" in md


def test_action_adapters_beat_chance(tmp_path: Path) -> None:
    from evals.adapters.actions import run_ecom_actions, run_tau2_actions

    tau2 = run_tau2_actions(limit=15)
    assert set(tau2.ours) == {"retail", "airline", "telecom"}
    assert tau2.ours["retail"]["top3"] > tau2.ours["retail"]["random_top3"]
    md = _check_common(tau2, tmp_path)
    assert "NOT comparable" in md and "84.0" in md
    ecom = run_ecom_actions(limit=20)
    assert ecom.n == 20 and ecom.ours["ecom"]["top3"] > ecom.ours["ecom"]["random_top3"]
    assert "10–20% pass^3" in _check_common(ecom, tmp_path)


def test_eval_all_writes_results_and_the_benchmarks_doc(tmp_path: Path) -> None:
    from rich.console import Console

    from evals.all import run_all

    (tmp_path / "bench_someone.md").write_text(
        "## bench_someone\n\n| op | p95 |\n|---|---|\n| x | 1 ms |\n", encoding="utf-8"
    )
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        yaml.safe_dump({"target": "tests.evals.evals_helpers:make_scripted_target", "cache": False}),
        encoding="utf-8",
    )
    doc = tmp_path / "benchmarks.md"
    summary = run_all(
        config_path=cfg,
        limit=20,
        only=["demo", "dstc11"],
        console=Console(quiet=True),
        results_dir=tmp_path,
        doc_path=doc,
    )
    assert summary["adapters"] == {"dstc11": "ok"} and "demo" in summary["suites"]
    compact = json.loads((tmp_path / "suite_demo.json").read_text(encoding="utf-8"))
    assert (
        compact["metrics"]["cases.n"] == 20
        and "versions" in compact
        and "suggestion" not in json.dumps(compact["cases"])
    )
    assert (tmp_path / "raw" / "suite_demo.html").exists()
    text = doc.read_text(encoding="utf-8")
    assert (
        text.index("## 评测套件 Eval suite: demo") < text.index("## DSTC11") < text.index("## bench_someone")
    )
