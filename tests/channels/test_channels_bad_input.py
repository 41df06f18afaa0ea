"""Bad input gets a 4xx with a reason, is logged, writes nothing, and the service stays up."""

from __future__ import annotations

import base64
import logging
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi.testclient import TestClient

from channels import CallbackCredentials, SqliteInbox
from channels.wecom.crypto import signature
from tests.channels.wecom_fakes import DOC, Clock, encrypted_post, make_runtime, text_xml

NOW = 1764470000
CREDS = CallbackCredentials(DOC["token"], DOC["aes_key"], DOC["corp_id"])
KEY = base64.b64decode(DOC["aes_key"] + "=")
PATH = "/channels/wecom/callback"


@pytest.fixture()
def client(inbox: SqliteInbox) -> TestClient:
    app, _ = make_runtime(inbox, clock=Clock(NOW))
    return TestClient(app)


def signed(encrypt: str, nonce: str = "n1") -> tuple[dict[str, str], bytes]:
    """A request whose signature is right, so the refusal must come from the payload itself."""
    params = {
        "msg_signature": signature(DOC["token"], str(NOW), nonce, encrypt),
        "timestamp": str(NOW),
        "nonce": nonce,
    }
    return params, f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()


def aes_raw(plain: bytes) -> str:
    """Encrypt `plain` as-is (no padding added) with the configured key, to craft broken plaintexts."""
    encryptor = Cipher(algorithms.AES(KEY), modes.CBC(KEY[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def pad32(data: bytes, value: int | None = None) -> bytes:
    n = 32 - len(data) % 32
    return data + bytes([n if value is None else value]) * n


def layout(message: bytes) -> bytes:
    """A correctly padded plaintext: random(16) ‖ len ‖ message ‖ CorpID."""
    return pad32(b"r" * 16 + struct.pack(">I", len(message)) + message + DOC["corp_id"].encode())


PROPER = layout(b"<xml/>")  # pad value 20


def assert_refused(response, status: int, reason: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.json()["reason"] == reason


def test_oversized_body_is_413(client: TestClient, inbox: SqliteInbox) -> None:
    params, _ = encrypted_post(CREDS, text_xml("1", "你好"), str(NOW), "n")
    big = b"<xml><Encrypt>" + b"A" * 1_100_000 + b"</Encrypt></xml>"
    assert_refused(client.post(PATH, params=params, content=big), 413, "body_too_large")

    def chunks():  # no Content-Length: the cap must hold while streaming
        for _ in range(40):
            yield b"A" * 32_768

    assert_refused(client.post(PATH, params=params, content=chunks()), 413, "body_too_large")
    assert inbox.stats()["total"] == 0


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><Encrypt>&lol3;</Encrypt></xml>"""


def test_xml_bomb_is_refused(client: TestClient) -> None:
    params, _ = signed("x")
    assert_refused(client.post(PATH, params=params, content=BOMB), 400, "xml_forbidden")


def test_xml_bomb_inside_the_ciphertext_is_refused(client: TestClient) -> None:
    params, body = encrypted_post(CREDS, BOMB.decode(), str(NOW), "n-bomb")
    assert_refused(client.post(PATH, params=params, content=body), 400, "xml_forbidden")


@pytest.mark.parametrize(
    ("encrypt", "reason"),
    [
        ("this is not base64!!", "bad_base64"),
        ("QUJD", "bad_block_length"),  # valid base64, 3 bytes
        (aes_raw(pad32(PROPER[: -PROPER[-1]], value=0)), "bad_padding"),  # pad value 0
        (aes_raw(PROPER[:-2] + b"\x01" + PROPER[-1:]), "bad_padding"),  # inconsistent pad bytes
        (aes_raw(layout(b"\xff\xfe<xml/>")), "not_utf8"),
        (aes_raw(pad32(b"r" * 16 + struct.pack(">I", 10_000) + b"x" * 12)), "bad_layout"),
    ],
)
def test_malformed_ciphertexts(client: TestClient, inbox: SqliteInbox, encrypt: str, reason: str) -> None:
    params, body = signed(encrypt)
    assert_refused(client.post(PATH, params=params, content=body), 400, reason)
    assert inbox.stats()["total"] == 0


def test_non_utf8_body(client: TestClient) -> None:
    params, _ = signed("x")
    body = "<xml><Encrypt>你好</Encrypt></xml>".encode("gbk")
    assert_refused(client.post(PATH, params=params, content=body), 400, "not_utf8")


def test_plaintext_that_is_not_xml(client: TestClient) -> None:
    params, body = encrypted_post(CREDS, '{"MsgType": "text"}', str(NOW), "n-json")
    assert_refused(client.post(PATH, params=params, content=body), 400, "xml_malformed")


@pytest.mark.parametrize(
    ("params", "body", "reason"),
    [
        ({"timestamp": str(NOW), "nonce": "n"}, b"<xml/>", "missing_param"),
        ({"msg_signature": "a", "timestamp": "yesterday", "nonce": "n"}, b"<xml/>", "bad_timestamp"),
        (
            {"msg_signature": "a", "timestamp": str(NOW), "nonce": "n"},
            b"<xml><ToUserName>x</ToUserName></xml>",
            "no_encrypt",
        ),
        ({"msg_signature": "a", "timestamp": str(NOW), "nonce": "n"}, b"<xml><Encrypt>", "xml_malformed"),
        ({"msg_signature": "a", "timestamp": str(NOW), "nonce": "n"}, b"", "empty_body"),
        ({"msg_signature": "a", "timestamp": str(NOW), "nonce": "n"}, b"<html></html>", "xml_malformed"),
    ],
)
def test_malformed_requests(client: TestClient, params: dict, body: bytes, reason: str) -> None:
    assert_refused(client.post(PATH, params=params, content=body), 400, reason)


def test_refusals_are_logged_and_the_service_stays_up(
    client: TestClient, inbox: SqliteInbox, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="channels.callback"):
        params, body = signed("%%%")
        client.post(PATH, params=params, content=body)
    assert any("bad_base64" in r.getMessage() for r in caplog.records)
    params, body = encrypted_post(CREDS, text_xml("778899", "返点政策能再发一遍吗?"), str(NOW), "n-ok")
    assert client.post(PATH, params=params, content=body).status_code == 200
    [(_, msg)] = inbox.claim("w", 1)
    assert msg.text() == "返点政策能再发一遍吗?"


def test_unsupported_type_is_recorded_and_skipped(client: TestClient, inbox: SqliteInbox) -> None:
    xml = text_xml("5566", "x").replace("<MsgType><![CDATA[text]]>", "<MsgType><![CDATA[hologram]]>")
    params, body = encrypted_post(CREDS, xml, str(NOW), "n-holo")
    assert client.post(PATH, params=params, content=body).status_code == 200
    assert inbox.stats()["total"] == 0
    [skipped] = inbox.skipped()
    assert (skipped["message_id"], skipped["reason"]) == ("5566", "unsupported_type:hologram")
