"""GET /metrics (Prometheus text format) and the callback-ack timer.

/metrics carries no customer data (latencies, counts, rates), so it needs no API key, like /readyz: scrape it from
inside the cluster and keep it off the public ingress (docs/deployment.md).
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

router = APIRouter(tags=["health"])
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request) -> PlainTextResponse:
    services = getattr(request.app.state, "services", None)
    body = services.metrics.render() if services is not None else ""
    return PlainTextResponse(body, media_type=CONTENT_TYPE)


class CallbackAckTimer:
    """ASGI middleware: how long a channel callback (/channels/…) takes to answer Tencent, as `callback_ack`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/channels/"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                services = getattr(getattr(scope.get("app"), "state", None), "services", None)
                if services is not None:
                    services.metrics.observe("callback_ack", (time.perf_counter() - started) * 1000.0)

        await self.app(scope, receive, timed_send)
