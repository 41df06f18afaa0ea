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
# the base said of a fleet held or bought in the past: not an order an increment adds to
NOT_AN_ORDER = re.compile(
    r"去年|前年|已经有|已有|手上|手里|手头|在跑|在用|跑着|现有|现在有|目前有|we (?:have|run|own|operate)|bought",
    re.IGNORECASE,
)
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
    if NOT_AN_ORDER.search(_clause(text, base.start(), base.end())):
        return []
    after = text[base.end() :]
    total = TO_TOTAL.search(after)
    more = MORE.search(after)
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
