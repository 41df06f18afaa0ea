"""Round 18 draft mechanisms, table-driven (written with the variants of tests/agents/data/drafts_scratch_r18.yaml,
before the fixes; the whole-graph counts are in test_draft_scratch_r18.py):
- the answers in the order the message asked (a fact goes with the question asking for what it gives, or sharing its
  words); facts all for one question keep the tools' order;
- a Chinese question of several that nothing stated answers is said to be checked (as English drafts did already), never
  dropped; a single question, or every question answered, gets no such line;
- a later sentence does not name the same car / contract again, nor repeat a sum of five digits or more as a part of
  its own; a smaller amount, or a different tool's subject in words, stays;
- the rep's approval rules are not named inside a sentence («按《…》第五条须报总经理审批» → «须报总经理审批»);
- English with a plate or one Chinese word is English; Chinese with English words is Chinese;
- a fact a more specific answer subsumes is kept when the message names its own subject («整车质保呢»)."""

from __future__ import annotations

import pytest

from agents.drafting.common import detect_lang
from agents.drafting.template import (
    _in_asked_order,
    _subsumed,
    _unanswered_zh,
    _without_internal_titles,
    _without_told_parts,
    _without_told_subject,
)
from contract.evidence import Evidence, EvidenceKind


def fact(
    tool_id: str, statement: str, asked_by: list[str] | None = None, doc: str = "d"
) -> tuple[Evidence, str]:
    ev = Evidence(
        id=Evidence.make_id(EvidenceKind.COMPUTED_FACT, tool_id, statement),
        kind=EvidenceKind.COMPUTED_FACT,
        title="t",
        content=statement,
        source_ids={"tool_id": tool_id, "doc_id": doc},
        lineage={"asked_by": asked_by or [], "say": statement},
    )
    return ev, statement


SLA = fact("sla", "按金卡客户的响应时限，二级故障8小时内会有服务顾问与您联系", ["多久"])
BATTERY = fact(
    "battery", "您的V9（VIN123456）自2025年7月1日起12V蓄电池24个月，至2027年6月30日", ["电瓶", "保修"]
)
DTC = fact("dtc", "P0562（系统电压低）属二级故障，可以继续行驶", ["仪表报"])
WINDOW = fact(
    "window", "您的合同（SC-K002-2505）将于2027年4月30日到期，2027年3月31日起进入续约期", ["合同", "保养"]
)
PRICE = fact("price", "到期前30日起续购价为 1,980 元/台/年，30 台合计 59,400 元", ["多少钱"])


@pytest.mark.parametrize(
    ("text", "facts", "order"),
    [
        (
            "V9仪表报了P0562 这个电瓶还在保修期吗？车还能继续开吗？你们多久能联系我？",
            [SLA, BATTERY, DTC],
            ["battery", "dtc", "sla"],
        ),
        ("30台那个保养合同续一年多少钱？最早哪天能按续购价办？", [WINDOW, PRICE], ["price", "window"]),
        ("包养合同明年最早几号能续 续30台一年多钱", [WINDOW, PRICE], ["window", "price"]),
        # the code read out before the questions is no question: the DTC goes with «还能开吗» (H, after f7197ce)
        (
            "那个我V9仪表报了个 P0562 说电压低 还能开吗 你们几个小时能回我 这个电瓶在保修里吗",
            [BATTERY, DTC, SLA],
            ["dtc", "sla", "battery"],
        ),
        # one question: the tools' order
        ("电瓶还在保吗", [SLA, BATTERY], ["sla", "battery"]),
        ("P0562 多久能联系我 电瓶在保吗", [SLA, DTC], ["sla", "dtc"]),
    ],
)
def test_answers_in_the_order_asked(text: str, facts: list[tuple[Evidence, str]], order: list[str]) -> None:
    assert [ev.source_ids["tool_id"] for ev, _ in _in_asked_order(facts, text)] == order


TERM = fact("term", "您的V9（VIN123456）交付日为2025年7月1日，整车质保48个月，至2029年6月30日", ["质保"])
QUOTE = fact(
    "tier", "贵司2025年整车采购 10 台，属F2阶梯，T3 折后单价 119,700 元，3 台合计 359,100 元", ["多少钱"]
)


@pytest.mark.parametrize(
    ("text", "facts", "want"),
    [
        ("我L5的12V电瓶还在保吗？另外你们店周末几点关门？", [BATTERY], True),
        ("喂 我那个V9 质保到什么时候啊 还有 之前那张发票的抬头 能不能帮我改成公司的", [TERM], True),
        ("T3再要3台一共多少钱？另外你们能不能派个人过来给司机做下驾驶培训", [QUOTE], True),
        # innocents: every question answered, or only one question
        ("小电瓶保到哪天？整车质保又到哪天？", [BATTERY, TERM], False),
        ("T3再来3台 单价多少？一共多少？", [QUOTE], False),
        ("别家T3给我们报12万一台 你们能跟不 能跟这3台就在你们这订", [QUOTE], False),
        ("在吗 我V9质保到哪天", [TERM], False),
        # a tag asking to confirm, and a voice «往回开», are no unanswered questions (G, read after the first commit)
        ("那个小电瓶 它保多久啊 我朋友说电瓶就保一年 是不是真的啊", [BATTERY], False),
        ("现在还能不能往回开啊 大概三十来公里 你们多长时间能给个回复", [DTC, SLA], False),
    ],
)
def test_a_chinese_question_nothing_answers(text: str, facts: list[tuple[Evidence, str]], want: bool) -> None:
    assert _unanswered_zh(text, facts) is want


