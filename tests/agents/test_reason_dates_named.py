"""named_days on review S6 (session 10): a past weekday (上周六), a day COUNT (7日内), a bare day of something done
(15号交了) and 2月29日 a year on. Table-driven, written before the fix."""

from __future__ import annotations

from datetime import date

import pytest

from agents.reasoning.dates import named_days

WEDNESDAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # past weekdays: 上 / 上上 are last week's and the week before's, never a day to come
        ("我上周六交了定金，现在退能退多少", []),
        ("上上周三来看过车", []),
        ("上个礼拜五订的车，下周六能退吗", [date(2026, 12, 12)]),
        # a day count, not the Nth of the month
        ("提车后7日内能退吗", []),
        ("定金3日内退还是全额吗", []),
        ("交定金5日以内可以退吗", []),
        ("10日之内答复", []),
        ("7日后再说", []),
        ("7日以后还能退吗", []),
        # a bare day followed by a past-tense verb is the day something was done
        ("我15号交了定金现在能退吗", []),
        ("15号付了定金", []),
        ("9号订了车", []),
        ("5号提了车", []),
        ("20号买了保险", []),
        # controls: days to come are still read
        ("15号来交定金", [date(2026, 12, 15)]),
        ("要是7日去退呢", [date(2026, 12, 7)]),
        ("12月7日以后来办", [date(2026, 12, 7)]),
        ("这周六去退", [date(2026, 12, 5)]),
        ("下周六去退", [date(2026, 12, 12)]),
        ("周六去退", [date(2026, 12, 5)]),
    ],
)
def test_named_days_past_and_counts(text: str, want: list[date]) -> None:
    assert [d for _, d in named_days(text, WEDNESDAY)] == want


def test_feb_29_a_year_on_does_not_crash() -> None:
    # on 2028-09-10, 2月29日 is more than 180 days back; 2029 has no 29 February: no day, no crash
    assert named_days("2月29日来办", date(2028, 9, 10)) == []
