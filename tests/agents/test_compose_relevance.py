"""What a customer noticed in round 7's drafts, composed without a model:
- an offer they qualify for appended to a draft it has nothing to do with (a trade-in answer, a refusal), with the next
  step "我帮您核对活动条件并在订单中登记";
- Chinese table wording in an English draft (车龄3年以内, 置换补贴 6000元/台);
- long drafts: a fact the message asked for only by words a more specific answer was asked by, an offer said twice."""

from __future__ import annotations

import re

import pytest

from agents.drafting.template import compose, in_english
from contract.evidence import Evidence
from contract.suggestions import Action
from tests.agents.test_template_composer import base, clause, fact

SERVICE_ROW = "活动编号：PR-6；活动名称：冬季保养季；适用车型：全部车型；客户类型：全部客户；优惠内容：保养工时费8折，12V蓄电池BT-60享9折"
CAR_ROW = (
    "活动编号：PR-5；活动名称：冬季焕新季；适用车型：S7、L5；客户类型：个人客户；优惠内容：S7每台立减8000元"
)
STEPS = {
    "apply_promotion": "我帮您核对活动条件并在订单中登记。",
    "trade_in_appraisal": "我约评估师给旧车做个评估。",
}


def offer(row: str, statement: str, c_ev: Evidence, **lineage: object) -> Evidence:
    ev = fact(statement, c_ev, tool="scope_rows", row=row, output="true", unit="bool", **lineage)
    ev.source_ids["doc_id"] = c_ev.source_ids["doc_id"]  # as the reason step writes it: the document it read
    return ev


def trade_in(c_ev: Evidence) -> Evidence:
    return fact(
        "您这批3台L5交付日为2025年4月16日，车龄 1 年 7 个月，置换补贴为6000元/台，3 台共 18,000 元",
        c_ev,
        tool="row_tier",
        asked=True,
        asked_by=["置换", "补贴"],
    )


def test_a_service_offer_is_not_appended_to_a_trade_in_answer_nor_its_next_step() -> None:
    promo = clause("第二条 活动如下", "第二条", "活动方案", doc="promo")
    rule = clause("第三条 补贴标准", "第三条", "置换办法", doc="tradein")
    # the offer tool ran because the message says 补贴 — the trade-in subsidy just computed explains that word
    service = offer(
        SERVICE_ROW, "冬季保养季（PR-6）：保养工时费8折，您符合条件", promo, asked=True, asked_by=["补贴"]
    )
    register = Action(name="apply_promotion", label="登记促销活动", evidence_ids=[promo.id, service.id])
    appraise = Action(name="trade_in_appraisal", label="旧车评估", evidence_ids=[rule.id])
    text = compose(
        base(
            [promo, rule, trade_in(rule), service],
            [register, appraise],
            customer_text="我们去年4月提的那3台L5想置换成新车，补贴能给多少？",
            next_steps=STEPS,
        )
    ).template_text
    assert "18,000" in text and "冬季保养季" not in text
    assert "核对活动条件" not in text and "评估师" in text


@pytest.mark.parametrize(
    ("customer_text", "asked_by", "said"),
    [
        ("有什么活动吗", ["活动"], True),  # a question about offers: nothing else explains 活动
        (
            "电瓶不行了，换一个有优惠吗",
            ["电瓶", "换"],
            True,
        ),  # the battery offer, asked by words no answer says
        ("我们10月份刚提的那8台E5想置换新车，补贴多少", ["补贴"], False),  # 补贴 is the trade-in's
    ],
)
def test_an_offer_is_said_when_the_question_is_about_it(
    customer_text: str, asked_by: list[str], said: bool
) -> None:
    promo = clause("第二条 活动如下", "第二条", "活动方案", doc="promo")
    rule = clause("第三条 补贴标准", "第三条", "置换办法", doc="tradein")
    service = offer(
        SERVICE_ROW, "冬季保养季（PR-6）：保养工时费8折，您符合条件", promo, asked=True, asked_by=asked_by
    )
    facts = [trade_in(rule)] if "置换" in customer_text else []
    text = compose(base([promo, rule, *facts, service], customer_text=customer_text)).template_text
    assert ("冬季保养季" in text) is said


@pytest.mark.parametrize(
    ("customer_text", "said"),
    [
        ("我那台L5想换台新的S7，能便宜点吗？", True),  # the offer names the car they would buy
        (
            "我们提的那台S7想置换掉",
            False,
        ),  # the S7 is the one they own: an offer on a new S7 is not the question
    ],
)
def test_a_product_offer_is_about_the_product_they_would_buy(customer_text: str, said: bool) -> None:
    promo = clause("第二条 活动如下", "第二条", "活动方案", doc="promo")
    rule = clause("第三条 补贴标准", "第三条", "置换办法", doc="tradein")
    car = offer(CAR_ROW, "冬季焕新季（PR-5）：S7每台立减8000元，您符合条件", promo)
    text = compose(base([promo, rule, trade_in(rule), car], customer_text=customer_text)).template_text
    assert ("冬季焕新季" in text) is said


def test_a_refusal_pitches_nothing_but_the_customers_own_product() -> None:
    promo = clause("第二条 活动如下", "第二条", "活动方案", doc="promo")
    service = offer(
        SERVICE_ROW, "冬季保养季（PR-6）：保养工时费8折，您符合条件", promo, asked=True, asked_by=["折"]
    )
    car = offer(CAR_ROW, "冬季焕新季（PR-5）：S7每台立减8000元，您符合条件", promo)
    text = compose(
        base(
            [promo, service, car],
            customer_text="朋友公司拿了九一折，我买S7也按九一折给我",
            refusal="抱歉，其他客户的价格不便透露。",
        )
    ).template_text
    assert "冬季焕新季" in text and "冬季保养季" not in text


