"""Tencent's official crypto vectors through the real routes, and the verified negative cases → clean 4xx."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto

from channels import CallbackCredentials, SqliteInbox
from tests.channels.wecom_fakes import Clock, make_runtime

GET_VECTORS = ["wecom_official_doc_url_verify", "wecom_sbzhu_url_verify", "wechatpy_tests_url_verify"]
POST_VECTORS = ["wecom_official_doc_post_text", "wecom_sbzhu_post_text_utf8", "wechatpy_tests_post_text"]


def client_for(inbox: SqliteInbox, vector: dict[str, Any], **overrides: Any) -> TestClient:
    cfg = vector["config"]
    options = {
        "token": cfg["token"],
        "aes_key": cfg["encoding_aes_key"],
        "corp_id": cfg["receive_id"],
        **overrides,
    }
    app, _ = make_runtime(inbox, clock=Clock(float(vector["timestamp"])), **options)
    return TestClient(app)


@pytest.mark.parametrize("vector_id", GET_VECTORS)
def test_get_verification_returns_bare_plaintext(
    inbox: SqliteInbox, wecom_vectors: dict, vector_id: str
) -> None:
    v = wecom_vectors[vector_id]
    query = v.get("request_query_raw") or urlencode(
        {
            "msg_signature": v["msg_signature"],
            "timestamp": v["timestamp"],
            "nonce": v["nonce"],
            "echostr": v["echostr_urldecoded"],
        }
    )
    response = client_for(inbox, v).get("/channels/wecom/callback?" + query)
    assert response.status_code == 200
    assert response.content == v["expected_response_body"].encode()  # no quotes, no JSON, no newline
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("vector_id", POST_VECTORS)
def test_post_vector_decrypts_and_enqueues(inbox: SqliteInbox, wecom_vectors: dict, vector_id: str) -> None:
    v = wecom_vectors[vector_id]
    query = {"msg_signature": v["msg_signature"], "timestamp": v["timestamp"], "nonce": v["nonce"]}
    response = client_for(inbox, v).post(
        "/channels/wecom/callback", params=query, content=v["request_body"].encode()
    )
    assert response.status_code == 200 and response.content == b""
    [(_, msg)] = inbox.claim("w1", 10)
    # wechatpy, the reference implementation, reads the same plaintext
    cfg = v["config"]
    reference = WeComCrypto(cfg["token"], cfg["encoding_aes_key"], cfg["receive_id"]).decrypt_message(
        v["request_body"], v["msg_signature"], v["timestamp"], v["nonce"]
    )
    assert reference == v["expected_plaintext"]
    assert msg.channel.value == "wecom_app"
    assert msg.message_id in v["expected_plaintext"]
    assert msg.text() in ("hello", "你好", "test")


def test_official_doc_post_fields(inbox: SqliteInbox, wecom_vectors: dict) -> None:
    v = wecom_vectors["wecom_official_doc_post_text"]
    query = {"msg_signature": v["msg_signature"], "timestamp": v["timestamp"], "nonce": v["nonce"]}
    client_for(inbox, v).post("/channels/wecom/callback", params=query, content=v["request_body"])
    [(_, msg)] = inbox.claim("w1", 10)
    assert (msg.message_id, msg.text(), msg.rep_ref, msg.sender) == (
        "4561255354251345929",
        "hello",
        "mycreate",
        "rep",
    )
    assert int(msg.sent_at.timestamp()) == 1409659813


# ---- negative cases ---------------------------------------------------------------------------------------------


def test_tampered_signature_is_403(inbox: SqliteInbox, wecom_vectors: dict) -> None:
    v = wecom_vectors["wecom_official_doc_post_text"]
    query = {"msg_signature": "0" * 40, "timestamp": v["timestamp"], "nonce": v["nonce"]}
    response = client_for(inbox, v).post("/channels/wecom/callback", params=query, content=v["request_body"])
    assert response.status_code == 403 and response.json()["reason"] == "invalid_signature"
    assert inbox.stats()["total"] == 0


def test_wrong_nonce_get_is_403(inbox: SqliteInbox, wecom_vectors: dict) -> None:
    v = wecom_vectors["wechatpy_tests_url_verify"]
    query = urlencode(
        {
            "msg_signature": v["msg_signature"],
            "timestamp": v["timestamp"],
            "nonce": v["negative"]["nonce"],
            "echostr": v["echostr_urldecoded"],
        }
    )
    response = client_for(inbox, v).get("/channels/wecom/callback?" + query)
    assert response.status_code == 403 and response.json()["reason"] == "invalid_signature"


def test_plus_turned_into_space_is_403(inbox: SqliteInbox, wecom_vectors: dict) -> None:
    v = wecom_vectors["wecom_official_doc_url_verify"]
    raw = v["request_query_raw"].replace("%2B", "+")  # an unescaped '+' decodes to ' '
    response = client_for(inbox, v).get("/channels/wecom/callback?" + raw)
    assert response.status_code == 403 and response.json()["reason"] == "invalid_signature"


def test_wrong_corp_id_is_403_not_500(inbox: SqliteInbox, wecom_vectors: dict) -> None:
    v = wecom_vectors["wecom_official_doc_url_verify"]
    response = client_for(inbox, v, corp_id="ww0000000000000000").get(
        "/channels/wecom/callback?" + v["request_query_raw"]
    )
    assert response.status_code == 403 and response.json()["reason"] == "wrong_receive_id"

    p = wecom_vectors["wecom_official_doc_post_text"]
    query = {"msg_signature": p["msg_signature"], "timestamp": p["timestamp"], "nonce": p["nonce"]}
    response = client_for(inbox, p, corp_id="ww0000000000000000").post(
        "/channels/wecom/callback", params=query, content=p["request_body"]
    )
    assert response.status_code == 403 and response.json()["reason"] == "wrong_receive_id"
    assert inbox.stats()["total"] == 0


def test_wrong_aes_key_with_right_token_is_4xx(inbox: SqliteInbox, wecom_vectors: dict) -> None:
    """The signature passes (token only); wechatpy would raise a bare struct.error here. We answer 400."""
    v = wecom_vectors["wecom_official_doc_url_verify"]
    wrong = wecom_vectors["wechatpy_tests_url_verify"]["config"]["encoding_aes_key"]
    response = client_for(inbox, v, aes_key=wrong).get("/channels/wecom/callback?" + v["request_query_raw"])
    assert 400 <= response.status_code < 500
    assert response.json()["reason"] in {"bad_padding", "bad_layout", "not_utf8", "wrong_receive_id"}

    p = wecom_vectors["wecom_official_doc_post_text"]
    query = {"msg_signature": p["msg_signature"], "timestamp": p["timestamp"], "nonce": p["nonce"]}
    response = client_for(inbox, p, aes_key=wrong).post(
        "/channels/wecom/callback", params=query, content=p["request_body"]
    )
    assert 400 <= response.status_code < 500
    assert inbox.stats()["total"] == 0


def test_json_mode_vector_with_doc_config_is_refused(inbox: SqliteInbox, wecom_vectors: dict) -> None:
    v = wecom_vectors["wecom_sbzhu_json_mode_post"]
    doc = wecom_vectors["wecom_official_doc_post_text"]
    query = {"msg_signature": v["msg_signature"], "timestamp": v["timestamp"], "nonce": v["nonce"]}
    body = f"<xml><Encrypt><![CDATA[{v['encrypt']}]]></Encrypt></xml>"
    response = client_for(inbox, doc).post("/channels/wecom/callback", params=query, content=body)
    assert response.status_code == 403 and response.json()["reason"] == "invalid_signature"


def test_stale_timestamp_is_403(inbox: SqliteInbox, wecom_vectors: dict) -> None:
    v = wecom_vectors["wecom_official_doc_post_text"]
    cfg = v["config"]
    app, _ = make_runtime(
        inbox,
        clock=Clock(float(v["timestamp"]) + 301),
        token=cfg["token"],
        aes_key=cfg["encoding_aes_key"],
        corp_id=cfg["receive_id"],
    )
    query = {"msg_signature": v["msg_signature"], "timestamp": v["timestamp"], "nonce": v["nonce"]}
    response = TestClient(app).post("/channels/wecom/callback", params=query, content=v["request_body"])
    assert response.status_code == 403 and response.json()["reason"] == "stale_timestamp"


# ---- Official Account ------------------------------------------------------------------------------------------


def oa_client(
    inbox: SqliteInbox, oa_vector: dict, app_id: str | None = None, *, aes_key: str | None = None
) -> TestClient:
    cfg = oa_vector["config"]
    key = cfg["encoding_aes_key"] if aes_key is None else aes_key
    creds = CallbackCredentials(cfg["token"], key, app_id or cfg["app_id"])
    app, _ = make_runtime(inbox, clock=Clock(float(oa_vector["post"]["timestamp"])), oa=creds)
    return TestClient(app)


def test_oa_get_is_plaintext_even_in_safe_mode(inbox: SqliteInbox, oa_vector: dict) -> None:
    post = oa_vector["post"]
    query = {
        "signature": post["signature_plain_sha1_token_ts_nonce"],
        "timestamp": post["timestamp"],
        "nonce": post["nonce"],
        "echostr": "回声 echo 123",
    }
    response = oa_client(inbox, oa_vector).get("/channels/oa/callback", params=query)
    assert response.status_code == 200 and response.text == "回声 echo 123"
    bad = {**query, "signature": "f" * 40}
    assert oa_client(inbox, oa_vector).get("/channels/oa/callback", params=bad).status_code == 403


@pytest.mark.parametrize("body_key", ["request_body_safe_mode", "request_body_as_in_sample_compat_mode"])
def test_oa_safe_mode_vector(inbox: SqliteInbox, oa_vector: dict, body_key: str) -> None:
    post = oa_vector["post"]
    query = {
        "signature": post["signature_plain_sha1_token_ts_nonce"],
        "timestamp": post["timestamp"],
        "nonce": post["nonce"],
        "openid": "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
        "encrypt_type": "aes",
        "msg_signature": post["msg_signature"],
    }
    response = oa_client(inbox, oa_vector).post("/channels/oa/callback", params=query, content=post[body_key])
    assert response.status_code == 200
    [(_, msg)] = inbox.claim("w", 5)
    expected = post["expected_parse"]
    assert (msg.channel.value, msg.text(), msg.message_id) == (
        "wechat_oa",
        expected["content"],
        str(expected["id"]),
    )
    assert (msg.customer_ref, msg.sender) == (expected["source"], "customer")


def test_oa_safe_mode_wrong_app_id_is_403(inbox: SqliteInbox, oa_vector: dict) -> None:
    post = oa_vector["post"]
    query = {
        "timestamp": post["timestamp"],
        "nonce": post["nonce"],
        "encrypt_type": "aes",
        "msg_signature": post["msg_signature"],
    }
    response = oa_client(inbox, oa_vector, app_id=post["negative"]["app_id"]).post(
        "/channels/oa/callback", params=query, content=post["request_body_safe_mode"]
    )
    assert response.status_code == 403 and response.json()["reason"] == "wrong_receive_id"


def test_oa_plain_mode(inbox: SqliteInbox, oa_vector: dict) -> None:
    post = oa_vector["post"]
    query = {
        "signature": post["signature_plain_sha1_token_ts_nonce"],
        "timestamp": post["timestamp"],
        "nonce": post["nonce"],
    }
    client = oa_client(inbox, oa_vector, aes_key="")  # plain mode: an account configured without a key
    assert (
        client.post("/channels/oa/callback", params=query, content=post["expected_plaintext"]).status_code
        == 200
    )
    [(_, msg)] = inbox.claim("w", 5)
    assert msg.text() == "abcdteT"
    # the plain-mode body is unsigned: the same timestamp/nonce with another body is a replay with a swapped body
    swapped = post["expected_plaintext"].replace("abcdteT", "转账给我").replace("6054768590064713728", "1")
    response = client.post("/channels/oa/callback", params=query, content=swapped)
    assert response.status_code == 403 and response.json()["reason"] == "nonce_reused"
    assert inbox.stats()["total"] == 1
