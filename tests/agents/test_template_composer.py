"""The answer-first template composer (agents/drafting/template.py) and the extractive fallback's hygiene."""

from __future__ import annotations

import re

import pytest

from agents.drafting.extractive import extractive_draft
from agents.drafting.plan import TenantVoice
from agents.drafting.template import Composition, address, clean_clause, compose, render
from agents.reasoning.crm import Contact
from contract.evidence import Evidence, EvidenceKind
from contract.suggestions import Action, DraftSource

TABLE_CLAUSE = (
    "第四条 代理商返点阶梯如下：\n\n| 产品线 | 适用型号 | 50万元以下 | 50万（含）至100万元 |\n|---|---|---|---|\n"
    "| 创伤耗材 | LCP-3.5 | 0% | 2.5% |\n| 关节耗材 | HJ-200 | 0% | 2.5% |"
)


def clause(
    text: str, clause: str = "第四条", title: str = "返点协议V3.2", doc: str = "rebate", score: float = 0.5
) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.POLICY_CLAUSE, doc, clause, text[:20]),
        kind=EvidenceKind.POLICY_CLAUSE,
        title=title,
        content=text,
        source_ids={"doc_id": doc, "version": "3.2", "clause": clause},
        version="3.2",
        score=score,
    )


def computed(
    statement: str, clause_ev: Evidence, *, say: str = "", approval: str = "", slots: tuple[str, ...] = ()
) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.COMPUTED_FACT, statement),
        kind=EvidenceKind.COMPUTED_FACT,
        title="计算 · x",
        content=statement,
        source_ids={"tool": "tier_rate"},
        lineage={
            "say": say,
            "slots": list(slots),
            "needs_approval": approval,
            "clause_evidence_id": clause_ev.id,
        },
    )


VOICE = TenantVoice(company="", persona="销售代表", tone="", sign_off="有问题随时找我。")


@pytest.mark.parametrize(
    ("name", "title", "form"),
    [
        ("王芳", "采购经理", "王经理"),
        ("李强", "总经理", "李总"),
        ("欧阳明", "设备科科长", "欧阳科长"),
        ("赵敏", "骨科主任", "赵主任"),
        ("陈杰", "售后工程师", "陈工"),
        ("孙丽", "", "孙丽"),
        ("Anna Lee", "Buyer", "Anna Lee"),
    ],
)
def test_addressed_by_name_and_title(name: str, title: str, form: str) -> None:
    assert address(Contact(name, title, "e")) == form


def test_clause_text_never_pastes_table_markup_or_repeats_its_heading() -> None:
    text = clean_clause(TABLE_CLAUSE, ["LCP-3.5"])
    assert "|" not in text and "---" not in text and "LCP-3.5" in text and "2.5%" in text
    plain = clean_clause("第五条 同时采购三条产品线的，额外加返0.5%。按3.1款执行。", [])
    assert not plain.startswith("第五条") and "0.5%" in plain and "3.1" in plain and "3. 1" not in plain


def base(evidence: list[Evidence], actions: list[Action] | None = None, **kw: object) -> Composition:
    return Composition(
        lang=str(kw.pop("lang", "zh")),
        evidence=evidence,
        actions=actions or [],
        contact=Contact("王芳", "采购经理", "e"),
        voice=VOICE,
        next_steps=dict(kw.pop("next_steps", {})),  # type: ignore[arg-type,call-overload,unused-ignore]
        customer_text=str(kw.pop("customer_text", "")),
        **kw,  # type: ignore[arg-type]
    )


