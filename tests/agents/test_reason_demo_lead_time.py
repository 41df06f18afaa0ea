"""Demo pack, round 11 defect (f): a lead-time question («最近货期怎么样», filed under product_info) got a holding
line; tools.yaml now asks the delivery rule's rows and clause for it whatever the intent (a need), computed from the
demo's own policy (发货与物流服务规范: 现货24小时内 / 缺货到货后48小时内发货, 华东1至3日送达), never a promised date.
Table-driven over the demo pack's tools.yaml and its real policy file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from agents.reasoning.config import load_tools
from agents.reasoning.crm import CrmRecord
from agents.reasoning.results import Computed
from agents.reasoning.tools import ToolContext, run_tool
from knowledge.policy import PolicyStore
from tests.agents.reasoning_fixtures import policy_store

DEMO = Path(__file__).parents[2] / "copilot" / "tenants" / "demo"
TOOLS = load_tools(DEMO)
LEAD = ["lead_time", "lead_time_out_of_stock", "arrival"]


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("张经理，这款接骨板最近货期怎么样？", True),
        ("下单后多久发货？几天到？", True),
        ("交期大概多长", True),
        ("现货有吗，什么时候到", True),
        ("When will it ship? What's the delivery time?", True),
        ("这个型号有哪些规格？", False),
        ("返点政策能再发一遍吗", False),
    ],
)
def test_a_lead_time_question_asks_the_delivery_rule(text: str, asked: bool) -> None:
    wanted = TOOLS.asked(text)[0]
    assert all(t in wanted for t in LEAD) is asked, wanted


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> PolicyStore:
    d = tmp_path_factory.mktemp("demo_lead")
    return policy_store(d, (DEMO / "policies" / "delivery-sla-v1.1.md").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("tool_id", "says"),
    [
        ("lead_time", ["审核通过后24小时内发货"]),
        ("lead_time_out_of_stock", ["到货后48小时内发货"]),
        ("arrival", ["1至3日内送达", "以订单系统确认"]),
    ],
)
def test_the_delivery_rule_is_computed_from_the_policy(
    store: PolicyStore, tool_id: str, says: list[str]
) -> None:
    spec = TOOLS.spec(tool_id)
    assert spec is not None
    today = date(2026, 11, 20)
    crm = CrmRecord({"customer_id": "C1"}, [], today=today)
    [fact] = run_tool(spec, ToolContext(store.facts(), crm, {}, "最近货期怎么样", today))
    assert isinstance(fact, Computed), fact
    for words in says:
        assert words in fact.statement, fact.statement
