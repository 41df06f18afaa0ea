"""`copilot eval all` (`make eval`): every suite in evals/suites through the configured target, every benchmark
adapter in full, results in evals/results/, and docs/benchmarks.md regenerated from every evals/results/*.md."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from copilot.settings import REPO_ROOT
from evals.adapters.common import RESULTS_DIR, AdapterResult
from evals.cache import DiskCache
from evals.report import write_benchmarks_doc, write_html, write_markdown
from evals.runner import RunResult, run_suite, target_from_config
from evals.suite import load_suite, resolve_tenant_dir

SUITES_DIR = REPO_ROOT / "evals" / "suites"
DEFAULT_CONFIG = REPO_ROOT / "evals" / "configs" / "no-llm.yaml"
RAW_DIR = RESULTS_DIR / "raw"  # full runs with every suggestion (git-ignored)


def adapters() -> dict[str, Callable[..., AdapterResult]]:
    from evals.adapters.actions import run_ecom_actions, run_tau2_actions
    from evals.adapters.intents import run_banking77, run_clinc150, run_dstc11
    from evals.adapters.tau_knowledge import run_tau_knowledge

    return {
        "tau_knowledge": run_tau_knowledge,
        "tau2_actions": run_tau2_actions,
        "ecom_actions": run_ecom_actions,
        "banking77": run_banking77,
        "clinc150": run_clinc150,
        "dstc11": run_dstc11,
    }


def load_config(path: str | Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        from contract.errors import InputError

        raise InputError(f"{path}: a run config is a mapping", reason="config_invalid")
    return data


def compact(run: RunResult) -> dict[str, Any]:
    """What is committed: metrics, gates, case statuses and failed checks, configuration and versions."""
    data = run.model_dump(mode="json", exclude={"cases"})
    data["cases"] = [
        {
            "case_id": c.case_id,
            "status": c.status,
            "failed": [x["name"] for x in c.failed_checks()],
            "error": c.error.message[:300] if c.error else None,
        }
        for c in run.cases
    ]
    return data


def run_suite_file(
    path: Path, config: dict[str, Any], console: Console | None, results_dir: Path
) -> RunResult:
    suite = load_suite(path)
    cache = DiskCache() if config.get("cache", True) else None
    target = target_from_config(
        config,
        tenant_dir=resolve_tenant_dir(suite, path),
        tenant=suite.tenant,
        cache_root=cache.root.parent if cache is not None else None,
    )
    run = run_suite(
        suite,
        target,
        suite_path=path,
        config=config,
        workers=int(config.get("workers", 1)),
        seed=int(config.get("seed", 0)),
        cache=cache,
        console=console,
    )
    close = getattr(target, "close", None)
    if callable(close):
        close()
    name = f"suite_{suite.name}"
    run.save(results_dir / "raw" / f"{name}.run.json")
    write_html(run, results_dir / "raw" / f"{name}.html")
    (results_dir / f"{name}.json").write_text(
        json.dumps(compact(run), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    write_markdown(run, results_dir / f"{name}.md")
    return run


def suite_paths(only: list[str] | None = None, suites_dir: Path = SUITES_DIR) -> list[Path]:
    """The suites `eval all` runs and publishes case by case. Held-out suites (`*-heldout`) are left out unless named:
    their per-case results would show a tuner which held-out cases fail; tenants.md and answers.md report them as
    aggregates only."""
    paths = sorted([*suites_dir.glob("*.yaml"), *suites_dir.glob("*.jsonl")])
    if only:
        return [p for p in paths if p.stem in only]
    return [p for p in paths if not p.stem.endswith("-heldout")]


def run_all(
    *,
    config_path: str | Path | None = None,
    limit: int | None = None,
    only: list[str] | None = None,
    console: Console | None = None,
    results_dir: Path = RESULTS_DIR,
    doc_path: Path | None = None,
) -> dict[str, Any]:
    """Returns {"suites": {name: gates_passed}, "adapters": {name: "ok" | error}}. A failing part never stops the rest."""
    console = console or Console()
    config = load_config(config_path or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None))
    summary: dict[str, Any] = {"suites": {}, "adapters": {}}
    for path in suite_paths(only):
        console.rule(f"suite {path.name}")
        try:
            run = run_suite_file(path, config, console, results_dir)
            summary["suites"][path.stem] = run.gates_passed
            errors = int(run.metrics.get("cases.errors") or 0)
            console.print(
                f"{path.stem}: pass rate {run.metrics.get('cases.pass_rate')}, errors {errors}, gates {'pass' if run.gates_passed else 'FAIL'}"
            )
        except Exception as exc:  # one broken suite must not hide the others
            console.print(f"[red]suite {path.name} failed: {exc}")
            summary["suites"][path.stem] = False
    for name, fn in adapters().items():
        if only and name not in only:
            continue
        console.rule(f"adapter {name}")
        try:
            result = fn(limit=limit)
            result.save(results_dir)
            console.print(result.to_markdown())
            summary["adapters"][name] = "ok"
        except Exception as exc:  # e.g. a benchmark folder missing on this machine
            console.print(f"[red]adapter {name} failed: {exc!r}")
            summary["adapters"][name] = repr(exc)
    doc = write_benchmarks_doc(results_dir, doc_path) if doc_path else write_benchmarks_doc(results_dir)
    console.print(f"wrote {doc}")
    return summary
