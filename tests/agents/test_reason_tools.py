"""The reasoning tools, table-driven: edge dates, tier boundaries, authority ladders, versions chosen by event date,
and every "can't compute" path (missing CRM field, ambiguous table, no number) — over a real policy store."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from agents.reasoning import dates, money
from agents.reasoning.answer import build_answer, computed_evidence
from agents.reasoning.config import ToolSpec, load_tools
from agents.reasoning.crm import CrmRecord
from agents.reasoning.results import CannotCompute, Computed
from agents.reasoning.tools import ToolContext, requested_discount, run_tool
from contract.errors import UserError
from contract.evidence import Evidence, EvidenceKind
from contract.suggestions import AnswerStatus
from knowledge.embeddings import CachedEmbedder, Usem3Embedder
from knowledge.policy import PolicyStore

D = Decimal


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2023, 8, 15), 24, date(2025, 8, 15)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # "1个月" from the 31st ends on the month's last day
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 3, 31), 6, date(2025, 9, 30)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
        (date(2025, 5, 15), 0, date(2025, 5, 15)),
    ],
)
def test_month_terms(start: date, months: int, end: date) -> None:
    assert dates.term_end(start, months, "个月") == end
    # policies that end a term "至满约定月数之日的前一日止" (2025-09-10 + 48 个月 → 2029-09-09)
    assert dates.term_end(start, months, "个月", "day_before") == end - timedelta(days=1)


@pytest.mark.parametrize(
    ("end", "days", "today", "inside"),
    [
        (date(2027, 1, 9), 60, date(2026, 11, 10), True),  # "期满前60日": from the day 60 days before the end
        (date(2027, 1, 9), 60, date(2026, 11, 9), False),
        (date(2026, 12, 31), 30, date(2026, 12, 1), True),  # "到期前30日起（到期日12月31日，则自12月1日起）"
        (date(2027, 1, 9), 60, date(2027, 1, 9), True),  # the end date itself
        (date(2027, 1, 9), 60, date(2027, 1, 10), False),
    ],
)
def test_renewal_window_includes_both_ends(end: date, days: int, today: date, inside: bool) -> None:
    assert dates.window_before(end, days).contains(today) is inside


@pytest.mark.parametrize(
    ("today", "prev"),
    [
        (date(2026, 12, 5), (2026, 3)),
        (date(2026, 1, 1), (2025, 4)),
        (date(2026, 3, 31), (2025, 4)),
        (date(2026, 4, 1), (2026, 1)),
    ],
)
def test_previous_quarter(today: date, prev: tuple[int, int]) -> None:
    assert dates.previous_quarter(today) == prev


@pytest.mark.parametrize(
    ("amount", "pct", "step", "mode", "out"),
    [
        (D("820000"), D("3.5"), "0.01", "half_up", D("28700.00")),  # never "3.5万"
        (D("100.005"), D("100"), "0.01", "half_up", D("100.01")),
        (D("100.005"), D("100"), "0.01", "half_even", D("100.00")),
        (D("999.99"), D("2.5"), "1", "down", D("24")),
    ],
)
def test_money_rounding(amount: Decimal, pct: Decimal, step: str, mode: str, out: Decimal) -> None:
    assert money.percent_of(amount, pct, step, mode) == out


@pytest.mark.parametrize(
    ("value", "text"),
    [(D("862345"), "86.23 万元"), (D("10000"), "1 万元"), (D("4300.5"), "4,300.50 元"), (D("0"), "0.00 元")],
)
def test_money_format(value: Decimal, text: str) -> None:
    assert money.fmt_yuan(value) == text


@pytest.mark.parametrize(
    ("text", "off"),
    [
        ("能不能直接给我们打个九折？", D(10)),
        ("你们答应过9折", None),  # a claimed figure is neither a request nor a fact (issue #15)
        ("95折行不行", D(5)),
        ("再优惠5个点", D(5)),
        ("便宜点吧", None),
    ],
)
def test_requested_discount_is_read_as_a_request(text: str, off: Decimal | None) -> None:
    got = requested_discount(text)
    assert (got[0] if got else None) == off


TIERS = """---
doc_id: rebate
title: 返点协议V2
version: "2"
effective_date: 2026-07-01
supersedes: rebate@1
event_field: order.order_date
event_from: 2026-07-01
---
# 返点协议V2

第四条 返点阶梯如下：

| 产品线 | 适用型号 | 季度采购额 50万元以下 | 50万（含）至100万元 | 100万（含）以上 |
|---|---|---|---|---|
| 创伤耗材 | LCP-3.5 | 0% | 2.5% | 3.5% |
| 关节耗材 | HJ-200、HJ-300 | 0% | 2% | 3% |
| 坏行 | X-1 | 0% | 两个点 | 3% |
"""
TIERS_OLD = """---
doc_id: rebate
title: 返点协议V1
version: "1"
effective_date: 2025-01-01
event_field: order.order_date
event_until: 2026-06-30
---
# 返点协议V1

第四条 返点阶梯如下：

| 产品线 | 适用型号 | 季度采购额 50万元以下 | 50万（含）至100万元 | 100万（含）以上 |
|---|---|---|---|---|
| 创伤耗材 | LCP-3.5 | 0% | 2% | 3% |
"""
AUTHORITY = """---
doc_id: authority
title: 折扣审批权限
version: "1"
---
# 折扣审批权限

第三条 权限如下：

| 审批人 | 单笔订单折扣上限 |
|---|---|
| 销售代表 | 不超过3% |
| 区域销售经理 | 超过3%且不超过8% |
| 销售总监 | 超过8% |
"""
WARRANTY_OLD = """---
doc_id: warranty
title: 保修条款V1
version: "1"
effective_date: 2023-01-01
event_field: device.installed_at
event_until: 2025-06-30
---
# 保修条款

第二条 设备自安装验收合格之日起享受整机保修12个月。
"""
WARRANTY_NEW = """---
doc_id: warranty
title: 保修条款V2
version: "2"
effective_date: 2025-07-01
supersedes: warranty@1
event_field: device.installed_at
event_from: 2025-07-01
---
# 保修条款

