"""The FastAPI application: REST ingest and decisions, queries, channel callbacks, live voice, pages.

`create_app(settings)` builds services in the lifespan (so tests can pass their own) and starts the embedded worker.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse

from copilot.api import admin, ask, health, jssdk, messages, metrics, queries, stream, unmask
from copilot.api.errors import install_error_handlers
from copilot.api.hardening import RefuseNul, SecurityHeaders
from copilot.api.limits import BodySizeLimit, RateLimit
from copilot.api.plugins import mount_api_plugins
from copilot.heap import freeze_startup_heap
from copilot.scale import api_runs_worker
from copilot.settings import Settings, get_settings
from copilot.web.pages import mount_pages

log = logging.getLogger("copilot.app")


def create_app(
    settings: Settings | None = None, services: Any = None, *, start_worker: bool = True
) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from copilot.wiring import build_services, mount_channel_routes, mount_voice_routes

        owned = services is None
        app.state.services = services or build_services(settings)
        mount_channel_routes(app, app.state.services)
        mount_voice_routes(app, app.state.services)
        # scale-out (Redis): `copilot worker` processes consume; the API only acknowledges and enqueues
        consume = start_worker and api_runs_worker(settings)
        worker = app.state.services.start_worker() if consume else None
        # an API-only process still masks and answers rep asks: load their lazy tables now, not on a request
        if worker is None:
            from guardrails.pii.names import warm_up

            warm_up()
        freeze_startup_heap()  # the services and routes are built: keep the collector from walking them (copilot/heap.py)
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            if owned:
                app.state.services.close()

    production = settings.env == "production"
    app = FastAPI(
        title="Channel Copilot",
        version="0.1.0",
        description="Grounded, cited suggestions for WeCom / WeChat chats and voice calls, with an audit ledger.",
        lifespan=lifespan,
        # the API map is for developers: closed in production (404), where it would only help an attacker
        docs_url=None if production else "/docs",
        redoc_url=None if production else "/redoc",
        openapi_url=None if production else "/openapi.json",
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(metrics.CallbackAckTimer)  # callback_ack latency for /channels/*
    app.add_middleware(
        RefuseNul
    )  # innermost of the limits: reads JSON bodies already capped by BodySizeLimit
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RateLimit)  # per key and per channel, COPILOT_RATE_* (see copilot/api/limits.py)
    if settings.cors_origins:  # closed by default
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["*"],
        )
    # outermost: every answer, refusals from the limits included, carries CSP / nosniff / frame-ancestors
    app.add_middleware(SecurityHeaders, sidebar_frame_ancestors=settings.sidebar_frame_ancestors)
    app.include_router(health.router)
    app.include_router(metrics.router)  # GET /metrics (Prometheus)
    app.include_router(messages.router)
    app.include_router(ask.router)  # POST /v1/ask: a rep asks the copilot (answer to the rep only)
    app.include_router(queries.router)
    app.include_router(stream.router)
    app.include_router(admin.router)
    mount_api_plugins(app)  # entry points `copilot.api`: the evaluator's /v1/evals/* (runs, reports, compare)
    app.include_router(unmask.router)  # POST /v1/suggestions/{id}/unmask (rep's own screen)
    app.include_router(jssdk.router)  # POST /v1/wecom/jssdk: wx.config / wx.agentConfig signatures
    mount_pages(app)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/")

    return app
