"""volume_tier `stack`: a per-unit offer that the rule clause lets stack on the tier price gives the net unit price
and total; a customer the clause excludes, a model or type out of scope, or fewer units than the offer needs get the
tier price alone. Real policy store, synthetic made-up tenant."""

from __future__ import annotations

from datetime import date

import pytest

from agents.reasoning.config import StackSpec, ToolSpec
from agents.reasoning.crm import CrmRecord
from agents.reasoning.results import Computed
from agents.reasoning.tools import ToolContext, run_tool
from contract.evidence import Evidence, EvidenceKind
from knowledge.policy import PolicyStore
from tests.agents.reasoning_fixtures import policy_store

LADDER = """---
doc_id: ladder2
title: 车队阶梯V1.0
version: "1.0"
effective_date: 2026-01-01
---
# 车队阶梯V1.0

第三条 阶梯如下：

| 阶梯 | 上年度采购量 | 折扣 |
|---|---|---|
| A1 | 5台（含）至20台 | 4% |
| A2 | 20台（含）以上 | 6% |
"""
OFFERS = """---
doc_id: offers
title: 年末活动V1.0
version: "1.0"
effective_date: 2026-01-01
---
# 年末活动V1.0

第二条 活动如下：

| 编号 | 名称 | 期间 | 车型 | 客户类型 | 内容 |
|---|---|---|---|---|---|
| AC-1 | 电动换新 | 2026年9月1日至2026年12月31日 | 星驰X7 | 企业客户 | 单笔订单采购5台（含）以上，每台补贴3000元 |
| AC-2 | 冬日礼 | 2026年11月1日至2026年12月31日 | 星驰X7 | 企业客户 | 每台立减1000元 |

第四条 AC-1可与车队阶梯折扣同享：先按阶梯折扣计算折后单价，再减每台补贴。快递物流企业不适用AC-1。AC-2不得与阶梯折扣叠加。
"""
SPEC = ToolSpec(
    id="tier",
    tool="volume_tier",
    doc="ladder2",
    table=1,
    category="整车",
    tier_column="上年度采购量",
    key_column="阶梯",
    output_column="折扣",
    stack=StackSpec(
        doc="offers",
        rule_clause="第四条",
        id_column="编号",
        name_column="名称",
        amount_column="内容",
        scope={"date": "期间", "product": "车型", "customer": "客户类型"},
        kind_words={"fleet": "企业"},
    ),
)
TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> PolicyStore:
    d = tmp_path_factory.mktemp("stack-store")
    return policy_store(d, LADDER, OFFERS)


def facts(industry: str) -> list[Evidence]:
    quarter = Evidence(
        id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, "整车", "2025Q2"),
        kind=EvidenceKind.CUSTOMER_FACT,
        title="季度采购金额",
        content="整车 2025Q2 采购金额 = 1000000 元（21 台）",
        lineage={"values": {"category": "整车", "quarter": "2025Q2", "amount": 1000000.0, "quantity": 21}},
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


def run(store: PolicyStore, text: str, industry: str = "出租客运", kind: str = "fleet") -> Computed:
    crm = CrmRecord({"customer_id": "C1", "industry": industry, "kind": kind}, facts(industry), today=TODAY)
    [r] = run_tool(SPEC, ToolContext(store.facts(), crm, {"product_model": ["X7"]}, text, TODAY))
    assert isinstance(r, Computed), r
    return r


def test_a_stacking_offer_gives_the_net_price_and_total(store: PolicyStore):
    # 199,900 × 94% = 187,906; − 3,000 = 184,906; × 6 = 1,109,436
    r = run(store, "X7要6台，单价和总价多少？")
    assert "折后单价 187,906 元，6 台合计 1,127,436 元" in r.statement
    # … and the offer's last order day (its period's end): the quote stacked on it holds till then
    assert (
        "叠加电动换新（AC-1，2026年12月31日及之前下单）每台 3,000 元后，单价 184,906 元，6 台合计 1,109,436 元"
        in r.statement
    )
    assert {"184,906", "1,109,436"} <= set(r.slots)
    assert "AC-2" not in r.statement  # the clause says it does not stack


@pytest.mark.parametrize(
    ("text", "industry", "kind"),
    [
        ("X7要4台，总价多少？", "出租客运", "fleet"),  # below the offer's 5 units
        ("X7要6台，总价多少？", "快递物流", "fleet"),  # the rule clause excludes this industry
        ("X7要6台，总价多少？", "个人", "individual"),  # the offer is for business customers
    ],
)
def test_no_stacking_outside_the_offer(store: PolicyStore, text: str, industry: str, kind: str):
    r = run(store, text, industry, kind)
    assert "叠加" not in r.statement and "折后单价 187,906 元" in r.statement