def test_the_more_specific_answer_is_said_and_an_offer_once() -> None:
    wty = clause("第五条 整车质保", "第五条", "质保政策", doc="wty")
    battery = fact(
        "您的E5自2024年1月10日起12V蓄电池12个月，已于2025年1月9日到期",
        wty,
        tool="term_end",
        asked=True,
        asked_by=["电瓶", "保修"],
    )
    whole = fact("您的E5整车质保至2027年1月9日", wty, tool="term_end", asked=True, asked_by=["保修"])
    battery.source_ids.update({"doc_id": "wty", "tool_id": "battery_warranty"})
    whole.source_ids.update({"doc_id": "wty", "tool_id": "warranty_end"})
    text = compose(base([wty, battery, whole], customer_text="电瓶还在保修期吗")).template_text
    assert "2025年1月9日" in text and "2027年1月9日" not in text
    # an offer a quote already stacks in is not said again on its own
    promo = clause("第二条 活动如下", "第二条", "活动方案", doc="promo")
    row = "活动编号：PR-4；活动名称：焕新补贴；适用车型：E5；优惠内容：每台补贴6000元"
    subsidy = offer(row, "焕新补贴（PR-4）：每台补贴6000元，您符合条件", promo)
    quote = fact(
        "E5折后单价 170,810 元，叠加焕新补贴（PR-4）每台 6,000 元后，单价 164,810 元",
        promo,
        tool="volume_tier",
    )
    text = compose(base([promo, subsidy, quote], customer_text="再订5台E5单价多少")).template_text
    assert text.count("PR-4") == 1 and "164,810" in text


@pytest.mark.parametrize(
    ("zh", "en"),
    [
        ("置换补贴 6000元/台", "trade-in subsidy CNY 6,000 per unit"),
        ("车龄3年（含）以内", "age up to 3 years"),
        (
            "单笔订单采购5台（含）以上，每台补贴6000元",
            "an order of 5 units or more, a CNY 6,000 subsidy per unit",
        ),
        ("S7每台立减8000元", "CNY 8,000 off each S7"),
        ("2026年11月1日至2026年12月31日", "2026-11-01 to 2026-12-31"),
        ("保养工时费8折", "service labour 20% off"),
        ("车队保养套餐 2,200 元/台/年", "车队保养套餐 CNY 2,200 per unit per year"),
        (
            "您不适用：适用区域为华东、华南，您在华北",
            "; it does not apply to you: it runs in East China, South China and you are in North China",
        ),
    ],
)
def test_english_renders_amounts_units_and_conditions(zh: str, en: str) -> None:
    terms = {
        "置换补贴": "trade-in subsidy",
        "车龄": "age ",
        "保养工时费": "service labour ",
        "华东": "East China",
        "华南": "South China",
        "华北": "North China",
    }
    assert in_english(zh, terms).strip() == en


def test_an_english_draft_says_no_chinese_table_words() -> None:
    rule = clause("第三条 补贴标准", "第三条", "置换办法", doc="tradein")
    subsidy = fact(
        "您的L5交付日为2024年5月6日，车龄 2 年 6 个月，属「车龄3年（含）以内」，置换补贴为6000元/台",
        rule,
        tool="row_tier",
        statement_en="L5 delivered on 2024-05-06: 2 years 6 months old (车龄3年（含）以内), 置换补贴 6000元/台",
    )
    text = compose(
        base(
            [rule, subsidy],
            lang="en",
            customer_text="How much trade-in subsidy for my L5?",
            terms_en={"置换补贴": "trade-in subsidy", "车龄": "age "},
        )
    ).template_text
    assert not re.search(r"车龄|元/台|置换补贴", text), text
    assert "CNY 6,000 per unit" in text


def test_an_english_refusal_goes_on_from_the_greeting_and_the_answer_opens_a_sentence() -> None:
    rule = clause("第二条 价格保密", "第二条", "隐私声明", doc="privacy")
    tier = fact(
        "贵司2025年整车采购 65 台，属F4阶梯，整车折扣 9%",
        rule,
        tool="volume_tier",
        statement_en="your 2025 purchases came to 65 units, so you are in tier F4 with a 9% discount",
    )
    text = compose(
        base(
            [rule, tier],
            lang="en",
            customer_text="What price did they get?",
            refusal="Sorry, that is confidential.",
        )
    ).template_text
    assert "Hello Manager Wang, sorry, that is confidential." in text
    assert "Your 2025 purchases came to 65 units" in text


def test_an_internal_document_informs_the_answer_but_is_not_named_to_the_customer() -> None:
    tiers = clause("第三条 阶梯如下", "第三条", "大客户折扣阶梯", doc="fleet")
    tier = fact("贵司2025年采购 32 台，整车折扣 7%（《大客户折扣阶梯》第三条）", tiers, tool="volume_tier")
    tier.source_ids["doc_id"] = "fleet"
    public = compose(base([tiers, tier], customer_text="我们几个点？")).template_text
    internal = compose(
        base([tiers, tier], customer_text="我们几个点？", internal_docs=("fleet",))
    ).template_text
    assert "《大客户折扣阶梯》" in public
    assert (
        "《大客户折扣阶梯》" not in internal and "7%" in internal and "[1]" in internal
    )  # still cited for the rep