def test_answer_first_with_the_computed_fact_and_its_citation() -> None:
    c_ev = clause(TABLE_CLAUSE)
    fact = computed(
        "您上季度关节耗材采购 86 万元，适用返点 2.5%（《返点协议V3.2》第四条）",
        c_ev,
        slots=("86 万元", "2.5%"),
    )
    send = Action(name="send_policy_document", label="发送政策文件", evidence_ids=[c_ev.id])
    plan = compose(
        base(
            [c_ev, fact],
            [send],
            next_steps={"send_policy_document": "需要的话我把协议原文发您。"},
            customer_text="返点怎么算？",
        )
    )
    text = plan.template_text
    assert text.startswith("王经理您好，您上季度关节耗材采购 86 万元，适用返点 2.5%")
    assert re.search(r"第四条）\[1\]\[2\]。", text)  # the fact and the clause it rests on
    assert "需要的话我把协议原文发您。" in text and text.endswith("有问题随时找我。")
    assert not plan.missing_slots(text) and plan.missing_slots(text.replace("2.5%", "3%"))
    draft = render(plan)
    assert draft.source is DraftSource.TEMPLATE and {c.evidence_id for c in draft.citations} == {
        fact.id,
        c_ev.id,
    }
    assert "返点怎么算" not in text and "【" not in text and "|" not in text


def test_approval_is_never_promised() -> None:
    c_ev = clause("第三条 各级人员折扣审批权限如下", "第三条", "折扣审批权限")
    fact = computed(
        "您提到的九折（即折扣 10%）超出销售代表的权限（不超过3%），须由销售总监审批",
        c_ev,
        say="您提到的折扣超出销售代表的权限（不超过3%），须由销售总监审批",
        approval="销售总监",
        slots=("不超过3%", "销售总监"),
    )
    esc = Action(name="escalate_to_manager", label="升级给主管", evidence_ids=[c_ev.id])
    plan = compose(
        base(
            [c_ev, fact],
            [esc],
            next_steps={"escalate_to_manager": "我这边马上{approval}，有结果第一时间告诉您。"},
        )
    )
    text = plan.template_text
    assert "九折" not in text and "10%" not in text  # the customer's figure is not restated as an offer
    assert "提交销售总监审批" in text and not re.search(r"已(批准|同意|申请|提交)|可以给您|没问题", text)
    assert plan.notes == ("needs approval: 销售总监",)


def test_small_talk_gets_no_clause_and_no_pitch() -> None:
    plan = compose(
        base([clause(TABLE_CLAUSE)], [Action(name="push_campaign", label="推送活动方案")], cite_policy=False)
    )
    assert plan.template_text == "王经理您好！有问题随时找我。"


def test_boilerplate_clauses_are_not_an_answer() -> None:
    purpose = clause("第一条 为规范返点管理，制定本协议。", "第一条", score=0.9)
    real = clause("第三条 返点按自然季度结算。", "第三条", score=0.1)
    text = compose(base([purpose, real], policy_words=("返点",))).template_text
    assert "按《返点协议V3.2》第三条：返点按自然季度结算[1]。" in text and "制定本协议" not in text


def test_extractive_fallback_is_clean() -> None:
    ev = clause("第五条 同一季度内采购三条以上产品线的，额外加返0.5%。", "第五条")
    d = extractive_draft([ev, clause(TABLE_CLAUSE)], [], focus=["LCP-3.5"], source=DraftSource.FALLBACK)
    assert "【" not in d.text and "|" not in d.text and "0. 5" not in d.text and "0.5%" in d.text
    assert "第五条：第五条" not in d.text and "第五条 第五条" not in d.text


