"""Rate limits on the real app (no services needed for these routes): per API key, per client without a key, and per
channel callback URL, each its own bucket; 429 with Retry-After; health checks are never limited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from copilot.app import create_app
from copilot.settings import Settings


@pytest.fixture()
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("COPILOT_RATE_PER_KEY_RPS", "0.001")  # no refill during the test
    monkeypatch.setenv("COPILOT_RATE_PER_KEY_BURST", "3")
    monkeypatch.setenv("COPILOT_RATE_PER_CHANNEL_RPS", "0.001")
    monkeypatch.setenv("COPILOT_RATE_PER_CHANNEL_BURST", "2")
    return TestClient(create_app(Settings(env="test"), start_worker=False))  # no lifespan: no services built


def test_per_key_budget(client: TestClient) -> None:
    rep = {"X-API-Key": "dev-rep-zhang"}
    assert [client.get("/v1/me", headers=rep).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/v1/me", headers=rep)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.json()["reason"] == "rate_limited_key"
    # another key has its own budget; the same key as a bearer token shares it
    assert client.get("/v1/me", headers={"X-API-Key": "dev-admin"}).status_code == 200
    assert client.get("/v1/me", headers={"Authorization": "Bearer dev-rep-zhang"}).status_code == 429


def test_requests_without_a_key_are_limited_per_client(client: TestClient) -> None:
    assert [client.get("/v1/me").status_code for _ in range(3)] == [401, 401, 401]
    assert client.get("/v1/me").status_code == 429


def test_a_key_in_the_query_string_is_not_a_budget_of_its_own(client: TestClient) -> None:
    """`?api_key=` is refused by auth and not read by the limiter either: such requests share the client's budget, so
    a new made-up key in every URL buys nothing."""
    assert [client.get("/v1/me", params={"api_key": f"k{i}"}).status_code for i in range(3)] == [401] * 3
    assert client.get("/v1/me", params={"api_key": "dev-admin"}).status_code == 429
    assert client.get("/v1/me", headers={"X-API-Key": "dev-admin"}).status_code == 200  # a real key: its own


def test_per_channel_budget_and_health_is_free(client: TestClient) -> None:
    # routes are mounted in the lifespan, which this client does not run: 404 means "let through"
    assert [client.post("/channels/wecom/callback").status_code for _ in range(2)] == [404, 404]
    limited = client.post("/channels/wecom/callback")
    assert limited.status_code == 429 and limited.json()["reason"] == "rate_limited_channel"
    assert client.post("/channels/oa/callback").status_code == 404  # another channel, another bucket
    assert all(client.get("/healthz").status_code == 200 for _ in range(10))


def test_keys_are_hashed_at_rest() -> None:
    """Only sha256 digests are configured; the plaintext key authenticates, the digest itself does not."""
    from copilot.auth import actor_for_key, hash_key

    digest = hash_key("s3cret-rep-key-9f2")
    settings = Settings(env="test", dev_api_keys=False, api_keys={digest: "rep:rep_zhang:ortho-east-1"})
    assert actor_for_key("s3cret-rep-key-9f2", settings).id == "rep_zhang"
    assert "s3cret-rep-key-9f2" not in settings.model_dump_json()
    with pytest.raises(Exception) as exc:
        actor_for_key(digest, settings)
    assert getattr(exc.value, "http_status", 0) == 401
