"""The runner: crashes are recorded and the run goes on, results are cached by input hash, runs store their
configuration and versions, parallel workers give the same answers, a stored run can be replayed and re-scored."""

from __future__ import annotations

from pathlib import Path

from evals.cache import DiskCache
from evals.runner import ReplayTarget, RunResult, run_suite
from evals.suite import Suite
from tests.evals.evals_helpers import ScriptedTarget


def test_a_crashing_case_is_an_error_and_the_run_continues(bad_run: RunResult) -> None:
    by_id = {c.case_id: c for c in bad_run.cases}
    crashed = by_id["out-of-scope-fishing-c1005"]
    assert crashed.status == "error"
    assert (
        crashed.error is not None
        and crashed.error.type == "RuntimeError"
        and "模拟崩溃" in crashed.error.message
    )
    assert "Traceback" in crashed.error.traceback or "RuntimeError" in crashed.error.traceback
    others = [c for c in bad_run.cases if c.case_id != crashed.case_id]
    assert all(c.error is None for c in others) and len(others) == 19
    assert bad_run.metrics["cases.errors"] == 1.0
    gate = next(g for g in bad_run.gates if g.metric == "cases.errors")
    assert not gate.passed and not bad_run.gates_passed


def test_multi_turn_cases_send_every_turn_in_order_with_stable_message_ids(good_run: RunResult) -> None:
    head = next(c for c in good_run.cases if c.case_id == "headline-rebate-c1001")
    assert [t.message_id for t in head.turns] == ["headline-rebate-c1001#t0", "headline-rebate-c1001#t1"]
    assert head.turns[0].expect is None and head.turns[1].expect is not None
    assert head.status == "pass", head.failed_checks()
    conv = {t.suggestion["conversation_id"] for t in head.turns}
    assert conv == {f"eval:{good_run.run_id}:headline-rebate-c1001"}


def test_run_records_configuration_versions_and_seed(demo_suite: Suite, tmp_path: Path) -> None:
    run = run_suite(
        demo_suite, ScriptedTarget(), config={"target": "scripted", "note": "配置"}, seed=42, workers=2
    )
    path = run.save(tmp_path / "run.json")
    loaded = RunResult.load(path)
    assert loaded.seed == 42 and loaded.workers == 2 and loaded.config["note"] == "配置"
    assert loaded.target["kind"] == "scripted"
    assert loaded.versions["python"].startswith("3.") and "pydantic" in loaded.versions
    assert loaded.metrics == run.metrics


def test_case_results_are_cached_by_input_hash(demo_suite: Suite, tmp_cache: DiskCache) -> None:
    first_target = ScriptedTarget()
    first = run_suite(demo_suite, first_target, cache=tmp_cache)
    assert first_target.calls == sum(len(c.turns) for c in demo_suite.cases)
    again = ScriptedTarget()
    second = run_suite(demo_suite, again, cache=tmp_cache)
    assert again.calls == 0 and all(c.cached for c in second.cases)
    assert second.metrics["intent.accuracy"] == first.metrics["intent.accuracy"]
    changed = ScriptedTarget(good=False)  # a different target description → a different key → no stale reuse
    run_suite(demo_suite, changed, cache=tmp_cache)
    assert changed.calls > 0


def test_crashed_cases_are_not_cached(demo_suite: Suite, tmp_cache: DiskCache) -> None:
    run_suite(demo_suite, ScriptedTarget(crash_on="钓鱼"), cache=tmp_cache)
    retry = ScriptedTarget(crash_on="钓鱼")
    run = run_suite(demo_suite, retry, cache=tmp_cache)
    assert retry.calls == 1  # only the crashed case ran again
    assert next(c for c in run.cases if c.case_id == "out-of-scope-fishing-c1005").status == "error"


def test_parallel_and_serial_runs_agree(demo_suite: Suite) -> None:
    serial = run_suite(demo_suite, ScriptedTarget(), workers=1)
    parallel = run_suite(demo_suite, ScriptedTarget(), workers=4)
    assert [c.case_id for c in serial.cases] == [c.id for c in demo_suite.cases]
    assert [(c.case_id, c.status) for c in serial.cases] == [(c.case_id, c.status) for c in parallel.cases]
    strip = {k: v for k, v in serial.metrics.items() if not k.startswith("latency.total")}
    assert strip == {k: v for k, v in parallel.metrics.items() if not k.startswith("latency.total")}


def test_replay_target_rescores_a_stored_run(good_run: RunResult, demo_suite: Suite, tmp_path: Path) -> None:
    path = good_run.save(tmp_path / "good.json")
    replayed = run_suite(demo_suite, ReplayTarget(path))
    assert replayed.metrics["intent.accuracy"] == good_run.metrics["intent.accuracy"]
    assert [c.status for c in replayed.cases] == [c.status for c in good_run.cases]


def test_target_reset_is_called_once_per_run(demo_suite: Suite) -> None:
    target = ScriptedTarget()
    run_suite(demo_suite, target, workers=3)
    assert target.resets == 1


class _WarmTarget(ScriptedTarget):
    """Loads 'models' lazily: the first turn it sees is the warm-up, never a case."""

    def __init__(self) -> None:
        super().__init__()
        self.warm_messages: list[str] = []

    def warm_up(self, msg, actor) -> None:  # noqa: ANN001
        self.warm_messages.append(msg.message_id)


def test_lazy_targets_are_warmed_up_outside_the_cases(demo_suite: Suite) -> None:
    target = _WarmTarget()
    run = run_suite(demo_suite, target)
    assert len(target.warm_messages) == 1 and target.warm_messages[0].startswith("warm-up:")
    assert all(not t.message_id.startswith("warm-up") for c in run.cases for t in c.turns)


def test_tenant_fingerprint_changes_with_any_policy(tmp_path: Path) -> None:
    from evals.runner.tenant_loader import tenant_fingerprint

    (tmp_path / "policies").mkdir()
    doc = tmp_path / "policies" / "rebate.md"
    doc.write_text("---\ndoc_id: rebate\nversion: '1'\n---\n第一条 返点2%。\n", encoding="utf-8")
    before = tenant_fingerprint(tmp_path)
    assert tenant_fingerprint(tmp_path) == before
    doc.write_text("---\ndoc_id: rebate\nversion: '1'\n---\n第一条 返点3%。\n", encoding="utf-8")
    assert tenant_fingerprint(tmp_path) != before


def test_every_evals_module_imports_on_its_own() -> None:
    import importlib
    import subprocess
    import sys

    modules = [
        "evals.gates",
        "evals.report",
        "evals.history",
        "evals.judge",
        "evals.all",
        "evals.runner",
        "evals.cli",
        "evals.plugin",
        "evals.plugin_api",
    ]
    for name in modules:  # a fresh interpreter each: import cycles only show in a cold start
        done = subprocess.run(
            [sys.executable, "-c", f"import {name}"], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, (name, done.stderr[-500:])
    assert importlib.import_module("evals.runner").services_target