@pytest.mark.parametrize(
    ("statement", "earlier", "want"),
    [
        (
            "您的基础保养套餐 PKG-B（SC-P001-2505）共 4 次服务，已使用 3 次，还剩 1次",
            ["您的基础保养套餐 PKG-B（SC-P001-2505）价格 2,680 元，即 603 元"],
            "共 4 次服务，已使用 3 次，还剩 1次",
        ),
        (
            "Your Lingyue L5 1.5T sedan (LHVL5B4G6SS801008): 12V battery warranty 24 months",
            ["your Lingyue L5 1.5T sedan (LHVL5B4G6SS801008) was delivered on 2025-10-08"],
            "12V battery warranty 24 months",
        ),
        # no record id in the shared opening: its words may be what the rest needs
        ("贵司2025年整车采购 5 台，金额合计 931,000 元", ["贵司2025年整车采购 5 台，属F1阶梯"], None),
        ("动力总成36个月或20万km，至2028年6月2日", ["动力总成36个月或20万km，至2027年8月19日"], None),
    ],
)
def test_the_same_record_is_named_once(statement: str, earlier: list[str], want: str | None) -> None:
    assert _without_told_subject(statement, earlier) == (want if want is not None else statement)


@pytest.mark.parametrize(
    ("statement", "told", "want"),
    [
        (
            "贵司2025年整车采购 8 台，整车折扣 3%，T3 指导价 126,000 元，折后单价 122,220 元，4 台合计 488,880 元",
            "按阶梯3%，T3折后单价 122,220 元，须每台再让 2,220 元",
            "贵司2025年整车采购 8 台，整车折扣 3%，T3 指导价 126,000 元，4 台合计 488,880 元",
        ),
        # a smaller amount is another thing of the same size: kept
        (
            "新能源车队焕新补贴：单笔订单采购5台（含）以上，每台补贴6000元，活动以下单日为准",
            "凌越品牌置换补贴为6000元/台",
            None,
        ),
        # a part with more than the amount stays
        ("单价 164,810 元，订单金额 164,810 元超过限额", "折后 164,810 元", None),
    ],
)
def test_a_sum_already_said_is_not_a_part_again(statement: str, told: str, want: str | None) -> None:
    assert _without_told_parts(statement, told) == (want if want is not None else statement)


def test_the_reps_approval_rules_are_not_named_inside_a_sentence() -> None:
    titles = ("价格折扣审批权限规定V3.0",)
    said = "25 台合计 3,940,450 元，订单金额超过300万元，按《价格折扣审批权限规定V3.0》第五条须报总经理审批"
    assert (
        _without_internal_titles(said, titles)
        == "25 台合计 3,940,450 元，订单金额超过300万元，须报总经理审批"
    )
    en = "the order exceeds CNY 3 million, so under 《价格折扣审批权限规定V3.0》 Article 5 it needs the General Manager"
    assert "《" not in _without_internal_titles(en, titles)
    other = "按《凌越品牌整车质量保证政策V2.0》第五条，至2029年6月30日"
    assert _without_internal_titles(other, titles) == other


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Hi Chen, the van 粤A·MPTB9 - when does its vehicle warranty end?", "en"),
        ("My L5 京N·G1008 would not start. Is the 12V battery still under warranty?", "en"),
        ("Gao, we may take 10 more E5s in December. What is the unit price after the 补贴?", "en"),
        ("Hi, when does the warranty on my V9 end? 谢谢", "en"),
        ("Hi 王经理 when does it end please", "zh"),
        ("我的L5 那个 12V battery 的 warranty 还有多久啊", "zh"),
        ("hello 孙, my V9 的 warranty 几时 expire? 想 buy 那个 严保 two years", "zh"),
        ("粤A·0KJQ9这台车已经快9万公里了", "zh"),
    ],
)
def test_the_customers_language(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


def test_a_subsumed_fact_asked_for_itself_is_kept() -> None:
    battery = fact("battery", "自2025年10月8日起12V蓄电池24个月，至2027年10月7日", ["电瓶", "质保"], doc="w")[
        0
    ]
    term = fact("term", "交付日为2025年10月8日，整车质保48个月，至2029年10月7日", ["质保"], doc="w")[0]
    assert _subsumed(term, [battery, term], "我L5的电瓶还在质保吗")
    assert not _subsumed(term, [battery, term], "我L5整车质保到哪天？还有那个12V小电瓶保到哪天？")
