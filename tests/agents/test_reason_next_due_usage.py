"""next_due, round 11 defect (b): an interval with a usage part ("每500小时或3个月，以先到者为准") is due at whichever
comes first — the usage part's day estimated from the asset's recorded usage over the days since its use began — and
the unit an asset is counted in and what the due thing is called come from the pack (tools.yaml count_units, label),
with neutral defaults (defect d). Table-driven over a made-up equipment tenant (hours, not km): real policy store."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from agents.reasoning.config import ToolSpec
from agents.reasoning.counts import _en_quantity, _usage_part
from agents.reasoning.results import Computed
from knowledge.policy import PolicyStore
from tests.agents.reasoning_fixtures import device, devices_crm, policy_store, run_on

POLICY = """---
doc_id: care
title: 设备维护服务条款V1.0
version: "1.0"
effective_date: 2020-01-01
---
# 设备维护服务条款V1.0

第五条 定期维护间隔：租用设备每500小时或3个月，自有设备每1000小时或12个月，以先到者为准。
"""

TODAY = date(2026, 11, 20)
BASE: dict[str, Any] = dict(
    id="care_due",
    tool="next_due",
    doc="care",
    clause="第五条",
    start_field="device.last_care",
    row_by="device.owner_kind",
)
USAGE: dict[str, Any] = dict(
    mileage_field="device.hours", usage_since="device.installed_at", usage_unit="小时"
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> PolicyStore:
    d = tmp_path_factory.mktemp("next_due")
    return policy_store(d, POLICY)


def _device(i: int, kind: str, last: str, installed: str, hours: int | None) -> dict[str, Any]:
    hours_field = {} if hours is None else {"x_hours": hours}
    return device(installed, i, f"customer_fact:d{i}", x_owner_kind=kind, x_last_care=last, **hours_field)


def _run(
    store: PolicyStore, devices: list[dict[str, Any]], units: tuple[str, ...] = (), **spec: Any
) -> list[Computed]:
    spec_ = ToolSpec(**{**BASE, **spec})  # type: ignore[arg-type]
    out = run_on(spec_, store, devices_crm(devices, TODAY), "下次维护是哪天", TODAY, count_units=units)
    assert all(isinstance(r, Computed) for r in out), out
    return out  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("kind", "last", "installed", "hours", "usage", "value", "said"),
    [
        # 租用 3个月 by time → 2027-02-20; 1460 h over 365 days = 4 h/day → 500 h in 125 days → 2027-03-25: time first
        ("租用", "2026-11-20", "2025-11-20", 1460, True, "2027-02-20", ["2027年2月20日", "满500小时"]),
        # 10 h/day → 50 days → 2027-01-09: usage first
        ("租用", "2026-11-20", "2025-11-20", 3650, True, "2027-01-09", ["2027年2月20日", "2027年1月9日"]),
        # 自有 12个月 → 2027-06-30; 20 h/day → 1000 h by 2026-08-19: already past by usage
        ("自有", "2026-06-30", "2025-11-20", 7300, True, "2026-08-19", ["已超期 93 天"]),
        # no usage on record: time only, as before
        ("自有", "2026-06-30", "2025-11-20", None, True, "2027-06-30", ["2027年6月30日"]),
        # the pack declares no usage unit: time only, whatever the record holds
        ("租用", "2026-11-20", "2025-11-20", 3650, False, "2027-02-20", ["2027年2月20日"]),
    ],
)
def test_due_at_whichever_comes_first(store, kind, last, installed, hours, usage, value, said) -> None:  # type: ignore[no-untyped-def]
    [fact] = _run(store, [_device(1, kind, last, installed, hours)], **(USAGE if usage else {}))
    assert fact.output == value
    for words in said:
        assert words in fact.statement, fact.statement
    assert value in fact.statement_en


def test_a_batch_is_due_when_its_busiest_asset_is(store) -> None:  # type: ignore[no-untyped-def]
    devices = [
        _device(1, "租用", "2026-11-20", "2025-11-20", 1460),
        _device(2, "租用", "2026-11-20", "2025-11-20", 3650),
    ]
    [fact] = _run(store, devices, **USAGE)
    assert fact.output == "2027-01-09"
    assert any(i.ref == "device.hours" and i.value == "3650" for i in fact.inputs)


@pytest.mark.parametrize(("units", "word"), [((), "个"), (("台",), "台"), (("套", "件"), "套")])
def test_the_count_word_is_the_packs(store, units: tuple[str, ...], word: str) -> None:  # type: ignore[no-untyped-def]
    devices = [
        _device(1, "租用", "2026-11-20", "2025-11-20", None),
        _device(2, "租用", "2026-11-20", "2025-11-20", None),
    ]
    [fact] = _run(store, devices, units)
    assert fact.statement.startswith(f"2{word}分析仪")


def test_no_industry_word_by_default(store) -> None:  # type: ignore[no-untyped-def]
    [fact] = _run(store, [_device(1, "租用", "2026-11-20", "2025-11-20", None)])
    assert "保养" not in fact.statement and "service" not in fact.statement_en
    [named] = _run(
        store, [_device(1, "租用", "2026-11-20", "2025-11-20", None)], label="维护", label_en="care"
    )
    assert "最近一次维护" in named.statement and "next care" in named.statement_en


@pytest.mark.parametrize(
    ("part", "unit", "want"),
    [
        ("非营运车辆每1万km或12个月", "km", ("10000", "1万km")),
        ("每5000公里或6个月", "km", ("5000", "5000公里")),
        ("租用设备每500小时或3个月", "小时", ("500", "500小时")),
        ("每6个月", "km", None),
        ("每1万km或12个月", "", None),  # no unit declared: no usage part
    ],
)
def test_usage_part(part: str, unit: str, want: tuple[str, str] | None) -> None:
    got = _usage_part(part, unit)
    assert (None if got is None else (str(int(got[0])), got[1])) == want


def test_en_quantity() -> None:
    from decimal import Decimal

    assert _en_quantity(Decimal(10000), "km") == "10,000 km"
