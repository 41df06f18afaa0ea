"""Round 10's general mechanisms, table-driven: the later days a message names (a date window then money), who wrote
a message among the CRM's contacts, and a part's own term deciding who pays."""

from __future__ import annotations

from datetime import date

import pytest

from agents.nodes.reason import _part_decides_coverage
from agents.reasoning.config import ToolSpec
from agents.reasoning.crm import Contact, _writer_first
from agents.reasoning.dates import named_days
from agents.reasoning.results import Computed, Source

FRIDAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("要是这周六去退，能全退吗？要是拖到下周二呢", [date(2026, 11, 21), date(2026, 11, 24)]),
        ("这周末想好了就退", [date(2026, 11, 22)]),  # the weekend's last day
        ("明天或者后天过来", [date(2026, 11, 21), date(2026, 11, 22)]),
        ("大后天", [date(2026, 11, 23)]),
        ("23号来办", [date(2026, 11, 23)]),
        ("18号来办", [date(2026, 12, 18)]),  # the 18th has passed: next month's
        ("12月1日来", [date(2026, 12, 1)]),
        ("周二来", [date(2026, 11, 24)]),  # a bare weekday is the coming one
        ("这周一订的", []),  # a past day
        ("我周一订的那台", []),  # the day of something done
        ("我16号订的那台S7", []),
        ("next Tuesday or this weekend", [date(2026, 11, 24), date(2026, 11, 22)]),
        ("tomorrow", [date(2026, 11, 21)]),
    ],
)
def test_named_days(text: str, want: list[date]) -> None:
    assert [d for _, d in named_days(text, FRIDAY)] == want


HAN = Contact("韩志刚", "车队经理", "e1", "韩经理")
QIAN = Contact("钱红", "采购主管", "e2", "钱主管")


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("我是迅达采购部钱红，韩经理这周休假，我替他问一下", QIAN),  # the writer, not the colleague on leave
        ("韩经理出差了，我来问一下合同", QIAN),  # the one spoken of in the third person goes last
        ("我是韩志刚，问下质保", HAN),
        ("钱红的同事让我问下", HAN),  # someone's colleague is not 钱红
        ("问下质保到哪天", HAN),  # nothing said: the CRM's order
    ],
)
def test_writer_first(text: str, first: Contact) -> None:
    assert _writer_first([HAN, QIAN], text)[0] == first


def _fact(name: str, output: str) -> Computed:
    return Computed("term_end", name, output, "text", f"{name}:{output}", (), (), Source())


def test_a_part_term_decides_who_pays() -> None:
    vehicle = ToolSpec.model_validate({"id": "warranty_end", "tool": "term_end", "doc": "w"})
    battery = ToolSpec.model_validate({"id": "battery", "tool": "term_end", "doc": "w", "term": "蓄电池"})
    v_term, v_cover = _fact("warranty_end", "2028-05-19"), _fact("warranty_end", "covered")
    b_term, b_cover = _fact("battery", "2026-05-19"), _fact("battery", "ended")
    spec_of = {id(v_term): vehicle, id(v_cover): vehicle, id(b_term): battery, id(b_cover): battery}
    kept = _part_decides_coverage([v_term, v_cover, b_term, b_cover], spec_of)
    assert kept == [v_term, b_term, b_cover]  # the vehicle's "free repair" sentence is dropped, its date kept
    # no part term: the vehicle's who-pays stays
    assert _part_decides_coverage([v_term, v_cover], spec_of) == [v_term, v_cover]