第二条 设备自安装验收合格之日起享受整机保修24个月。
"""
TIERS_AMBIGUOUS = """---
doc_id: grades
title: 分级
version: "1"
---
# 分级

第五条 按年度采购额分级：

| 等级 | 年度采购额 | 账期 |
|---|---|---|
| A级 | 800万元以上 | 90天 |
| B级 | 300万至800万元 | 60天 |
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> PolicyStore:
    d = tmp_path_factory.mktemp("reason-store")
    s = PolicyStore(d / "chroma", CachedEmbedder(Usem3Embedder(), d / "emb.sqlite"), d / "catalog.sqlite")
    for text in (TIERS_OLD, TIERS, AUTHORITY, WARRANTY_OLD, WARRANTY_NEW, TIERS_AMBIGUOUS):
        s.add_text(text, {})
    return s


def quarter_fact(category: str, quarter: str, amount: str) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, category, quarter),
        kind=EvidenceKind.CUSTOMER_FACT,
        title="季度采购金额",
        content=f"{category} {quarter} 采购金额 = {amount} 元",
        lineage={"values": {"category": category, "quarter": quarter, "amount": float(amount)}},
    )


def ctx(
    store: PolicyStore,
    *,
    text: str = "",
    today: date = date(2026, 12, 5),
    crm: dict | None = None,
    facts: list[Evidence] | None = None,
    entities: dict | None = None,
) -> ToolContext:
    record = CrmRecord({"customer_id": "C1", **(crm or {})}, facts or [], today=today)
    return ToolContext(store.facts(), record, entities or {}, text, today)


REBATE = ToolSpec(
    id="rebate_rate",
    tool="tier_rate",
    doc="rebate",
    key_column="产品线",
    model_column="适用型号",
    label="返点",
)


@pytest.mark.parametrize(
    ("amount", "rate"),
    [("499999.99", "0"), ("500000", "2.5"), ("999999.99", "2.5"), ("1000000", "3.5"), ("0", "0")],
)
def test_tier_boundaries_follow_the_marked_inclusive_bound(
    store: PolicyStore, amount: str, rate: str
) -> None:
    c = ctx(
        store, entities={"product_model": ["LCP-3.5"]}, facts=[quarter_fact("创伤耗材", "2026Q3", amount)]
    )
    [r] = run_tool(REBATE, c)
    assert isinstance(r, Computed) and r.output == rate and r.unit == "%"
    assert (r.source.doc_id, r.source.version, r.source.clause, r.source.row) == (
        "rebate",
        "2",
        "第四条",
        "1",
    )
    assert f"{rate}%" in r.statement


def test_superseded_version_governs_the_quarter_in_its_window(store: PolicyStore) -> None:
    # Q2 2026 orders are settled under V1 (event_until 2026-06-30): 600k → 2 %, not V2's 2.5 %
    c = ctx(
        store,
        today=date(2026, 8, 1),
        entities={"product_model": ["LCP-3.5"]},
        facts=[quarter_fact("创伤耗材", "2026Q2", "600000")],
    )
    [r] = run_tool(REBATE, c)
    assert isinstance(r, Computed) and (r.source.version, r.output) == ("1", "2")
    assert any(i.ref == "order.order_date" for i in r.inputs)  # the event that chose the version is an input


def test_model_listed_with_others_picks_its_row(store: PolicyStore) -> None:
    c = ctx(
        store, entities={"product_model": ["HJ-300"]}, facts=[quarter_fact("关节耗材", "2026Q3", "700000")]
    )
    [r] = run_tool(REBATE, c)
    assert isinstance(r, Computed) and r.output == "2" and "关节耗材" in r.statement


def test_unparseable_rate_and_missing_amounts_cannot_compute(store: PolicyStore) -> None:
    c = ctx(store, entities={"product_model": ["X-1"]}, facts=[quarter_fact("坏行", "2026Q3", "600000")])
    [r] = run_tool(REBATE, c)
    assert isinstance(r, CannotCompute) and "两个点" in r.reason
    [r] = run_tool(REBATE, ctx(store, entities={"product_model": ["LCP-3.5"]}))
    assert isinstance(r, CannotCompute) and "采购金额" in r.reason


AUTH = ToolSpec(
    id="auth",
    tool="authority",
    doc="authority",
    limit_column="单笔订单折扣上限",
    approver_column="审批人",
    actor="销售代表",
)


@pytest.mark.parametrize(
    ("text", "approver", "within"),
    [
        ("能打97折吗", "销售代表", True),  # 3 % is the rep's own limit (不超过 includes it)
        ("能打个九五折吗", "区域销售经理", False),  # 5 %
        ("能给92折吗", "区域销售经理", False),  # 8 %: the manager's upper bound, included
        ("给个9折吧", "销售总监", False),
        ("打个八折", "销售总监", False),
    ],
)
def test_authority_ladder(store: PolicyStore, text: str, approver: str, within: bool) -> None:
    [r] = run_tool(AUTH, ctx(store, text=text))
    assert isinstance(r, Computed)
    assert (r.output == "within") is within
    if not within:
        # the rep's own limit stays in the statement (the rep's); the customer hears who approves, never that limit
        assert r.needs_approval == approver and "不超过3%" in r.statement and "审批" in r.say
        assert "不超过3%" not in r.say and "超出我的权限" not in r.say and approver in r.say
        assert r.inputs[0].kind == "message"  # the asked figure is recorded as the customer's request


@pytest.mark.parametrize("text", ["你们答应过9折", "上次已经给过我们92折", "（备注：已批准九折）质保到哪天"])
def test_a_claimed_figure_is_not_checked(store: PolicyStore, text: str) -> None:
    """A customer-supplied figure ("你们答应过9折") is never a fact, and not a request to check either (issue #15)."""
    [r] = run_tool(AUTH, ctx(store, text=text))
    assert isinstance(r, CannotCompute) and "没有提出具体的折扣" in r.reason


LADDER = """---
doc_id: ladder
title: 权限阶梯
version: "1"
---
# 权限阶梯

第三条 权限如下：

| 审批人 | 整车（占指导价） |
|---|---|
| 销售顾问 | 2%以内（含） |
| 大客户经理 | 3%以内（含） |
| 销售经理 | 5%以内（含） |
| 总经理 | 5%以上 |
"""


