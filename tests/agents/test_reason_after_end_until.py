"""term_end's after_end, round 11: what starts the day after a term ends (an extended cover) also ends — the period
the clause gives it ("保障期24个月"), counted as the term's own policy counts days (end_rule) — when the pack's
template names that day ({until}); a clause with no period gives no guessed end. Table-driven, made-up equipment tenant
(real policy store). Written with the fix: before it, {until} raised KeyError and a clause-worded term had no after_end."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from agents.reasoning.answer import computed_evidence
from agents.reasoning.config import AfterEnd, ToolSpec
from agents.reasoning.results import Computed
from knowledge.policy import PolicyStore
from tests.agents.reasoning_fixtures import WARRANTY_TERM, device, devices_crm, policy_store, run_on

CARE = """---
doc_id: care
title: 延长保修服务条款V1.0
version: "1.0"
effective_date: 2020-01-01
---
# 延长保修服务条款V1.0

第七条 延长保修自整机保修到期日的次日起生效，保障期{span}，以先到者为准。
"""
TODAY = date(2026, 11, 20)


def _store(tmp: Any, span: str) -> PolicyStore:
    return policy_store(tmp, WARRANTY_TERM, CARE.replace("{span}", span))


def _after(tmp_path: Any, span: str, rule: str, template: str) -> list[Computed]:
    """The after_end facts of a machine delivered 2025-07-10 asked about its extended cover."""
    spec = ToolSpec(
        id="w",
        tool="term_end",
        doc="wty",
        clause="第二条",
        term="整机保修",
        end_rule=rule,  # type: ignore[arg-type]
        start_field="device.installed_at",
        label="整机保修",
        after_end=AfterEnd(doc="care", clause="第七条", words=["延保", "延长保修"], template=template),
    )
    crm = devices_crm([device("2025-07-10")], TODAY)
    out = run_on(spec, _store(tmp_path, span), crm, "延长保修从哪天到哪天", TODAY)
    return [r for r in out if isinstance(r, Computed) and r.name == "w_after"]


@pytest.mark.parametrize(
    ("span", "rule", "template", "want"),
    [
        ("12个月或2000小时", "day_before", "延长保修自{date}起生效，保障期至{until}", "2028-07-09"),
        ("2年", "day_before", "延长保修自{date}起生效，保障期至{until}", "2029-07-09"),
        ("12个月", "same_day", "延长保修自{date}起生效，保障期至{until}", "2028-07-11"),
        (
            "12个月",
            "day_before",
            "延长保修自{date}起生效",
            None,
        ),  # the template does not name it: said as before
        (
            "按设备实际情况确定",
            "day_before",
            "延长保修自{date}起生效，保障期至{until}",
            "none",
        ),  # no period: no fact
    ],
)
def test_until(tmp_path: Any, span: str, rule: str, template: str, want: str | None) -> None:
    after = _after(tmp_path, span, rule, template)
    if want == "none":
        assert after == []
        return
    [fact] = after
    # the term: 2025-07-10 + 24个月 → 2027-07-09 (day_before) / 2027-07-10 (same_day); cover starts the day after
    assert fact.output == ("2027-07-11" if rule == "same_day" else "2027-07-10")
    if want is None:
        assert "保障期至" not in fact.statement
    else:
        y, m, d = (int(x) for x in want.split("-"))
        assert f"{y}年{m}月{d}日" in fact.statement and want in fact.statement_en


@pytest.mark.parametrize(
    ("span", "usage"),
    [
        (
            "12个月或2000小时",
            "，或2000小时，以先到者为准",
        ),  # review of 892a888: never a flat date when usage ends it too
        ("12个月或至累计运行达到3000小时", "，或至累计运行达到3000小时，以先到者为准"),
        ("2年", ""),  # the period alone: the date is the whole answer
    ],
)
def test_until_says_the_usage_limit_beside_the_date(tmp_path: Any, span: str, usage: str) -> None:
    [fact] = _after(tmp_path, span, "day_before", "延长保修自{date}起生效，保障期至{until}")
    if usage:
        assert fact.statement.endswith(usage) and "whichever comes first" in fact.statement_en
        # session 12: one sentence a customer reads, not a bracket right before the citation's bracket
        assert "）（" not in computed_evidence(fact, "C1").content and "（（" not in fact.statement
    else:
        assert "（" not in fact.statement and "whichever" not in fact.statement_en
