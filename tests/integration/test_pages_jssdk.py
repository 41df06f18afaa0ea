"""WeCom JS-SDK signing for the sidebar: Tencent's documented signature example, both jsapi_tickets fetched from the
local Tencent fake through the real WeComApi, cached (one fetch for many pages, shared across workers through real
Redis), refreshed once the cached ticket is gone, and bad page URLs refused with a clear error."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
import redis

from channels import ApiCredentials
from channels.api.client import WeComApi
from channels.api.token import InMemoryTokenCache, JsapiTickets, RedisTokenCache, js_signature
from contract.errors import InputError
from copilot.api.jssdk import sign_page
from tests.channels.wecom_fakes import FakeTencent


def test_documented_signature_example() -> None:
    # developer.work.weixin.qq.com/document/path/96909 「JS-SDK 签名算法」 worked example
    ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
    sig = js_signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value")
    assert sig == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    # the #fragment is never signed
    assert (
        js_signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value#x") == sig
    )


@pytest.fixture()
def tencent() -> Iterator[FakeTencent]:
    with FakeTencent() as fake:
        yield fake


def _tickets(fake: FakeTencent, cache: object) -> tuple[JsapiTickets, WeComApi]:
    api = WeComApi(ApiCredentials(fake.corp_id, fake.secret, agent_id="1000002", base_url=fake.base_url),
                   token_cache=cache)  # type: ignore[arg-type]  # fmt: skip

    def call(path: str, params: dict[str, str]) -> dict[str, object]:
        return api.call("GET", path, params=params)

    return JsapiTickets(call, api.tokens, f"{fake.corp_id}:1000002"), api


def test_config_and_agent_config_signed_from_both_tickets(tencent: FakeTencent) -> None:
    tickets, api = _tickets(tencent, InMemoryTokenCache())
    url = "https://copilot.example.com/ui/sidebar?customer=C1001#top"
    out = sign_page(tickets, tencent.corp_id, "1000002", url, now=1764470000)
    page = "https://copilot.example.com/ui/sidebar?customer=C1001"
    assert out.url == page
    for cfg, ticket in ((out.config, "corp-ticket-1"), (out.agentConfig, "agent-ticket-1")):
        plain = f"jsapi_ticket={ticket}&noncestr={cfg.nonceStr}&timestamp=1764470000&url={page}"
        assert cfg.signature == hashlib.sha1(plain.encode()).hexdigest()  # noqa: S324
        assert "sendChatMessage" in cfg.jsApiList and "getCurExternalContact" in cfg.jsApiList
    assert out.config.appId == tencent.corp_id and out.agentConfig.agentid == "1000002"
    assert out.config.nonceStr != out.agentConfig.nonceStr
    # a second page load reuses both tickets and the access token
    for _ in range(5):
        sign_page(tickets, tencent.corp_id, "1000002", page)
    assert tencent.ticket_calls == {"corp": 1, "agent": 1}
    assert tencent.token_calls == 1
    assert tencent.calls("/cgi-bin/ticket/get")[0]["type"] == "agent_config"
    api.close()


def test_tickets_shared_through_redis_and_refreshed(tencent: FakeTencent, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    prefix = "test:jssdk:"
    for k in client.scan_iter(prefix + "*"):
        client.delete(k)
    worker_a, api_a = _tickets(tencent, RedisTokenCache(client, prefix=prefix))
    worker_b, api_b = _tickets(tencent, RedisTokenCache(client, prefix=prefix))
    assert worker_a.corp() == worker_b.corp() == "corp-ticket-1"
    assert worker_a.agent() == worker_b.agent() == "agent-ticket-1"
    ttl = client.ttl(f"{prefix}jsapi:corp:{tencent.corp_id}:1000002")
    assert 6000 < ttl <= 7200 - 300  # refreshed 5 minutes before Tencent's expiry
    client.delete(f"{prefix}jsapi:corp:{tencent.corp_id}:1000002")  # expired
    assert worker_b.corp() == "corp-ticket-2" == worker_a.corp()
    assert tencent.ticket_calls == {"corp": 2, "agent": 1}
    api_a.close(), api_b.close()


def test_bad_page_url_is_refused(tencent: FakeTencent) -> None:
    tickets, api = _tickets(tencent, InMemoryTokenCache())
    for bad in ("javascript:alert(1)", "ftp://x/y", "/ui/sidebar"):
        with pytest.raises(InputError):
            sign_page(tickets, tencent.corp_id, "1000002", bad)
    assert tencent.ticket_calls == {}
    api.close()