@pytest.mark.parametrize(
    ("text", "approver"),
    [("给我优惠2个点", "销售顾问"), ("打个95折", "销售经理"), ("再给5个点", "销售经理"), ("九折", "总经理")],
)
def test_authority_ladder_of_ceilings_picks_the_most_junior_role_that_may_grant(
    store: PolicyStore, text: str, approver: str
) -> None:
    store.add_text(LADDER, {})
    spec = ToolSpec(
        id="l",
        tool="authority",
        doc="ladder",
        limit_column="整车（占指导价）",
        approver_column="审批人",
        actor="销售顾问",
    )
    [r] = run_tool(spec, ctx(store, text=text))
    assert isinstance(r, Computed)
    assert (r.output == "within") if approver == "销售顾问" else r.needs_approval == approver


RESTRICTED_LADDER = """---
doc_id: ladder-kinds
title: 权限阶梯（按客户类型）
version: "1"
---
# 权限阶梯

第三条 权限如下：

| 审批人 | 整车（占指导价） | 审批方式 |
|---|---|---|
| 销售顾问 | 2%以内（含） | 自行决定 |
| 大客户经理 | 3%以内（含） | 自行决定，限本人负责的企业客户 |
| 销售经理 | 5%以内（含） | 系统提交审批 |
| 总经理 | 5%以上 | 须附说明 |
"""


@pytest.mark.parametrize(
    ("kind", "actor", "text", "approver"),
    [
        (
            "individual",
            "销售顾问",
            "给我优惠3个点",
            "销售经理",
        ),  # the 企业-only rung does not decide for a person
        ("fleet", "销售顾问", "给我优惠3个点", "大客户经理"),
        ("individual", "销售顾问", "九五折", "销售经理"),
        ("individual", "销售顾问", "九折", "总经理"),
        ("fleet", "大客户经理", "再给4个点", "销售经理"),  # never a peer or a lower rung: the next one up
        ("fleet", "大客户经理", "再给3个点", ""),  # within the asker's own limit
    ],
)
def test_authority_approver_is_a_higher_rung_that_may_decide_for_this_customer(
    store: PolicyStore, kind: str, actor: str, text: str, approver: str
) -> None:
    store.add_text(RESTRICTED_LADDER, {})
    spec = ToolSpec(
        id="k",
        tool="authority",
        doc="ladder-kinds",
        limit_column="整车（占指导价）",
        approver_column="审批人",
        actor=actor,
        kind_words={"individual": "个人", "fleet": "企业"},
    )
    [r] = run_tool(spec, ctx(store, text=text, crm={"kind": kind}))
    assert isinstance(r, Computed)
    if not approver:
        assert r.output == "within"
        return
    assert r.needs_approval == approver
    # the customer hears that their figure needs approval and by whom — never the rep's own limit (an invitation to ask
    # for exactly that much) nor an offer of their figure; the limit stays in the statement for the rep
    assert f"需要{approver}审批" in r.say and "可自行决定" not in r.say and "以内" not in r.say
    assert "超出我的权限" not in r.say
    assert actor in r.statement


def test_authority_without_a_figure_cannot_compute(store: PolicyStore) -> None:
    [r] = run_tool(AUTH, ctx(store, text="再便宜点吧"))
    assert isinstance(r, CannotCompute)


WARRANTY = ToolSpec(
    id="w",
    tool="term_end",
    doc="warranty",
    clause="第二条",
    term="整机保修",
    start_field="device.installed_at",
)


@pytest.mark.parametrize(
    ("installed", "version", "end"),
    [
        (date(2025, 6, 30), "1", "2026-06-30"),  # old version: 12 months
        (date(2025, 7, 1), "2", "2027-07-01"),  # new version: 24 months
        (date(2024, 2, 29), "1", "2025-02-28"),  # leap day + 12 months
    ],
)
def test_warranty_end_by_the_version_the_install_date_chooses(
    store: PolicyStore, installed: date, version: str, end: str
) -> None:
    crm = {
        "devices": [
            {
                "id": "SN-1",
                "name": "C形臂",
                "installed_at": installed.isoformat(),
                "evidence_ids": ["customer_fact:x"],
            }
        ]
    }
    [r] = run_tool(WARRANTY, ctx(store, crm=crm))
    assert isinstance(r, Computed) and r.source.version == version and r.output == end


def test_missing_crm_field_and_ambiguous_device_cannot_compute(store: PolicyStore) -> None:
    [r] = run_tool(WARRANTY, ctx(store, crm={"devices": [{"id": "SN-1", "name": "C形臂"}]}))
    assert isinstance(r, CannotCompute) and "installed_at" in r.reason
    two = {"devices": [{"id": "A", "installed_at": "2025-01-01"}, {"id": "B", "installed_at": "2025-09-01"}]}
    [r] = run_tool(WARRANTY, ctx(store, crm=two))
    assert isinstance(r, CannotCompute) and "2 台" in r.reason
    [r] = run_tool(WARRANTY, ctx(store, crm=two, entities={"serial_number": ["B"]}))
    assert isinstance(r, Computed) and r.source.version == "2"


def test_ambiguous_tier_boundary_cannot_compute(store: PolicyStore) -> None:
    spec = ToolSpec(id="g", tool="row_lookup", doc="grades", match={"等级": "A级"}, outputs=["账期"])
    [r] = run_tool(spec, ctx(store))
    assert isinstance(r, Computed) and r.output == "90天"
    from agents.reasoning.lookup import LookupError_, tier_down

    rows = store.facts().rows("grades", "1")
    with pytest.raises(LookupError_, match="歧义"):
        tier_down(rows, "年度采购额", D(8_000_000), "元")
    assert tier_down(rows, "年度采购额", D(5_000_000), "元").row.row == 2


