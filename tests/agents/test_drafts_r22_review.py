"""Review r1 (session 22) of the draft commit e04ca17, M2 and M3, as the customer reads the draft
(tests/agents/data/drafts_review_r22.yaml, as_of 2026-12-10, real graph, no LLM):
- M2: a rate the customer calls "the policy's" is answered by quoting a clause only when that clause is one another
  computed fact of this answer was computed from or cites (the renewal price's own clause). A car discount, a retail
  package holder, or a rhetorical «不是…吗» / a policy word in another sentence keeps the over-authority line and
  «…审批». Before, any clause containing the same rate was quoted (the fleet package's renewal 9折 for a car 9折).
- M3: «这个日期已经过了» only for a day promised to the customer: the day the message names (8号, "the 8th") must be the
  record's day; with no day named, the record's day must be a confirmed / agreed / due one, never a ticket's report day.
Measured on clean copies, before = bf664d4 (HEAD), after = bf664d4 + this change, 13 cases:
  wrong before 7/13 (rv-a4, rv-g2, rv-d10, m2-k010 quoted the fleet package clause and lost «审批»; rv-a3, m3-k001 said
  a ticket's report day «已经过了»; m3-k002-wrong-day said the 8th passed when the 5th was promised) → after 0/13;
  innocents (rv-a6 the renewal clause quoted in its window, m2-k008 lapsed renewal, rv-a1 / m3-k002-no-day a passed
  confirmed delivery day, m2-p003 / m2-k004 a plain over-authority car rate) right before and after."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.agents.scratch_suite import run_scratch_suite

DATA = Path(__file__).parent / "data" / "drafts_review_r22.yaml"
QUOTE = "条款原文"
PASSED = "这个日期已经过了"

# case id → (phrases the draft must hold, phrases it must not hold)
TABLE: dict[str, tuple[list[str], list[str]]] = {
    # M2 reviewer repros: a car / retail-package rate is no quote of the fleet package clause
    "rv-a4-p007-policy-car": (["审批"], [QUOTE]),
    "rv-g2-k012-rhetorical-car": (["审批"], [QUOTE]),
    "rv-d10-p009-retail-package": (["审批"], [QUOTE, "车队保养套餐"]),
    # M2 fresh variants
    "m2-p003-rules-l5": (["审批"], [QUOTE]),
    "m2-k004-policy-t3": (["审批"], [QUOTE]),
    "m2-k010-other-sentence": (["审批"], [QUOTE]),
    # M2 innocents: the renewal's own clause is still quoted / the lapsed renewal still said, no approval
    "rv-a6-k003-window": ([QUOTE, "1,980"], ["审批"]),
    "m2-k008-lapsed": (["已于2026年5月31日到期"], ["审批"]),
    # M3 repro and variants: a ticket's report day, a day other than the one promised
    "rv-a3-k001-ticket": (["TK-2611-0158"], [PASSED]),
    "m3-k001-ticket-promised-call": (["TK-2611-0158"], [PASSED]),
    "m3-k002-wrong-day": (["2026年12月8日"], [PASSED]),
    # M3 innocents: a confirmed delivery day that has passed
    "rv-a1-k002-late": (["抱歉", "2026年12月8日，" + PASSED], []),
    "m3-k002-no-day": (["抱歉", "2026年12月8日，" + PASSED], []),
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("drafts_r22_review"))


def _drafts(run: Any) -> dict[str, str]:
    out = {}
    for case in run.cases:
        shown = case.turns[0].suggestion or {}
        out[case.case_id] = str((shown.get("draft") or {}).get("text") or "")
    return out


def test_every_row_has_a_case(run: Any) -> None:
    assert {c.case_id for c in run.cases} == set(TABLE)
    assert all(not c.error for c in run.cases), [c.case_id for c in run.cases if c.error]


@pytest.mark.parametrize("case_id", sorted(TABLE))
def test_the_draft(run: Any, case_id: str) -> None:
    draft = _drafts(run)[case_id]
    must, must_not = TABLE[case_id]
    assert all(p in draft for p in must), (case_id, draft)
    assert not any(p in draft for p in must_not), (case_id, draft)


# ---------------------------------------------------------------------------------------------------- the mechanisms


def _ev(kind: str, content: str, **kw: Any) -> Any:
    from contract.evidence import Evidence, EvidenceKind

    return Evidence(
        id=kw.pop("id", f"{kind}:x"),
        kind=EvidenceKind(kind),
        title="t",
        content=content,
        source_ids=kw.pop("source_ids", {}),
        lineage=kw,
    )


def _comp(text: str, evidence: list[Any], **kw: Any) -> Any:
    from agents.drafting.plan import TenantVoice
    from agents.drafting.template import Composition

    return Composition(
        lang="zh",
        evidence=evidence,
        actions=[],
        contact=None,
        voice=TenantVoice(),
        next_steps={},
        customer_text=text,
        **kw,
    )


CLAUSE = "第九条 套餐到期前30日起至到期日止续购的，续购价格享9折，即1980元/台/年。"


@pytest.mark.parametrize(
    ("text", "used", "quoted"),
    [
        ("条款写了续购打9折，按9折续吧", True, True),  # the renewal price's own clause
        ("条款写了续购打9折，按9折续吧", False, False),  # no fact of this answer is about that clause
        ("你们不是说老客户有优惠吗？X7给我打9折行不行", True, False),  # «不是…吗» of something else
        ("条款我都看过了，没问题。X7能不能按9折给？", True, False),  # a policy word in another sentence
        ("续购不是能享9折吗？", True, True),
    ],
)
def test_a_clause_is_quoted_only_when_the_answer_is_about_it(text: str, used: bool, quoted: bool) -> None:
    from agents.drafting.template import _policy_rate_quoted
    from agents.reasoning.config import AUTHORITY_TOOL

    clause = _ev(
        "policy_clause",
        CLAUSE,
        id="policy_clause:9",
        source_ids={"doc_id": "terms", "version": "1.0", "clause": "第九条"},
    )
    authority = _ev(
        "computed_fact",
        "x",
        id="computed_fact:auth",
        inputs=[{"field": "message.requested_discount", "value": "9折"}],
        source_ids={"tool": AUTHORITY_TOOL, "doc_id": "authority"},
    )
    other = _ev(
        "computed_fact",
        "续购价为 1,980 元/台/年" if used else "X7 指导价 100,000 元",
        id="computed_fact:other",
        inputs=[{"evidence_id": "policy_clause:9" if used else "policy_clause:price", "kind": "policy"}],
        source_ids={"tool": "crm_record"},
    )
    got = _policy_rate_quoted(authority, _comp(text, [clause, authority, other]))
    assert (got is not None) is quoted


@pytest.mark.parametrize(
    ("content", "text", "passed"),
    [
        ("您的订单 AB-1 确认的交车日期为2026年12月8日", "说好8号交车，到现在还没动静", True),
        ("您的订单 AB-1 确认的交车日期为2026年12月8日", "不是定的12月8日吗？到现在还没消息", True),
        (
            "您的订单 AB-1 确认的交车日期为2026年12月8日",
            "说好的日子都过了，到现在还没见着",
            True,
        ),  # no day named
        (
            "您的订单 AB-1 确认的交车日期为2026年12月8日",
            "说好5号就能到，到现在还没消息",
            False,
        ),  # another day
        (
            "您的订单 AB-1 确认的交车日期为2026年12月8日",
            "They were supposed to arrive on the 8th, still nothing",
            True,
        ),
        (
            "您的订单 AB-1 确认的交车日期为2026年12月8日",
            "Supposed to come on December 5, still nothing",
            False,
        ),
        (
            "您的工单 TK-1 于2026年11月19日报修，已 21 天，目前待处理",
            "说好的三天内给答复，到现在还没动静",
            False,
        ),
        (
            "您的工单 TK-1 于2026年11月19日报修，已 21 天，目前待处理",
            "你们答应当天回电话，到现在也没消息",
            False,
        ),
        (
            "您的订单 AB-2 于2026年11月2日下单，目前待处理",
            "说好尽快安排的，到现在还没消息",
            False,
        ),  # placed day
    ],
)
def test_only_a_promised_day_has_passed(content: str, text: str, passed: bool) -> None:
    from agents.drafting.template import _past_record_day

    ev = _ev("computed_fact", content, cite_evidence_ids=["customer_fact:1"])
    assert _past_record_day(ev, "", _comp(text, [ev], today=date(2026, 12, 11))) is passed
