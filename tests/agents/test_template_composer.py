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
        next_steps=dict(kw.pop("next_steps", {})),  # type: ignore[arg-type]
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