def test_renewal_window_and_days_since(store: PolicyStore) -> None:
    spec = ToolSpec(id="r", tool="renewal_window", doc="authority", field="contract.end_date", days=60)
    crm = {
        "contracts": [
            {"id": "HT-1", "end_date": "2027-01-09", "status": "active", "evidence_id": "customer_fact:c"}
        ]
    }
    [r] = run_tool(spec, ctx(store, crm=crm))
    assert isinstance(r, Computed) and r.output == "35" and "续约期" in r.statement
    [r] = run_tool(
        ToolSpec(id="d", tool="days_since", category="脊柱耗材"),
        ctx(store, crm={"last_purchase": {"脊柱耗材": "2026-04-24"}}),
    )
    assert isinstance(r, Computed) and r.output == "225"


def test_a_renewal_window_for_other_contracts_is_not_promised(store: PolicyStore) -> None:
    """tools.yaml `where` on a renewal window: a clause about one kind of contract (a fleet package's 到期前30日续购)
    gives no window to another kind; the end date is still said."""
    spec = ToolSpec(
        id="r",
        tool="renewal_window",
        doc="authority",
        field="contract.end_date",
        days=60,
        where={"package_code": ["F"]},
    )
    contract = {"id": "HT-1", "end_date": "2027-01-09", "status": "active", "evidence_id": "customer_fact:c"}
    [r] = run_tool(spec, ctx(store, crm={"contracts": [{**contract, "x_package_code": "B"}]}))
    assert isinstance(r, Computed) and r.output == "35" and "2027年1月9日到期" in r.statement
    assert "续约期" not in r.statement
    [r] = run_tool(spec, ctx(store, crm={"contracts": [{**contract, "x_package_code": "F"}]}))
    assert isinstance(r, Computed) and "续约期" in r.statement


def test_computed_fact_evidence_lineage_and_answer(store: PolicyStore) -> None:
    fact = quarter_fact("创伤耗材", "2026Q3", "860000")
    [r] = run_tool(REBATE, ctx(store, entities={"product_model": ["LCP-3.5"]}, facts=[fact]))
    assert isinstance(r, Computed)
    ev = computed_evidence(r, "C1")
    assert (
        ev.kind is EvidenceKind.COMPUTED_FACT
        and ev.source_ids["row"] == "1"
        and ev.source_ids["version"] == "2"
    )
    inputs = ev.lineage["inputs"]
    assert {"evidence_id": fact.id, "value": "860000.0", "kind": "evidence"} in inputs
    assert ev.lineage["output"] == "2.5" and ev.lineage["unit"] == "%"
    assert "86 万元" in ev.content and "2.5%" in ev.content and "《返点协议V2》第四条" in ev.content
    answer = build_answer([r], [ev])
    assert answer is not None and answer.status is AnswerStatus.COMPUTED and ev.id in answer.evidence_ids
    failed = build_answer([CannotCompute("authority", "auth", "客户没有提出具体的折扣")], [])
    assert failed is not None and failed.status is AnswerStatus.CLAUSE_ONLY
    assert failed.cannot_compute == ["can't compute: 客户没有提出具体的折扣"]


def test_tools_yaml_is_validated_with_the_file_named(tmp_path: Path) -> None:
    (tmp_path / "tools.yaml").write_text(
        "intents:\n  x:\n    - {id: a, tool: no_such_tool}\n", encoding="utf-8"
    )
    with pytest.raises(UserError, match="tools.yaml"):
        load_tools(tmp_path)
    demo = load_tools(Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "demo")
    assert {s.tool for specs in demo.intents.values() for s in specs} >= {
        "tier_rate",
        "authority",
        "term_end",
    }


def test_crm_record_states_a_record_with_field_arithmetic(store: PolicyStore) -> None:
    spec = ToolSpec(
        id="v",
        tool="crm_record",
        records="contracts",
        require=["visits_total"],
        compute={"left": "visits_total - visits_used"},
        template="{title}（{id}）还剩 {left} 次，{end_date} 到期",
    )
    crm = {
        "contracts": [
            {
                "id": "SC-1",
                "title": "保养套餐",
                "end_date": "2028-07-14",
                "x_visits_total": 6.0,
                "x_visits_used": 2.0,
                "evidence_id": "customer_fact:c",
            }
        ]
    }
    [r] = run_tool(spec, ctx(store, crm=crm))
    assert isinstance(r, Computed) and "还剩 4 次" in r.statement and r.slots == ("4",)
    [r] = run_tool(spec, ctx(store, crm={"contracts": [{"id": "SC-2", "end_date": "2027-01-01"}]}))
    assert isinstance(r, CannotCompute)  # a contract without visits: nothing to compute
    tickets = ToolSpec(
        id="t",
        tool="crm_record",
        records="open_tickets",
        template="{id} {status}",
        labels={"status": {"in_progress": "处理中"}},
    )
    crm = {
        "open_tickets": [
            {"id": "TK-1", "subject": "充电口盖打不开", "status": "in_progress", "opened_at": "2026-10-20"},
            {"id": "TK-2", "subject": "异响", "status": "open", "opened_at": "2026-11-01"},
        ]
    }
    [r] = run_tool(tickets, ctx(store, crm=crm, text="充电口盖打不开的工单到哪一步了"))
    assert isinstance(r, Computed) and r.statement == "TK-1 处理中"
    with pytest.raises(ValueError):
        from agents.reasoning.tools import _arith

        _arith("__import__('os')", {})


TRADE_IN = """---
doc_id: tradein
title: 置换补贴
version: "1"
---
# 置换补贴

第三条 补贴标准如下：

| 旧车品牌 | 车龄3年（含）以内 | 车龄3年以上至6年（含） | 车龄6年以上 |
|---|---|---|---|
| 本品牌 | 6000元/台 | 8000元/台 | 10000元/台 |
"""
PROMOS = """---
doc_id: promos
title: 促销方案
version: "1"
---
# 促销方案

第二条 活动如下：

| 活动编号 | 活动名称 | 活动期间 | 适用区域 | 适用车型 | 客户类型 | 优惠内容 |
|---|---|---|---|---|---|---|
| PR-1 | 夏季购车礼 | 2026年6月1日至2026年8月31日 | 全国 | 全部车型 | 个人客户 | 赠送保养套餐 |
| PR-2 | 冬季焕新季 | 2026年11月1日至2026年12月31日 | 华东 | 凌越S7 | 个人客户 | 每台立减8000元 |
| PR-3 | 车队补贴 | 2026年9月1日至2026年12月31日 | 全国 | 凌越E5 | 企业车队 | 每台补贴6000元 |
"""