@pytest.mark.parametrize(
    ("draft", "check"),
    [
        ("王经理您好，| 产品线 | 适用型号 |\n|---|---|", "table_markup"),
        ("【摘录草稿】王经理您好，返点见协议[1]。", "internal_tag"),
        ("王经理您好，按《返点协议》第四条：第四条 返点阶梯如下[1]。", "repeated_heading"),
        ("尊敬的主管，返点按季度结算[1]。", "wrong_addressee"),
        ("王经理您好，返点比例为12%[1]。", "unsupported_claim"),
        ("王经理您好，已经为您提交了申请[1]。", "unsupported_claim"),
        ("这个型号的代理商返点政策能再发一遍吗", "parrots_customer"),
    ],
)
def test_hygiene_checks_catch_what_a_customer_must_never_receive(draft: str, check: str) -> None:
    from evals.answers_hygiene import check_draft

    contact = Evidence(
        id="customer_fact:k1",
        kind=EvidenceKind.CUSTOMER_FACT,
        title="联系人",
        content="联系人 = 王芳（采购经理）",
        source_ids={"row_key": "K1"},
    )
    clause_ev = clause("第四条 返点阶梯：50万（含）至100万元 2.5%。")
    s = {"evidence": [contact.model_dump(mode="json"), clause_ev.model_dump(mode="json")]}
    found = check_draft(draft, "这个型号的代理商返点政策能再发一遍吗?", s)
    assert found[check], found
    clean = check_draft("王经理您好，适用返点 2.5%（《返点协议V3.2》第四条）[1]。", "返点怎么算？", s)
    assert not any(clean.values()), clean


def fact(statement: str, clause_ev: Evidence, *, tool: str, row: str = "", **lineage: object) -> Evidence:
    """A computed fact as the reason step writes it: the tool, the policy row it read, its output and unit."""
    inputs = [{"kind": "policy", "evidence_id": clause_ev.id, "value": row}] if row else []
    inputs += list(lineage.pop("inputs", []))  # type: ignore[call-overload]
    return Evidence(
        id=Evidence.make_id(EvidenceKind.COMPUTED_FACT, statement),
        kind=EvidenceKind.COMPUTED_FACT,
        title=f"计算 · {tool}",
        content=statement,
        source_ids={"tool": tool},
        lineage={"clause_evidence_id": clause_ev.id, "inputs": inputs, **lineage},
    )


PROMO_ROW = "活动编号：PR-1；活动名称：夏日礼；活动期间：2026年6月1日至2026年8月31日；适用区域：全国；客户类型：个人客户；优惠内容：赠送保养套餐"
WINTER_ROW = "活动编号：PR-5；活动名称：冬季季；活动期间：2026年11月1日至2026年12月31日；适用区域：华东；客户类型：个人客户；优惠内容：每台立减8000元"


def promo_facts(c_ev: Evidence) -> list[Evidence]:
    expired = fact(
        "夏日礼（PR-1，2026年6月1日至2026年8月31日，全国，个人客户）：赠送保养套餐，您不适用：活动已于2026年8月31日结束",
        c_ev,
        tool="scope_rows",
        row=PROMO_ROW,
        output="false",
        unit="bool",
    )
    running = fact(
        "冬季季（PR-5，2026年11月1日至2026年12月31日，华东，个人客户）：每台立减8000元，您符合条件",
        c_ev,
        tool="scope_rows",
        row=WINTER_ROW,
        output="true",
        unit="bool",
    )
    return [expired, running]


@pytest.mark.parametrize(
    ("customer_text", "expired_said"),
    [
        ("S7 能便宜点吗？", False),  # not asked about: a promotion they cannot use is not worth their time
        ("夏日礼还有吗？", True),  # named
        (
            "暑期买车送保养套餐那个活动还有吗？",
            True,
        ),  # described (shares 保养, 养套, 套餐 with what it gives)
    ],
)
def test_a_promotion_that_does_not_apply_is_said_only_when_asked(
    customer_text: str, expired_said: bool
) -> None:
    c_ev = clause("第二条 活动如下", "第二条", "活动方案", doc="promo")
    text = compose(base([c_ev, *promo_facts(c_ev)], customer_text=customer_text)).template_text
    assert ("夏日礼" in text) is expired_said
    # the running one: its name, id and window (until when), not the scope the tool checked
    assert "冬季季（PR-5，2026年11月1日至2026年12月31日）：每台立减8000元，您符合条件" in text
    assert "华东" not in text


