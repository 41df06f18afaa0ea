"""Typed errors → HTTP answers with a reason. Nothing becomes a 500 on purpose; every refusal is logged."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from contract import CopilotError

log = logging.getLogger("copilot.api")


_HTTP_REASONS = {
    400: "unreadable_body",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CopilotError)
    async def _copilot_error(request: Request, exc: CopilotError) -> JSONResponse:
        log.warning("refused %s %s: %s (%s)", request.method, request.url.path, exc.reason, exc.message)
        headers = {"Retry-After": "5"} if exc.http_status == 503 else None
        return JSONResponse(status_code=exc.http_status, content=exc.as_dict(), headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """The framework's own refusals (an unreadable body, an unknown route, a wrong method) in the same shape as
        ours, and logged like them."""
        reason = _HTTP_REASONS.get(exc.status_code, f"http_{exc.status_code}")
        log.warning("refused %s %s: %s (%s)", request.method, request.url.path, reason, exc.detail)
        return JSONResponse(
            status_code=exc.status_code,
            content={"error": "input" if exc.status_code < 500 else "internal", "reason": reason,
                     "message": str(exc.detail)},
            headers=getattr(exc, "headers", None),
        )  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        log.warning("refused %s %s: invalid input %s", request.method, request.url.path, errors[:3])
        return JSONResponse(
            status_code=422,
            content={
                "error": "input",
                "reason": "invalid_request",
                "message": "request body is invalid",
                "errors": errors,
            },
        )