@pytest.mark.parametrize(
    ("delivered", "subsidy"),
    [
        (date(2023, 11, 20), "6000元/台"),
        (date(2023, 11, 19), "8000元/台"),
        (date(2020, 11, 20), "8000元/台"),
        (date(2020, 11, 19), "10000元/台"),
    ],
)
def test_row_tier_by_vehicle_age_is_exact_at_anniversaries(
    store: PolicyStore, delivered: date, subsidy: str
) -> None:
    store.add_text(TRADE_IN, {})
    spec = ToolSpec(id="t", tool="row_tier", doc="tradein", match={"旧车品牌": "本品牌"}, label="置换补贴")
    crm = {"devices": [{"id": "V1", "name": "S7", "installed_at": delivered.isoformat()}]}
    [r] = run_tool(spec, ctx(store, crm=crm, today=date(2026, 11, 20)))
    assert isinstance(r, Computed) and r.output == subsidy


def test_scope_rows_check_period_region_product_and_customer_type(store: PolicyStore) -> None:
    store.add_text(PROMOS, {})
    spec = ToolSpec(
        id="p",
        tool="scope_rows",
        doc="promos",
        scope={"date": "活动期间", "region": "适用区域", "product": "适用车型", "customer": "客户类型"},
        kind_words={"individual": "个人", "fleet": "企业"},
        name_columns=["活动名称"],
        template="{活动名称}：{优惠内容}",
    )
    person = {"region": "华东", "kind": "individual"}
    results = run_tool(
        spec,
        ctx(
            store,
            crm=person,
            text="S7有什么优惠",
            entities={"product_model": ["S7"]},
            today=date(2026, 11, 20),
        ),
    )
    assert [r.statement for r in results if isinstance(r, Computed)] == [
        # r17: inside its window with no order day named, the condition and the last day, never a bare promise
        "冬季焕新季：每台立减8000元，活动以下单日为准，2026年12月31日当天及之前下单可享"
    ]
    named, *others = run_tool(spec, ctx(store, crm=person, text="夏季购车礼还有吗", today=date(2026, 11, 20)))
    assert isinstance(named, Computed) and named.output == "false" and "2026年8月31日结束" in named.statement
    assert all(isinstance(o, Computed) and o.output == "true" for o in others)  # what does apply now
    fleet = {"region": "华东", "kind": "fleet"}
    [r] = run_tool(spec, ctx(store, crm=fleet, text="车队补贴V9能用吗", today=date(2026, 11, 20)))
    assert isinstance(r, Computed) and "不含V9" in r.statement


@pytest.mark.parametrize(
    ("spoken", "code"), [("故障码P零二一七", "故障码P0217"), ("报U零一零零", "报U0100"), ("P0420", "P0420")]
)
def test_codes_read_aloud_are_matched_as_codes(spoken: str, code: str) -> None:
    from agents.reasoning.tools import spoken_codes

    assert spoken_codes(spoken) == code


def test_lapsed_contract_is_reported_as_expired(store: PolicyStore) -> None:
    spec = ToolSpec(id="r", tool="renewal_window", doc="authority", field="contract.end_date", days=30)
    crm = {"contracts": [{"id": "SC-9", "end_date": "2026-05-31", "status": "expired"}]}
    [r] = run_tool(spec, ctx(store, crm=crm, today=date(2026, 11, 20)))
    assert isinstance(r, Computed) and "已于2026年5月31日到期" in r.statement and r.output == "-173"


FLEET = """---
doc_id: fleet
title: 车队折扣阶梯
version: "2"
---
# 车队折扣阶梯

第三条 企业车队客户按以下阶梯享受折扣：

| 阶梯 | 上年度整车采购量 | 整车折扣 |
|---|---|---|
| F1 | 5台（含）至10台 | 3% |
| F2 | 10台（含）至30台 | 5% |
| F3 | 30台（含）以上 | 7% |
"""


def year_fact(quarter: str, qty: float) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, "整车", quarter),
        kind=EvidenceKind.CUSTOMER_FACT,
        title="季度采购金额",
        content=f"整车 {quarter} 数量 {qty}",
        lineage={"values": {"category": "整车", "quarter": quarter, "amount": 1.0, "quantity": qty}},
    )


def price_fact() -> Evidence:
    return Evidence(
        id="customer_fact:price",
        kind=EvidenceKind.CUSTOMER_FACT,
        title="指导价",
        content="产品 凌越T3 轻型厢式货车 指导价 = 126000 元",
        source_ids={"entity": "product", "attribute": "list_price", "row_key": "V-T3"},
        lineage={"values": {"list_price": 126000.0}},
    )


@pytest.mark.parametrize(
    ("quarters", "rate", "text"),
    [
        ({"2025Q1": 4, "2025Q3": 6}, "5", "10 台"),  # 10 units: the F2 tier writes （含）
        ({"2025Q2": 9}, "3", "9 台"),
        ({"2025Q4": 31, "2026Q1": 40}, "7", "31 台"),  # only last calendar year counts
        ({"2025Q4": 4}, "none", "未达到最低阶梯"),
    ],
)
def test_volume_tier_from_last_calendar_years_units(
    store: PolicyStore, quarters: dict[str, float], rate: str, text: str
) -> None:
    store.add_text(FLEET, {})
    spec = ToolSpec(
        id="f", tool="volume_tier", doc="fleet", category="整车", tier_column="上年度整车采购量",
        key_column="阶梯", output_column="整车折扣", only_kinds=["fleet"],
    )  # fmt: skip
    facts = [year_fact(q, n) for q, n in quarters.items()]
    [r] = run_tool(spec, ctx(store, crm={"kind": "fleet"}, facts=facts, today=date(2026, 11, 20)))
    assert isinstance(r, Computed) and r.output == rate and text in r.statement
    assert run_tool(spec, ctx(store, crm={"kind": "individual"}, facts=facts)) == []


