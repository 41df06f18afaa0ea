"""Date arithmetic for policy terms, by the rules Chinese contracts follow (民法典第二百零一至二百零三条): a period in
months ends on the corresponding day of the last month; a month without that day ends the period on its last day
(31 Jan + 1 个月 → 28/29 Feb); "期满前N日内" is the N days up to and including the end date."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from contract.numerals import cn_number


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


WEEKDAYS_ZH = "一二三四五六日天"
WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEK = re.compile(r"(这|本|上上|上|下下|下)?(?:个)?(?:周|星期|礼拜)([一二三四五六日天末])")
_REL = {"明天": 1, "明儿": 1, "后天": 2, "大后天": 3, "tomorrow": 1}
_MONTH_DAY = re.compile(r"(?:(\d{1,2})月)?(\d{1,2})(?:号|日|號)")
# grammar markers only: after a bare "N日" a span word makes it a count of days ("7日内", "3日以后"), not the Nth
_COUNT_AFTER = re.compile(r"(?:内|以内|之内|后|以后)")
# aspect: a day told with 了 / 过 in its own clause ("周一交了", "15号刷了卡", "周三去看过车") or 已 / 已经 right by it
# ("周一已转账", "已经周一下单") is when something was done, the past occurrence; 过来 / 过去 are directions, not aspect;
# a conditional ("要是周一退了") keeps it a day to come
_CLAUSE_END = re.compile(r"[，,。.！!？?；;\n]")
# 了 / 过 are aspect only as a word of their own or a verb's ending (交了, 看过), which jieba's segmentation tells
# apart from words they begin (过期, 过户, 了解, 过来); a modal before them makes 了 a change still to come (就能提车了)
_MODALS = frozenset({"能", "会", "可以", "要", "将", "快", "就要", "快要", "打算", "准备"})
_CONDITIONAL = re.compile(r"要是|如果|假如|假设|万一|若|\bif\b", re.I)
ASPECT_SPAN = 8  # characters after the day word in which 了 / 过 still belong to its verb


def _told_as_done(text: str, start: int, end: int) -> bool:
    """The day word at text[start:end] names a day something was done: 了 / 过 follow it in its clause, or 已 is by it;
    never under a conditional of the same clause."""
    before = text[:start]
    clause_start = max((m.end() for m in _CLAUSE_END.finditer(before)), default=0)
    head = before[clause_start:]
    if _CONDITIONAL.search(head):
        return False
    stop = _CLAUSE_END.search(text, end)
    tail = text[end : stop.start() if stop else len(text)][:ASPECT_SPAN]
    return tail.startswith("已") or head.endswith(("已", "已经")) or _perfective(tail)


def _perfective(tail: str) -> bool:
    """了 / 过 marks a deed done in `tail` (the rest of the day word's clause)."""
    if "了" not in tail and "过" not in tail:
        return False
    import jieba  # loaded once per process; most day words never reach here

    for word in jieba.lcut(tail):
        if word in _MODALS:
            return False
        if word[-1] in "了过" and (len(word) == 1 or word[0] not in "了过"):
            return True
    return False


_EN_WEEK = re.compile(r"\b(this|next)?\s*(" + "|".join(WEEKDAYS_EN) + r"|weekend)\b", re.I)


def weekday_zh(day: date) -> str:
    return "周" + "一二三四五六日"[day.weekday()]


def named_days(text: str, today: date) -> list[tuple[str, date]]:
    """The later days a message names, as (its words, the day), in the order it names them: 明天 / 后天; 这周六,
    周末 (this week's Sunday: the last day of it), 下周二; 23号 / 12月1日 (this month's, else next month's); "this
    Saturday", "next Tuesday", "tomorrow". Only days after `today`: a past or present day is the record's own, and so are 上周六 /
    上上周三, a bare day of something done ("15号交了") and a count of days ("7日内" is not the 7th)."""
    found: list[tuple[int, str, date]] = []
    for m in _WEEK.finditer(text):
        which, wd = m.group(1) or "", m.group(2)
        if which.startswith("上"):
            continue  # "上周六", "上上周三": a past week's day is the record's own
        if not which and _told_as_done(text, m.start(), m.end()):
            continue  # "周一交了定金": the Monday that was
        target = 6 if wd in "日天末" else WEEKDAYS_ZH.index(wd)
        monday = today - timedelta(days=today.weekday())
        weeks = 2 if which == "下下" else 1 if which == "下" else 0
        day = monday + timedelta(days=7 * weeks + target)
        if not which and day <= today:  # a bare "周二" said on a Friday is the coming one
            day += timedelta(days=7)
        found.append((m.start(), m.group(0), day))
    for words, n in _REL.items():
        for m in re.finditer(re.escape(words), text, re.I):
            if words == "后天" and text[max(0, m.start() - 1) : m.start()] == "大":
                continue
            found.append((m.start(), words, today + timedelta(days=n)))
    for m in _MONTH_DAY.finditer(text):
        if m.start() > 0 and text[m.start() - 1].isdigit():
            continue
        rest = text[m.end() :]
        counted = m.group(0).endswith("日") and _COUNT_AFTER.match(rest)
        if not m.group(1) and (counted or _told_as_done(text, m.start(), m.end())):
            continue  # "7日内" counts days; "15号交了" is a day past
        month = int(m.group(1)) if m.group(1) else today.month
        year = today.year
        try:
            day = date(year, month, int(m.group(2)))
        except ValueError:
            continue
        if not m.group(1) and day <= today:  # "23号" after the 23rd is next month's
            month = month % 12 + 1
            year += 1 if month == 1 else 0
            try:
                day = date(year, month, int(m.group(2)))
            except ValueError:
                continue
        elif m.group(1) and day < today - timedelta(days=180):
            try:
                day = date(year + 1, month, int(m.group(2)))
            except ValueError:  # 2月29日 with no 29 February next year
                continue
        found.append((m.start(), m.group(0), day))
    for m in _EN_WEEK.finditer(text):
        word = m.group(2).lower()
        target = 6 if word == "weekend" else WEEKDAYS_EN.index(word)
        monday = today - timedelta(days=today.weekday())
        day = monday + timedelta(days=7 * (1 if (m.group(1) or "").lower() == "next" else 0) + target)
        if day <= today:
            day += timedelta(days=7)
        found.append((m.start(), m.group(0).strip(), day))
    out: list[tuple[str, date]] = []
    for at, words, day in sorted(found, key=lambda f: f[0]):
        after = text[at + len(words) : at + len(words) + 2]
        if len(after) == 2 and after[1] == "的" and after[0] != "的":
            continue  # "周一订的", "16号提的": the day of something done, not a day to come
        if day > today and day not in {d for _, d in out}:
            out.append((words, day))
    return out


# a month to come named without its day ("明年一月份", "12月初", "2027年1月", "下个月底"): the first day of the part named
_PERIOD_MONTH = re.compile(
    r"(?:(20\d{2})年|(明年|来年|下一年)(?:的)?)?(1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月(?:份)?"
    r"(?!\s*\d{1,2}\s*[号日號])(初|上旬|中旬|下旬|中|底|末)?"
)
_NEXT_MONTH = re.compile(r"(?:下个月|下個月|下月|next month)(初|上旬|中旬|下旬|中|底|末)?", re.I)
# the year's first day to come: "元旦过后", "元旦以后", "after New Year('s Day)", "明年" said alone
_NEW_YEAR = re.compile(
    r"元旦(?:过后|以后|之后|后|過後|以後|之後)|after (?:the )?new year(?:'s day)?|明年(?![\d一二三四五六七八九十]+月)|next year",
    re.I,
)
# after the (lunar) new year: "过完年", "过了年", "春节后", "年后": no earlier than the year's first day, which is all a
# window ending this year needs
_AFTER_FESTIVAL = re.compile(
    r"过完年|過完年|过了年|過了年|(?:春节|春節|过年|過年)(?:过后|以后|之后|后|過後|以後|之後)|年后(?!天)"
)
_PART_DAY = {"初": 1, "上旬": 1, "中旬": 11, "中": 11, "下旬": 21, "底": 21, "末": 21}
# words of placing an order (or coming in for a service, a service offer's act) governing a day in its own clause
# ("12月10号下单", "sign in January", "下个月初想去店里", "12月5号开过去保养"): that day is the proposed one. Taking
# delivery (提车, 交车), a policy running out (到期) or any other plan ("元旦以后要出差") names no order day; neither
# does a deed done (订的, 买过) or an order as a thing (订单)
_ORDER_VERB = re.compile(
    r"下单|下訂|下订|订(?!单|的|过|了)|訂(?!單|的|過|了)|签(?!的|过|了)|簽(?!的|過|了)|买(?!的|过|了)|買(?!的|過|了)|定下来|定下來"
    r"|去店|来店|來店|到店|保养|保養|维修|維修|\border|\bsign|\bbuy|\bpurchas",
    re.I,
)
# an order placed now ("现在下单", "今天就想把车订了", "这周想下单", "order today"): the tools' today is its day
_NOW_ORDER = re.compile(
    r"(?:现在|現在|今天|今儿|马上|馬上|立刻|这周(?![一二三四五六日天末\d])|這週(?![一二三四五六日天末\d])|本周(?![一二三四五六日天末\d])"
    r"|这个月|這個月|本月)[^，,。.！!？?；;\n]{0,8}?(?:" + _ORDER_VERB.pattern + r")"
    r"|(?:order|sign|buy|purchas)\w*[^,.!?;\n]{0,24}?\b(?:today|now|this week|right away)\b"
    r"|\b(?:today|now|this week|right away)\b[^,.!?;\n]{0,24}?\b(?:order|sign|buy|purchas|want|take|get|go with|lock)",
    re.I,
)
# a clause taking the day up again ("1月15号发年终奖，那天去订"): its order word governs that day
_THAT_DAY = re.compile(r"^\s*(?:那天|那时候?|到时候?|届时|屆時|then|on that day)")
ORDER_SPAN = 14  # characters either side of a day word in which an order word of its clause governs it
_EN_ORDER = re.compile(r"\b(?:order|sign|buy|purchas)", re.I)
EN_ORDER_SPAN = 40  # English words are longer: "signing for one sometime in January"


# a month said in English, with the part of it or the day ("mid-January", "end of January", "January 15th", "the
# 15th of January", "early Feb"): read like 「1月中旬」 / 「1月15号」. "May" alone is a verb: a month stands bare only
# by its whole name other than May
_EN_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
)
_EN_PERIOD = re.compile(
    r"\b(?:(early|mid|late|(?:the\s+)?(?:end|beginning|start|middle)\s+of)[\s-]+)?"
    rf"(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+of\s+)?({_EN_MONTHS})\b\.?(?:\s+(\d{{1,2}})(?:st|nd|rd|th)?\b)?",
    re.I,
)
_EN_PART_DAY = {"early": 1, "beginning": 1, "start": 1, "mid": 11, "middle": 11, "late": 21, "end": 21}
_EN_DONE = re.compile(
    r"\b(?:ago|delivered|bought|purchased|got|received|signed|ordered|was|were|did|had)\b", re.I
)


