"""Routes other packages add to the app (entry point group `copilot.api`: an `APIRouter` each). The evaluator's eval-run
routes (/v1/evals/*) are one; when it is not installed those paths answer 404 `evaluator_not_installed`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI

from contract import NotFound
from contract.ports import Actor
from copilot.auth import require
from copilot.plugins import API, EVALUATOR_MISSING, plugins

EVALUATOR = "evals"  # the evaluator's entry point name in `copilot.api`


def _evaluator_missing(reason: str) -> APIRouter:
    router = APIRouter(prefix="/v1", include_in_schema=False)

    @router.api_route("/evals/{rest:path}", methods=["GET", "POST"])
    def evaluator_missing(rest: str, actor: Annotated[Actor, Depends(require("evaluator", "admin"))]) -> None:
        raise NotFound(reason, reason="evaluator_not_installed")

    return router


def mount_api_plugins(app: FastAPI) -> list[str]:
    """Include every `copilot.api` router; returns the names mounted."""
    mounted = []
    found = {p.name: p for p in plugins(API)}
    for name, plugin in found.items():
        if plugin.loaded and isinstance(plugin.obj, APIRouter):
            app.include_router(plugin.obj)
            mounted.append(name)
    if EVALUATOR not in mounted:
        plugin = found.get(EVALUATOR)
        if plugin is None or plugin.missing:
            reason = EVALUATOR_MISSING
        elif not plugin.loaded:
            reason = f"the evaluator plugin {plugin.target} failed to load: {plugin.error}"
        else:
            reason = f"the evaluator plugin {plugin.target} is not an APIRouter"
        app.include_router(_evaluator_missing(reason))
    return mounted
