"""crm_record with rules (tools.yaml, low-code): days since a record's date, the first case whose condition holds picks
the sentence, records filtered by a field, and a figure read by its unit from the governing clause (cited). Real
policy store, synthetic made-up tenant; edge days (the 7th day inclusive, month ends, a leap day)."""

from __future__ import annotations

from datetime import date

import pytest

from agents.reasoning.config import RecordCase, ToolSpec
from agents.reasoning.crm import CrmRecord
from agents.reasoning.results import CannotCompute, Computed
from agents.reasoning.tools import ToolContext, _holds, run_tool
from knowledge.policy import PolicyStore
from tests.agents.reasoning_fixtures import policy_store

RULES = """---
doc_id: rules
title: 退订与续费规定V1.0
version: "1.0"
effective_date: 2024-01-01
---
# 退订与续费规定V1.0

第二条 自下单日起7日内（含第7日）申请退订的，全额退还定金；超过7日且尚未发货的，退还定金的50%；已发货的，定金不予退还。

第五条 服务合同到期前30日起续费的，续费价格为880元/套/年。
"""

REFUND = ToolSpec(
    id="deposit_refund",
    tool="crm_record",
    records="contracts",
    where={"status": ["pending", "shipped"]},
    require=["deposit", "ordered_on"],
    doc="rules",
    clause="第二条",
    compute={"days": "today - ordered_on", "half": "deposit * 0.5"},
    cases=[
        RecordCase(when="status == shipped", template="{id} 已发货，定金 {deposit} 元不予退还"),
        RecordCase(when="days <= 7", template="{id} 下单后第 {days} 天，定金 {deposit} 元全额退还"),
        RecordCase(when="days > 7", template="{id} 下单已 {days} 天，退还一半即 {half} 元"),
    ],
)
RENEW = ToolSpec(
    id="renew_price",
    tool="crm_record",
    records="contracts",
    require=["seats"],
    doc="rules",
    clause="第五条",
    policy_values={"price": "元/套/年"},
    compute={"total": "seats * price"},
    template="续费价 {price} 元/套/年，{seats} 套合计 {total} 元",
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> PolicyStore:
    d = tmp_path_factory.mktemp("record-rules")
    return policy_store(d, RULES)


def run(store: PolicyStore, spec: ToolSpec, records: list[dict], today: date):
    crm = CrmRecord({"customer_id": "C1", "contracts": records}, [], today=today)
    return run_tool(spec, ToolContext(store.facts(), crm, {}, "", today))


def order(ordered_on: str, status: str = "pending", deposit: float = 3000.0) -> dict:
    return {
        "id": "OR-1",
        "status": status,
        "x_deposit": deposit,
        "x_ordered_on": ordered_on,
        "evidence_id": "f1",
    }


@pytest.mark.parametrize(
    ("ordered_on", "today", "says"),
    [
        (
            "2026-11-13",
            date(2026, 11, 20),
            "下单后第 7 天，定金 3,000 元全额退还",
        ),  # the 7th day is inside; amounts as quotes write them
        ("2026-11-12", date(2026, 11, 20), "下单已 8 天，退还一半即 1,500 元"),
        ("2026-11-20", date(2026, 11, 20), "下单后第 0 天"),
        ("2026-01-31", date(2026, 2, 7), "下单后第 7 天"),  # across a month end
        ("2028-02-28", date(2028, 3, 6), "下单后第 7 天"),  # across a leap day
        ("2027-02-28", date(2027, 3, 8), "下单已 8 天"),
    ],
)
def test_days_since_pick_the_case(store: PolicyStore, ordered_on: str, today: date, says: str):
    [r] = run(store, REFUND, [order(ordered_on)], today)
    assert isinstance(r, Computed) and says in r.statement, r
    assert r.source.clause == "第二条" and r.source.evidence_id  # the rule it applied is cited


def test_a_status_case_comes_first_and_other_records_are_filtered_out(store: PolicyStore):
    [r] = run(store, REFUND, [order("2026-11-19", status="shipped")], date(2026, 11, 20))
    assert isinstance(r, Computed) and "不予退还" in r.statement
    [r] = run(store, REFUND, [order("2026-11-19", status="delivered")], date(2026, 11, 20))
    assert isinstance(r, CannotCompute)  # a delivered order is not one this rule is about


def test_a_figure_is_read_by_its_unit_from_the_governing_clause(store: PolicyStore):
    [r] = run(store, RENEW, [{"id": "SC-1", "x_seats": 12.0, "evidence_id": "f2"}], date(2026, 11, 20))
    assert isinstance(r, Computed) and r.statement == "续费价 880 元/套/年，12 套合计 10,560 元"
    assert "10,560" in r.slots and r.source.clause == "第五条"
    assert any(i.kind == "policy" and "880" in i.value for i in r.inputs)  # lineage: the clause's figure
    missing = RENEW.model_copy(update={"policy_values": {"price": "元/台/月"}})
    [r] = run(store, missing, [{"id": "SC-1", "x_seats": 12.0}], date(2026, 11, 20))
    assert isinstance(r, CannotCompute) and "元/台/月" in r.reason  # never a guessed price


@pytest.mark.parametrize(
    ("when", "values", "holds"),
    [
        ("days <= 7", {"days": "7"}, True),
        ("days <= 7", {"days": "8"}, False),
        ("days > 7 and status == pending", {"days": "9", "status": "pending"}, True),
        ("days > 7 and status == pending", {"days": "9", "status": "shipped"}, False),
        ("status != shipped", {"status": "pending"}, True),
        ("days <= 7", {}, False),  # a missing field never satisfies a rule
    ],
)
def test_conditions(when: str, values: dict, holds: bool):
    assert _holds(when, values) is holds


@pytest.mark.parametrize("when", ["days <= 7 or 1", "__import__('os')", "status < pending"])
def test_a_condition_it_cannot_read_is_an_error(when: str):
    with pytest.raises(ValueError):
        _holds(when, {"days": "3", "status": "pending"})
