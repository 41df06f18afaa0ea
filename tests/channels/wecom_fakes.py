"""A local HTTP server that plays Tencent's qyapi: gettoken, media/get (real AMR bytes), kf/sync_msg pages,
kf/send_msg and message/send. Errors come back the way Tencent sends them: HTTP 200 with a JSON errcode."""

from __future__ import annotations

import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import av
import numpy as np
from fastapi import FastAPI

from channels import ApiCredentials, CallbackCredentials, CallbackPolicy, ChannelConfig, build_channels
from channels.wecom.crypto import CallbackCrypto
from channels.wiring import ChannelRuntime

# Tencent's published samples and official vectors, vendored (see tests/fixtures/wecom/NOTICE.md)
PROTOCOL = Path(__file__).resolve().parent.parent / "fixtures" / "wecom"
DOC = {  # the official doc's config (Token QDG6eK)
    "token": "QDG6eK",
    "aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    "corp_id": "wx5823bf96d3bd56c7",
}


def make_amr(seconds: float = 1.0, freq: float = 440.0) -> bytes:
    """AMR-NB 12.2 kbit/s (the mode phones use) from PyAV's bundled libopencore_amrnb encoder."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="amr") as out:
        stream = out.add_stream("libopencore_amrnb", rate=8000)
        stream.bit_rate = 12200
        stream.layout = "mono"
        n = int(8000 * seconds)
        pcm = (0.5 * np.sin(2 * np.pi * freq * np.arange(n) / 8000) * 32767).astype(np.int16)
        for i in range(0, n, 160):
            frame = av.AudioFrame.from_ndarray(pcm[i : i + 160].reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = 8000
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


class FakeTencent:
    def __init__(self, corp_id: str = "ww_demo_corp", secret: str = "demo-secret-0123456789") -> None:  # noqa: S107
        self.corp_id, self.secret = corp_id, secret
        self.lock = threading.Lock()
        self.token_calls = 0
        self.current_token = ""
        self.token_delay_s = 0.05  # widen the race window for the concurrency test
        self.media: dict[str, tuple[bytes, str, str]] = {}  # media_id → (bytes, content type, filename)
        self.kf_pages: dict[str, dict[str, Any]] = {}  # cursor → page
        self.requests: list[tuple[str, dict[str, Any]]] = []  # (path, json body or query)
        self.send_errcode = 0
        self.ticket_calls: dict[str, int] = {}  # jsapi tickets issued: corp / agent
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> FakeTencent:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def expire_token(self) -> None:
        """Tencent invalidated the token (e.g. secret reset): the next call with it gets 42001."""
        with self.lock:
            self.current_token = "expired-" + self.current_token

    def calls(self, path: str) -> list[dict[str, Any]]:
        return [body for p, body in self.requests if p == path]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _json(
                self, data: dict[str, Any], content_type: str = "application/json; charset=utf-8"
            ) -> None:
                raw = json.dumps(data, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _token_ok(self, query: dict[str, list[str]]) -> bool:
                token = query.get("access_token", [""])[0]
                if token and token == fake.current_token:
                    return True
                self._json(
                    {
                        "errcode": 42001 if token.startswith("TOKEN") else 40014,
                        "errmsg": "access_token expired",
                    }
                )
                return False

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                fake.requests.append((url.path, {k: v[0] for k, v in query.items()}))
                if url.path == "/cgi-bin/gettoken":
                    time.sleep(fake.token_delay_s)
                    if (
                        query.get("corpid", [""])[0] != fake.corp_id
                        or query.get("corpsecret", [""])[0] != fake.secret
                    ):
                        self._json({"errcode": 40013, "errmsg": "invalid corpid"})
                        return
                    with fake.lock:
                        fake.token_calls += 1
                        fake.current_token = f"TOKEN{fake.token_calls}"
                    self._json(
                        {"errcode": 0, "errmsg": "ok", "access_token": fake.current_token, "expires_in": 7200}
                    )
                elif url.path in ("/cgi-bin/get_jsapi_ticket", "/cgi-bin/ticket/get"):
                    if not self._token_ok(query):
                        return
                    scope = "agent" if url.path.endswith("/ticket/get") else "corp"
                    if scope == "agent" and query.get("type", [""])[0] != "agent_config":
                        self._json({"errcode": 40004, "errmsg": "invalid type"})
                        return
                    with fake.lock:
                        fake.ticket_calls[scope] = fake.ticket_calls.get(scope, 0) + 1
                        ticket = f"{scope}-ticket-{fake.ticket_calls[scope]}"
                    self._json({"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": 7200})
                elif url.path == "/cgi-bin/media/get":
                    if not self._token_ok(query):
                        return
                    media = fake.media.get(query.get("media_id", [""])[0])
                    if media is None:
                        self._json({"errcode": 40007, "errmsg": "invalid media_id"}, "text/plain")
                        return
                    content, content_type, filename = media
                    self.send_response(200)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(filename)}")
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                else:
                    self._json({"errcode": 404, "errmsg": "no such api"})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                fake.requests.append((url.path, body))
                if not self._token_ok(query):
                    return
                if url.path == "/cgi-bin/kf/sync_msg":
                    page = fake.kf_pages.get(body.get("cursor", ""))
                    if page is None:
                        self._json({"errcode": 95000, "errmsg": "invalid cursor"})
                        return
                    self._json({"errcode": 0, "errmsg": "ok", **page})
                elif url.path == "/cgi-bin/kf/send_msg":
                    if fake.send_errcode:
                        self._json({"errcode": fake.send_errcode, "errmsg": "send failed"})
                        return
                    self._json({"errcode": 0, "errmsg": "ok", "msgid": body.get("msgid") or "MSG_ID_1"})
                elif url.path == "/cgi-bin/message/send":
                    self._json({"errcode": 0, "errmsg": "ok", "invaliduser": ""})
                else:
                    self._json({"errcode": 404, "errmsg": "no such api"})

        return Handler


class Clock:
    """A settable clock so the 2014 official vectors pass the freshness window honestly."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_runtime(
    inbox: Any,
    *,
    clock: Clock,
    tencent: FakeTencent | None = None,
    token: str = DOC["token"],
    aes_key: str = DOC["aes_key"],
    corp_id: str = DOC["corp_id"],
    oa: CallbackCredentials | None = None,
    max_body_bytes: int = 1_000_000,
    state_path: str = "",
) -> tuple[FastAPI, ChannelRuntime]:
    api = None
    if tencent is not None:
        api = ApiCredentials(tencent.corp_id, tencent.secret, agent_id="1000002", base_url=tencent.base_url)
    config = ChannelConfig(
        tenant="demo",
        wecom=CallbackCredentials(token, aes_key, corp_id),
        wecom_api=api,
        oa=oa,
        policy=CallbackPolicy(max_age_s=300, max_body_bytes=max_body_bytes, clock=clock),
        accept_link_base="https://copilot.example.com/s",
    )
    runtime = build_channels(inbox, config, state_path=state_path)
    app = FastAPI()
    app.include_router(runtime.router, prefix="/channels")
    return app, runtime


def encrypted_post(
    creds: CallbackCredentials, plaintext: str, timestamp: str, nonce: str
) -> tuple[dict[str, str], bytes]:
    """Query and body exactly as WeCom sends a message: only <Encrypt> is signed."""
    encrypted, msg_signature = CallbackCrypto(creds).seal(plaintext, timestamp, nonce)
    body = (
        f"<xml><ToUserName><![CDATA[{creds.receive_id}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    return {"msg_signature": msg_signature, "timestamp": timestamp, "nonce": nonce}, body.encode()


def text_xml(msg_id: str, content: str, sender: str = "rep_zhang", create_time: int = 1764470000) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{DOC['corp_id']}]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
    )
