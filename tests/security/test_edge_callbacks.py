"""Edge probes on the channel callbacks, replayed against the real channel routes (official OA vector, real crypto,
a real SqliteInbox): the OA encryption downgrade and impossible CreateTime values."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from channels import CallbackCredentials, SqliteInbox
from tests.channels.wecom_fakes import DOC, PROTOCOL, Clock, encrypted_post, make_runtime

OA_VECTOR: dict[str, Any] = json.loads((PROTOCOL / "crypto" / "oa_vectors.json").read_text(encoding="utf-8"))


def _oa_client(inbox: SqliteInbox, aes_key: str) -> TestClient:
    cfg, post = OA_VECTOR["config"], OA_VECTOR["post"]
    creds = CallbackCredentials(cfg["token"], aes_key, cfg["app_id"])
    app, _ = make_runtime(inbox, clock=Clock(float(post["timestamp"])), oa=creds)
    return TestClient(app)


def _plain_query() -> dict[str, str]:
    post = OA_VECTOR[
        "post"
    ]  # the plain-mode signature covers token/timestamp/nonce only: the body is unsigned
    return {"signature": post["signature_plain_sha1_token_ts_nonce"], "timestamp": post["timestamp"], "nonce": post["nonce"]}  # fmt: skip


@pytest.mark.probe(
    id="oa-encryption-downgrade",
    sends="POST /channels/oa/callback without encrypt_type: a plain, unsigned OA body, with an EncodingAESKey configured",
    expect="403 encryption_required, logged; nothing enqueued",
)
def test_oa_plain_body_is_refused_when_a_key_is_configured(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite")
    client = _oa_client(inbox, OA_VECTOR["config"]["encoding_aes_key"])
    forged = OA_VECTOR["post"]["expected_plaintext"].replace("abcdteT", "请把合同价改成一折")
    with caplog.at_level(logging.WARNING, logger="channels.callback"):
        response = client.post("/channels/oa/callback", params=_plain_query(), content=forged)
    assert response.status_code == 403 and response.json()["reason"] == "encryption_required"
    assert "encryption_required" in caplog.text  # the refusal is logged with its reason
    assert inbox.stats()["total"] == 0
    # the encrypted (safe-mode) request from the same account is still accepted
    post = OA_VECTOR["post"]
    safe = {**_plain_query(), "encrypt_type": "aes", "msg_signature": post["msg_signature"]}
    assert (
        client.post("/channels/oa/callback", params=safe, content=post["request_body_safe_mode"]).status_code
        == 200
    )
    assert inbox.stats()["total"] == 1


@pytest.mark.probe(
    id="oa-plain-mode-without-key",
    sends="POST /channels/oa/callback in plain mode to an account configured without an EncodingAESKey",
    expect="200: plain mode still works where the operator chose it",
)
def test_oa_plain_mode_still_works_without_a_key(tmp_path: Path) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite")
    client = _oa_client(inbox, "")
    post = OA_VECTOR["post"]
    assert client.post("/channels/oa/callback", params=_plain_query(), content=post["expected_plaintext"]).status_code == 200  # fmt: skip
    assert inbox.stats()["total"] == 1


def _text_xml(create_time: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{DOC['corp_id']}]]></ToUserName><FromUserName><![CDATA[rep_zhang]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[你好]]></Content><MsgId>7000000000000000001</MsgId><AgentID>1000002</AgentID></xml>"
    )


@pytest.mark.parametrize(
    "create_time", ["99999999999999999999", "1e400", "-99999999999999", "nan", "253402300800000000"]
)
@pytest.mark.probe(
    id="huge-createtime",
    sends="an authentic WeCom callback whose CreateTime no clock can produce (huge, negative, NaN)",
    expect="400 bad_create_time, never a 500; nothing enqueued",
)
def test_impossible_create_time_is_a_clear_400(tmp_path: Path, create_time: str) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite")
    clock = Clock(1764470000.0)
    app, _ = make_runtime(inbox, clock=clock)
    creds = CallbackCredentials(DOC["token"], DOC["aes_key"], DOC["corp_id"])
    query, body = encrypted_post(creds, _text_xml(create_time), "1764470000", f"n{abs(hash(create_time))}")
    response = TestClient(app).post("/channels/wecom/callback", params=query, content=body)
    assert response.status_code == 400, response.text
    assert response.json()["reason"] == "bad_create_time"
    assert inbox.stats()["total"] == 0
    # an ordinary CreateTime on the same route is accepted
    query, body = encrypted_post(creds, _text_xml("1764470000"), "1764470000", "ok-nonce")
    assert TestClient(app).post("/channels/wecom/callback", params=query, content=body).status_code == 200
    assert inbox.stats()["total"] == 1


@pytest.mark.probe(
    id="nul-in-kf-sync-item",
    sends='a 微信客服 sync_msg item whose external_userid / text holds "\\u0000"',
    expect="skipped as invalid:nul_character (never enqueued to become a poison message on PostgreSQL)",
)
def test_kf_item_with_a_nul_is_skipped() -> None:
    from channels.kf.normalise import normalise_kf
    from channels.outcome import Skipped

    item = {
        "msgid": "kf-nul-1",
        "open_kfid": "wkDemoKf0001",
        "external_userid": "wmA\x00B",
        "send_time": 1764470000,
        "origin": 3,
        "msgtype": "text",
        "text": {"content": "你好"},
    }
    out = normalise_kf(item, tenant="demo")
    assert isinstance(out, Skipped) and out.reason == "invalid:nul_character" and "\x00" not in out.message_id
    text_nul = {**item, "external_userid": "wmAB", "text": {"content": "退\x00款"}}
    assert isinstance(normalise_kf(text_nul, tenant="demo"), Skipped)
    assert not isinstance(normalise_kf({**text_nul, "text": {"content": "退款"}}, tenant="demo"), Skipped)
