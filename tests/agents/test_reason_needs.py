"""What the question needs, whatever its intent (tools.yaml `needs`): the words that ask for a tool, the tools they
add ungated, the intent's own tools kept for the rep when they answer none of the message's needs; who pays under a
term (`covered_clause` / `expired_clause`), on the term's last day and the day after; a bare "%" is a discount only
among price words. Real policy store, a made-up tenant."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from agents.reasoning.config import Need, ToolsConfig, ToolSpec, load_tools
from agents.reasoning.crm import CrmRecord
from agents.reasoning.results import CannotCompute, Computed
from agents.reasoning.tools import ToolContext, requested_discount, run_tool
from contract.errors import UserError
from knowledge.policy import PolicyStore
from tests.agents.reasoning_fixtures import WARRANTY_TERM, device, devices_crm, policy_store, run_on

WARRANTY = (
    WARRANTY_TERM
    + """
第八条 在保修期内，因材料或制造缺陷导致的故障，免费维修或更换零部件，工时费与材料费均不向客户收取。

第十条 保修期届满后发生的故障，按当期工时及配件价格自费维修。
"""
)

TERM = ToolSpec(
    id="w",
    tool="term_end",
    doc="wty",
    clause="第二条",
    term="整机保修",
    end_rule="day_before",
    start_field="device.installed_at",
    label="整机保修",
    covered_clause="第八条",
    expired_clause="第十条",
    covered_words=["自费", "免费", "掏钱"],
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> PolicyStore:
    d = tmp_path_factory.mktemp("needs")
    return policy_store(d, WARRANTY)


def run(store: PolicyStore, text: str, installed: str, today: date) -> list:
    return run_on(TERM, store, devices_crm([device(installed)], today), text, today)


@pytest.mark.parametrize(
    ("installed", "today", "text", "cover"),
    [
        (
            "2024-03-01",
            date(2026, 2, 28),
            "要换零件，得我自己掏钱吗",
            "免费维修",
        ),  # the term's last day: covered
        ("2024-03-01", date(2026, 3, 1), "要换零件，得我自己掏钱吗", "自费维修"),  # the day after: self-pay
        (
            "2024-02-29",
            date(2026, 2, 27),
            "这个算免费吗",
            "免费维修",
        ),  # leap day + 24 months, day before → 2-27
        ("2024-02-29", date(2026, 2, 28), "这个算免费吗", "自费维修"),
        ("2024-01-31", date(2025, 12, 1), "保修到哪天", None),  # no one asked who pays: the term alone
    ],
)
def test_who_pays_follows_the_term_just_computed(
    store: PolicyStore, installed: str, today: date, text: str, cover: str | None
) -> None:
    results = run(store, text, installed, today)
    assert isinstance(results[0], Computed) and results[0].name == "w"
    if cover is None:
        assert len(results) == 1
        return
    [said] = results[1:]
    assert isinstance(said, Computed) and said.name == "w" and said.output in ("covered", "ended")
    assert cover in said.statement and said.source.clause in ("第八条", "第十条")
    assert said.source.evidence_id  # the clause is cited
    assert "在保修期内，" not in said.statement  # not said twice after "目前仍在整机保修期内"


def test_who_pays_without_the_clause_says_why(store: PolicyStore) -> None:
    spec = TERM.model_copy(update={"covered_clause": "第九条"})
    crm = CrmRecord({"devices": [{"id": "SN-1", "installed_at": "2025-01-01"}]}, [], today=date(2025, 6, 1))
    results = run_tool(spec, ToolContext(store.facts(), crm, {}, "免费吗", date(2025, 6, 1)))
    assert isinstance(results[-1], CannotCompute) and "第九条" in results[-1].reason


@pytest.mark.parametrize(
    ("need", "text", "asked"),
    [
        (Need(words=["质保"], tools=["w"]), "我的车质保到哪天", True),
        (Need(words=["质保"], tools=["w"]), "发动机故障灯亮了", False),
        (Need(words=["到期"], with_words=["合同", "套餐"], tools=["w"]), "套餐什么时候到期", True),
        (Need(words=["到期"], with_words=["合同", "套餐"], tools=["w"]), "质保什么时候到期", False),
        (Need(words=["Warranty"], tools=["w"]), "how long is the WARRANTY", True),  # case-insensitive
    ],
)
def test_a_need_is_asked_by_its_words(need: Need, text: str, asked: bool) -> None:
    assert need.asked(text) is asked


CONFIG = ToolsConfig.model_validate(
    {
        "intents": {
            "trade_in": [{"id": "subsidy", "tool": "row_tier", "doc": "t"}],
            "warranty": [{"id": "w", "tool": "term_end", "doc": "wty", "when_words": ["保修"]}],
            "fault": [
                {"id": "w", "tool": "term_end", "doc": "wty", "say_when_words": ["质保"]},
                {"id": "dtc", "tool": "row_lookup", "doc": "dtc"},
            ],
            "complaint": [{"id": "ticket", "tool": "crm_record"}],
        },
        "needs": [
            {"words": ["质保", "掏钱"], "tools": ["w"]},
            {"words": ["置换", "旧车"], "tools": ["subsidy"]},
            {"words": ["工单", "维修"], "tools": ["ticket"]},
        ],
    }
)


@pytest.mark.parametrize(
    ("intent", "text", "added", "misfiled"),
    [
        # a warranty question the intent model filed as a trade-in: the warranty tool runs, the subsidy is the rep's
        ("trade_in", "要换个零件，得我自己掏钱吗", ["w"], True),
        ("trade_in", "旧车置换能补多少", [], False),  # its own need: nothing added
        ("trade_in", "旧车置换能补多少？质保还剩多久", ["w"], False),  # two needs, both answered
        (
            "fault",
            "报警了，工单处理到哪了",
            ["ticket"],
            False,
        ),  # the fault's tools are not all listed by needs
        ("complaint", "维修太慢了", [], False),  # the intent already runs it
        ("trade_in", "你好", [], False),  # no need at all
    ],
)
def test_needs_add_tools_and_spot_a_misfiled_intent(
    intent: str, text: str, added: list[str], misfiled: bool
) -> None:
    needed = CONFIG.needed(intent, text)
    assert [s.id for s in needed] == added
    assert all(not s.when_words and not s.say_when_words for s in needed)  # the need's words are the question
    asked, unasked = CONFIG.asked(text)
    own = CONFIG.for_intent(intent)
    assert (bool(asked) and all(t.id in unasked for t in own)) is misfiled


def test_the_least_gated_entry_is_the_needed_one() -> None:
    spec = CONFIG.spec("w")
    assert spec is not None and spec.when_words == []


def test_a_need_naming_an_unknown_tool_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "tools.yaml").write_text(
        "intents:\n  a:\n    - {id: x, tool: term_end}\nneeds:\n  - {words: [质保], tools: [y]}\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match="needs"):
        load_tools(tmp_path)


@pytest.mark.parametrize(
    ("text", "off"),
    [
        ("凌越E5 动力电池 SOC 78% 续航 312 km", None),  # a dashboard reading, not a discount
        ("电量还剩 45%，能开到店吗", None),
        ("能不能再优惠3%", Decimal(3)),
        ("阶梯之外再让1个点就签", Decimal(1)),
        ("直接批九折吧", Decimal(10)),
        ("折扣 大客户阶梯 F2 5%", Decimal(5)),
        ("SOC 80%，另外这台车能给5%的折扣吗", Decimal(5)),  # the first % is a reading, the second the ask
    ],
)
def test_a_bare_percent_is_a_discount_only_among_price_words(text: str, off: Decimal | None) -> None:
    got = requested_discount(text)
    assert (got[0] if got else None) == off


def test_unless_words_keep_a_tool_off(store: PolicyStore) -> None:
    spec = TERM.model_copy(update={"unless_words": ["套餐"]})
    crm = CrmRecord({"devices": [{"id": "SN-1", "installed_at": "2025-01-01"}]}, [], today=date(2025, 6, 1))
    assert run_tool(spec, ToolContext(store.facts(), crm, {}, "套餐保修到哪天", date(2025, 6, 1))) == []
    assert run_tool(spec, ToolContext(store.facts(), crm, {}, "保修到哪天", date(2025, 6, 1)))


DEPOSITS = """---
doc_id: orders
title: 订单规定V1.0
version: "1.0"
effective_date: 2020-01-01
---
# 订单规定V1.0

