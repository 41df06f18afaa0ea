"""Several tenants on one Redis: each tenant's deployment reads its own stream by default (`copilot:inbox:<tenant>`).
A worker serves one tenant and refuses another tenant's message (`wrong_tenant`). On a shared stream a worker of tenant B
took tenant A's message and acked it away (found in session 12); since session 13 it is parked as a dead letter with
its reason (tests/copilot/test_worker_dead_letter.py), but A's message is still not processed: tenants need their own
streams."""

from __future__ import annotations

import time

import pytest

from contract import Channel, InboundMessage, TextPart
from copilot.scale import RedisStreamInbox, inbox_stream
from copilot.settings import Settings
from copilot.wiring import open_inbox


def _msg(tenant: str, i: int) -> InboundMessage:
    return InboundMessage(tenant=tenant, channel=Channel.WECOM_APP, conversation_id=f"{tenant}-c{i}",
                          message_id=f"{tenant}-m{i}", customer_ref="C1", rep_ref="rep_a",
                          parts=[TextPart(text="质保到什么时候？")])  # fmt: skip


@pytest.mark.redis
def test_each_tenant_claims_only_its_own_messages(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COPILOT_QUEUE_STREAM", raising=False)
    suffix = str(time.time_ns())
    alpha = RedisStreamInbox(redis_url, tenant=f"alpha{suffix}", lease_s=5.0)
    beta = RedisStreamInbox(redis_url, tenant=f"beta{suffix}", lease_s=5.0)
    assert alpha.stream == inbox_stream(f"alpha{suffix}") != beta.stream
    assert alpha.accept(_msg(f"alpha{suffix}", 1)) and beta.accept(_msg(f"beta{suffix}", 1))
    got_beta = beta.claim("beta-worker", limit=10)
    got_alpha = alpha.claim("alpha-worker", limit=10)
    assert [m.tenant for _id, m in got_beta] == [f"beta{suffix}"]  # never alpha's message
    assert [m.tenant for _id, m in got_alpha] == [f"alpha{suffix}"]


@pytest.mark.redis
def test_the_deployment_opens_its_tenants_stream(
    redis_url: str, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COPILOT_QUEUE_STREAM", raising=False)
    settings = Settings(redis_url=redis_url, tenant="gamma", data_dir=tmp_path)
    box = open_inbox(settings)
    assert isinstance(box, RedisStreamInbox) and box.stream == "copilot:inbox:gamma"
