"""End to end through the routes: Tencent's retries make one row, a down queue makes 503 + Retry-After, and
kf_msg_or_event pulls every page of sync_msg from a persisted cursor."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from channels import CallbackCredentials, SqliteInbox, SqliteKfState
from contract.errors import BackendUnavailable
from contract.messages import InboundMessage
from tests.channels.wecom_fakes import DOC, Clock, FakeTencent, encrypted_post, make_runtime, text_xml

NOW = 1764470000
CREDS = CallbackCredentials(DOC["token"], DOC["aes_key"], DOC["corp_id"])
PATH = "/channels/wecom/callback"
KFID = "wkDemoKf0001"
CUSTOMER = "wmC1001NingboKangda"


def test_same_msgid_retried_three_times_is_one_row(inbox: SqliteInbox) -> None:
    app, _ = make_runtime(inbox, clock=Clock(NOW))
    client = TestClient(app)
    xml = text_xml("4561255354251345929", "这个型号的代理商返点政策能再发一遍吗?")
    params, body = encrypted_post(CREDS, xml, str(NOW), "first")
    for _ in range(3):  # Tencent re-sends the identical request after a timeout
        assert client.post(PATH, params=params, content=body).status_code == 200
    for nonce in ("second", "third"):  # or re-encrypts with a fresh nonce: MsgId still dedupes
        params, body = encrypted_post(CREDS, xml, str(NOW + 5), nonce)
        assert client.post(PATH, params=params, content=body).status_code == 200
    assert inbox.stats()["total"] == 1


def test_events_dedupe_by_sender_and_create_time(inbox: SqliteInbox) -> None:
    app, _ = make_runtime(inbox, clock=Clock(NOW))
    client = TestClient(app)
    event = (
        "<xml><ToUserName>x</ToUserName><FromUserName>rep_li</FromUserName><CreateTime>1764469990</CreateTime>"
        "<MsgType>event</MsgType><Event>enter_agent</Event><EventKey></EventKey><AgentID>1</AgentID></xml>"
    )
    for nonce in ("a", "b"):
        params, body = encrypted_post(CREDS, event, str(NOW), nonce)
        assert client.post(PATH, params=params, content=body).status_code == 200
    [(_, msg)] = inbox.claim("w", 5)
    assert msg.parts[0].event == "enter_agent" and msg.sender == "system"


class FlakyInbox:
    """A queue that is down for the first call, then up (a Redis failover, a locked disk)."""

    def __init__(self, real: SqliteInbox) -> None:
        self.real, self.calls = real, 0

    def accept(self, msg: InboundMessage) -> bool:
        self.calls += 1
        if self.calls == 1:
            raise BackendUnavailable("queue down", reason="inbox_unavailable")
        return self.real.accept(msg)


def test_queue_down_is_503_with_retry_after_and_the_retry_lands(inbox: SqliteInbox) -> None:
    app, _ = make_runtime(FlakyInbox(inbox), clock=Clock(NOW))
    client = TestClient(app)
    params, body = encrypted_post(CREDS, text_xml("42", "发货了吗?"), str(NOW), "n1")
    first = client.post(PATH, params=params, content=body)
    assert first.status_code == 503 and first.headers["retry-after"] == "2"
    assert first.json()["reason"] == "inbox_unavailable"
    assert client.post(PATH, params=params, content=body).status_code == 200  # Tencent's identical retry
    assert inbox.stats()["total"] == 1


def kf_item(msgid: str, text: str, origin: int = 3) -> dict:
    return {
        "msgid": msgid,
        "open_kfid": KFID,
        "external_userid": CUSTOMER,
        "send_time": NOW - 10,
        "origin": origin,
        "msgtype": "text",
        "text": {"content": text},
    }


def kf_callback(token: str = "ENCApHxnGDNAVNY4AaSJKj4Tb5mw") -> str:  # noqa: S107 - a kf callback token sample
    return (
        f"<xml><ToUserName><![CDATA[{DOC['corp_id']}]]></ToUserName><CreateTime>{NOW}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
        f"<Token><![CDATA[{token}]]></Token><OpenKfId><![CDATA[{KFID}]]></OpenKfId></xml>"
    )


def test_kf_sync_pages_until_has_more_is_zero(
    inbox: SqliteInbox, tencent: FakeTencent, tmp_path: Path
) -> None:
    tencent.kf_pages = {
        "": {
            "next_cursor": "c1",
            "has_more": 1,
            "msg_list": [kf_item("k1", "返点政策能再发一遍吗?"), kf_item("k2", "[捂脸]")],
        },
        "c1": {"next_cursor": "c2", "has_more": 1, "msg_list": []},  # empty page, still has_more
        "c2": {
            "next_cursor": "c3",
            "has_more": 0,
            "msg_list": [
                kf_item("k2", "[捂脸]"),  # repeated across pages: dedupe by msgid
                {
                    "msgid": "k3",
                    "send_time": NOW,
                    "origin": 4,
                    "msgtype": "event",
                    "event": {
                        "event_type": "enter_session",
                        "open_kfid": KFID,
                        "external_userid": CUSTOMER,
                        "scene": "dealer",
                    },
                },
                {
                    "msgid": "k4",
                    "send_time": NOW,
                    "origin": 3,
                    "open_kfid": KFID,
                    "external_userid": CUSTOMER,
                    "msgtype": "channels",
                    "channels": {"title": "视频号"},
                },
            ],
        },
        "c3": {"next_cursor": "c4", "has_more": 0, "msg_list": [kf_item("k5", "好的，谢谢")]},
    }
    state_path = str(tmp_path / "kf.sqlite")
    app, runtime = make_runtime(inbox, clock=Clock(NOW), tencent=tencent, state_path=state_path)
    with TestClient(app) as client:
        params, body = encrypted_post(CREDS, kf_callback(), str(NOW), "kf1")
        assert client.post(PATH, params=params, content=body).status_code == 200
        client.portal.call(runtime.handler.drain)

        calls = tencent.calls("/cgi-bin/kf/sync_msg")
        assert [c["cursor"] for c in calls] == ["", "c1", "c2"]
        assert all(c["voice_format"] == 0 and c["open_kfid"] == KFID for c in calls)
        assert calls[0]["token"] == "ENCApHxnGDNAVNY4AaSJKj4Tb5mw"
        got = [m.message_id for _, m in inbox.claim("w", 10)]
        assert sorted(got) == ["k1"]  # one in flight per conversation
        assert inbox.stats()["total"] == 3  # k1, k2, k3
        assert [s["reason"] for s in inbox.skipped()] == ["unsupported_type:channels"]

        # a restart keeps the cursor: the next trigger starts at c3
        assert SqliteKfState(state_path).cursor(KFID) == "c3"
        params, body = encrypted_post(CREDS, kf_callback("T2"), str(NOW), "kf2")
        assert client.post(PATH, params=params, content=body).status_code == 200
        client.portal.call(runtime.handler.drain)
    assert tencent.calls("/cgi-bin/kf/sync_msg")[-1]["cursor"] == "c3"
    assert inbox.stats()["total"] == 4
    assert SqliteKfState(state_path).cursor(KFID) == "c4"


def test_kf_sync_with_the_queue_down_keeps_the_cursor(tencent: FakeTencent, inbox: SqliteInbox) -> None:
    tencent.kf_pages = {"": {"next_cursor": "c1", "has_more": 0, "msg_list": [kf_item("k1", "在吗")]}}
    _, runtime = make_runtime(FlakyInbox(inbox), clock=Clock(NOW), tencent=tencent)
    assert runtime.kf_syncer is not None
    try:
        runtime.kf_syncer.sync(KFID, "tok")
        raise AssertionError("expected BackendUnavailable")
    except BackendUnavailable:
        pass
    assert runtime.kf_state.cursor(KFID) == ""  # the page will be read again
    report = runtime.kf_syncer.sync(KFID, "tok")
    assert (report.accepted, runtime.kf_state.cursor(KFID)) == (1, "c1")


def test_group_commit_on_the_loop_dedupes_too(inbox: SqliteInbox) -> None:
    from fastapi import FastAPI

    from channels import CallbackPolicy, ChannelConfig, build_channels

    config = ChannelConfig(
        tenant="demo", wecom=CREDS, policy=CallbackPolicy(clock=Clock(NOW), commit_on_loop=True)
    )
    app = FastAPI()
    app.include_router(build_channels(inbox, config).router, prefix="/channels")
    client = TestClient(app)
    for i, nonce in enumerate(("a", "b", "c")):
        xml = text_xml("8801" if i < 2 else "8802", "脊柱耗材的返点怎么算?")
        params, body = encrypted_post(CREDS, xml, str(NOW), nonce)
        assert client.post(PATH, params=params, content=body).status_code == 200
    assert [m.message_id for _, m in inbox.claim("w", 5)] == ["8801"]  # one conversation: one in flight
    assert inbox.stats()["total"] == 2


def test_accept_many_reports_in_batch_repeats_once(inbox: SqliteInbox) -> None:
    from tests.channels.test_channels_inbox import message

    assert inbox.accept_many([message("x1"), message("x1"), message("x2")]) == [True, False, True]
    assert inbox.accept_many([message("x2"), message("x3")]) == [False, True]
