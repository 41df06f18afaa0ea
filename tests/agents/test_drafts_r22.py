"""Drafts as the customer reads them, round 22 (tests/agents/data/drafts_scratch_r22.yaml): NEW messages (other
customers, wording and channels than batch L's misses; a new clock, as_of 2026-12-11), written and measured on a clean
copy of f193a6c BEFORE the fixes, one block per KIND of draft a customer would not want (see the yaml's header):
- late: a delivery day of their own record has passed and they are still waiting: sorry, and the day is said to be past;
- ended: an answer that only says an offer is not theirs (ended, another region) closes with no quote or registration;
- partly: the part of a multi-ask no fact answers is named in the customer's words, not «您提到的其他问题»;
- days: a day count computed and asked for («还剩多少天», "how many days") is said;
- quoted: a rate the customer quotes from the policy («条款写了续购9折») is answered from the clause, never «需要…审批»;
- other: «另外 / 其他» of their own things gets no confidentiality line (authorization's screen: measured, not fixed here);
- English drafts carry no Chinese characters or punctuation.
Innocent look-alikes of each kind must keep their behaviour. Floors are the counts measured at this round's commit.
Run through the real graph (no LLM), as `copilot eval run … -c evals/configs/no-llm.yaml` does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.agents.scratch_suite import must_mention_items, run_scratch_suite

DATA = Path(__file__).parent / "data" / "drafts_scratch_r22.yaml"
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef《》“”]")


def drafts(run: Any) -> Iterator[tuple[Any, Any, str]]:
    """Every customer turn's draft."""
    for case in run.cases:
        for turn in case.turns:
            if getattr(turn, "sender", "customer") not in ("customer", None, ""):
                continue
            shown = turn.suggestion or {}
            yield case, turn, str((shown.get("draft") or {}).get("text") or "")


def failing(run: Any, tag: str, *, innocent: bool = False) -> list[str]:
    """The cases of a block (its innocents, or the others) with a failed must-mention or must-not-claim check."""
    out = []
    for c, turn, _ in drafts(run):
        tags = c.tags or []
        if tag not in tags or ("innocent" in tags) is not innocent:
            continue
        if not all(ch["passed"] for ch in turn.checks if ch["name"] in ("must mention", "must not claim")):
            out.append(c.case_id)
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("drafts_r22"))


def test_set_shape(run: Any) -> None:
    assert len(run.cases) >= 30
    assert all(c.case_id.startswith("dr22-") for c in run.cases)
    assert all(not c.error for c in run.cases), [c.case_id for c in run.cases if c.error]
    assert sum("innocent" in (c.tags or []) for c in run.cases) >= 8


def test_a_passed_delivery_day_is_apologised_for(run: Any) -> None:
    bad = failing(run, "late")
    # measured: before (f193a6c, clean copy) 4 of 4 wrong (the 8th read back as if nothing were wrong; the calm ask and
    # the call got no apology; English no fact at all); after 0 (English: the record's sentence has no English
    # wording, so which record, its day and that it has passed are said in English).
    # Since 158ee3a (intent) late-a reads as a complaint and computes only an unrelated repair ticket; at bf664d4 it
    # passed only by the review's M3 bug (the ticket's REPORT day said «这个日期已经过了»); after the M3 fix it fails
    # honestly (the order's day is not computed: intent/reasoning, not the draft). 0 → 1 wrong, by that case alone.
    assert set(bad) <= {"dr22-late-a-k002-angry"}, bad
    assert not failing(run, "late", innocent=True)  # a pending order with no day: no apology, no «延误»


def test_an_ended_offer_is_not_followed_by_a_quote(run: Any) -> None:
    bad = failing(run, "ended")
    # measured: before 4 of 4 wrong; after 3: b, c, d get no offer fact at all (intent / reasoning: the ended
    # promotion is not looked up for «保养季工时打八折» from a fleet, a battery 九折, or in English) — the step after
    # an answer that only says an offer is not theirs is no longer a quote (L: l-promo-p006)
    assert len(bad) <= 3, bad
    assert not failing(run, "ended", innocent=True)


def test_the_part_not_answered_is_named(run: Any) -> None:
    bad = failing(run, "partly")
    # measured: before 4 of 4 wrong («您提到的其他问题» twice, nothing said of the on-site ask, a refusal); after 2: c (the
    # on-site ask shares «保养» with the package facts, so it reads answered) and d (refused not_account_holder:
    # "can my husband use it" — authorization)
    assert len(bad) <= 2 + 2, bad
    # Session 23 (review r1 m5, tests/agents/test_drafts_r23.py): the customer's sentence is no longer said back — it
    # echoed judgements on staff, rude words and broken English. The part is named by a taxonomy word of the tenant
    # («关于交车的问题»), else the generic line: a (invoice title) and b (opening hours) name no such word, so their
    # «抬头» / «营业» items now fail: 2 → 4 wrong, by those two alone.
    assert set(bad) <= {
        "dr22-partly-a-k007-invoice",
        "dr22-partly-b-p009-hours",
        "dr22-partly-c-k003-voice-onsite",
        "dr22-partly-d-p002-english-husband",
    }, bad
    assert not failing(run, "partly", innocent=True)  # all answered, «刚才说到哪了»: nothing of the kind