def test_volume_tier_prices_the_asked_units(store: PolicyStore) -> None:
    store.add_text(FLEET, {})
    spec = ToolSpec(
        id="f", tool="volume_tier", doc="fleet", category="整车", tier_column="上年度整车采购量",
        key_column="阶梯", output_column="整车折扣",
    )  # fmt: skip
    facts = [year_fact("2025Q2", 32), price_fact()]
    c = ctx(
        store,
        crm={"kind": "fleet"},
        facts=facts,
        text="年底前再订20台T3",
        entities={"product_model": ["T3"]},
        today=date(2026, 11, 20),
    )
    [r] = run_tool(spec, c)
    assert (
        isinstance(r, Computed)
        and "折后单价 117,180 元" in r.statement
        and "合计 2,343,600 元" in r.statement
    )
    assert {"117,180", "2,343,600"} <= set(r.slots)


def test_authority_reads_the_reps_position_from_the_360(store: PolicyStore) -> None:
    """The owning rep's 岗位 (a rep extra in the 360) picks whose limit applies; without it, the configured actor."""
    store.add_text(LADDER, {})
    position = Evidence(
        id="customer_fact:pos",
        kind=EvidenceKind.CUSTOMER_FACT,
        title="岗位",
        content="负责销售 陈思远 岗位 = 大客户经理",
        source_ids={"entity": "rep", "attribute": "position"},
    )
    spec = ToolSpec(
        id="l",
        tool="authority",
        doc="ladder",
        limit_column="整车（占指导价）",
        approver_column="审批人",
        actor="销售顾问",
        actor_field="rep.position",
    )
    for facts, within in (([position], True), ([], False)):
        [r] = run_tool(spec, ctx(store, text="给我优惠3个点", facts=facts))
        assert isinstance(r, Computed) and (r.output == "within") is within
        if within:
            assert "大客户经理" in r.statement and any(i.ref == "customer_fact:pos" for i in r.inputs)


def test_fallback_tools_come_from_the_retrieved_documents_of_other_intents() -> None:
    """A question filed under a neighbouring intent still runs the tools on the documents retrieval ranked first (the
    most gated spec of an id, best-ranked document first); none beyond `fallback_docs`, none the intent already runs."""
    from agents.reasoning.config import ToolsConfig

    cfg = ToolsConfig.model_validate(
        {
            "intents": {
                "warranty": [{"id": "w", "tool": "term_end", "doc": "warranty", "clause": "第二条"}],
                "fault": [
                    {"id": "sla", "tool": "row_lookup", "doc": "sla"},
                    {
                        "id": "w",
                        "tool": "term_end",
                        "doc": "warranty",
                        "clause": "第二条",
                        "when_words": ["保修"],
                    },
                ],
                "price": [{"id": "tier", "tool": "volume_tier", "doc": "tiers"}],
            }
        }
    )
    got = cfg.fallbacks("price", ["sla", "warranty", "tiers"])
    assert [t.id for t in got] == ["sla", "w"] and got[1].when_words == ["保修"]
    assert [t.id for t in cfg.fallbacks("fault", ["sla", "warranty"])] == []
    off = cfg.model_copy(update={"fallback_docs": 0})
    assert off.fallbacks("price", ["sla", "warranty"]) == []


TERMS_TABLE = """---
doc_id: terms
title: 质保政策
version: "1"
---
# 质保政策

第五条 期限如下：

| 车辆类别 | 整车质保 | 动力总成（发动机、变速箱） | 动力电池及电驱系统（纯电车型） |
|---|---|---|---|
| 非营运车辆 | 36个月或10万km | 60个月或15万km | 8年或15万km |

第六条 退款在审核通过后7个工作日内原路退回。

第七条 订单未确认前不得承诺日期，只能告知一般配车周期：现车15日内，订车30至45日，以系统确认为准。
"""


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        ("整车质保到哪天", ["2027年1月9日"]),
        ("动力电池保几年？保到哪天", ["2027年1月9日", "2032年1月9日"]),  # the asked column beside the default
        ("发动机和变速箱保修到什么时候", ["2027年1月9日", "2029年1月9日"]),
        ("发动机故障灯亮了怎么办", ["2027年1月9日"]),  # a fault named with a column's word asks no other term
    ],
)
def test_term_columns_the_question_names(store: PolicyStore, text: str, ends: list[str]) -> None:
    store.add_text(TERMS_TABLE, {})
    spec = ToolSpec(
        id="t",
        tool="term_end",
        doc="terms",
        clause="第五条",
        row_column="车辆类别",
        row_by="device.use_type",
        term_column="整车质保",
        end_rule="day_before",
        start_field="device.installed_at",
    )
    device = {"id": "V1", "name": "E5", "installed_at": "2024-01-10", "x_use_type": "非营运"}
    got = run_tool(spec, ctx(store, text=text, crm={"devices": [device]}, today=date(2026, 11, 20)))
    assert all(isinstance(r, Computed) for r in got)
    assert [r.slots[0] for r in got if isinstance(r, Computed)] == ends


@pytest.mark.parametrize(
    ("spec_kw", "records", "said"),
    [
        ({"clause": "第六条"}, [], "退款在审核通过后7个工作日内原路退回"),
        (  # a pending order without a confirmed date: the general cycle, never a date
            {
                "clause": "第七条",
                "term": "一般配车周期",
                "where": {"status": ["pending"]},
                "require": ["confirmed_delivery"],
                "template": "您的订单 {id} 尚未确认交车日期；{quote}",
            },
            [{"id": "SO-1", "status": "pending", "order_date": "2026-11-16"}],
            "您的订单 SO-1 尚未确认交车日期；一般配车周期：现车15日内，订车30至45日，以系统确认为准",
        ),
        (
            {
                "clause": "第七条",
                "term": "一般配车周期",
                "where": {"status": ["pending"]},
                "require": ["confirmed_delivery"],
            },
            [{"id": "SO-2", "status": "confirmed", "confirmed_delivery": "2026-12-08"}],
            "",
        ),
    ],
)
def test_clause_quote(store: PolicyStore, spec_kw: dict, records: list, said: str) -> None:
    store.add_text(TERMS_TABLE, {})
    spec = ToolSpec(id="q", tool="clause_quote", doc="terms", records="open_tickets", **spec_kw)
    [r] = run_tool(spec, ctx(store, crm={"open_tickets": records}))
    if said:
        assert isinstance(r, Computed) and r.statement == said
    else:
        assert isinstance(r, CannotCompute)


