"""Session 21, actions: the step the conversation already asked for (an earlier customer turn: a fault reported before
the agent's question, a quote asked before a question about the promotion's deadline) stays on the card's top two while
nobody has taken it (agents.actions.thread.earlier_ask, agents.actions.playbook._the_earlier_ask), measured on new
conversations (tests/agents/data/actions_scratch_r21.yaml, written before the change; see its header for kinds). Per
tag: the cases whose first expected action is in the top 2 (innocents with forbidden actions: whose top 2 holds none
of them). Floors are the counts measured at the commit, on a clean copy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.actions.stance import bare_decline
from agents.actions.thread import earlier_ask
from tests.agents.scratch_suite import run_scratch_suite

DATA = Path(__file__).parent / "data" / "actions_scratch_r21.yaml"

SERVES = {
    "create_service_ticket": ["fault_report"],
    "send_quote": ["price_discount", "promotion_inquiry", "purchase_confirm"],
    "send_policy_document": ["warranty_inquiry", "refund_cancel"],
}


def _customer(text: str, actions: list[str], intent: str, **kw: Any) -> dict[str, Any]:
    return {"role": "customer", "text": text, "actions": actions, "intent": intent, "message_id": "m1", **kw}


def test_earlier_ask_is_the_last_longer_turns_own_step() -> None:
    fault = _customer("喂 我那台车 嗯 仪表上跳了个故障码 车有点抖", ["create_service_ticket"], "fault_report")
    rep_q = {"role": "rep", "text": "车现在还能正常开吗？"}
    got = earlier_ask([fault, rep_q], SERVES)
    assert got["action"] == "create_service_ticket" and got["intent"] == "fault_report"
    # a short answer to the rep's question is passed over
    short = _customer("能开 就是抖", ["send_policy_document"], "warranty_inquiry")
    assert earlier_ask([fault, rep_q, short, rep_q], SERVES)["action"] == "create_service_ticket"


def test_nothing_is_carried_past_the_reps_statement_or_a_decision() -> None:
    quote = _customer("麻烦按我们的情况出个报价，十台", ["send_quote"], "price_discount")
    assert earlier_ask([quote, {"role": "rep", "text": "报价单已经发到您邮箱了，请查收。"}], SERVES) == {}
    assert earlier_ask([quote, {"role": "decision", "kind": "accepted"}], SERVES) == {}


def test_a_step_off_the_earlier_reading_or_an_empty_card_carries_nothing() -> None:
    # the card's lead serves another intent than the turn was read as (a background rule's): not the turn's own step
    assert (
        earlier_ask([_customer("我那台车的保修到什么时候结束呢", ["send_quote"], "warranty_inquiry")], SERVES)
        == {}
    )
    assert earlier_ask([_customer("你好你好，我是上次来看车的那位客户", [], "greeting")], SERVES) == {}
    # a transcript the card asked to confirm: its reading was a guess
    voice = _customer(
        "喂 那个 车 嗯 仪表 跳了个 灯 有点抖", ["create_service_ticket"], "fault_report", uncertain=True
    )
    assert earlier_ask([voice], SERVES) == {}


def test_a_bare_decline_turns_down_what_was_on_the_table() -> None:
    assert bare_decline("算了 这批先不买了 你帮我看下上一单") == "算了"
    assert bare_decline("不需要了") == "不需要"
    assert bare_decline("we won't need it anymore")
    for text in (
        "我算了一下价格",
        "要不要拖车",
        "我老婆说不要了",
        "如果不买的话定金能退吗",
        "不用考虑价格帮我报个价",
    ):
        assert bare_decline(text) == "", text


@pytest.fixture(scope="module")
def scratch_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("actions-r21"))


def _top2(run: Any, tag: str) -> tuple[int, int]:
    ok = n = 0
    for case in run.cases:
        if tag not in (case.tags or []):
            continue
        n += 1
        turn = case.turns[-1]
        acts = [str(a.get("name")) for a in ((turn.suggestion or {}).get("actions") or [])][:2]
        expect = turn.expect or {}
        if expect.get("actions"):
            ok += expect["actions"][0]["name"] in acts
        else:
            ok += not set(expect.get("forbidden_actions") or []) & set(acts)
    return ok, n


# Measured on a clean copy (git archive HEAD + this change; tests/agents/data/actions_scratch_r21.yaml's header):
# before (HEAD 4cbc027, and again on 455bbbd) conv_fault 3/7, conv_quote 0/5, forwarded 2/4, bargain 2/4, innocent 7/8;
# after conv_fault 7/7, conv_quote 4/5 (cq03: its first turn is read as a delivery question, so the step carried is
# the order look-up), forwarded 2/4 and bargain 2/4 unchanged (not this mechanism: fw01 an open ticket the computed
# answer read; fw04 a confirmed order's refund; bg01/bg02 «付定金» read as a refund need), innocent 7/8 (in07: the
# refund a customer takes back stays second, before and after — it comes from the message's own 退 words)
CONV_FAULT, CONV_QUOTE, INNOCENT, FORWARDED, BARGAIN = 7, 4, 7, 2, 2


def test_the_conversations_step_stays_on_the_card(scratch_run: Any) -> None:
    ok, n = _top2(scratch_run, "conv_fault")
    assert n >= 7 and ok >= CONV_FAULT, (ok, n)
    ok, n = _top2(scratch_run, "conv_quote")
    assert n >= 5 and ok >= CONV_QUOTE, (ok, n)


def test_innocents_keep_their_card(scratch_run: Any) -> None:
    ok, n = _top2(scratch_run, "innocent")
    assert n >= 8 and ok >= INNOCENT, (ok, n)


def test_forwarded_and_bargaining_measured(scratch_run: Any) -> None:
    ok, n = _top2(scratch_run, "forwarded")
    assert n >= 4 and ok >= FORWARDED, (ok, n)
    ok, n = _top2(scratch_run, "bargain")
    assert n >= 4 and ok >= BARGAIN, (ok, n)
