"""HTTP hardening as plain ASGI middleware: security headers on every answer, and NUL characters refused at the door.

- Content-Security-Policy: scripts and styles only from this origin (the pages have no inline script or style; a
  future inline script needs a nonce), no plugins, no <base> rewriting. frame-ancestors is 'none' except on the rep
  sidebar, which WeCom's clients show in a chat-toolbar frame (settings.sidebar_frame_ancestors).
- X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer (a token in a URL never leaves in a Referer).
- A NUL (%00 in the path or query, \\u0000 in a JSON body) is a 400 before any handler runs: PostgreSQL text cannot
  hold it, so it used to surface as a 500 from deep in the ledger or CRM. Callback XML refuses NUL in its parser."""

from __future__ import annotations

import json
import logging
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("copilot.api")

FRAMED_PAGES = ("/ui/sidebar", "/ui/s/")
DOC_PAGES = ("/docs", "/redoc")  # Swagger UI / ReDoc load their own scripts; closed in production
_NUL_IN_URL = re.compile(rb"%00")
_NUL_IN_JSON = re.compile(rb"\\u0000", re.IGNORECASE)


REPORT_PAGES = ("/v1/evals/reports/",)  # generated eval reports: inline <style>, no script


def content_security_policy(frame_ancestors: str, style_src: str = "'self'") -> str:
    return (
        f"default-src 'self'; script-src 'self'; style-src {style_src}; img-src 'self' data:; connect-src 'self'; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {frame_ancestors}"
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp, sidebar_frame_ancestors: list[str]) -> None:
        self.app = app
        self.sidebar_csp = content_security_policy(" ".join(sidebar_frame_ancestors) or "'none'")
        self.default_csp = content_security_policy("'none'")
        self.report_csp = content_security_policy("'none'", style_src="'self' 'unsafe-inline'")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        framed = path.startswith(FRAMED_PAGES)
        csp: str | None = self.sidebar_csp if framed else self.default_csp
        if path.startswith(DOC_PAGES):
            csp = None
        elif path.startswith(REPORT_PAGES):
            csp = self.report_csp

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
                if csp is not None:
                    extra.append((b"content-security-policy", csp.encode("latin-1")))
                if not framed:  # for browsers that predate CSP frame-ancestors
                    extra.append((b"x-frame-options", b"DENY"))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _refuse(send: Send, where: str) -> None:
    body = json.dumps(
        {"error": "input", "reason": "nul_character", "message": f"a NUL character (U+0000) in the {where}"}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RefuseNul:
    """400 for a NUL in the URL or a JSON body. JSON bodies are read whole (BodySizeLimit caps them) and replayed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "replace")
        query: bytes = scope.get("query_string", b"")
        if b"\x00" in raw_path or _NUL_IN_URL.search(raw_path) or _NUL_IN_URL.search(query):
            log.warning(
                "refused %s %s: nul_character in the URL", scope.get("method", "WS"), scope.get("path")
            )
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": "nul_character"})
            else:
                await _refuse(send, "URL")
            return
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"")
        if scope["type"] != "http" or b"json" not in content_type:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away: let the app see it
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if _NUL_IN_JSON.search(body):
            log.warning(
                "refused %s %s: nul_character in the JSON body", scope.get("method"), scope.get("path")
            )
            await _refuse(send, "JSON body")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
