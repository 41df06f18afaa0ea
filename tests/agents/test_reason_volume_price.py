"""volume_tier: the fleet tier from last year's units, and the discounted unit price when the message asks for a price
of a model the CRM prices (with or without a count); tools.yaml `any_intent` tools (a discount named in any message).
Real policy store (Chroma + the local embedder), synthetic made-up tenant."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from agents.reasoning.config import ToolsConfig, ToolSpec, load_tools
from agents.reasoning.crm import CrmRecord
from agents.reasoning.results import Computed
from agents.reasoning.tools import ToolContext, run_tool
from contract.evidence import Evidence, EvidenceKind
from knowledge.policy import PolicyStore
from tests.agents.reasoning_fixtures import policy_store

LADDER = """---
doc_id: ladder
title: 车队采购阶梯V1.0
version: "1.0"
effective_date: 2026-01-01
---
# 车队采购阶梯V1.0

第三条 阶梯如下：

| 阶梯 | 上年度采购量 | 折扣 |
|---|---|---|
| A1 | 5台（含）至20台 | 4% |
| A2 | 20台（含）以上 | 6% |
"""

SPEC = ToolSpec(
    id="fleet_tier",
    tool="volume_tier",
    doc="ladder",
    table=1,
    category="整车",
    tier_column="上年度采购量",
    key_column="阶梯",
    output_column="折扣",
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> PolicyStore:
    d = tmp_path_factory.mktemp("volume-store")
    return policy_store(d, LADDER)


def facts(units: int) -> list[Evidence]:
    quarter = Evidence(
        id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, "整车", "2025Q2"),
        kind=EvidenceKind.CUSTOMER_FACT,
        title="季度采购金额",
        content=f"整车 2025Q2 采购金额 = 1000000 元（{units} 台）",
        lineage={"values": {"category": "整车", "quarter": "2025Q2", "amount": 1000000.0, "quantity": units}},
    )
    product = Evidence(
        id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, "product", "X7"),
        kind=EvidenceKind.CUSTOMER_FACT,
        title="产品",
        content="产品 星驰X7 商务车 指导价 = 199900 元",
        source_ids={"entity": "product"},
        lineage={"values": {"list_price": 199900}},
    )
    return [quarter, product]


def run(store: PolicyStore, text: str, units: int = 21) -> Computed:
    today = date(2026, 11, 20)
    ctx = ToolContext(
        store.facts(), CrmRecord({"customer_id": "C1"}, facts(units), today=today), {}, text, today
    )
    out = run_tool(SPEC, ctx)
    assert len(out) == 1 and isinstance(out[0], Computed), out
    return out[0]


@pytest.mark.parametrize(
    ("text", "says", "not_says"),
    [
        # 199,900 × (1 − 6%) = 187,906
        ("X7折后单价多少？", ["6%", "折后单价 187,906 元"], ["合计"]),
        ("What is our unit price on the X7?", ["折后单价 187,906 元"], ["合计"]),
        ("X7买3台多少钱？", ["折后单价 187,906 元", "3 台合计 563,718 元"], []),
        ("我们今年是什么阶梯？", ["A2阶梯", "6%"], ["折后单价"]),  # no price asked: the tier alone
        ("X7有什么颜色？", ["6%"], ["折后单价"]),  # a model named, no price asked
    ],
)
def test_unit_price_when_a_price_is_asked(
    store: PolicyStore, text: str, says: list[str], not_says: list[str]
):
    c = run(store, text)
    for s in says:
        assert s in c.statement
    for s in not_says:
        assert s not in c.statement
    if "折后单价" in c.statement:
        assert "187,906" in c.slots  # the computed price is a locked slot


def test_a_tier_boundary_is_inclusive(store: PolicyStore):
    assert run(store, "X7折后单价多少？", units=20).output == "6"
    assert run(store, "X7折后单价多少？", units=19).output == "4"


def test_any_intent_tools_are_added_once(tmp_path: Path):
    (tmp_path / "tools.yaml").write_text(
        """
intents:
  price_question:
    - {id: authority, tool: authority, doc: auth, table: 1}
any_intent:
  - {id: authority, tool: authority, doc: auth, table: 1, when_words: [折]}
  - {id: tier, tool: volume_tier, doc: ladder, table: 1, when_words: [折]}
""",
        encoding="utf-8",
    )
    cfg = load_tools(tmp_path)
    assert [t.id for t in cfg.extra_for("price_question")] == [
        "tier"
    ]  # its own authority tool is not doubled
    assert [t.id for t in cfg.extra_for("complaint")] == ["authority", "tier"]
    assert ToolsConfig().extra_for("complaint") == []


@pytest.mark.parametrize(
    ("text", "quote", "priced"),
    [
        ("X7买3台多少钱？", True, True),
        ("今年才买了3台X7，帮我想想怎么聊", False, False),  # a rep's talking points: the tier alone
        ("X7折后单价多少？", False, False),
    ],
)
def test_quote_false_states_the_tier_alone(store: PolicyStore, text: str, quote: bool, priced: bool) -> None:
    today = date(2026, 11, 20)
    ctx = ToolContext(
        store.facts(), CrmRecord({"customer_id": "C1"}, facts(21), today=today), {}, text, today
    )
    [c] = run_tool(SPEC.model_copy(update={"quote": quote}), ctx)
    assert isinstance(c, Computed) and "A2阶梯" in c.statement
    assert ("折后单价" in c.statement) is priced
