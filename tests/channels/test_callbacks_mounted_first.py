"""The copilot app mounts the Tencent callback routes flat, at the head of its route list
(copilot.api.live.mount_callbacks_first): each request answers exactly as through FastAPI's include_router, ahead of
a catch-all route mounted earlier, and the routes keep their names."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from channels import CallbackCredentials, ChannelConfig, SqliteInbox, build_channels
from channels.config import CallbackPolicy
from copilot.api.live import mount_callbacks_first
from tests.channels.wecom_fakes import DOC, Clock, encrypted_post, text_xml

CREDS = CallbackCredentials(DOC["token"], DOC["aes_key"], DOC["corp_id"])


def _app(inbox: SqliteInbox, flat: bool) -> FastAPI:
    policy = CallbackPolicy(max_age_s=300, clock=Clock(1764470000.0))
    runtime = build_channels(inbox, ChannelConfig(tenant="demo", wecom=CREDS, policy=policy))
    app = FastAPI()
    other = APIRouter()

    @other.post("/{anything:path}")
    async def catch_all(anything: str) -> dict[str, str]:  # mounted first: must not shadow the callbacks
        return {"caught": anything}

    if flat:  # FastAPI's way would route the callbacks to the catch-all: the reference app has none
        app.include_router(other)
        mount_callbacks_first(app, runtime.router, "/channels")
    else:
        app.include_router(runtime.router, prefix="/channels")
    return app


def _requests() -> list[tuple[dict[str, str], bytes]]:
    good = encrypted_post(CREDS, text_xml("9001", "订单发货了吗"), "1764470000", "n-1")
    again = good  # Tencent's byte-identical retry: a replay, refused
    second = encrypted_post(CREDS, text_xml("9002", "发票抬头写错了"), "1764470001", "n-2")
    forged = ({**second[0], "msg_signature": "0" * 40, "nonce": "n-3"}, second[1])
    stale = encrypted_post(CREDS, text_xml("9003", "在吗"), "1764460000", "n-4")
    return [good, again, second, forged, stale]


def test_flat_callbacks_answer_as_included_ones(tmp_path: Path) -> None:
    answers = {}
    for flat in (False, True):
        inbox = SqliteInbox(tmp_path / f"inbox-{flat}.sqlite")
        client = TestClient(_app(inbox, flat))
        answers[flat] = [
            (r.status_code, r.text)
            for r in (client.post("/channels/wecom/callback", params=q, content=b) for q, b in _requests())
        ]
        answers[flat].append((inbox.stats()["total"], ""))
        if flat:
            assert client.post("/elsewhere").json() == {"caught": "elsewhere"}
    assert answers[True] == answers[False]
    assert answers[True][0] == (200, "") and answers[True][-1][0] == 2  # two distinct messages enqueued


def test_flat_routes_keep_their_names_and_go_first(tmp_path: Path) -> None:
    app = _app(SqliteInbox(tmp_path / "inbox.sqlite"), flat=True)
    assert app.url_path_for("wecom.callback.receive") == "/channels/wecom/callback"
    assert [getattr(r, "path", "") for r in app.router.routes[:2]] == ["/channels/wecom/callback"] * 2
