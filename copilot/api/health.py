"""Liveness and readiness. No auth: load balancers call these."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from copilot.api.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(services: ServicesDep) -> JSONResponse:
    checks = services.readiness()
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        status_code=200 if ok else 503, content={"status": "ok" if ok else "degraded", "checks": checks}
    )
