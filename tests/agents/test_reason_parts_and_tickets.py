"""Round 8 of the answers (#15): what the customer's own CRM state and the policy's part terms answer.

- a part's own term ("刹车片6个月或1万km", mileage first) instead of the whole vehicle's, past its mileage limit;
- an exclusion clause quoted when the customer has several vehicles under versions whose clause reads the same;
- a thin message (a photo with no text) answered from the codes the CRM records on the vehicle, the highest level
  first, in the tenant's spoken words, never another vehicle's codes when the message names one;
- the open ticket of the vehicle the message is about (no second ticket), and only then;
- the draft side: tier bounds as a person says them, an English question no fact answers, a clause left in Chinese,
  an exclusion that never replaces the term it qualifies."""

from __future__ import annotations

from datetime import date

import pytest

from agents.drafting.template import _mostly_chinese, _subsumed, _unanswered
from agents.reasoning.config import ToolSpec
from agents.reasoning.crm import CrmRecord
from agents.reasoning.records import _subject_named, thin_message
from agents.reasoning.results import CannotCompute, Computed
from agents.reasoning.tiers import _plain_bounds
from agents.reasoning.tools import ToolContext, run_tool
from contract.evidence import Evidence, EvidenceKind
from knowledge.policy import PolicyStore
from tests.agents.reasoning_fixtures import policy_store

