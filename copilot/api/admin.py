"""Admin and evaluator views' data: documents with versions, clause lineage, playbooks, eval runs."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from contract import NotFound
from contract.ports import Actor
from copilot.api.deps import ServicesDep
from copilot.auth import require
from copilot.settings import REPO_ROOT

router = APIRouter(prefix="/v1", tags=["admin"])
Anyone = Annotated[Actor, Depends(require("rep", "agent", "evaluator", "admin"))]
Auditor = Annotated[Actor, Depends(require("evaluator", "admin"))]
RUNS_DIR = (
    REPO_ROOT / "evals" / "results" / "raw"
)  # `copilot eval run/all` write <name>.run.json + <name>.html


@router.get("/kb/documents")
async def kb_documents(actor: Anyone, services: ServicesDep) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = await run_in_threadpool(services.policy_store.list)
    return docs


@router.get("/kb/lineage/{ref:path}")
async def kb_lineage(ref: str, actor: Anyone, services: ServicesDep) -> dict[str, Any]:
    """From a citation (evidence id or chunk id): the chunk text, the document version, page and ingest record."""
    out: dict[str, Any] = await run_in_threadpool(services.policy_store.lineage, ref)
    return out


@router.get("/playbooks")
def playbooks(actor: Auditor, services: ServicesDep) -> dict[str, Any]:
    result: dict[str, Any] = {"playbooks": [p.model_dump(mode="json") for p in services.tenant_playbooks]}
    backtest = REPO_ROOT / "evals" / "results" / "playbook_backtest.json"
    if backtest.is_file():
        result["backtest"] = json.loads(backtest.read_text(encoding="utf-8"))
    return result


@router.get("/evals/runs")
def eval_runs(actor: Auditor) -> list[dict[str, Any]]:
    runs = []
    for path in sorted(RUNS_DIR.glob("*.run.json")) if RUNS_DIR.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        html = path.with_name(path.name.removesuffix(".run.json") + ".html")
        suite = data.get("suite", {})
        runs.append(
            {
                "id": data.get("run_id", path.stem),
                "suite": suite.get("name", "") if isinstance(suite, dict) else str(suite),
                "created_at": data.get("finished_at", ""),
                "metrics": data.get("metrics", {}),
                "gates": data.get("gates", []),
                "report": html.name if html.is_file() else "",
                "file": path.name,
            }
        )
    return runs


@router.get("/evals/reports/{name}", response_class=HTMLResponse)
def eval_report(name: str, actor: Auditor) -> HTMLResponse:
    path = (RUNS_DIR / name).resolve()
    if not path.is_relative_to(RUNS_DIR.resolve()) or path.suffix != ".html" or not path.is_file():
        raise NotFound(f"no report {name!r}", reason="unknown_report")
    return HTMLResponse(path.read_text(encoding="utf-8"))


@router.get("/evals/compare")
def eval_compare(a: str, b: str, actor: Auditor) -> dict[str, Any]:
    """What improved or regressed from run A to run B, per metric and per case (the `copilot eval compare` view)."""
    from evals.report.compare import compare_runs, render_comparison_markdown
    from evals.runner.results import RunResult

    paths = []
    for name in (a, b):
        path = (RUNS_DIR / name).resolve()
        if (
            not path.is_relative_to(RUNS_DIR.resolve())
            or not name.endswith(".run.json")
            or not path.is_file()
        ):
            raise NotFound(f"no eval run {name!r}", reason="unknown_run")
        paths.append(path)
    cmp = compare_runs(RunResult.load(paths[0]), RunResult.load(paths[1]))
    return {"a": a, "b": b, "regressions": cmp.has_regressions, "markdown": render_comparison_markdown(cmp)}
