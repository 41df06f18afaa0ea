"""Who says an intent, as a descriptions-only taxonomy says it (agents/understanding/described.py `senders_of`):
a description whose rep's ask has a clause of its own after the customer's part is said by both. Model-free; the
descriptions are written for this test."""

from __future__ import annotations

from agents.tenant import IntentCues, IntentSpec
from agents.understanding.described import senders_of, staff_clause


def spec(description: str, **kw: object) -> IntentSpec:
    return IntentSpec(name="x", label_zh="某意图", description=description, **kw)  # type: ignore[arg-type]


def test_a_reps_ask_in_a_clause_of_its_own_makes_a_shared_intent() -> None:
    shared = spec("询问退货能退多少，或销售询问客户退货时运费谁出")
    assert senders_of(shared) == ["customer", "rep_ask"]
    assert staff_clause(shared) == "或销售询问客户退货时运费谁出"
    assert senders_of(spec("Asks about the lease terms, or a rep asks whether a term can be waived")) == [
        "customer",
        "rep_ask",
    ]


def test_a_staff_word_that_asks_nothing_says_no_sender() -> None:
    # the rep is what the customer complains about, not who asks
    assert senders_of(spec("对服务、响应速度或销售人员表示不满、要求赔偿")) == []
    assert senders_of(spec("询问交货日期")) == []


def test_declared_and_assistant_addressed_senders_come_first() -> None:
    assert senders_of(spec("销售让助手查询某个客户的订单（发给助手，不是发给客户）")) == ["rep_ask"]
    declared = spec("询问价格，或销售询问某个折扣能不能批", cues=IntentCues(senders=["customer"]))
    assert senders_of(declared) == ["customer"]
