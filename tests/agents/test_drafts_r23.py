"""Drafts as the customer reads them, round 23 (tests/agents/data/drafts_scratch_r23.yaml): NEW messages (other
customers, wordings and numbers than the review's repros and batch M; as_of 2026-12-14), written and measured on a clean
copy of 075b8b7 BEFORE the fixes, one block per KIND of draft a customer would not want (see the yaml's header):
- echo: the part of a multi-ask no fact answers is said to be checked without the customer's sentence said back (a
  judgement on staff, rude words, "do you guys" → "do we guys"): named by a taxonomy word of the tenant, else generic;
- until: an English request carrying "until" / "end" ("hold one for me until my bonus is paid") is no day question, so
  a date stated elsewhere does not answer it: it is said to be checked, never dropped;
- unasked: a price asked for the units pointed at («这4台», "these 4") gets no option total for another count;
- twice: one total is stated once (a lapsed package's re-purchase and the tier's package price of the same units);
- oncall: a caller saying they are another customer than the call's gets a refusal sentence and no account facts;
- tenoff: English "your terms say … 10% off" (the renewal's own 9折) gets no approval promise;
- late: a complaint about a passed promised day states the record's day, even when the facts computed are others.
Innocent look-alikes keep their behaviour. Floors are the counts measured at this round's commit (before → after in
each assert's comment). Run through the real graph (no LLM), as `copilot eval run … -c evals/configs/no-llm.yaml`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from contract.evidence import Evidence, EvidenceKind
from tests.agents.scratch_suite import must_mention_items, run_scratch_suite

DATA = Path(__file__).parent / "data" / "drafts_scratch_r23.yaml"
# a sum of five digits or more, written with a thousands comma (a date or a year is none)
SUM = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?![\d,])")


def drafts(run: Any) -> Iterator[tuple[Any, Any, str]]:
    for case in run.cases:
        for turn in case.turns:
            shown = turn.suggestion or {}
            yield case, turn, str((shown.get("draft") or {}).get("text") or "")


def failing(run: Any, tag: str, *, innocent: bool = False) -> list[str]:
    out = []
    for c, turn, _ in drafts(run):
        tags = c.tags or []
        if tag not in tags or ("innocent" in tags) is not innocent:
            continue
        if not all(ch["passed"] for ch in turn.checks if ch["name"] in ("must mention", "must not claim")):
            out.append(c.case_id)
    return out


def sums_twice(text: str) -> list[str]:
    """The sums a draft states more than once (the customer reads the same total twice)."""
    found = SUM.findall(re.sub(r"\[\d+\]", "", text))
    return sorted({s for s in found if found.count(s) > 1 and int(s.replace(",", "")) >= 10000})


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("drafts_r23"))


def test_set_shape(run: Any) -> None:
    assert len(run.cases) >= 28
    assert all(c.case_id.startswith("dr23-") for c in run.cases)
    assert all(not c.error for c in run.cases), [c.case_id for c in run.cases if c.error]
    assert sum("innocent" in (c.tags or []) for c in run.cases) >= 5


def test_the_customer_sentence_is_not_said_back(run: Any) -> None:
    # measured: before (075b8b7) 5 of 5 wrong («关于“问啥都说不知道”», «关于“…怎么又不认账了”», 'do we guys…',
    # 'we people can send one guy come…'); after 0. Innocents (a plain second ask) still get the "checking" line.
    assert failing(run, "echo") == []
    assert failing(run, "echo", innocent=True) == []


def test_an_until_request_is_not_dropped(run: Any) -> None:
    # measured: before 2 of 3 wrong (the hold request and the paperwork-at-month-end request vanished); after 0.
    # Innocent: "until when is my L5 covered" is the day asked and answered: no "other question" line.
    assert failing(run, "until") == []
    assert failing(run, "until", innocent=True) == []


def test_no_total_for_a_count_not_asked(run: Any) -> None:
    # measured: before 1 of 5 wrong (e: «按9台…» for «加上去年的5台一共9台，这4台什么价»; a, b, c, f: the reasoning step
    # added no option for those wordings); after 0. Innocent «6台还是8台» keeps both.
    assert failing(run, "unasked") == []
    assert failing(run, "unasked", innocent=True) == []


def test_one_total_said_once(run: Any) -> None:
    # measured: before 2 of 2 drafts stated the lapsed package's total twice (25,080 / 16,720); after 0
    twice = {c.case_id: sums_twice(text) for c, _, text in drafts(run) if "twice" in (c.tags or [])}
    assert all(not v for v in twice.values()), twice
    assert failing(run, "twice") == []
    # and across the whole set: before 5 drafts with a sum said twice, after 2 — both an option line restating the
    # unit price the main quote gave («按8台：单价 164,810 元，8 台合计…»: the same unit price at both counts; not fixed)
    assert {c.case_id for c, _, text in drafts(run) if sums_twice(text)} <= {
        "dr23-unasked-d-k009-innocent-alt",
        "dr23-order-b-k001-added",
    }


def test_a_caller_of_another_account_is_refused_in_words(run: Any) -> None:
    # measured: before 2 of 2 wrong (refused:not_on_call flagged, but the draft read the call's account facts to the
    # caller with no refusal sentence); after 0 (the refusal line, no account facts, no holder's name)
    assert failing(run, "oncall") == []
    for c, _, text in drafts(run):
        if "oncall" in (c.tags or []):
            assert "到期" not in text and "质保" not in text, (c.case_id, text)


def test_the_policy_rate_in_english_is_no_approval(run: Any) -> None:
    # measured: before 1 of 2 wrong (a: "It needs approval by the General Manager; until then I cannot agree to it");
    # after 0. Innocent plain haggle ("10% off the S7") keeps the approval line.
    assert failing(run, "tenoff") == []
    assert failing(run, "tenoff", innocent=True) == []


def test_a_passed_promised_day_is_stated(run: Any) -> None:
    # measured: before 1 of 2 wrong (b, English complaint: only the repair ticket read); after 0
    assert failing(run, "late") == []


def test_must_mention_floor(run: Any) -> None:
    hit, total = must_mention_items(run)
    # measured: before 16/22 (after the yaml's last expectation fix), after 21/22 (order-c: the reasoning step reads
    # «再加2台» as the order's units and quotes 2 — not the draft's)
    assert total >= 22
    assert hit >= 21, (hit, total)


# ---------------------------------------------------------------------- the mechanisms, row by row


def _fact(content: str, **lineage: Any) -> Evidence:
    return Evidence(
        id=f"computed_fact:{abs(hash(content)) % 10**8}",
        kind=EvidenceKind.COMPUTED_FACT,
        title="t",
        content=content,
        source_ids={"tool": "x"},
        lineage=lineage,
    )


@pytest.mark.parametrize(
    ("statement", "told", "restated"),
    [
        # the same total and unit price, a list price of its own: a copy
        (
            "贵司2025年整车采购 6 台，属A1阶梯，套餐 2,200 元/台/年，折后 2,090 元/台/年，12 台合计 25,080 元",
            "已于2026年5月31日到期，重新购买，每台 2,090 元，12 台合计 25,080 元",
            True,
        ),
        # a new total: an option, kept
        ("按8台：单价 164,810 元，8 台合计 1,318,480 元", "折后单价 164,810 元，6 台合计 988,860 元", False),
        # one amount said before (the list price it starts from) beside its own result: kept
        (
            "The 10% you asked for (CNY 22,580 on the list price of CNY 225,800) is beyond what I can grant",
            "list price CNY 225,800, after the cut CNY 217,800",
            False,
        ),
        # a lone small amount: never
        ("定金 5,000 元", "立减 5,000 元", False),
    ],
)
def test_a_restated_result(statement: str, told: str, restated: bool) -> None:
    from agents.drafting.template import _result_restated

    assert _result_restated(statement, told) is restated


def test_options_not_asked_and_options_after_main() -> None:
    from agents.drafting.template import _options_after_main, _without_unasked_options

    main = (_fact("main"), "贵司…折后单价 155,006 元，4 台合计 620,024 元")
    opt = (_fact("opt"), "按9台：单价 155,006 元，9 台合计 1,395,054 元")
    assert _without_unasked_options([main, opt], "X7这次再要4台，加上去年的5台一共9台，这4台什么价？") == [
        main
    ]
    assert _without_unasked_options([main, opt], "We add 4, that makes 9 in all. How much for these 4?") == [
        main
    ]
    # the message weighs the counts: every option is asked
    assert _without_unasked_options([main, opt], "这4台还是凑9台，哪个划算？") == [main, opt]
    assert _without_unasked_options([main, opt], "X7要4台，假如再加5台凑9台呢？") == [main, opt]
    # no count pointed at: unchanged
    assert _without_unasked_options([main, opt], "先按4台报，再加5台凑9台多少钱？") == [main, opt]
    assert _options_after_main([opt, main]) == [main, opt]
    assert _options_after_main([opt]) == [opt]


@pytest.mark.parametrize(
    ("asked", "form", "has"),
    [
        ("10%", "9折", True),
        ("10%", "九折", True),
        ("10%", "10 percent", True),
        ("20%", "8折", True),
        ("9折", "九折", True),
    ],
)
def test_rate_forms(asked: str, form: str, has: bool) -> None:
    from agents.drafting.template import _rate_forms

    assert (form in _rate_forms(asked)) is has


@pytest.mark.parametrize(
    ("question", "day_asked"),
    [
        ("Until when is my car covered?", True),
        ("When does the contract expire?", True),
        ("Is there a last day to order?", True),
        ("And could you keep one aside for me until my bonus is paid?", False),
        ("Can I sign the paperwork at the end of the month instead?", False),
        ("Would you lend us a van till ours is repaired?", False),
    ],
)
def test_a_day_question_asks_a_day(question: str, day_asked: bool) -> None:
    from agents.drafting.template import DAY_ASKED_EN

    assert bool(DAY_ASKED_EN.search(question)) is day_asked


def test_the_subject_in_the_products_words() -> None:
    from agents.drafting.template import OTHER_QUESTION_ZH, _other_question_en, _other_question_zh

    words = ("交车", "保养", "delivery", "warranty", "多少钱", "how much")
    assert _other_question_zh(["能不能赶在元旦前一起交车"], words) == "关于交车的问题，我确认后尽快回复您。"
    # a judgement on a person or rude words: no taxonomy word, the generic line, never the words
    assert _other_question_zh(["你们那个小伙子是不是刚来的，问啥都说不知道？"], words) == OTHER_QUESTION_ZH
    # a way of asking is no subject
    assert _other_question_zh(["那个多少钱？"], words) == OTHER_QUESTION_ZH
    out = _other_question_en(["And do you guys also do home delivery?"], words)
    assert out == " On your question about delivery, I will check and get back to you shortly."
    assert "guys" not in out
    assert _other_question_en(["you people send one guy come or no?"], words) == (
        " On your other question, I will check and get back to you shortly."
    )


def _record(content: str) -> Evidence:
    return Evidence(
        id=f"customer_fact:{abs(hash(content)) % 10**8}",
        kind=EvidenceKind.CUSTOMER_FACT,
        title="r",
        content=content,
        source_ids={},
    )


@pytest.mark.parametrize(
    ("text", "records", "said"),
    [
        (
            "定好的提车时间早过了，车还是没见着",
            ["订单 AB-2611-009 确认交车日期 = 2026-12-08", "订单 AB-2611-009 状态 = confirmed"],
            "您的订单 AB-2611-009 确认交车日期为2026年12月8日，这个日期已经过了",
        ),
        # a finished record is awaited no more
        (
            "定好的提车时间早过了，车还是没见着",
            ["订单 AB-2611-009 确认交车日期 = 2026-12-08", "订单 AB-2611-009 状态 = delivered"],
            "",
        ),
        # a term that ended is no promise awaited
        ("说好的套餐到现在还没续上", ["合同 SC-X-1 到期日 = 2026-05-31"], ""),
        # no wait, no promise: nothing said
        ("AB-2611-009 的交车日期是哪天？", ["订单 AB-2611-009 确认交车日期 = 2026-12-08"], ""),
        # the day named must be the record's
        ("说好5号交车，到现在还没动静", ["订单 AB-2611-009 确认交车日期 = 2026-12-08"], ""),
    ],
)
def test_an_awaited_record_day(text: str, records: list[str], said: str) -> None:
    from agents.drafting.plan import TenantVoice
    from agents.drafting.template import Composition, _awaited_day_sentence, _awaited_record_day

    c = Composition(
        lang="zh",
        evidence=[_record(r) for r in records],
        actions=[],
        contact=None,
        voice=TenantVoice(company="c", persona="p", tone="t", sign_off=""),
        next_steps={},
        customer_text=text,
        today=date(2026, 12, 14),
    )
    found = _awaited_record_day(c)
    assert (_awaited_day_sentence(found, en=False) if found else "") == said


@pytest.mark.parametrize(
    ("statement", "told", "out"),
    [
        # the same total named again right after it
        (
            "单价 157,618 元，20 台合计 3,152,360 元，订单金额 3,152,360 元超过300万元，须报总经理审批",
            "",
            "单价 157,618 元，20 台合计 3,152,360 元，超过300万元，须报总经理审批",
        ),
        # another amount under another name stays
        (
            "20 台合计 3,152,360 元，订单金额 3,100,000 元超过300万元",
            "",
            "20 台合计 3,152,360 元，订单金额 3,100,000 元超过300万元",
        ),
        # the base an amount is worked out from, said the sentence before
        (
            "您提到的3%（按X7指导价 225,800 元计，优惠 6,774 元），超出了我可以直接给的范围",
            "X7指导价 225,800 元，立减后 217,800 元",
            "您提到的3%（优惠 6,774 元），超出了我可以直接给的范围",
        ),
        # … not said before: it stays
        (
            "您提到的3%（按X7指导价 225,800 元计，优惠 6,774 元），超出了我可以直接给的范围",
            "Z5指导价 159,800 元",
            "您提到的3%（按X7指导价 225,800 元计，优惠 6,774 元），超出了我可以直接给的范围",
        ),
        (
            "The 10% discount you asked for (CNY 22,580 on the X7 list price of CNY 225,800) is beyond what I can grant",
            "X7 list price CNY 225,800, after the cut CNY 217,800",
            "The 10% discount you asked for (CNY 22,580) is beyond what I can grant",
        ),
    ],
)
def test_an_amount_said_once_in_a_sentence(statement: str, told: str, out: str) -> None:
    from agents.drafting.template import _without_amount_echo, _without_told_base

    assert _without_told_base(_without_amount_echo(statement), told) == out


def test_of_two_same_results_the_one_with_the_case_stays() -> None:
    from agents.drafting.template import _without_same_result

    tier = (
        _fact("tier"),
        "贵司上年采购 6 台，属A1阶梯，折扣 5%，套餐 2,200 元/台/年，折后 2,090 元/台/年，10 台合计 20,900 元",
    )
    lapsed = (
        _fact("lapsed"),
        "您的套餐（SC-X-1）已于2026年5月31日到期，重新购买，每台 2,090 元，10 台合计 20,900 元",
    )
    other = (_fact("other"), "按12台：单价 2,090 元，12 台合计 25,080 元")
    assert _without_same_result([tier, lapsed, other]) == [lapsed, other]
    assert _without_same_result([lapsed, tier]) == [lapsed]
    assert _without_same_result([tier, other]) == [tier, other]
