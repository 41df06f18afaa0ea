"""Whatever arrives, the answer is 200 or a 4xx — never a 500 — and the service keeps answering. Plus the wiring
with Redis and with copilot's Settings."""

from __future__ import annotations

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels import (
    CallbackCredentials,
    CallbackPolicy,
    ChannelConfig,
    SqliteInbox,
    build_channels,
)
from channels.wecom.crypto import signature
from copilot.settings import Settings
from tests.channels.wecom_fakes import DOC, Clock, encrypted_post, make_runtime, text_xml

NOW = 1764470000
CREDS = CallbackCredentials(DOC["token"], DOC["aes_key"], DOC["corp_id"])
PATH = "/channels/wecom/callback"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def fresh_client(tmp_path_factory) -> tuple[TestClient, SqliteInbox]:  # type: ignore[no-untyped-def]
    inbox = SqliteInbox(tmp_path_factory.mktemp("fuzz") / "i.sqlite")
    app, _ = make_runtime(inbox, clock=Clock(NOW))
    return TestClient(app), inbox


@FUZZ
@given(body=st.binary(max_size=2000))
def test_any_body_bytes_never_500(tmp_path_factory, body: bytes) -> None:  # type: ignore[no-untyped-def]
    client, _ = fresh_client(tmp_path_factory)
    params = {"msg_signature": "0" * 40, "timestamp": str(NOW), "nonce": "n"}
    assert client.post(PATH, params=params, content=body).status_code in (400, 403, 413)


XMLISH = st.text(
    alphabet=st.sampled_from(list("<>/![]-?=\"' xmlEncryptDOCTYPEENTITY&;#CDATA中文\x00\ufeff")), max_size=300
)


@FUZZ
@given(text=XMLISH)
def test_xml_like_bodies_never_500(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    client, _ = fresh_client(tmp_path_factory)
    params = {"msg_signature": "0" * 40, "timestamp": str(NOW), "nonce": "n"}
    response = client.post(PATH, params=params, content=text.encode("utf-8", "surrogatepass"))
    assert response.status_code in (400, 403)


@FUZZ
@given(plaintext=st.one_of(XMLISH, st.text(max_size=300)))
def test_any_authentic_plaintext_never_500(tmp_path_factory, plaintext: str) -> None:  # type: ignore[no-untyped-def]
    """Even a correctly signed and encrypted payload with garbage inside is a 4xx (or 200 if it happens to parse)."""
    client, inbox = fresh_client(tmp_path_factory)
    params, body = encrypted_post(CREDS, plaintext, str(NOW), "n")
    assert client.post(PATH, params=params, content=body).status_code in (200, 400)


@FUZZ
@given(encrypt=st.text(max_size=200))
def test_any_signed_ciphertext_never_500(tmp_path_factory, encrypt: str) -> None:  # type: ignore[no-untyped-def]
    client, _ = fresh_client(tmp_path_factory)
    encrypt = encrypt.replace("]]>", "").replace("\x00", "")
    params = {
        "msg_signature": signature(DOC["token"], str(NOW), "n", encrypt.strip()),
        "timestamp": str(NOW),
        "nonce": "n",
    }
    body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode("utf-8", "surrogatepass")
    assert client.post(PATH, params=params, content=body).status_code in (400, 403)


@pytest.mark.redis
def test_redis_wiring_dedupes_across_two_workers(tmp_path, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    """Two API workers sharing Redis (the nonce cache) in front of one queue: a retry landing on the other worker is
    still one message (the queue's own UNIQUE key dedupes; nothing in front of it)."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    queue = SqliteInbox(tmp_path / "shared.sqlite")
    config = ChannelConfig(tenant="demo", wecom=CREDS, policy=CallbackPolicy(clock=Clock(NOW)))
    apps = []
    for _ in range(2):
        runtime = build_channels(queue, config, redis=client)
        app = FastAPI()
        app.include_router(runtime.router, prefix="/channels")
        apps.append(TestClient(app))
    params, body = encrypted_post(CREDS, text_xml("9001", "PS-700 试销激励怎么申请?"), str(NOW), "n-redis")
    assert [a.post(PATH, params=params, content=body).status_code for a in apps] == [200, 200]
    # same nonce, different bytes outside <Encrypt> (AgentID is unsigned): same signature, so not a replay
    swapped = body.replace(b"1000002", b"1000003")
    assert apps[1].post(PATH, params=params, content=swapped).status_code == 200
    assert queue.stats()["total"] == 1
    assert client.keys("copilot:nonce:*")  # the replay cache is the one shared through Redis


def test_config_from_copilot_settings() -> None:
    s = Settings(
        wecom_corp_id=DOC["corp_id"],
        wecom_token=DOC["token"],
        wecom_aes_key=DOC["aes_key"],
        wecom_secret="s3cr3t-value",
        wecom_agent_id="1000002",
        wecom_api_base="http://127.0.0.1:9",
        oa_app_id="wx2c2769f8efd9abc2",
        oa_token="spamtest",
        oa_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        callback_max_age_s=120,
    )
    config = ChannelConfig.from_settings(s)
    assert config.wecom == CREDS
    assert config.wecom_api is not None and config.wecom_api.base_url == "http://127.0.0.1:9"
    assert config.oa is not None and config.oa.receive_id == "wx2c2769f8efd9abc2"
    assert (config.policy.max_age_s, config.policy.max_body_bytes) == (120, s.max_body_bytes)
    paths = {r.path for r in build_channels(SqliteInbox(":memory:"), config).router.routes}  # type: ignore[attr-defined]
    assert paths == {"/wecom/callback", "/oa/callback"}
