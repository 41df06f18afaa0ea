"""The admin console's eval runs (GET /v1/evals/runs, /v1/evals/reports/{ref}, /v1/evals/compare): the evaluator's
routes, mounted on the copilot app through the `copilot.api` entry point (pyproject.toml). Evaluators and admins
only. Without the evaluator installed the app answers these paths with 404 `evaluator_not_installed`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from contract import NotFound
from contract.ports import Actor
from copilot.auth import SettingsDep, require
from copilot.settings import Settings

router = APIRouter(prefix="/v1", tags=["admin"])
Auditor = Annotated[Actor, Depends(require("evaluator", "admin"))]
RESULTS = Path(__file__).resolve().parent / "results"
RUNS_DIR = RESULTS / "raw"  # `evals/all.py` writes <name>.run.json + <name>.html here


def _run_dirs(settings: Settings) -> dict[str, Path]:
    """Where runs are written: `copilot eval run` → <data dir>/eval-runs/<id>.json (+ .html), a copy kept in
    evals/results/runs/, and evals/all.py → evals/results/raw/<name>.run.json (+ .html)."""
    return {
        "eval-runs": Path(settings.data_dir) / "eval-runs",
        "runs": RESULTS / "runs",
        "raw": RUNS_DIR,
    }


def _run_path(settings: Settings, ref: str, suffixes: tuple[str, ...]) -> Path:
    """`<dir>/<file>` as listed by /v1/evals/runs; anything else (or outside that directory) is unknown."""
    where, _, name = ref.partition("/")
    base = _run_dirs(settings).get(where)
    if base is None or not name or "/" in name:
        raise NotFound(f"no eval run {ref!r}", reason="unknown_run")
    path = (base / name).resolve()
    if not path.is_relative_to(base.resolve()) or not name.endswith(suffixes) or not path.is_file():
        raise NotFound(f"no eval run {ref!r}", reason="unknown_run")
    return path


@router.get("/evals/runs")
def eval_runs(actor: Auditor, settings: SettingsDep) -> list[dict[str, Any]]:
    """Every stored run, newest first: id, suite, when, metrics, gates, its HTML report and where it lives."""
    runs = []
    for where, base in _run_dirs(settings).items():
        for path in sorted(base.glob("*.json")) if base.is_dir() else []:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(data, dict) or "cases" not in data and "metrics" not in data:
                continue  # a cache or another result file
            stem = path.name.removesuffix(".json").removesuffix(".run")
            html = path.with_name(stem + ".html")
            suite = data.get("suite", {})
            runs.append(
                {
                    "id": data.get("run_id", stem),
                    "suite": suite.get("name", "") if isinstance(suite, dict) else str(suite),
                    "created_at": data.get("finished_at") or data.get("started_at", ""),
                    "metrics": data.get("metrics", {}),
                    "gates": data.get("gates", []),
                    "report": f"{where}/{html.name}" if html.is_file() else "",
                    "file": f"{where}/{path.name}",
                    "where": where,
                }
            )
    runs.sort(key=lambda r: str(r["created_at"]), reverse=True)
    return runs


@router.get("/evals/reports/{ref:path}", response_class=HTMLResponse)
def eval_report(ref: str, actor: Auditor, settings: SettingsDep) -> HTMLResponse:
    if "/" not in ref:
        ref = f"raw/{ref}"  # the older links named a file of raw/
    return HTMLResponse(_run_path(settings, ref, (".html",)).read_text(encoding="utf-8"))


@router.get("/evals/compare")
def eval_compare(a: str, b: str, actor: Auditor, settings: SettingsDep) -> dict[str, Any]:
    """What improved or regressed from run A to run B, per metric and per case (the `copilot eval compare` view)."""
    # imported here: evals.runner pulls in the whole graph, and the app loads this router at start
    from evals.report.compare import compare_runs, render_comparison_markdown
    from evals.runner.results import RunResult

    paths = [_run_path(settings, ref if "/" in ref else f"raw/{ref}", (".json",)) for ref in (a, b)]
    cmp = compare_runs(RunResult.load(paths[0]), RunResult.load(paths[1]))
    return {"a": a, "b": b, "regressions": cmp.has_regressions, "markdown": render_comparison_markdown(cmp)}