def test_over_authority_the_customer_hears_who_approves_never_the_reps_limit() -> None:
    """Above the rep's authority the customer hears that their figure is beyond what the rep can grant (never an offer
    of it, never the rep's own limit: the authority table is internal), who approves and that nothing is agreed
    before."""
    c_ev = clause("第三条 审批权限如下", "第三条", "折扣审批权限", doc="authority")
    row = "审批人：销售顾问；整车：2%以内（含）"
    asked = {"kind": "message", "field": "message.requested_discount", "value": "5%"}
    over = fact(
        "您提到的5%超出销售顾问的权限（2%以内（含）），须由销售经理审批",
        c_ev,
        tool="authority",
        row=row,
        inputs=[asked],
        needs_approval="销售经理",
        say="您提到的5%需要销售经理审批",
        say_head="您提到的5%",
        slots=["2%以内（含）", "销售经理"],
    )
    approve = Action(name="request_discount_approval", label="申请折扣审批")
    quote = Action(name="send_quote", label="发送报价")
    steps = {
        "request_discount_approval": "超出我权限的部分，我提交{approver}审批。",
        "send_quote": "我把报价单发您。",
    }
    # review 0ef6d9c (d): a figure the customer asked for above the rep's authority gets no step taken on it (no
    # "我提交销售经理审批"), with or without the tenant's approval step: who approves, nothing agreed before
    for actions in ([quote, approve], [quote]):
        text = compose(base([c_ev, over], actions, next_steps=steps)).template_text
        assert "您提到的5%，超出了我可以直接给的范围" in text and "2%以内" not in text
        assert "这需要销售经理审批，审批前我这边不能先答应您" in text and "我提交销售经理审批" not in text
        assert "给您5%" not in text and "可以5%" not in text
    within = fact(
        "您提到的2%在销售顾问可自行决定的范围内",
        c_ev,
        tool="authority",
        row=row,
        inputs=[{**asked, "value": "2%"}],
    )
    assert (
        "您提到的2%优惠在我的权限内" in compose(base([c_ev, within], [quote], next_steps=steps)).template_text
    )


def test_a_table_row_says_only_the_column_another_fact_names() -> None:
    dtc_ev = clause("第二条 故障码表", "第二条", "故障码表", doc="dtc")
    sla_ev = clause("第四条 响应时限", "第四条", "SLA", doc="sla")
    dtc = fact("P0301 属二级故障", dtc_ev, tool="row_lookup", row="故障码：P0301；故障等级：二级")
    sla = fact(
        "普通客户的响应时限：一级故障24小时，二级故障48小时，三级故障72小时",
        sla_ev,
        tool="row_lookup",
        row="客户等级：普通；一级故障：24小时；二级故障：48小时；三级故障：72小时",
    )
    text = compose(base([dtc_ev, sla_ev, dtc, sla])).template_text
    assert "普通客户的响应时限：二级故障48小时" in text and "24小时" not in text and "72小时" not in text
    # no fault level known: every column when the message asks about the table, none in reply to small talk
    alone = compose(base([sla_ev, sla], customer_text="你们的响应时限是多久？")).template_text
    assert "一级故障24小时" in alone and "三级故障72小时" in alone
    chat = compose(base([sla_ev, sla], customer_text="王经理在吗")).template_text
    assert "24小时" not in chat and "72小时" not in chat
    # the customer names the level ("level 2", "二级"): that column only
    for asked in ("what is the response time for a level 2 fault?", "二级故障多久响应"):
        one = compose(base([sla_ev, sla], customer_text=asked)).template_text
        assert "二级故障48小时" in one and "72小时" not in one


def test_the_next_step_comes_from_an_action_serving_the_intent() -> None:
    c_ev = clause(TABLE_CLAUSE)
    tier = fact("贵司去年采购 32 台，折扣 7%", c_ev, tool="volume_tier", slots=["7%"])
    ticket = Action(name="create_service_ticket", label="创建工单")
    quote = Action(name="send_quote", label="发送报价")
    steps = {"create_service_ticket": "我这就为您创建服务工单。", "send_quote": "我整理一份正式报价单发您。"}
    text = compose(
        base([c_ev, tier], [ticket, quote], next_steps=steps, intent_actions=("send_quote",))
    ).template_text
    assert "报价单" in text and "工单" not in text


