"""named_days, round 11 defect (c): a weekday or a bare day told with a perfective/experiential aspect in its own clause
(了 / 过 after it, 已 / 已经 before it) is the past occurrence — the day something was done, the record's own — not the
coming one; a conditional (要是 / 如果 …) keeps it a day to come. Grammar markers, not a list of verbs: the verbs in
this table (交, 刷, 签, 转, 下单 …) are not in the code. Written before the fix (Friday 2026-11-20)."""

from __future__ import annotations

from datetime import date

import pytest

from agents.reasoning.dates import named_days

FRIDAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # a past weekday told with 了 / 过 / 已: the Monday that was, never the coming one
        ("我周一交了定金，现在退能全退吗", []),
        ("周二刷了卡付的定金", []),
        ("礼拜三签了合同，能反悔吗", []),
        ("星期一已经下单了，想退", []),
        ("周一已转账", []),
        ("我周三去看过车了，想再问下价", []),
        ("周二把定金交了，这周日能退吗", [date(2026, 11, 22)]),
        # a bare day of the month likewise, whatever the verb
        ("16号刷了定金", []),
        ("3号已经签约", []),
        # controls: days to come are still read
        ("周一来交定金", [date(2026, 11, 23)]),
        ("要是周一退了能全退吗", [date(2026, 11, 23)]),
        ("如果下周三退了呢", [date(2026, 11, 25)]),
        ("下周三再退呢", [date(2026, 11, 25)]),
        ("周日过来提车", [date(2026, 11, 22)]),
        ("25号过去签合同", [date(2026, 11, 25)]),
        ("我周一刚交了定金，要是拖到下周三再退呢", [date(2026, 11, 25)]),
        # review of 05f0dbf: 过 / 了 that begin a word (过期, 过户, 了解) and 了 after a modal (就能…了) are no aspect
        ("这张券周日过期吗", [date(2026, 11, 22)]),
        ("22号过期", [date(2026, 11, 22)]),
        ("周一去办过户", [date(2026, 11, 23)]),
        ("周日就能提车了吧", [date(2026, 11, 22)]),
        ("周三再了解一下", [date(2026, 11, 25)]),
        ("周二看过车了", []),
    ],
)
def test_aspect_marks_a_past_day(text: str, want: list[date]) -> None:
    assert [d for _, d in named_days(text, FRIDAY)] == want
