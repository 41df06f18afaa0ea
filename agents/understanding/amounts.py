"""Amounts said without their unit (round 18).

Customers and reps drop the unit of a concession when the context says it: «给个5呗» (5 points), «打个9» (90 %, 九折),
«要个4 我能直接给吗», «X5能到19吗» (a price of 190,000), «X9 二十七 能 走 吗», "can you do the X5 at 190k?", "two more
points off". Perception's entity shapes need the unit (5%, 9折, 2个点, 19万), so such a message names no amount and
the price question is read from its few other words (a count, a signing, a model). Here the unit is read from the
word the amount stands by:
- after a verb of conceding or asking («给/让/要/降/少/加» + «个/到»): points («给个5», «再让个3», «给到6个吗»);
- after 打 («打个9», «打个八八», «打95»), or 压到 / 给到: a rate; an amount off in thousands without 元 («再少三千»);
- after a model code, within a few characters and nothing between that ends the clause, a figure of 10-999 with at
  most 万 / w / k / 出头 / 左右 after it: a price («X5能到19吗», «X7 15能拿吗», "X5 at 190k", "X7s at 165 each");
- English: "N (more) points" that is not a list of points ("two points: …", "a few points about …").
A figure followed by any other unit (号, 月, 年, 台, 次, 公里, 个 + a noun, %, 折 …) is that unit's, not an amount:
«X5能19号到吗», «X7开了19万公里», «我们要5台», «让7个司机». The values are the stretch as written, so a reader can say
which words it read. Nothing here is a tenant's word: the model codes are the message's entities (the pack's shapes)."""

from __future__ import annotations

import re

_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_NUM = r"(?:\d{1,3}(?:\.\d)?|[一二两三四五六七八九十]{1,3})"
# what may follow an amount without its unit: a pause, a particle, the asker, a verb of asking or signing
_END = r"(?=\s|[呗吧啊呀吗嘛么呢哈就我你行好能可成不，,。.!！?？~～]|$)"
# a unit of its own after the figure: the figure is that unit's (a day, a month, a count, a distance, a rate …)
_UNIT = r"[折台辆万千元块号月日年次点天岁度%％周批个]|公里|km|\d"
POINTS = re.compile(
    rf"(?:给|让|要|降|(?<![多至最])少|加|减|多给|再给|再让|再要|再降|再少)(?:个|到)?\s*(?P<n>{_NUM})\s*(?:个)?{_END}"
)
RATE = re.compile(
    rf"(?:打(?:个|到)?|压到|给到)\s*(?P<n>(?:[5-9]|[5-9]\d|[五六七八九]{{1,2}})(?:\.\d)?)(?!{_UNIT}){_END}"
)
# a price figure after a model code (the codes are passed in: the message's product models)
_PRICE_AFTER = rf"[^，,。；;！!？?\n]{{0,8}}?(?<![\d.])(?P<n>\d{{2}}(?:\.\d)?|[一二三四五六七八九]?十[一二三四五六七八九]?)(?:\s*(?:万|w|k|出头|左右))?(?!\s*(?:{_UNIT}))(?!\d)"
# an amount off in thousands / ten-thousands without 元 («再少三千», «便宜5千»)
MONEY_OFF = re.compile(
    rf"(?:(?<![多至最])少|降|便宜|让|优惠|减)(?:个)?\s*(?P<n>{_NUM})\s*(?:千|k|万)(?:块|元)?{_END}", re.I
)
EN_PRICE = re.compile(
    r"\b(?:at|for|do)\s+\$?(?P<n>\d{2,3}(?:\.\d)?)\s*(?:k\b|each\b|apiece\b|a (?:car|unit|piece)\b)", re.I
)
EN_POINTS = re.compile(
    r"\b(?P<n>\d{1,2}(?:\.\d)?|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:more\s+|extra\s+)?points?\b"
    r"(?!\s*(?::|about\b|to (?:raise|make|discuss)\b|of\b))",
    re.I,
)


def unitless_amounts(text: str, models: list[str] | None = None) -> dict[str, list[str]]:
    """The amounts said without their unit, by the kind they stand for: {'percentage': points, 'discount': rates and
    prices asked}. Values are the stretches as written (spaces between Chinese characters taken out)."""
    low = _CJK_SPACE.sub("", text)
    points = [m.group(0).strip() for m in POINTS.finditer(low)]
    points += [m.group(0).strip() for m in EN_POINTS.finditer(low)]
    rates = [m.group(0).strip() for m in RATE.finditer(low)]
    for code in dict.fromkeys(models or []):
        if not code.strip():
            continue
        pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(code.strip())}(?:s\b)?{_PRICE_AFTER}", re.I)
        rates += [m.group(0).strip() for m in pattern.finditer(low)]
    rates += [m.group(0).strip() for m in EN_PRICE.finditer(low)]
    rates += [m.group(0).strip() for m in MONEY_OFF.finditer(low)]
    out = {"percentage": list(dict.fromkeys(points)), "discount": list(dict.fromkeys(rates))}
    return {k: v for k, v in out.items() if v}