第一条 个人客户整机订单须支付定金3000元，企业客户每台1500元。
"""
DEPOSIT = ToolSpec(
    id="dep",
    tool="unit_amount",
    doc="orders",
    clause="第一条",
    label="定金",
    kind_words={"individual": "个人客户", "fleet": "企业客户"},
)


@pytest.mark.parametrize(
    ("kind", "text", "says", "output"),
    [
        ("fleet", "我们再订12台，定金交多少", "企业客户定金每台 1,500 元，12 台共 18,000 元", "1500"),
        ("fleet", "定金怎么收", "企业客户定金每台 1,500 元", "1500"),  # no units asked: the rate alone
        ("fleet", "订1台要多少定金", "1 台共 1,500 元", "1500"),
        (
            "individual",
            "我订2台，定金多少",
            "个人客户定金 3,000 元",
            "3000",
        ),  # per order: units do not multiply
    ],
)
def test_a_per_kind_amount_times_the_units_asked(
    store: PolicyStore, kind: str, text: str, says: str, output: str
) -> None:
    store.add_text(DEPOSITS, {})
    crm = CrmRecord({"customer_id": "C1", "kind": kind}, [], today=date(2026, 11, 20))
    [r] = run_tool(DEPOSIT, ToolContext(store.facts(), crm, {}, text, date(2026, 11, 20)))
    assert isinstance(r, Computed) and says in r.statement and r.output == output
    assert r.source.clause == "第一条" and r.source.evidence_id
    if kind == "individual":
        assert "共" not in r.statement


@pytest.mark.parametrize(
    ("crm", "reason"),
    [
        ({"customer_id": "C1"}, "kind"),  # the CRM does not say which kind of customer
        ({"customer_id": "C1", "kind": "dealer"}, "dealer"),  # a kind the clause does not price
    ],
)
def test_a_per_kind_amount_cannot_compute_without_its_kind(
    store: PolicyStore, crm: dict, reason: str
) -> None:
    store.add_text(DEPOSITS, {})
    record = CrmRecord(crm, [], today=date(2026, 11, 20))
    [r] = run_tool(DEPOSIT, ToolContext(store.facts(), record, {}, "定金多少", date(2026, 11, 20)))
    assert isinstance(r, CannotCompute) and reason in r.reason


@pytest.mark.parametrize(
    ("spec", "asked", "ungated"),
    [
        (
            ToolSpec(id="t", tool="crm_record", when_words=["工单"]),
            ["t"],
            True,
        ),  # asked: its words are the need's
        (ToolSpec(id="t", tool="crm_record", when_words=["工单"]), ["x"], False),
        (ToolSpec(id="t", tool="term_end", say_when_words=["质保"]), ["t"], True),  # and it is told
        (ToolSpec(id="t", tool="term_end"), ["t"], False),  # nothing to ungate: the same spec
    ],
)
def test_a_tool_the_intent_runs_is_ungated_when_a_need_asks_it(
    spec: ToolSpec, asked: list[str], ungated: bool
) -> None:
    from agents.nodes.reason import _ungated

    out = _ungated(spec, asked)
    assert (out is not spec) is ungated
    if ungated:
        assert out.when_words == [] and out.say_when_words == []


TABLE_WARRANTY = """---
doc_id: wty2
title: 整机质量保证政策V2.0
version: "2.0"
effective_date: 2020-01-01
---
# 整机质量保证政策V2.0

