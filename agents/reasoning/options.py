"""options: a message weighing its own options («4台还是5台», «新Z5和X7之间纠结», "3 or 4 Z5s") or asking a what-if on
top of what it asks («先按25台报…假如再加两台凑27台», «那单6台…再补4台»): one text per option, each naming that option
alone, so the same tools compute every option (reason states each, and the difference of two totals when asked).
Nothing here knows a tenant: counts are digits before the pack's measure words, models are the codes the CRM prices."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# the general measure words a count is said in (the pack's own are added by the caller)
COUNT = r"(\d+)\s*(?:台|辆)"
_CODE = r"(?<![A-Za-z0-9])[A-Z]{1,3}\d{1,3}[A-Z]?(?![A-Za-z0-9])"
# two items joined as alternatives: a disjunction («还是», «或者», "or", "vs"), or a conjunction in a message that asks
# for each («分别», «各», «差多少», «之间», "each")
DISJUNCT = r"还是|或者|或是|或|vs\.?|versus|or"
CONJUNCT = r"和|跟|与|同|and(?:\s+the)?"
CUE = re.compile(
    r"还是|或者|之间|分别|各自|各是|各要|各多少|各\S{0,4}多少|差多少|差几|相差|差价|差额|犹豫|纠结|哪个|哪种|两种|两个方案"
    r"|对比|比较|比一下|\beach\b|\beither\b|\bcompare\b|\bversus\b|\bvs\b|\bwhich\b|\bdifference\b",
    re.IGNORECASE,
)
# the difference between two options asked («差多少钱», «相差», "the difference", "how much more")
DIFFERENCE = re.compile(
    r"差多少|差几|相差|差价|差额|差了|difference|how much more|how much less", re.IGNORECASE
)
# a count added to the one asked («再加两台», «再补4台», «追加3台», "add 2 more", "2 more")
MORE = re.compile(
    r"(?:再(?:加|补|订|要|买|来|上|多)|追加|多加|多订|多要|多买|加上?)\s*(\d+)\s*(?:台|辆)"
    r"|\b(?:add(?:ing)?|another|plus)\s+(\d+)(?:\s+more)?\b|\b(\d+)\s+more\b",
    re.IGNORECASE,
)
# the total the order would come to («凑27台», «加到15台», «追加到12台», «变成15台»)
TO_TOTAL = re.compile(
    r"(?:凑到|凑成|凑|加到|追加到|增加到|增到|补到|变成|变为|变|改成|改为|一共|总共|up to|to a total of|making it)\s*(\d+)\s*(?:台|辆)",
    re.IGNORECASE,
)
# the base said of a fleet held or units taken/bought in the past: not an order an increment adds to («车队现在18台车»,
# «今年已经提了20台», «上个月刚提了5台»); an order placed and still pending («已经订了6台», «上个月订的那10台») is one
NOT_AN_ORDER = re.compile(
    r"去年|前年|之前买|以前买|已经(?!订|定|下单|下了单)|已有|手上|手里|手头|在跑|在用|跑着|现有"
    r"|(?:车队|现在|目前)(?:现在|目前)?(?:有|是|共|一共|总共)?\s*\d|提了|买了|交了|提过|买过|交过"
    r"|we (?:have|run|own|operate|bought|got|took)|bought|delivered|already (?!ordered|placed|booked)|fleet (?:of|is|has)",
    re.IGNORECASE,
)
# a past time said of the base («上个月», "last month"): units taken then, unless the clause says an order placed then
PAST = re.compile(r"上个月|上月|上次|上回|上周|last (?:month|time|year|week)", re.IGNORECASE)
PENDING = re.compile(
    r"订的|订了|定的|下的单|下了单|订单|那单|这单|那笔|单子|\border\b|\bordered\b", re.IGNORECASE
)
# what a count added counts, read from the words right after its measure word: the same asset (nothing, a model code,
# a vehicle word) or a function word; any other noun («再加2台充电桩») counts something else
_SAME_THING = re.compile(
    r"\s*(?:$|[^\u4e00-\u9fffA-Za-z]|[A-Z]{1,3}\d|车|的话|的时候|的|呢|吧|啊|呀|嘛|吗|凑|变|改|一共|总共|共|合计|总|多少|"
    r"也|就|要|能|可|怎|是|价|单价|报|算|给|行|好|那|这|会|还|么|一起|同|一样|左右|上下|以上|以下|[A-Za-z])"
)
# a bare total («一共10台») is no option without a word adding to the order or a what-if
_ADDING = re.compile(r"再|加|凑|变成|变为|补|追加|add|more|making", re.IGNORECASE)
# a what-if said of the count («假如», «如果», «要是», «万一», «假设», "if", "what if")
WHAT_IF = re.compile(r"假如|如果|要是|万一|假设|若是|倘若|\bif\b|\bsuppose\b|\bwhat if\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[，,。；;！!？?\n]")


@dataclass(frozen=True)
class Option:
    """One option of the message: its label (the count «20台» or the model «X7»), the message as if it named this option
    alone, and its kind: "count" (the order's units), "added" (only the units added: a per-unit amount of them, the
    deposit), "model"."""

    label: str
    text: str
    kind: str


def _clause(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    right = _CLAUSE_END.search(text, end)
    return text[left : right.start() if right else len(text)]


def count_options(text: str) -> list[Option]:
    """The counts a message weighs: alternatives («3台还是6台», «6台跟8台之间», "3 or 4 Z5s"), or an order and what
    adding to it makes («先按15台…再加5台凑20台» → 15, 20; «那单6台…再补4台» → 10, and the 4 added)."""
    out = _alternative_counts(text)
    if out:
        return out
    return _added_counts(text)


def _alternative_counts(text: str) -> list[Option]:
    pair = re.search(
        rf"(?P<a>{COUNT})\s*(?P<c>{DISJUNCT}|{CONJUNCT})\s*[\u4e00-\u9fff]{{0,2}}?(?P<b>{COUNT})",
        text,
        re.IGNORECASE,
    )
    if (
        pair is not None
        and pair.group(2) != pair.group(5)
        and (re.fullmatch(DISJUNCT, pair.group("c"), re.IGNORECASE) or CUE.search(text))
    ):
        return [
            Option(f"{pair.group(n)}台", text[: pair.start()] + pair.group(g) + text[pair.end() :], "count")
            for n, g in ((2, "a"), (5, "b"))
        ]
    # English: "3 or 4 Z5s" (the count reader reads the second number only)
    en = re.search(r"\b(\d+)\s+(?:or|to)\s+(\d+)(?=\s+[A-Za-z])", text, re.IGNORECASE)
    if en is not None and en.group(1) != en.group(2):
        return [
            Option(f"{n}台", text[: en.start()] + n + text[en.end() :], "count")
            for n in (en.group(1), en.group(2))
        ]
    return []


def _added_counts(text: str) -> list[Option]:
    counts = list(re.finditer(COUNT, text))
    if not counts:
        return []
    base = counts[0]
    clause = _clause(text, base.start(), base.end())
    if NOT_AN_ORDER.search(clause) or (PAST.search(clause) and not PENDING.search(clause)):
        return []
    # two models each carrying a count («Z5要5台、X7要3台，一共8台»): one order of several models, no option of one
    if len(_counted_codes(text, counts)) >= 2:
        return []
    after = text[base.end() :]
    total = TO_TOTAL.search(after)
    if (
        total is not None
        and total.group(0)[:2] in {"一共", "总共"}
        and not (_ADDING.search(after[: total.start()]) or WHAT_IF.search(text))
    ):
        total = None
    more = MORE.search(after)
    if more is not None and not _SAME_THING.match(after, more.end()):
        return []  # «再加2台充电桩»: the units added are not the asset priced
    if total is None and more is None:
        return []
    if (
        total is None
        and not WHAT_IF.search(text)
        and more is not None
        and not re.search(r"再|追加|add|more", more.group(0))
    ):
        return []
    b = int(base.group(1))
    if total is not None:
        n_total, added = int(total.group(1)), None
    else:
        assert more is not None
        added = int(next(g for g in more.groups() if g))
        n_total = b + added
    if n_total <= b:
        return []
    # the message with its order's count as the one count: the base says it, every other count is dropped
    spans = [(m.start(), m.end()) for m in counts[1:]]
    if more is not None:
        spans.append((base.end() + more.start(), base.end() + more.end()))
    if total is not None:
        spans.append((base.end() + total.start(), base.end() + total.end()))

    def said(n: int) -> str:
        out, last = [], 0
        cut = sorted({s for s in spans if s[0] >= base.end()})
        out.append(text[: base.start()] + f"{n}台")
        last = base.end()
        for s, e in cut:
            if s < last:
                continue
            out.append(text[last:s])
            last = e
        out.append(text[last:])
        return "".join(out)

    options = [Option(f"{b}台", said(b), "count"), Option(f"{n_total}台", said(n_total), "count")]
    if added is not None:
        options.append(Option(f"{added}台", said(added), "added"))
    return options


def _counted_codes(text: str, counts: list[re.Match[str]]) -> set[str]:
    """The model codes a count is said of: a code within a few characters before a count («X7要3台») or right after
    its measure word («3台X7»)."""
    out: set[str] = set()
    for m in counts:
        before = list(re.finditer(_CODE, text[max(0, m.start() - 5) : m.start()]))
        if before:
            out.add(before[-1].group(0))
        after = re.match(r"\s*(" + _CODE + ")", text[m.end() : m.end() + 6])
        if after:
            out.add(after.group(1))
    return out


def model_options(text: str, priced: Callable[[str], bool]) -> list[Option]:
    """The models a message weighs («新Z5和X7之间», «X7跟Z5各是多少», "the Z5 and the X7 each"): two codes the CRM
    prices joined as alternatives; each option's text names its model alone where the two were named."""
    pair = re.search(
        rf"(?P<a>{_CODE})\s*的?\s*(?P<c>{DISJUNCT}|{CONJUNCT})\s*(?:[\u4e00-\u9fff]{{0,3}}?)(?P<b>{_CODE})",
        text,
        re.IGNORECASE,
    )
    if pair is None or pair.group("a") == pair.group("b"):
        return []
    if not (priced(pair.group("a")) and priced(pair.group("b"))):
        return []
    if not (re.fullmatch(DISJUNCT, pair.group("c"), re.IGNORECASE) or CUE.search(text)):
        return []
    # a count beside either model is one order of several models («10台Z5和4台X5»): not a choice between them
    near = text[max(0, pair.start() - 6) : pair.end() + 6]
    if re.search(COUNT, near):
        return []
    return [
        Option(pair.group(g), text[: pair.start()] + pair.group(g) + text[pair.end() :], "model")
        for g in ("a", "b")
    ]


def asks_difference(text: str) -> bool:
    return bool(DIFFERENCE.search(text))