def _english_periods(text: str, today: date) -> list[tuple[int, str, date]]:
    """The later days an English month names (the part's first day, or the day given), placed like 「1月」 said in
    November: a later month this year, one six or more months back next year; a sentence telling what was done names
    no day to come."""
    out: list[tuple[int, str, date]] = []
    for m in _EN_PERIOD.finditer(text):
        part, day_before, name, day_after = m.group(1), m.group(2), m.group(3).lower(), m.group(4)
        if name == "may" and not (part or day_before or day_after):
            continue
        month = MONTH_NAMES_EN.index(name[:3]) + 1
        sentence = re.split(r"[.!?;\n]", text[: m.start()])[-1] + re.split(r"[.!?;\n]", text[m.end() :])[0]
        if _EN_DONE.search(sentence):
            continue
        if month > today.month or month == today.month and (day_before or day_after):
            year = today.year
        elif today.month - month >= 6:
            year = today.year + 1
        else:
            continue
        raw_day = day_before or day_after
        key = (
            (part or "").lower().split()[-2]
            if part and " of" in (part or "").lower()
            else (part or "").lower()
        )
        try:
            day = date(year, month, int(raw_day)) if raw_day else date(year, month, _EN_PART_DAY.get(key, 1))
        except ValueError:
            continue
        if day > today:
            out.append((m.start(), m.group(0).rstrip("."), day))
    return out