TRADE_IN_BATCH = """---
doc_id: tradein-batch
title: 置换补贴（批量）
version: "1"
---
# 置换补贴

第三条 补贴标准如下：

| 旧车品牌 | 车龄3年（含）以内 | 车龄3年以上至6年（含） | 车龄6年以上 |
|---|---|---|---|
| 本品牌 | 6000元/台 | 8000元/台 | 10000元/台 |

第四条 企业客户在同一订单中批量置换10台（含）以上的，每台在第三条标准基础上另加1000元。
"""


def fleet(n: int, day: str, name: str = "凌越L5 轿车", start: int = 0) -> list[dict]:
    return [{"id": f"VIN{start + i:03d}", "name": name, "installed_at": day} for i in range(n)]


@pytest.mark.parametrize(
    ("kind", "text", "slots"),
    [  # 12 of 2020 → > 6 years: 10000 + 1000 (≥ 10, 企业) = 11,000 × 12; the 2024 ones are another batch
        ("fleet", "这12台2020年的L5想换新，补贴怎么算", ["10000元/台", "11,000", "132,000"]),
        ("fleet", "2024年6月那批L5置换补贴多少", ["6000元/台", "48,000"]),  # 8 < 10: no batch bonus
        ("individual", "这12台2020年的L5想换新", ["10000元/台", "120,000"]),  # the bonus is for 企业客户 only
    ],
)
def test_trade_in_for_a_batch_named_by_its_delivery_year(
    store: PolicyStore, kind: str, text: str, slots: list[str]
) -> None:
    store.add_text(TRADE_IN_BATCH, {})
    spec = ToolSpec(
        id="t",
        tool="row_tier",
        doc="tradein-batch",
        match={"旧车品牌": "本品牌"},
        label="置换补贴",
        bonus_clause="第四条",
        kind_words={"individual": "个人", "fleet": "企业"},
    )
    devices = fleet(12, "2020-06-15") + fleet(8, "2024-06-28", start=20)
    [r] = run_tool(
        spec,
        ctx(
            store,
            crm={"devices": devices, "kind": kind},
            text=text,
            entities={"product_model": ["L5"]},
            today=date(2026, 11, 20),
        ),
    )
    assert isinstance(r, Computed) and list(r.slots) == slots
    if kind == "fleet" and "11,000" not in slots:  # a batch below the threshold is told what it would take
        assert "第四条批量10台（含）以上每台另加 1,000 元，本次8台未达到" in r.statement
        assert "starts at 10 units (8 now)" in r.statement_en
    if kind == "individual":
        assert "另加" not in r.statement  # the clause is for 企业客户: nothing to say to an individual


def test_warranty_for_each_batch_the_message_names(store: PolicyStore) -> None:
    """ "一批去年3月、一批去年11月": each batch gets its own version and term; too many batches → ask which one."""
    store.add_text(TERMS_TABLE, {})
    spec = ToolSpec(
        id="t",
        tool="term_end",
        doc="terms",
        clause="第五条",
        row_column="车辆类别",
        row_by="device.use_type",
        term_column="整车质保",
        end_rule="day_before",
        start_field="device.installed_at",
    )
    devices = [
        {**d, "x_use_type": "非营运"}
        for d in fleet(3, "2025-03-06") + fleet(2, "2025-11-19", start=10) + fleet(4, "2024-01-10", start=20)
    ]
    text = "两批L5，一批去年3月，一批去年11月，分别保到哪天"
    got = run_tool(
        spec,
        ctx(
            store,
            crm={"devices": devices},
            text=text,
            entities={"product_model": ["L5"]},
            today=date(2026, 11, 20),
        ),
    )
    assert [r.slots[0] for r in got if isinstance(r, Computed)] == ["2028年3月5日", "2028年11月18日"]
    assert got[0].statement.startswith("您3台凌越L5 轿车交付日为2025年3月6日")  # type: ignore[union-attr]
    many = devices + fleet(1, "2023-05-05", start=40) + fleet(1, "2022-05-05", start=50)
    [r] = run_tool(
        spec,
        ctx(
            store,
            crm={"devices": [{**d, "x_use_type": "非营运"} for d in many]},
            text="L5保到哪天",
            entities={"product_model": ["L5"]},
            today=date(2026, 11, 20),
        ),
    )
    assert isinstance(r, CannotCompute)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("他们的S7和L5多少钱？我们订6台E5", "E5"),  # the units' own model
        ("6台S7，和L5比哪个划算", "S7"),
        ("S7和L5各报个价", "S7"),  # no units: as named
    ],
)
def test_the_model_next_to_the_units_is_the_one_priced(text: str, first: str) -> None:
    from agents.reasoning.tools import ASKED_UNITS, _units_model_first

    models = [m for m in ("S7", "L5", "E5") if m in text]
    assert _units_model_first(text, models, ASKED_UNITS.search(text))[0] == first


PACKAGES = """---
doc_id: packages
title: 套餐条款
version: "1"
---
# 套餐条款

第三条 套餐如下：

| 产品 | 编码 | 价格 | 服务次数 |
|---|---|---|---|
| 基础套餐 | PKG-B | 2680元 | 4次 |
| 畅享套餐 | PKG-P | 4980元 | 6次 |

第四条 套餐退订的，扣除10%手续费，即：退款金额 = 套餐价格 × 未使用次数 ÷ 总次数 × 90%，按元四舍五入取整。
"""


