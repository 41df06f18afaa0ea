"""Canaries end to end for session 12's name fixes (tests/privacy/test_name_carry_r12.py): common names the dictionary
also holds as words (李强, 王明, 马超) planted in a voice call (a role noun then the ASR's space: 客户 李强 说…) and a
WeCom chat (a self-introduction), then named bare in later turns. Through the real graph onto a real SQLite ledger and
a masked checkpointer: no planted name in the ledger's payloads (drafts included) or the checkpoints, each masked
(not dropped), the raw values in the vault only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from contract.messages import InboundMessage, TextPart, VoicePart
from contract.ports import Actor
from tests.privacy.test_subject_requests import stack as _stack  # noqa: F401 - the same real stack

REP = Actor(id="rep_zhang", role="rep")
CALL = [  # a voice call: the role noun, a space, the name; then the name bare
    "嗯 喂 你好 客户 李强 说 想 问下 返点 政策",
    "对 李强 下周 来 提车 返点 怎么 算",
    "嗯 那个 马超 是 李强 的 同事 客户 马超 说 也 想 了解",
    "好 让 马超 跟 李强 一起 来",
    "合同得 李强 签",  # review of ccef4a5: 得 as the modal "must" before a carried name
]
CHAT = [
    "您好，我是王明，上次说的返点政策麻烦再发一下🙏",
    "王明这边想确认下返点什么时候到账",
    "好的，王明明天过来签字",
    "这个得王明签字才行",
]
PLANTED = ("李强", "马超", "王明")


@pytest.fixture
def stack(_stack: Any) -> Iterator[Any]:  # noqa: F811
    yield _stack


def _send(copilot: Any, conversation: str, channel: str, turns: list[str]) -> None:
    for n, text in enumerate(turns):
        part = VoicePart(transcript=text, format="pcm16") if channel == "voice" else TextPart(text=text)
        msg = InboundMessage(tenant="demo", channel=channel, conversation_id=conversation, message_id=f"{conversation}-{n}",
                             customer_ref="C1001", rep_ref="rep_zhang", parts=[part])  # fmt: skip
        assert copilot.handle(msg, REP) is not None


def test_planted_common_names_never_reach_the_ledger_drafts_or_checkpoints(stack: Any) -> None:
    copilot, ledger, saver, vault, tmp_path = stack
    _send(copilot, "call-r12", "voice", CALL)
    _send(copilot, "wecom-r12", "wecom_kf", CHAT)
    entries = ledger.find(customer="C1001")
    assert len(entries) >= len(CALL) + len(CHAT)
    payload = json.dumps([e.payload for e in entries], ensure_ascii=False)
    drafts = json.dumps([e.payload.get("suggestion", {}).get("draft") for e in entries], ensure_ascii=False)
    for name in PLANTED:
        assert name not in payload, name
        assert name not in drafts, name
    assert payload.count("<PERSON_") >= len(CALL) + len(CHAT)  # masked in every turn, not dropped
    saver.conn.commit()
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("checkpoints.sqlite*")).decode(
        "utf-8", errors="ignore"
    )
    assert [n for n in PLANTED if n in on_disk] == []
    held = set(vault.values("demo:call-r12").values()) | set(vault.values("demo:wecom-r12").values())
    assert set(PLANTED) <= held