MONTH_NAMES_EN = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def proposed_day(text: str, today: date) -> tuple[str, date] | None:
    """The day a customer says they will act (order, sign, come in), as (its words, the day): a later day named_days
    reads, else the first day of a later period ("元旦以后" → 1 January; "明年一月份" / "January" (english_counts wrote
    2027年1月) → its first day; "12月初" / "下个月底" → the part's first day). With several, the one an order word follows
    or precedes closely, else the first named. None when the message names no day to come (the tools use today)."""
    if _NOW_ORDER.search(text):
        return None  # an order placed now: the tools use today
    near = _governed_days(text, today)
    if not near:
        return None  # no day to come, or a day of something else (delivery, a policy running out, a trip)
    return _pick_day(text, near)


def _governed_days(text: str, today: date) -> list[tuple[int, str, date]]:
    """Every day to come the message names that an order word governs (position, words, day), in the message's order."""
    found: list[tuple[int, str, date]] = []
    for words, day in named_days(text, today):
        at = text.find(words)
        found.append((at if at >= 0 else len(text), words, day))
    for m in _PERIOD_MONTH.finditer(text):
        raw = m.group(3)
        if m.start() == m.start(3) and raw.isdigit() and m.start() > 0 and text[m.start() - 1].isdigit():
            continue  # the month's digits are the tail of a longer number; a code's digit before 明年/一月 is not
        month = int(raw) if raw.isdigit() else int(cn_number(raw) or 0)  # the regex admits 一…十二 only
        if not 1 <= month <= 12:
            continue
        if not m.group(1) and not m.group(2) and text[max(0, m.start() - 1) : m.start()] == "年":
            continue  # "24年5月", "去年五月": a year this reading does not place
        after = text[m.end() : m.end() + 2]
        if (
            after[:1] == "的"
            or (len(after) == 2 and after[1] == "的")
            or _told_as_done(text, m.start(), m.end())
        ):
            continue  # "10月份提的那8台", "5月提的": a month something was done
        if m.group(1):
            year = int(m.group(1))
        elif m.group(2):
            year = today.year + 1
        elif month > today.month:
            year = today.year
        elif today.month - month >= 6:
            year = today.year + 1  # "1月" said in November is the coming January
        else:
            continue  # an earlier month of this year is the record's own
        day = date(year, month, _PART_DAY.get(m.group(4) or "", 1))
        if day > today:
            found.append((m.start(), m.group(0), day))
    for m in _NEXT_MONTH.finditer(text):
        month, year = today.month % 12 + 1, today.year + (today.month == 12)
        found.append((m.start(), m.group(0), date(year, month, _PART_DAY.get(m.group(1) or "", 1))))
    for m in _NEW_YEAR.finditer(text):
        if _told_as_done(text, m.start(), m.end()):
            continue
        found.append((m.start(), m.group(0), date(today.year + 1, 1, 1)))
    for m in _AFTER_FESTIVAL.finditer(text):
        if not _told_as_done(text, m.start(), m.end()):
            found.append((m.start(), m.group(0), date(today.year + 1, 1, 1)))
    found += _english_periods(text, today)
    found = [f for f in found if f[2] > today]
    if not found:
        return []
    found.sort(key=lambda f: f[0])

    def governed(
        at: int, words: str
    ) -> bool:  # an order word in the day word's own clause, or one taking it up again
        head = _CLAUSE_END.split(text[max(0, at - EN_ORDER_SPAN) : at])[-1]
        rest = text[at + len(words) :]
        parts = _CLAUSE_END.split(rest, maxsplit=1)
        tail = parts[0]
        if _ORDER_VERB.search(head[-ORDER_SPAN:]) or _ORDER_VERB.search(tail[:ORDER_SPAN]):
            return True
        if _EN_ORDER.search(head) or _EN_ORDER.search(tail[:EN_ORDER_SPAN]):
            return True
        nxt = _CLAUSE_END.split(parts[1], maxsplit=1)[0] if len(parts) > 1 else ""
        return bool(_THAT_DAY.search(nxt) and _ORDER_VERB.search(nxt[:ORDER_SPAN]))

    return [f for f in found if governed(f[0], f[1])]