def test_several_matching_assets_get_a_clarifying_question_not_a_clause() -> None:
    c_ev = clause("第五条 整车质保期限如下", "第五条", "质保政策", doc="warranty")
    ask = "您名下有多台{hint}，请问是哪一台？麻烦告诉我车牌号或车架号后6位。"
    reason = "can't compute: 有 100 台符合「E5」的设备，无法确定是哪一台，无法确定适用哪个版本"
    plan = compose(base([c_ev], cannot_compute=(reason,), clarify_which=ask))
    assert (
        plan.template_text
        == "王经理您好，您名下有多台E5，请问是哪一台？麻烦告诉我车牌号或车架号后6位。有问题随时找我。"
    )
    several = (
        "can't compute: 有 32 台符合「L5、E5」的设备，无法确定是哪一台"  # several models: they mean them all
    )
    assert "哪一台" not in compose(base([c_ev], cannot_compute=(several,), clarify_which=ask)).template_text


def test_a_fact_for_the_rep_only_is_not_said_nor_locked() -> None:
    c_ev = clause(TABLE_CLAUSE)
    dtc = fact("P0217 属一级故障", c_ev, tool="row_lookup", slots=["一级"])
    warranty = fact(
        "整车质保至2027年3月17日", c_ev, tool="term_end", slots=["2027年3月17日"], to_customer=False
    )
    plan = compose(base([c_ev, dtc, warranty]))
    assert "P0217" in plan.template_text and "2027年3月17日" not in plan.template_text
    assert [s.text for s in plan.slots] == ["一级"]


def test_english_drafts_use_the_tenants_words_and_no_capital_after_the_greeting() -> None:
    c_ev = clause(TABLE_CLAUSE)
    en = fact(
        "x",
        c_ev,
        tool="tier_rate",
        statement_en="Last quarter (2026年第3季度) your 创伤耗材 purchases came to CNY 345,800.00, tier 60台（含）以上",
    )
    text = compose(base([c_ev, en], lang="en", terms_en={"创伤耗材": "trauma consumables"})).template_text
    # an English draft addresses the contact in English (the name in pinyin), never the Chinese form 王经理
    # a title and no gender: the English title and the surname (采购经理 → Manager Wang), never a guessed Mr./Ms.
    assert text.startswith("Hello Manager Wang, last quarter (Q3 2026) your trauma consumables purchases")
    assert "60 units or more" in text and "（含）" not in text


def test_a_ticket_fault_level_picks_its_response_time() -> None:
    sla_ev = clause("第四条 响应时限", "第四条", "SLA", doc="sla")
    ticket_ev = clause("工单", "¶1", "工单", doc="tickets")
    ticket = fact("您的工单 TK-1（充电口盖无法打开，三级故障）目前处理中", ticket_ev, tool="crm_record")
    sla = fact(
        "钻石客户的响应时限：一级故障2小时，二级故障4小时，三级故障24小时",
        sla_ev,
        tool="row_lookup",
        row="客户等级：钻石；一级故障：2小时；二级故障：4小时；三级故障：24小时",
    )
    text = compose(base([sla_ev, ticket, sla])).template_text
    assert "目前处理中" in text and "钻石客户的响应时限：三级故障24小时" in text and "2小时，" not in text


def test_a_cited_title_is_not_a_promise() -> None:
    """Drafts cite 《…质量保证政策》: the grounding check must not read the title's 保证 as the rep's promise."""
    from guardrails.grounding.claims import extract

    cited = "整车质保至2028年5月19日（《凌越品牌整车质量保证政策V1.0》第五条）[1]。"
    assert not [c for c in extract(cited) if c.kind == "promise"]
    assert [c for c in extract("我保证三天内修好。") if c.kind == "promise"]