def test_a_day_count_asked_is_said(run: Any) -> None:
    # measured: before 3 of 3 wrong (the end day said, the days left computed but cut); after 0
    assert not failing(run, "days")
    assert not failing(run, "days", innocent=True)  # not asked: not said


def test_a_quoted_policy_rate_is_no_approval(run: Any) -> None:
    bad = failing(run, "quoted")
    # measured: before 4 of 4 «需要总经理审批» for a rate the customer read in the terms; after 0
    assert not bad, bad
    assert not failing(run, "quoted", innocent=True)  # a plain haggle above the limit keeps «审批»


def test_english_drafts_are_english(run: Any) -> None:
    english = [(c.case_id, text) for c, _, text in drafts(run) if "english" in (c.tags or [])]
    assert len(english) >= 4
    bad = [(cid, CHINESE.findall(text)) for cid, text in english if not text or CHINESE.search(text)]
    assert not bad, bad


def test_hygiene(run: Any) -> None:
    from evals.answers_hygiene import check_draft

    found = []
    for c, turn, text in drafts(run):
        if text:
            bad = {k: v for k, v in check_draft(text, turn.text or "", turn.suggestion or {}).items() if v}
            if bad:
                found.append((c.case_id, bad))
    assert not found, found  # measured 0 before and after


def test_must_mention_floor(run: Any) -> None:
    hit, total = must_mention_items(run)
    assert total >= 40
    # measured: before (f193a6c) 22/41, after 35/41; review r1 M3 fix (drafting-2): 34/41 (late-a's «过了» was the
    # ticket report day said to have passed, see test_a_passed_delivery_day_is_apologised_for)
    # Session 23: 34 → 32 (partly a / b: «抬头» / «营业» were the customer's words said back; no longer, see above)
    assert hit >= 32, (hit, total)


# ---------------------------------------------------------------------------------------------------- the mechanisms


def _fact(content: str, **lineage: Any) -> Any:
    from contract.evidence import Evidence, EvidenceKind

    return Evidence(
        id="computed_fact:abc",
        kind=EvidenceKind.COMPUTED_FACT,
        title="t",
        content=content,
        source_ids=lineage.pop("source_ids", {}),
        lineage=lineage,
    )


def _comp(text: str, evidence: list[Any] | None = None, **kw: Any) -> Any:
    from agents.drafting.plan import TenantVoice
    from agents.drafting.template import Composition

    return Composition(
        lang="zh",
        evidence=evidence or [],
        actions=[],
        contact=None,
        voice=TenantVoice(),
        next_steps={},
        customer_text=text,
        **kw,
    )


@pytest.mark.parametrize(
    ("text", "en", "said"),
    [
        ("X7质保还剩多少天？", False, "您的X7整车质保至2027年1月9日，还剩 31 天（《甲》第五条）"),
        ("X7质保还有几天到期", False, "您的X7整车质保至2027年1月9日，还剩 31 天（《甲》第五条）"),
        ("X7质保到哪天？", False, "您的X7整车质保至2027年1月9日（《甲》第五条）"),  # not asked: the day alone
        ("How many days are left on it?", True, "its warranty runs until 2027-01-09, 31 days from today"),
    ],
)
def test_days_left_when_asked(text: str, en: bool, said: str) -> None:
    from agents.drafting.template import _with_asked_days

    ev = _fact("您的X7整车质保至2027年1月9日，还剩 31 天；当前里程 1,000 km（《甲》第五条）\nen")
    statement = "its warranty runs until 2027-01-09" if en else "您的X7整车质保至2027年1月9日（《甲》第五条）"
    assert _with_asked_days(ev, statement, text, en=en) == said


@pytest.mark.parametrize(
    ("text", "today", "passed"),
    [
        ("说好8号交车，到现在还没动静", date(2026, 12, 11), True),
        ("Our cars were supposed to arrive on the 8th and we have heard nothing", date(2026, 12, 11), True),
        ("交车日期是哪天来着？", date(2026, 12, 11), False),  # asked, not waiting on it
        ("报修到现在还没个说法", date(2026, 12, 11), False),  # waiting, but on no promised day
        ("说好8号交车，到现在还没动静", date(2026, 12, 7), False),  # the day is still to come
    ],
)
def test_a_record_day_passed(text: str, today: date, passed: bool) -> None:
    from agents.drafting.template import _past_record_day, _with_day_passed

    ev = _fact("您的订单 AB-1 确认的交车日期为2026年12月8日", cite_evidence_ids=["customer_fact:1"])
    c = _comp(text, today=today)
    assert _past_record_day(ev, "", c) is passed
    out = _with_day_passed(ev, "您的订单 AB-1 确认的交车日期为2026年12月8日", c, en=False)
    assert out.endswith("这个日期已经过了") is passed
    policy = _fact("活动于2026年12月8日结束", cite_evidence_ids=["x"], source_ids={"doc_id": "promo"})
    assert not _past_record_day(policy, "", c)  # a policy's day is no record of theirs