OLD = """---
doc_id: wty
title: 质保政策V1
version: "1"
effective_date: 2023-01-01
event_field: device.installed_at
event_until: 2025-06-30
---
# 质保政策

第五条 整车质保36个月或10万km。

第七条 易损件质保期限如下：刹车片6个月或1万km；蓄电池12个月；轮胎按轮胎生产商政策执行。

第九条 下列情形不属于质保范围：
（一）未按规定保养的；
（二）事故、改装或在非授权服务站维修造成的损坏；
"""
NEW = """---
doc_id: wty
title: 质保政策V2
version: "2"
effective_date: 2025-07-01
supersedes: wty@1
event_field: device.installed_at
event_from: 2025-07-01
---
# 质保政策

第五条 整车质保48个月或12万km。

第七条 易损件质保期限如下：刹车片6个月或1万km；蓄电池24个月；轮胎按轮胎生产商政策执行。

第九条 下列情形不属于质保范围：
（一）未按规定保养的；
（二）事故、改装或在非授权服务站维修造成的损坏；
"""
CODES = """---
doc_id: codes
title: 故障码表
version: "1"
---
# 故障码表

第二条 故障码如下：

| 故障码 | 含义 | 故障等级 | 可否继续行驶 | 处理方式 |
|---|---|---|---|---|
| P0217 | 发动机过热 | 一级 | 否 | 安排道路救援 |
| P0128 | 节温器 | 三级 | 可以 | 预约检查节温器 |
| P0420 | 催化器效率低 | 三级 | 可以 | 7天内预约进店检查 |
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> PolicyStore:
    d = tmp_path_factory.mktemp("parts-store")
    return policy_store(d, OLD, NEW, CODES)


TODAY = date(2026, 11, 20)


def ctx(store: PolicyStore, crm: dict, text: str = "", entities: dict | None = None) -> ToolContext:
    return ToolContext(
        store.facts(), CrmRecord({"customer_id": "C1", **crm}, [], today=TODAY), entities or {}, text, TODAY
    )


def car(vin: str, delivered: str, km: int = 0, codes: list[str] | None = None, name: str = "X5 轿车") -> dict:
    return {
        "id": vin,
        "name": name,
        "installed_at": delivered,
        "x_mileage_km": km,
        "x_fault_codes": codes or [],
        "evidence_ids": [f"customer_fact:{vin}"],
    }


PADS = ToolSpec(
    id="pads",
    tool="term_end",
    doc="wty",
    clause="第七条",
    term="刹车片",
    end_rule="day_before",
    start_field="device.installed_at",
    mileage_field="device.mileage_km",
)
EXCLUSION = ToolSpec(
    id="excl", tool="clause_quote", doc="wty", clause="第九条", term="事故", template="{quote}不属于质保范围"
)
CODE_ROW = ToolSpec(
    id="dtc",
    tool="row_lookup",
    doc="codes",
    match={"故障码": "text:故障码"},
    outputs=["含义", "故障等级", "可否继续行驶", "处理方式"],
    template="{故障码}（{含义}）属{故障等级}故障，{可否继续行驶}，建议{处理方式}",
    from_device="fault_codes",
    device_template="系统里这台{device}记录的是{故障码}（{含义}），属{故障等级}故障，{可否继续行驶}",
    prefer={"故障等级": ["一级", "二级", "三级"]},
    labels={"可否继续行驶": {"否": "不能继续行驶", "可以": "可以继续行驶"}},
)
TICKET = ToolSpec(
    id="t",
    tool="crm_record",
    records="open_tickets",
    pick="device",
    template="这台车已有工单 {id}（{subject}）",
)


def test_a_part_term_carries_its_mileage_and_ends_by_it(store: PolicyStore) -> None:
    # within 6 months of delivery, but 12,000 km past the 1万km limit: ended by mileage (先到者为准)
    [r] = run_tool(PADS, ctx(store, {"devices": [car("V1", "2026-08-01", km=12000)]}))
    assert isinstance(r, Computed) and "刹车片6个月或1万km" in r.statement and "已超过 1万km" in r.statement
    # long past 6 months under V1: the date says it
    [r] = run_tool(PADS, ctx(store, {"devices": [car("V1", "2024-01-10", km=46000)]}))
    assert isinstance(r, Computed) and r.output == "2024-07-09" and "已过保" in r.statement


def test_an_exclusion_that_reads_the_same_in_every_version_needs_no_vehicle(store: PolicyStore) -> None:
    fleet = {"devices": [car("A", "2025-03-01"), car("B", "2025-09-01")]}
    [r] = run_tool(EXCLUSION, ctx(store, fleet))
    assert isinstance(r, Computed) and r.statement.startswith("事故、改装或在非授权服务站维修造成的损坏")
    # the battery term differs between the versions (12 vs 24 months): no vehicle named, no answer
    battery = PADS.model_copy(update={"term": "蓄电池", "id": "bat"})
    [r] = run_tool(battery, ctx(store, fleet))
    assert isinstance(r, CannotCompute)


def test_a_thin_message_reads_the_codes_recorded_on_the_vehicle(store: PolicyStore) -> None:
    crm = {"devices": [car("V1", "2025-03-18", codes=["P0217", "P0128"]), car("V2", "2025-03-18")]}
    [r] = run_tool(CODE_ROW, ctx(store, crm, "[image] 又这样了，还能开吗"))
    # the only vehicle recording codes; the highest level of its two codes; the tenant's words, not "可否继续行驶：否"
    assert isinstance(r, Computed) and r.statement.startswith("系统里这台X5 轿车（V1）记录的是P0217")
    assert "不能继续行驶" in r.statement and "：否" not in r.statement
    # the message names the other vehicle (its VIN): its own record or nothing, never V1's codes
    [r] = run_tool(CODE_ROW, ctx(store, crm, "V2 又这样了", entities={"vin": ["V2"]}))
    assert isinstance(r, CannotCompute)
    # a code the customer names is the customer's, stated as such
    [r] = run_tool(CODE_ROW, ctx(store, crm, "报了个P0420"))
    assert isinstance(r, Computed) and r.statement.startswith("P0420（催化器效率低）属三级故障，可以继续行驶")


def test_the_open_ticket_of_the_vehicle_the_message_is_about(store: PolicyStore) -> None:
    crm = {
        "devices": [car("V1", "2025-03-18"), car("V2", "2025-03-18")],
        "open_tickets": [{"id": "TK-1", "subject": "水温报警", "status": "open", "device_id": "V1"}],
    }
    [r] = run_tool(TICKET, ctx(store, crm, "V1 还是不行", entities={"vin": ["V1"]}))
    assert isinstance(r, Computed) and "TK-1" in r.statement and r.next_step == "follow_up_open_ticket"
    # another vehicle named: no ticket of its own, none said
    [r] = run_tool(TICKET, ctx(store, crm, "V2 还是不行", entities={"vin": ["V2"]}))
    assert isinstance(r, CannotCompute)
    # a thin message that names no vehicle: the customer's only open ticket on a vehicle
    [r] = run_tool(TICKET, ctx(store, crm, "[image] 又这样了"))
    assert isinstance(r, Computed) and "TK-1" in r.statement
    # a long message about something else that names no vehicle: not assumed to be that ticket
    long = "我们下个月想再订一批车，顺便问一下今年的保养安排和明年的采购计划，麻烦整理一份方案给我们看看好吗"
    [r] = run_tool(TICKET, ctx(store, crm, long))
    assert isinstance(r, CannotCompute)


def test_a_record_is_named_by_three_pairs_of_its_subject() -> None:
    assert _subject_named("E5充电口盖无法打开", "上个月报的充电口盖打不开那个事")
    assert not _subject_named("E5充电口盖无法打开", "充电桩打不开")
    assert thin_message("[image] 又这样了，还能开吗") and not thin_message("我" * 30)


@pytest.mark.parametrize(
    ("header", "said"),
    [("10台（含）至30台", "10至30台"), ("60台（含）以上", "60台及以上"), ("5台（含）至10台", "5至10台")],
)
def test_tier_bounds_as_a_person_says_them(header: str, said: str) -> None:
    assert _plain_bounds(header) == said


def fact(tool_id: str, asked_by: list[str], **lineage: object) -> Evidence:
    return Evidence(
        id=f"computed_fact:{tool_id}",
        kind=EvidenceKind.COMPUTED_FACT,
        title=tool_id,
        content=tool_id,
        source_ids={"tool_id": tool_id, "doc_id": "wty"},
        lineage={"asked_by": asked_by, **lineage},
    )


def test_a_part_term_replaces_the_vehicle_term_an_exclusion_does_not() -> None:
    vehicle = fact("vehicle", ["保修"])
    pads = fact("pads", ["刹车片", "保修"])
    exclusion = fact("excl", ["修理厂", "保修"], alongside=True)
    assert _subsumed(vehicle, [vehicle, pads])
    assert not _subsumed(vehicle, [vehicle, exclusion])


def test_an_english_question_no_fact_answers_is_noticed() -> None:
    text = "When does my S7 warranty end? Also, do you know a good car wash near your store?"
    answer = "your S7 was delivered on 2025-05-20; its vehicle warranty runs until 2028-05-19."
    assert _unanswered(text, answer, [])
    assert not _unanswered("When does my S7 warranty end?", answer, [])
    both = "When does my warranty end? And how many km does the warranty cover?"
    assert not _unanswered(both, answer + " 120,000 km", [])
    assert _mostly_chinese("不过, 事故, 改装 or 在非授权服务站维修造成的损坏不属于 warranty范围")
    assert not _mostly_chinese("your 凌越S7 (LHVS7A5B2SS500520) warranty runs until 2028-05-19")


def test_an_english_reader_gets_no_chinese_clause_but_an_honest_check() -> None:
    from agents.drafting.plan import TenantVoice
    from agents.drafting.template import Composition, compose
    from agents.reasoning.crm import Contact

    chinese = Evidence(
        id="policy_clause:wty10",
        kind=EvidenceKind.POLICY_CLAUSE,
        title="质保政策V2",
        content="第十条 质保期届满后发生的故障，按4S店当期工时及配件价格自费维修。",
        source_ids={"doc_id": "wty", "version": "2", "clause": "第十条"},
        version="2",
        score=0.6,
    )
    plan = compose(
        Composition(
            lang="en",
            evidence=[chinese],
            actions=[],
            contact=Contact("孙丽", "车主", "e", "孙女士"),
            voice=TenantVoice(company="X", persona="rep", tone="", sign_off="Regards."),
            next_steps={},
            customer_text="Can I get the winter offer here? And what would it cost?",
        )
    )
    assert "质保" not in plan.template_text and "check" in plan.template_text


def test_a_fault_report_hears_the_term_in_one_clause_and_a_thin_one_is_scoped(store: PolicyStore) -> None:
    from agents.nodes.reason import _brief_terms, _thin_message_scope

    spec = ToolSpec(id="w", tool="term_end", label="整车质保", brief_unasked=True)
    term = Computed("term_end", "w", "2027-03-25", "date", "您的X5（V1）交付日为…，至2027年3月25日", (), ())
    [said] = _brief_terms(spec, [term], TODAY) or []
    assert isinstance(said, Computed) and said.say == "这台车目前在整车质保期内，至2027年3月25日"
    ended = Computed("term_end", "w", "2026-09-09", "date", "…已于2026年9月9日到期", (), ())
    assert _brief_terms(spec, [ended], TODAY)[0].say == "这台车的整车质保已于2026年9月9日到期"  # type: ignore[index, union-attr]
    assert _brief_terms(spec, [term, ended], TODAY) is None  # a fleet's batches: nothing short to say
    crm = {"devices": [car("V1", "2025-03-18", codes=["P0217"]), car("V2", "2025-03-18")]}
    c = ctx(store, crm, "[图片]\n仪表上这个灯亮了 还能开吗")
    assert _thin_message_scope(c.crm, c) == frozenset({"V1"})
    c = ctx(
        store, crm, "我们车队今年的保养计划和明年的采购安排麻烦整理一下发给我，顺便看看有什么活动可以参加"
    )
    assert _thin_message_scope(c.crm, c) is None


def test_the_pack_asks_an_open_ticket_for_a_repair_not_for_a_warranty_question() -> None:
    from pathlib import Path

    from agents.reasoning.config import load_tools

    pack = load_tools(Path(__file__).parents[2] / "copilot" / "tenants" / "autodealer")
    assert "open_ticket_vehicle" not in pack.asked("保修到什么时候？")[0]
    assert "open_ticket_vehicle" in pack.asked("还是上不了电，你们到底多久能处理？")[0]
    assert "brake_pad_term" in pack.asked("刹车片磨没了，算保修吗")[0]
    assert "warranty_exclusion" in pack.asked("在路边修理厂修过，还给保修吗")[0]


def test_a_need_for_particular_rows_narrows_the_offers_it_asks() -> None:
    from pathlib import Path

    from agents.reasoning.config import load_tools

    pack = load_tools(Path(__file__).parents[2] / "copilot" / "tenants" / "autodealer")
    # a battery that died asks the promotions table for its battery rows only …
    assert pack.row_words("电瓶没电了，搭电才打着")["promotions"]
    # … while a question about offers asks for any row
    assert "promotions" not in pack.row_words("电瓶没电了，最近有什么活动吗")


def test_a_row_in_the_tenants_english_words(store: PolicyStore) -> None:
    spec = CODE_ROW.model_copy(update={"template_en": "{故障码}: level {故障等级}, {处理方式}"})
    [r] = run_tool(spec, ctx(store, {"devices": []}, "P0420"))
    assert isinstance(r, Computed) and r.statement_en == "P0420: level 三级, 7天内预约进店检查"
    [r] = run_tool(spec.model_copy(update={"template_en": "{nope}"}), ctx(store, {"devices": []}, "P0420"))
    assert isinstance(r, Computed) and r.statement_en == ""  # a column the table lacks: no English line