@pytest.mark.parametrize(
    ("name", "title", "salutation", "form"),
    [
        ("王建华", "车主", "王先生", "Mr. Wang"),
        ("李敏", "车主", "李女士", "Ms. Li"),
        (
            "曹阳",
            "采购总监",
            "曹总",
            "Director Cao",
        ),  # a title, no gender: the title and surname, no guessed Mr.
        ("韩志刚", "车队经理", "韩经理", "Manager Han"),
        ("潘国庆", "副总经理", "潘总", "Deputy General Manager Pan"),
        ("欧阳娜娜", "经理", "", "Manager Ouyang"),  # compound surname
        ("欧阳娜娜", "车主", "", "Ouyang Nana"),  # neither gender nor a title: the name, surname first
        ("Anna Smith", "Buyer", "", "Anna Smith"),
    ],
)
def test_english_form_of_address(name: str, title: str, salutation: str, form: str) -> None:
    from agents.drafting.template import address_en

    assert address_en(Contact(name, title, "e", salutation)) == form


@pytest.mark.parametrize(
    ("steps", "said"),
    [
        (
            {"create_service_ticket": "我这就为您创建服务工单。"},
            "我这边马上催办这张工单",
        ),  # the product's wording
        (
            {
                "create_service_ticket": "我这就为您创建服务工单。",
                "follow_up_open_ticket": "我去催一下这张工单。",
            },
            "我去催一下这张工单。",  # the tenant's wording
        ),
    ],
)
def test_an_open_ticket_is_followed_up_not_opened_again(steps: dict[str, str], said: str) -> None:
    c_ev = clause("第四条 响应时限", "第四条", "SLA", doc="sla")
    ticket = fact(
        "您的工单 TK-1（充电口盖无法打开）目前处理中",
        c_ev,
        tool="crm_record",
        next_step="follow_up_open_ticket",
    )
    create = Action(name="create_service_ticket", label="创建服务工单")
    text = compose(base([c_ev, ticket], [create], next_steps=steps)).template_text
    assert "目前处理中" in text and said in text and "创建服务工单" not in text


@pytest.mark.parametrize(
    ("customer_text", "said"),
    [
        ("5台T3的报价我收到了，按这个走", False),  # a blanket service offer on a vehicle quote: not said
        ("T3换个蓄电池有优惠吗", True),  # the offer is about what they asked (蓄电池)
        ("有什么活动吗", True),  # no product named: every offer they qualify for
    ],
)
def test_an_offer_on_something_else_is_not_pitched(customer_text: str, said: bool) -> None:
    c_ev = clause("第二条 活动如下", "第二条", "活动方案", doc="promo")
    row = "活动编号：PR-6；活动名称：冬季保养季；适用车型：全部车型；优惠内容：保养工时费8折，12V蓄电池享9折"
    offer = fact(
        "冬季保养季（PR-6）：保养工时费8折，12V蓄电池享9折，您符合条件",
        c_ev,
        tool="scope_rows",
        row=row,
        output="true",
        unit="bool",
    )
    text = compose(base([c_ev, offer], customer_text=customer_text)).template_text
    assert ("冬季保养季" in text) is said


@pytest.mark.parametrize(
    ("customer_text", "opening"),
    [
        ("LCP-3.5 最近货期怎么样？", "王经理您好，关于LCP-3.5，我确认最新情况后尽快回复您。"),
        ("这个怎么弄？", "王经理您好，您问的情况我确认后尽快回复您。"),
    ],
)
def test_a_question_nothing_answers_is_acknowledged_before_the_next_step(
    customer_text: str, opening: str
) -> None:
    quote = Action(name="send_quote", label="发送报价")
    plan = compose(
        base(
            [],
            [quote],
            customer_text=customer_text,
            focus=("LCP-3.5",),
            next_steps={"send_quote": "我整理一份报价发您。"},
        )
    )
    assert plan.template_text.startswith(opening) and "我整理一份报价发您。" in plan.template_text