def test_the_part_not_answered_in_their_words() -> None:
    # Session 23 (review r1 m5): the customer's sentence is no longer said back (a judgement on a person, rude words or
    # broken English were echoed); the part is named by a taxonomy word of the tenant, else the generic line
    # (tests/agents/test_drafts_r23.py). This round's rows, re-stated under that rule:
    from agents.drafting.template import OTHER_QUESTION_ZH, _other_question_en, _other_question_zh

    words = ("开票", "交车", "warranty")
    assert (
        _other_question_zh(["另外，开票抬头能不能改成分公司？"], words)
        == "关于开票的问题，我确认后尽快回复您。"
    )
    assert _other_question_zh(["还有就是那个呢"], words) == OTHER_QUESTION_ZH  # nothing left to name
    # a masked name or number is never said back
    assert _other_question_zh(["这边问下，<CN_PLATE_1>那台X7是不是已经出保了"], words) == OTHER_QUESTION_ZH
    said = _other_question_zh(["刘经理，准备换掉第一批车，想一次性全换，能不能直接给现金"], words)
    assert said == OTHER_QUESTION_ZH
    out = _other_question_en(["And can my husband use it for his car too?"], words)
    assert out == " On your other question, I will check and get back to you shortly."


def test_where_was_i_is_no_question() -> None:
    from agents.drafting.template import VAGUE

    assert VAGUE.sub("", "刚才我说到哪了") == ""
    assert VAGUE.sub("", "对刚才说到哪了").strip() == "对"


@pytest.mark.parametrize(
    ("text", "asked", "quoted"),
    [
        ("你们条款写了续购打9折，按9折续吧", "9折", True),
        ("续购不是能享九折吗？", "九折", True),
        ("能不能给我打9折？", "9折", False),  # asked of the rep, not read in the terms
        ("条款写了续购打8折吧？", "8折", False),  # no clause says 8折
    ],
)
def test_a_rate_quoted_from_the_policy(text: str, asked: str, quoted: bool) -> None:
    from agents.drafting.template import _policy_rate_quoted
    from agents.reasoning.config import AUTHORITY_TOOL
    from contract.evidence import Evidence, EvidenceKind

    clause = Evidence(
        id="policy_clause:1",
        kind=EvidenceKind.POLICY_CLAUSE,
        title="服务条款",
        content="第九条 套餐到期前30日起（例如12月1日起）至到期日止续购的，续购价格享9折，即1980元/台/年。其他不变。",
        source_ids={"doc_id": "terms", "version": "1.0", "clause": "第九条"},
    )
    ev = _fact(
        "x",
        inputs=[{"kind": "field", "field": "message.requested_discount", "value": asked}],
        source_ids={"tool": AUTHORITY_TOOL, "doc_id": "authority"},
    )
    # the clause is the one the answer's renewal price was computed from (review r1 M2: only such a clause is about
    # the thing the rate is asked on; see tests/agents/test_drafts_r22_review.py)
    renewal = Evidence(
        id="computed_fact:renewal",
        kind=EvidenceKind.COMPUTED_FACT,
        title="t",
        content="续购价为 1,980 元/台/年",
        source_ids={"tool": "crm_record", "doc_id": "terms"},
        lineage={"inputs": [{"evidence_id": "policy_clause:1", "value": "1980", "kind": "policy"}]},
    )
    got = _policy_rate_quoted(ev, _comp(text, [clause, renewal]))
    assert (got is not None) is quoted
    if got is not None:
        assert got[1] == "套餐到期前30日起至到期日止续购的，续购价格享9折，即1980元/台/年"


def test_a_passed_day_in_english_is_said_in_english() -> None:
    from agents.drafting.template import _with_day_passed

    ev = _fact("您的订单 AB-1234-5 确认的交车日期为2026年12月8日", cite_evidence_ids=["customer_fact:1"])
    c = _comp(
        "The cars were supposed to come on the 8th and we have heard nothing.", today=date(2026, 12, 11)
    )
    out = _with_day_passed(ev, "您的订单 AB-1234-5 确认的交车日期为2026-12-08", c, en=True)
    assert out == "the date on record for AB-1234-5, 2026-12-08, has passed"


def test_a_sigh_is_no_question_and_a_day_answers_when() -> None:
    from agents.drafting.template import _unanswered, _unanswered_parts_zh

    ev = _fact("您的X7整车质保至2028年6月27日", asked_by=["质保"])
    stated = [(ev, "您的X7整车质保至2028年6月27日")]
    assert _unanswered_parts_zh("就差几天提车，亏大了吧？我的质保到底到哪天？", stated) == []
    assert _unanswered_parts_zh("我的质保到底到哪天？你们店周日营业到几点？", stated) == [
        "你们店周日营业到几点"
    ]
    answer = "The X7 costs CNY 170,810 each, with the AB-12 offer (orders by 2026-12-31)."
    text = (
        "Could you work out the per-car price before year end? And is there a last day we have to order by?"
    )
    assert not _unanswered(text, answer, [])
