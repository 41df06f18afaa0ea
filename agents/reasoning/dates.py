"""Date arithmetic for policy terms, by the rules Chinese contracts follow (民法典第二百零一至二百零三条): a period in
months ends on the corresponding day of the last month; a month without that day ends the period on its last day
(31 Jan + 1 个月 → 28/29 Feb); "期满前N日内" is the N days up to and including the end date."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


def add_months(start: date, months: int) -> date:
    """The corresponding day `months` later, clamped to the month's end (leap years included)."""
    if months < 0:
        raise ValueError("months must be ≥ 0")
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_years(start: date, years: int) -> date:
    return add_months(start, 12 * years)


def term_end(start: date, amount: int, unit: str, rule: str = "same_day") -> date:
    """The last day of a term of `amount` 个月 / 年 / 天 starting on `start`.

    rule "same_day" (民法典: the start day is not counted, the term ends on the corresponding day) or "day_before"
    (policies that write "至满约定月数之日的前一日止": 2025-09-10 + 48 个月 → 2029-09-09)."""
    if unit == "个月":
        end = add_months(start, amount)
    elif unit == "年":
        end = add_years(start, amount)
    elif unit in ("天", "日"):
        end = start + timedelta(days=amount)
    else:
        raise ValueError(f"a term in {unit!r} is not a date period")
    return end - timedelta(days=1) if rule == "day_before" else end


def days_between(a: date, b: date) -> int:
    return (b - a).days


@dataclass(frozen=True)
class Window:
    start: date
    end: date  # inclusive

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def window_before(end: date, days: int) -> Window:
    """ "期满前60日内" / "到期前30日起": from the day `days` days before `end` up to and including `end`."""
    return Window(end - timedelta(days=days), end)


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def previous_quarter(day: date) -> tuple[int, int]:
    y, q = quarter_of(day)
    return (y, q - 1) if q > 1 else (y - 1, 4)


def quarter_label(year: int, q: int) -> str:
    return f"{year}Q{q}"


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