@pytest.mark.parametrize(
    ("lang", "customer_text", "opening"),
    [
        ("zh", "好嘞 辛苦王经理 [抱拳]", "王经理，不客气！"),
        ("zh", "收到，谢谢", "王经理，不客气！"),
        ("zh", "在吗", "王经理您好！"),
        ("en", "thanks a lot", "You're welcome, "),
    ],
)
def test_a_thank_you_is_answered_as_one(lang: str, customer_text: str, opening: str) -> None:
    plan = compose(
        base([], lang=lang, customer_text=customer_text, cite_policy=False)
    )  # a greeting cites nothing
    assert plan.template_text.startswith(opening)


def test_an_offer_a_need_asked_for_is_told_whatever_its_words() -> None:
    """An offer row the customer qualifies for shares no words with "电瓶不行了" (it says 蓄电池): told only when the
    reason step marks it as asked by a need of the message (lineage.asked)."""
    c_ev = clause("第二条 活动如下", "第二条", "活动方案", doc="offers")
    row = "活动编号：WA-09；活动名称：冬季养护；适用车型：全部车型；优惠内容：12V蓄电池享9折（792元）"
    offer = fact("冬季养护（WA-09）：12V蓄电池享9折（792元），您符合条件", c_ev, tool="scope_rows", row=row)
    offer = offer.model_copy(update={"lineage": {**offer.lineage, "unit": "bool", "output": "true"}})
    text = "我们那台X7是不是电瓶不行了，早上打不着"
    assert "792元" not in compose(base([c_ev, offer], customer_text=text)).template_text
    asked = offer.model_copy(update={"lineage": {**offer.lineage, "asked": True}})
    assert "792元" in compose(base([c_ev, asked], customer_text=text)).template_text


def test_hygiene_for_someone_speaking_for_the_account_holder() -> None:
    """A refusal to a caller who said they speak for the holder («我是何伟的爱人») must not greet them by the holder's
    name; a bare greeting is right there (and wrong anywhere else)."""
    from evals.answers_hygiene import check_draft

    contact = Evidence(
        id="customer_fact:k1",
        kind=EvidenceKind.CUSTOMER_FACT,
        title="联系人",
        content="联系人 = 王芳（采购经理）",
        source_ids={"row_key": "K1"},
    )
    refused = {"evidence": [contact.model_dump(mode="json")], "flags": ["refused:not_account_holder"]}
    bare, named = "您好，抱歉，订单相关事项须由本人办理。", "王经理您好，抱歉，订单相关事项须由本人办理。"
    assert not check_draft(bare, "我是她同事，帮她把订单退了", refused)["wrong_addressee"]
    assert check_draft(named, "我是她同事，帮她把订单退了", refused)["wrong_addressee"]
    answered = {"evidence": [contact.model_dump(mode="json")], "flags": []}
    assert check_draft(bare, "订单到哪了", answered)["wrong_addressee"]
    # a caller on a call asking about another account (not_on_call): the same, the call's holder is not greeted
    on_call = {"evidence": [contact.model_dump(mode="json")], "flags": ["refused:not_on_call"]}
    assert not check_draft(bare, "帮我查下另一家公司的订单", on_call)["wrong_addressee"]
    assert check_draft(named, "帮我查下另一家公司的订单", on_call)["wrong_addressee"]


def test_a_long_english_title_in_the_greeting_is_the_right_addressee() -> None:
    """The opening the addressee check reads is the greeting up to its comma, not a fixed 24 characters: "Hello
    Deputy General Manager Pan," was flagged as greeting nobody."""
    from evals.answers_hygiene import check_draft

    contact = Evidence(
        id="customer_fact:k1",
        kind=EvidenceKind.CUSTOMER_FACT,
        title="联系人",
        content="联系人 = 潘涛（副总经理）",
        source_ids={"row_key": "K1"},
    )
    s = {"evidence": [contact.model_dump(mode="json")]}
    right = "Hello Deputy General Manager Pan, I will send you the terms."
    wrong = "Hello Deputy General Manager Wang, I will send you the terms."
    assert not check_draft(right, "when does the warranty end?", s)["wrong_addressee"]
    assert check_draft(wrong, "when does the warranty end?", s)["wrong_addressee"]