@pytest.mark.parametrize(
    ("code", "total", "used", "refund"),
    [("PKG-B", 4, 1, "1,809"), ("PKG-P", 6, 2, "2,988"), ("PKG-P", 6, 5, "747"), ("PKG-B", 4, 4, "0")],
)
def test_package_refund_from_the_rows_price_and_the_clauses_fee(
    store: PolicyStore, code: str, total: int, used: int, refund: str
) -> None:
    store.add_text(PACKAGES, {})
    spec = ToolSpec.model_validate(
        {
            "id": "refund",
            "tool": "crm_record",
            "records": "contracts",
            "require": ["visits_total"],
            "doc": "packages",
            "clause": "第四条",
            "policy_values": {"fee": "%手续费"},
            "row_values": {
                "price": {
                    "doc": "packages",
                    "key_column": "编码",
                    "key_field": "package_code",
                    "column": "价格",
                }
            },
            "compute": {"refund": "price * (visits_total - visits_used) / visits_total * (100 - fee) / 100"},
            "round_whole": ["refund"],
            "template": "退款 {refund} 元",
        }
    )
    contract = {
        "id": "SC-1",
        "package_code": code,
        "visits_total": total,
        "visits_used": used,
        "end_date": "2028-01-01",
    }
    [r] = run_tool(spec, ctx(store, crm={"contracts": [contract]}))
    assert isinstance(r, Computed) and r.statement == f"退款 {refund} 元"
    [bad] = run_tool(spec, ctx(store, crm={"contracts": [{**contract, "package_code": "PKG-X"}]}))
    assert isinstance(bad, CannotCompute)  # no row for the record's code: never a guessed price


ORDER_RULE = """---
doc_id: order-rule
title: 审批规定
version: "1"
---
# 审批规定

第五条 单笔订单金额超过200万元的，无论折扣比例，均须报总经理审批。
"""


@pytest.mark.parametrize(
    ("units", "approver"),
    [("17", ""), ("18", "总经理")],  # 117,180 × 17 = 1,992,060 ≤ 200万; × 18 = 2,109,240 > 200万
)
def test_an_order_above_the_size_rule_needs_its_approver(
    store: PolicyStore, units: str, approver: str
) -> None:
    store.add_text(FLEET, {})
    store.add_text(ORDER_RULE, {})
    spec = ToolSpec(
        id="f", tool="volume_tier", doc="fleet", category="整车", tier_column="上年度整车采购量",
        key_column="阶梯", output_column="整车折扣", approval_doc="order-rule", approval_clause="第五条",
    )  # fmt: skip
    c = ctx(
        store,
        crm={"kind": "fleet"},
        facts=[year_fact("2025Q2", 32), price_fact()],
        text=f"再订{units}台T3",
        entities={"product_model": ["T3"]},
        today=date(2026, 11, 20),
    )
    [r] = run_tool(spec, c)
    assert isinstance(r, Computed) and r.needs_approval == approver
    assert ("须报总经理审批" in r.statement) is bool(approver)


PROMO_CUT = """---
doc_id: promo-cut
title: 促销
version: "1"
---
# 促销

第二条 活动如下：

| 活动编号 | 活动名称 | 活动期间 | 适用车型 | 优惠内容 |
|---|---|---|---|---|
| PR-9 | 年末冲量 | 2026年11月1日至2026年12月31日 | 凌越T3、凌越S7 | T3每台立减5000元，S7每台立减8000元 |
"""


@pytest.mark.parametrize(
    ("model", "net"),
    [("T3", "121,000"), ("S7", None)],  # the CRM prices the T3 only: no S7 price, never a guessed one
)
def test_an_offer_that_cuts_the_asked_models_price_states_the_net_price(
    store: PolicyStore, model: str, net: str | None
) -> None:
    store.add_text(PROMO_CUT, {})
    spec = ToolSpec(
        id="p", tool="scope_rows", doc="promo-cut", scope={"date": "活动期间", "product": "适用车型"},
        name_columns=["活动名称"],
    )  # fmt: skip
    c = ctx(
        store,
        facts=[price_fact()],
        text=f"{model}年末冲量活动还有吗",
        entities={"product_model": [model]},
        today=date(2026, 11, 20),
    )
    [r] = run_tool(spec, c)
    assert isinstance(r, Computed) and r.output == "true"
    assert (f"立减后 {net} 元" in r.statement) if net else ("立减后" not in r.statement)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("PKG-B 续8台多少钱", "基础套餐（PKG-B） 2,680 元，折后 2,492 元，8 台合计 19,936 元"),  # 7 % off
        ("畅享套餐怎么卖", "畅享套餐（PKG-P） 4,980 元，折后 4,631 元"),
        ("套餐怎么卖", None),  # no row named: can't compute, never a guessed package
    ],
)
def test_volume_tier_rate_on_a_product_priced_in_a_policy_table(
    store: PolicyStore, text: str, said: str | None
) -> None:
    store.add_text(FLEET, {})
    store.add_text(PACKAGES, {})
    spec = ToolSpec.model_validate(
        {
            "id": "pkg", "tool": "volume_tier", "doc": "fleet", "category": "整车",
            "tier_column": "上年度整车采购量", "key_column": "阶梯", "output_column": "整车折扣", "rounding": "1",
            "price_row": {"doc": "packages", "key_column": "编码", "column": "价格"},
        }
    )  # fmt: skip
    c = ctx(
        store, crm={"kind": "fleet"}, facts=[year_fact("2025Q2", 32)], text=text, today=date(2026, 11, 20)
    )
    [r] = run_tool(spec, c)
    if said is None:
        assert isinstance(r, CannotCompute)
    else:
        assert isinstance(r, Computed) and said in r.statement


@pytest.mark.parametrize(
    ("text", "history", "seen"),
    [
        ("行 就按这个走 3台 [OK]", [{"role": "rep", "text": "3台凌越S7按F1阶梯3%报给您"}], "〔上文：S7〕"),
        (
            "[OK] [抱拳]",
            [{"role": "customer", "text": "报价单 凌越T3 数量 5 台 折扣 5%"}],
            "〔上文：T3 5台〕",
        ),
        ("T3 再来2台", [{"role": "rep", "text": "S7 报价"}], ""),  # names its own product: no context
        ("好的", [], ""),
    ],
)
def test_a_bare_confirmation_reads_the_products_of_the_turn_it_answers(
    text: str, history: list[dict], seen: str
) -> None:
    from agents.nodes.reason import with_context

    out = with_context(text, history, lambda code: code in ("S7", "T3"))  # F1 is a tier, not a product
    assert out == (f"{text} {seen}" if seen else text)
    assert (
        "3%" not in out and "5%" not in out
    )  # the other turn's figures are never read as this customer's ask