第五条 各类设备的保修期限如下：

| 设备类别 | 整机保修 | 动力总成（电机、减速器） |
|---|---|---|
| 自用 | 24个月或5万km | 60个月或10万km |

第八条 在保修期内，因材料或制造缺陷导致的故障，免费维修或更换零部件。

第十条 保修期届满后发生的故障，自费维修。
"""


@pytest.mark.parametrize(
    ("text", "today", "says"),
    [
        (
            "减速器坏了是免费修吗",
            date(2027, 6, 1),
            "目前仍在动力总成保修期内",
        ),  # the term named, its own label
        (
            "减速器坏了是免费修吗",
            date(2030, 6, 1),
            "保修期届满后发生的故障，自费维修",
        ),  # 2025-01-01 + 60个月 − 1 day passed (the term's line says it ended; r17: said once)
        ("坏了要自己掏钱吗", date(2026, 6, 1), "目前仍在整机保修期内"),  # no part named: the whole-unit term
        (
            "坏了要自己掏钱吗",
            date(2027, 1, 1),
            "保修期届满后发生的故障，自费维修",
        ),  # the day after 2026-12-31
    ],
)
def test_who_pays_under_the_term_column_the_message_names(
    store: PolicyStore, text: str, today: date, says: str
) -> None:
    store.add_text(TABLE_WARRANTY, {})
    spec = TERM.model_copy(
        update={
            "doc": "wty2",
            "clause": "第五条",
            "row_column": "设备类别",
            "row_by": "device.use_type",
            "term_column": "整机保修",
            "label": "整机保修",
        }
    )
    device = {
        "id": "SN-1",
        "installed_at": "2025-01-01",
        "x_use_type": "自用",
        "evidence_ids": ["customer_fact:d"],
    }
    crm = CrmRecord({"customer_id": "C1", "devices": [device]}, [], today=today)
    results = run_tool(spec, ToolContext(store.facts(), crm, {}, text, today))
    said = [r for r in results if isinstance(r, Computed) and r.output in ("covered", "ended")]
    assert len(said) == 1 and says in said[0].statement, [getattr(r, "statement", r) for r in results]


def quarter_fact(category: str, quarter: str, amount: float, quantity: float) -> object:
    from contract.evidence import Evidence, EvidenceKind

    return Evidence(
        id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, category, quarter),
        kind=EvidenceKind.CUSTOMER_FACT,
        title="季度采购金额",
        content=f"{category} {quarter} 采购金额 = {amount}",
        lineage={
            "values": {"category": category, "quarter": quarter, "amount": amount, "quantity": quantity}
        },
    )


YEAR = ToolSpec(id="y", tool="year_total", category="整机", period="this_year")
QUARTERS = [
    quarter_fact("整机", "2025Q4", 300000.0, 3.0),  # last year
    quarter_fact("整机", "2026Q1", 100000.0, 1.0),
    quarter_fact("整机", "2026Q4", 250000.5, 2.0),
    quarter_fact("配件", "2026Q2", 999.0, 10.0),  # another category
]


@pytest.mark.parametrize(
    ("text", "today", "says"),
    [
        ("今年一共买了几台", date(2026, 11, 20), "贵司2026年至今整机采购 3 台，金额合计 350,000.50 元"),
        ("去年买了多少", date(2026, 11, 20), "贵司2025年整机采购 3 台，金额合计 300,000 元"),
        (
            "今年买了几台",
            date(2026, 12, 31),
            "贵司2026年整机采购 3 台",
        ),  # the year's last day: the whole year
        ("今年买了几台", date(2027, 1, 1), "贵司2027年至今没有整机采购记录"),  # a new year: nothing yet
    ],
)
def test_year_totals_sum_the_quarters_of_the_year_asked(text: str, today: date, says: str) -> None:
    crm = CrmRecord({"customer_id": "C1"}, QUARTERS, today=today)  # type: ignore[arg-type]
    [r] = run_tool(YEAR, ToolContext(None, crm, {}, text, today))  # type: ignore[arg-type]  # reads no policy
    assert isinstance(r, Computed) and says in r.statement


def test_year_totals_without_purchase_facts_cannot_compute() -> None:
    crm = CrmRecord({"customer_id": "C1"}, [], today=date(2026, 11, 20))
    [r] = run_tool(YEAR, ToolContext(None, crm, {}, "今年买了几台", date(2026, 11, 20)))  # type: ignore[arg-type]
    assert isinstance(r, CannotCompute) and "季度" in r.reason


@pytest.mark.parametrize(
    ("statement", "text", "least", "about"),
    [
        (
            "客户可通过服务顾问申请查询、更正其个人信息",
            "帮我查下这个客户最近的订单",
            2,
            False,
        ),  # only 客户 shared
        ("客户可通过服务顾问申请查询、更正其个人信息", "帮我查下这个客户最近的订单", 1, True),
        ("您的保养套餐还剩 4次", "我的保养套餐还剩几次", 2, True),  # 保养, 养套, 套餐
        ("整车质保至2029年7月14日", "质保到哪天", 1, True),
    ],
)
def test_a_fallback_fact_is_about_the_message_by_shared_words(
    statement: str, text: str, least: int, about: bool
) -> None:
    from agents.nodes.reason import _about_message

    assert _about_message(statement, text, least) is about


@pytest.mark.parametrize(
    ("text", "tier", "price", "count", "unit", "total"),
    [
        (
            "阶梯之外再让1个点就签",
            "5",
            "225800",
            "15",
            "212,252",
            "3,183,780",
        ),  # 5% + 1% = 6% off the list price
        ("能不能再优惠2%", "3", "126000", "5", "119,700", "598,500"),
        (
            "额外给0.5个点行不行",
            "7",
            "159800",
            "1",
            "147,815",
            "147,815",
        ),  # 7.5%, rounded half-up to the yuan
        ("给我1个点", "5", "225800", "15", None, None),  # not on top of the tier: the authority check alone
        ("再便宜点", "5", "225800", "15", None, None),  # no figure asked
    ],
)
def test_a_discount_asked_on_top_of_the_tier_is_priced_for_the_rep(
    text: str, tier: str, price: str, count: str, unit: str | None, total: str | None
) -> None:
    from agents.reasoning.tools import _extra_on_tier

    spec = ToolSpec(id="f", tool="volume_tier", rounding="1")
    crm = CrmRecord({}, [], today=date(2026, 11, 20))
    got = _extra_on_tier(
        ToolContext(None, crm, {}, text, date(2026, 11, 20)),  # type: ignore[arg-type]
        Decimal(tier),
        Decimal(price),
        Decimal(count),
        spec,
    )
    if unit is None:
        assert got is None
        return
    assert got is not None and f"单价 {unit} 元" in got[0] and f"合计 {total} 元" in got[0]
    assert "须按审批权限确认" in got[0]  # a what-if, never an offer


@pytest.mark.parametrize(
    ("text", "models", "first"),
    [
        ("我那台L5想换台S7，旧车能补多少", ["L5", "S7"], "S7"),  # the car being bought
        ("我那台L5想换成凌越S7", ["凌越L5", "凌越S7"], "凌越S7"),
        ("想买S7，我现在开的是L5", ["S7", "L5"], "S7"),
        ("L5和S7哪个便宜", ["L5", "S7"], "L5"),  # nothing bought: the message's order
        ("", [], None),
    ],
)
def test_the_model_being_bought_comes_first(text: str, models: list[str], first: str | None) -> None:
    from agents.reasoning.tools import _wanted_first

    out = _wanted_first(text, models)
    assert (out[0] if out else None) == first and sorted(out) == sorted(models)


TENANT = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "autodealer"


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("师傅说要换个零件，这个得我自己掏钱吗", {"warranty_end"}),  # who pays for a repair: the warranty
        ("买车送免费保养吗", set()),  # 免费 in an offer is not a warranty question
        ("那台报警的车修得怎么样了", {"open_ticket"}),
        ("订10台要交多少定金", {"deposit_amount"}),
        ("我们的保养合同什么时候到期", {"package_renewal"}),
        ("我的车质保到什么时候？套餐还剩几次", {"warranty_end", "package_visits"}),  # two needs, both asked
    ],
)
def test_the_second_tenants_needs(text: str, asked: set[str]) -> None:
    config = load_tools(TENANT)
    assert set(config.asked(text)[0]) >= asked
    if not asked:
        assert "warranty_end" not in config.asked(text)[0]