def _pick_day(text: str, near: list[tuple[int, str, date]]) -> tuple[str, date] | None:
    # a day under a what-if («要是拖到元旦以后再签», «假如1月5号才下单») beside an order day said plainly («12月31号之前下
    # 单», «元旦前…补5台»): the plain one is the order day; the what-if is an option priced on its own (what_if_days)
    plain = [f for f in near if not _under_condition(text, f[0])]
    if plain:
        return plain[0][1], plain[0][2]
    if _BEFORE_DAY.search(text):
        return None  # «元旦前…要是拖到元旦以后»: ordering before the day, priced today
    at, words, day = near[0]
    return words, day


# an order day said as before a day to come («元旦前», «12月31号之前», «月底前», «年内», "before New Year"): today's
# prices apply, the day itself being no later than the window the customer has in mind
_BEFORE_DAY = re.compile(
    r"(?:元旦|春节|过年|年底|年末|月底|月末|\d{1,2}月\d{1,2}[号日號]?|\d{1,2}[号日號])\s*(?:之前|以前|前)|年内|今年内|本月内|这个月内"
    r"|\bbefore (?:the )?(?:new year|end of|holiday|christmas|\d)|\bthis year\b|\bby the end of\b",
    re.I,
)


def _under_condition(text: str, at: int) -> bool:
    """The day word at `at` is said under a what-if of its own clause («要是拖到元旦以后», "what if I only order in
    January")."""
    head = _CLAUSE_END.split(text[:at])[-1]
    return bool(_CONDITIONAL.search(head))


def what_if_days(text: str, today: date) -> list[tuple[str, str]]:
    """The order days the message weighs as a what-if beside the order day it says plainly (or today): (the day's words,
    the message as if it ordered on that day alone — the what-if word and the other order days cut). Empty when the
    message names no what-if day, or no other order day to weigh it against."""
    main = proposed_day(text, today)
    out: list[tuple[str, str]] = []
    for at, words, day in _governed_days(text, today):
        if not _under_condition(text, at) or (main is not None and main[1] == day):
            continue
        start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, at)), default=0)
        said = text[:start] + _CONDITIONAL.sub("", text[start:at]) + text[at:]
        if main is not None:
            said = said.replace(main[0], "", 1)
        said = _NOW_ORDER.sub("", _BEFORE_DAY.sub("", said))
        got = proposed_day(said, today)
        if got is not None and got[1] == day:
            out.append((words, said))
    return out[:1]
