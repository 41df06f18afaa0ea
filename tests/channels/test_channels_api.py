"""The WeCom API client against a local server that plays Tencent: tokens, errors as HTTP 200 JSON, real AMR media,
app text cards, and 微信客服 send_msg inside its 48-hour / 5-message window."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator

import av
import pytest
import redis
from faster_whisper.audio import decode_audio

from channels import (
    ApiCredentials,
    KfState,
    Outbox,
    RedisKfState,
    RedisTokenCache,
    SqliteKfState,
    WeComApi,
    WeComApiError,
    WeComMediaStore,
)
from contract.errors import BackendUnavailable, ConflictError, NotFound, UserError
from contract.ports import MediaStore
from contract.suggestions import Action, Draft, Intent, Suggestion
from tests.channels.wecom_fakes import FakeTencent


def api_for(tencent: FakeTencent, **kwargs: object) -> WeComApi:
    creds = ApiCredentials(tencent.corp_id, tencent.secret, agent_id="1000002", base_url=tencent.base_url)
    return WeComApi(creds, **kwargs)  # type: ignore[arg-type]


def test_token_is_cached(tencent: FakeTencent) -> None:
    api = api_for(tencent)
    assert api.token() == api.token() == "TOKEN1"
    assert tencent.token_calls == 1


def hammer(apis: list[WeComApi], n: int = 12) -> set[str]:
    tokens: set[str] = set()
    barrier = threading.Barrier(n)

    def go(api: WeComApi) -> None:
        barrier.wait()
        tokens.add(api.token())

    threads = [threading.Thread(target=go, args=(apis[i % len(apis)],)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tokens


def test_concurrent_refresh_happens_once_in_process(tencent: FakeTencent) -> None:
    assert hammer([api_for(tencent)]) == {"TOKEN1"}
    assert tencent.token_calls == 1


@pytest.mark.redis
def test_concurrent_refresh_happens_once_across_workers(tencent: FakeTencent, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    workers = [api_for(tencent, token_cache=RedisTokenCache(client)) for _ in range(3)]  # three "processes"
    assert hammer(workers) == {"TOKEN1"}
    assert tencent.token_calls == 1


def test_expired_token_is_refreshed_once_and_the_call_retried(tencent: FakeTencent) -> None:
    api = api_for(tencent)
    api.token()
    tencent.expire_token()
    assert api.call("POST", "/cgi-bin/message/send", json_body={"touser": "rep_zhang"})["errcode"] == 0
    assert tencent.token_calls == 2


def test_errors_returned_as_http_200_json_are_typed(tencent: FakeTencent) -> None:
    api = api_for(tencent)
    with pytest.raises(WeComApiError) as err:
        api.call("POST", "/cgi-bin/kf/sync_msg", json_body={"cursor": "nope"})
    assert err.value.details["errcode"] == 95000
    bad = WeComApi(ApiCredentials(tencent.corp_id, "wrong-secret", base_url=tencent.base_url))
    with pytest.raises(UserError):
        bad.token()


def test_unreachable_api_is_backend_unavailable() -> None:
    api = WeComApi(ApiCredentials("ww", "s", base_url="http://127.0.0.1:1", timeout_s=0.5))
    with pytest.raises(BackendUnavailable):
        api.token()


def test_media_download_returns_real_amr(tencent: FakeTencent, amr_bytes: bytes) -> None:
    store = WeComMediaStore(api_for(tencent))
    assert isinstance(store, MediaStore)
    media = store.download("voice_media_1")
    assert (media.content, media.content_type, media.filename) == (amr_bytes, "audio/amr", "语音.amr")
    assert media.content.startswith(b"#!AMR\n")
    container = av.open(io.BytesIO(store.fetch("voice_media_1")))
    assert container.streams.audio[0].codec_context.name == "amrnb"
    audio = decode_audio(io.BytesIO(media.content), sampling_rate=16000)  # what the transcriber will do
    assert 15000 < audio.shape[0] < 17000  # ~1 s at 16 kHz


def test_media_errors_are_json_with_http_200(tencent: FakeTencent) -> None:
    store = WeComMediaStore(api_for(tencent))
    with pytest.raises(NotFound) as err:
        store.fetch("expired_media")  # Tencent: 200, text/plain, {"errcode": 40007}
    assert err.value.details["errcode"] == 40007
    store.api.token()
    tencent.expire_token()
    assert store.fetch("voice_media_1").startswith(b"#!AMR")  # token retried once
    assert tencent.token_calls == 2


def test_text_card_with_accept_link(tencent: FakeTencent) -> None:
    outbox = Outbox(api_for(tencent), accept_link_base="https://copilot.example.com/s/")
    suggestion = Suggestion(
        tenant="demo",
        conversation_id="wk:C1001",
        message_id="m1",
        customer_ref="C1001",
        rep_ref="rep_zhang",
        intent=Intent(name="rebate_policy", confidence=0.92, label_zh="返点政策"),
        actions=[Action(name="push_campaign", label="推送《脊柱新品试销激励方案》")],
        draft=Draft(text="您好，附上《骨科耗材返点协议V3.2》。"),
    )
    outbox.deliver_suggestion(suggestion)
    [body] = tencent.calls("/cgi-bin/message/send")
    assert (body["touser"], body["msgtype"], body["agentid"]) == ("rep_zhang", "textcard", 1000002)
    card = body["textcard"]
    assert card["url"] == f"https://copilot.example.com/s/{suggestion.id}"
    assert "返点政策" in card["description"] and "脊柱新品试销激励方案" in card["description"]
    outbox.send_app_text("rep_li", "客户 C1005 近90天订单量下降")
    assert tencent.calls("/cgi-bin/message/send")[-1]["text"]["content"] == "客户 C1005 近90天订单量下降"


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def kf_state(request: pytest.FixtureRequest) -> Iterator[KfState]:
    if request.param == "sqlite":
        yield SqliteKfState(":memory:")
        return
    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    client.flushdb()
    yield RedisKfState(client)


def test_kf_send_window(tencent: FakeTencent, kf_state: KfState) -> None:
    outbox = Outbox(api_for(tencent), kf_state=kf_state)
    with pytest.raises(ConflictError):  # the customer never wrote
        outbox.kf_send_text("wk1", "wmC1001", "您好")
    kf_state.customer_spoke("wk1", "wmC1001", time.time() - 60)
    for i in range(5):
        outbox.kf_send_text("wk1", "wmC1001", f"第{i + 1}条", msgid=f"sug_{i}")
    with pytest.raises(ConflictError) as err:
        outbox.kf_send_text("wk1", "wmC1001", "第6条")
    assert err.value.reason == "kf_window_closed"
    sent = tencent.calls("/cgi-bin/kf/send_msg")
    assert len(sent) == 5 and sent[0] == {
        "touser": "wmC1001",
        "open_kfid": "wk1",
        "msgtype": "text",
        "text": {"content": "第1条"},
        "msgid": "sug_0",
    }
    kf_state.customer_spoke("wk1", "wmC1001", time.time())  # the customer writes again: the window reopens
    outbox.kf_send_text("wk1", "wmC1001", "好的")
    kf_state.customer_spoke("wk2", "wmC1002", time.time() - 49 * 3600)  # 48 hours are over
    with pytest.raises(ConflictError):
        outbox.kf_send_text("wk2", "wmC1002", "还在吗")


def test_kf_send_failure_gives_the_slot_back(tencent: FakeTencent, kf_state: KfState) -> None:
    outbox = Outbox(api_for(tencent), kf_state=kf_state)
    kf_state.customer_spoke("wk1", "wmC1003", time.time())
    tencent.send_errcode = 95016
    with pytest.raises(ConflictError):
        outbox.kf_send_text("wk1", "wmC1003", "合同即将到期")
    tencent.send_errcode = 0
    for _ in range(5):  # all five slots are still there
        outbox.kf_send_text("wk1", "wmC1003", "合同即将到期")


@pytest.mark.redis
def test_config_errors_stay_config_errors_through_the_redis_cache(
    tencent: FakeTencent, redis_url: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    bad = WeComApi(
        ApiCredentials(tencent.corp_id, "wrong-secret", base_url=tencent.base_url),
        token_cache=RedisTokenCache(client),
    )
    with pytest.raises(UserError):
        bad.token()
    assert not client.exists(f"copilot:wecom:token:lock:{bad._token_key}")  # the refresh lock was released
