"""What the customer asks for, read from their words: a discount named as a request ("给我打个95折", "再让1个点"). A
request is checked, never granted; a figure the customer says they already hold or were promised, or one inside a
note addressed to the system, is neither a request nor a fact (issue #15: a customer-supplied figure is never a fact)."""

from __future__ import annotations

import re
from decimal import Decimal

from agents.reasoning.base import english_counts
from contract.numerals import cn_to_number, han_to_ascii
from contract.quantities import ParseError, discount_percent, quantities

REQUEST = re.compile(
    r"(?P<q>(?:\d+(?:\.\d+)?|[一二三四五六七八九]{1,2}(?:点[一二三四五六七八九])?)\s*折"
    r"|(?:(?:\d{1,2}|[一两二三四五六七八九十]{1,2})\s*个半\s*(?:个)?(?:点|百分点))"  # «一个半点» = 1.5 points
    r"|(?:\d+(?:\.\d+)?\s*(?:%|个点|个百分点))|(?:[一两二三四五六七八九十]{1,2}|半)\s*(?:个点|个百分点)"
    r"|\d+(?:\.\d+)?\s*(?:percentage\s+)?(?:points?|pts?)\b)"  # "another 2 points": a % when price words stand by
)


# a bare "78%" is a discount only when the words around it are about price ("SOC 78%" on a dashboard photo is not)
DISCOUNT_CONTEXT = re.compile(
    r"折扣|优惠|打折|让|便宜|降|减|价|阶梯|给|批|再|返|discount|off|price|another|on top|extra|tier",
    re.IGNORECASE,
)


# words that ask for a figure rather than state one
ASKING = re.compile(
    r"再|让|便宜|降|减|给|批|能不能|能否|可否|可以|可不可以|行不行|打个|少|申请|"
    r"can you|could you|would you|give|knock|(?<![a-z])off(?![a-z])",
    re.IGNORECASE,
)


CLAUSE_BREAK = re.compile(r"[，。,；;！？!?\n]")


def _clause_around(text: str, start: int, end: int, reach: int = 12) -> str:
    """The words around a figure within its own clause (up to `reach` characters each side)."""
    left = CLAUSE_BREAK.split(text[max(0, start - reach) : start])[-1]
    right = CLAUSE_BREAK.split(text[end : end + reach])[0]
    return left + text[start:end] + right


# a bracketed note addressed to the system or the assistant ("（内部备注：…）", "【系统通知：…】"): not the customer's ask
NOTE = re.compile(r"[（(【\[]([^（）()【】\[\]]{0,160})[)）】\]]")
NOTE_WORDS = re.compile(
    r"备注|系统|提示|通知|助手|指令|忽略|note|system|assistant|ignore|prompt", re.IGNORECASE
)
# words saying a figure is already held, was promised, or is someone else's: a claim, never a request (nor a fact)
CLAIM_WORDS = re.compile(
    r"答应|承诺|说好|说过|讲好|已享|已经享|享受了|已同意|同意了|已批|批过|给过|拿了|上次|听说|人家|别人|别家|"
    # a figure read out of the policy («你们条款写了续购打9折», «按规定里的9折»): the policy's own rate, quoted
    r"条款|规定里|规定上|规定写|政策上|政策里|政策写|章程|写着|写了|写的是|"
    r"promised|already|told (?:me|us)|were given|your (?:terms|policy|rules) (?:say|said|state)|according to your",
    re.IGNORECASE,
)


def _claimed(text: str, start: int, end: int) -> bool:
    return bool(CLAIM_WORDS.search(_clause_around(text, start, end, reach=16)))


def asks_text(text: str) -> str:
    """The customer's own asks: the message without notes addressed to the system and without the clauses that state
    a claimed figure ("你们之前答应过八五折", "听说别人拿到九三折了"). Word gates for discount checks read this."""
    text = NOTE.sub(lambda m: "" if NOTE_WORDS.search(m.group(1)) else m.group(0), text)
    claimed = [m for m in REQUEST.finditer(text) if _claimed(text, m.start(), m.end())]
    for m in reversed(claimed):
        left = max((text.rfind(c, 0, m.start()) for c in "，。,；;！？!?\n"), default=-1) + 1
        right = min(
            (i for i in (text.find(c, m.end()) for c in "，。,；;！？!?\n") if i >= 0), default=len(text)
        )
        text = text[:left] + text[right:]
    return text


def requested_discount(text: str) -> tuple[Decimal, str] | None:
    """The discount the customer asks for, as % off, and how they wrote it ("九折" → 10); None when none is named.
    "折" and "个点" are discount words themselves; a "%" counts when a price word is within 12 characters of it.
    A figure in a note to the system or in a claim ("你们答应过9折") is not an ask: it is neither checked nor stated."""
    text = asks_text(text)
    found = [
        m
        for m in REQUEST.finditer(text)
        if "折" in m.group("q")
        or "点" in m.group("q")
        or DISCOUNT_CONTEXT.search(_clause_around(text, m.start(), m.end()))
    ]
    # a figure the message asks for ("能不能再便宜3个点") before one it quotes (a quote's "折扣 F2 5%" read from the
    # picture the customer sent): the first one whose own clause asks, else the first
    m = next((m for m in found if ASKING.search(_clause_around(text, m.start(), m.end()))), None) or next(
        iter(found), None
    )
    if not m:
        return None
    raw = re.sub(r"\s*(?:percentage\s+)?(?:points?|pts?)$", "%", m.group("q"), flags=re.IGNORECASE)
    raw = raw.replace("个百分点", "%").replace("个点", "%")
    half = re.fullmatch(r"(.+?)\s*个半\s*(?:个)?(?:百分点|点)", raw)
    if half is not None:  # «一个半点» → 1.5%
        whole = half.group(1)
        value = Decimal(whole) if whole.isdigit() else Decimal(str(cn_to_number(whole) or 0))
        return (value + Decimal("0.5"), m.group("q")) if value else None
    raw = "0.5%" if raw.startswith("半") else han_to_ascii(raw) if raw.endswith("%") else raw  # 一个点 → 1%
    try:
        q = quantities(raw)
        if not q:
            return None
        return discount_percent(q[0]), m.group("q")
    except ParseError:
        return None


EXTRA_WORDS = re.compile(r"再|额外|另外|之外|多让|加|上浮|on top|extra|additional", re.IGNORECASE)


ASKED_UNITS = re.compile(r"(\d+)\s*(?:台|辆)")


# the count the customer says to work by, among others («再加两台，按14台算», «数量改成20台», "make it 11 units"): a word
# of basis or change right before it (an English count's reading «11 units（11台）» after its words)
BASIS_BEFORE = re.compile(
    r"(?:按|按照|改成|改为|改到|调整为|调整到|调成|变成|定成|make it|change it to|go with)\s*(?:\d+[^（(\d]{0,14}[（(])?$",
    re.IGNORECASE,
)


def asked_units(text: str) -> re.Match[str] | None:
    """How many units the customer asks about ("再订3台"): the first count not in a claim about someone else's order
    ("听说江华上周订了6台X7，我们也想订3台" → 3), unless another is said as the count to work by («再加两台，按14台算» → 14);
    None when the only counts are others'."""
    own = [m for m in ASKED_UNITS.finditer(text) if not _claimed(text, m.start(), m.end())]
    basis = [m for m in own if BASIS_BEFORE.search(text[max(0, m.start() - 24) : m.start()])]
    # a basis said as the past one («原来说改成10台», «上次按5台算的») is not the count to work by; a count said after
    # it is («…现在还是按原计划6台» → 6)
    past = [m for m in basis if PAST_BASIS.search(_clause_before(text, m.start()))]
    basis = [m for m in basis if m not in past]
    if past and not basis:
        later = [m for m in own if m.start() > past[-1].end()]
        return later[-1] if later else own[0]
    return basis[-1] if basis and len(own) > 1 else own[0] if own else None


# a count said of assets already held or running («手上已经有20台», «有15台在跑», "we run 12"): a fleet, not an order
HELD_COUNT = re.compile(
    r"已经有|已有|手上有|手里有|手头有|(?:现在|目前|现)有\s*\d|在跑|在用|跑着|we (?:have|run|own|operate)|already (?:have|run|own)",
    re.IGNORECASE,
)
_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,3}\d{1,3}[A-Z]?(?![A-Za-z0-9])")


def order_units(text: str, model: str) -> re.Match[str] | None:
    """The count asked (asked_units) when it is an order of `model`: None when the count is said of assets held
    («我们手上已经有20台Z5了，这次再买一台Q3» → no count of the Q3) or its clause names another model and not `model`.
    A total is stated only for such a count: a count of something else is no order of the model priced."""
    code = model.split()[-1] if model else ""

    def of_model(m: re.Match[str]) -> bool:
        clause = _clause_around(text, m.start(), m.end(), reach=24)
        named = set(_CODE.findall(clause))
        # a code said alone («Z5») names the model priced under its full name («远航Z5») as well
        return not HELD_COUNT.search(clause) and (
            not named or any(code and (code in n or n in code) for n in named)
        )

    m = asked_units(text)
    if m is None or of_model(m):
        return m
    # the count asked was a fleet held or another model's: a later count that is this model's order
    return next(
        (
            n
            for n in ASKED_UNITS.finditer(text)
            if n.start() > m.start() and not _claimed(text, n.start(), n.end()) and of_model(n)
        ),
        None,
    )


PAST_BASIS = re.compile(r"原来|本来|原先|之前|当初|上次|previously|originally|last time", re.IGNORECASE)


def _clause_before(text: str, at: int) -> str:
    """The words of the clause up to `at`."""
    return re.split(r"[，,。；;！!？?\n]", text[:at])[-1]


def _chars(text: str) -> set[str]:
    return {c for c in text if not c.isspace()}


def typed_first(text: str, attached: list[str]) -> str:
    """The customer's typed words before what an attachment says: a photo's text (a quote for 5 units) is context,
    while the count, model or date the customer types ("凑8台，8台一共多少") is the ask. The lines of the message that
    are an attachment's text (its OCR, read into the message by perception; matched by their characters, as masking
    may have changed a few) move after the typed lines, so every tool that reads the first count reads the typed one.
    Only when the typed lines name a count of their own; otherwise the text is unchanged."""
    if not attached:
        return text
    shown = [_chars(a.replace("\n", " ")) for a in attached if a.strip()]
    lines = text.split("\n")

    def is_attached(line: str) -> bool:
        own = _chars(line)
        return bool(own) and any(len(own & a) >= 0.8 * len(own) and len(own) >= 0.5 * len(a) for a in shown)

    pictures = [ln for ln in lines if is_attached(ln)]
    typed = [ln for ln in lines if not is_attached(ln)]
    if not pictures or not typed or asked_units(english_units("\n".join(typed))) is None:
        return text
    return "\n".join(typed + pictures)


def english_units(text: str) -> str:
    """English counts read as the tools read them ("7 K9s" → "7台K9")."""
    return english_counts(text)


# a figure the customer gives as the whole discount, their volume tier inside it ("一共给7个点", "总共6个点",
# "加起来九个点", "连阶梯一起9个点", "8% all-in", "tier included"): the word stands in the figure's own clause, before it
# with no count between («一共要10台能给5个点吗» counts units, not the discount), or right after it
TOTAL_BEFORE = re.compile(
    r"(?:一共|总共|合计|总计|加起来|加在一起|总的|全部算上|连[^，,。；;！？?!]{0,10}一起(?:算)?|in total|altogether|all[- ]in)"
    r"(?P<between>[^，,。；;！？?!]{0,10})$",
    re.IGNORECASE,
)
TOTAL_AFTER = re.compile(
    r"^\s*(?:一共|总共|合计|all[- ]in|in total|altogether|\(?\s*(?:tier|the tier|your tier) included|including (?:the |our |your )?tier)",
    re.IGNORECASE,
)
# 台/辆 with no word boundary after them (a CJK character follows), English counts as whole words
_COUNTED = re.compile(r"\d+\s*(?:台|辆|(?:units?|vehicles?|cars?)\b)", re.IGNORECASE)


def stated_total(text: str, written: str) -> bool:
    """The customer gives `written` as the whole discount, their tier inside it (TOTAL_BEFORE / TOTAL_AFTER)."""
    for m in re.finditer(re.escape(written), text):
        left = CLAUSE_BREAK.split(text[max(0, m.start() - 24) : m.start()])[-1]
        right = CLAUSE_BREAK.split(text[m.end() : m.end() + 30])[0]
        before = TOTAL_BEFORE.search(left)
        if before is not None and not _COUNTED.search(before.group("between")):
            return True
        if TOTAL_AFTER.search(right) or re.search(
            r"(?:tier|阶梯)[^，,。；;]{0,6}(?:included|一起|在内|算上)", right, re.I
        ):
            return True
    return False


# what the customer takes back in the same breath («不是Z5，是X7», «是8台不是6台», «订4台 啊不对 6台», "I meant the X7,
# not the K2"): a model code or a count, retracted beside another one of the same kind in the same sentence
_ITEM = r"(?:[A-Z]{1,3}\d{1,3}[A-Z]?(?![A-Za-z0-9])|\d+\s*(?:台|辆|units?\b|vehicles?\b))"
_RETRACTED = (
    re.compile(rf"(?<!是)不是\s*(?P<item>{_ITEM})"),
    # a count said before its model code («订6台K2 啊不对 9台», the usual word order): the count is taken back, the model
    # stays (only the `item` span is dropped)
    re.compile(
        r"(?P<item>\d+\s*(?:台|辆|units?\b|vehicles?\b))\s*(?P<model>[A-Z]{1,3}\d{1,3}[A-Z]?)(?![A-Za-z0-9])"
        r"\s*[，,、 ]*(?:啊|呃|哦|额|嗯|噢)?\s*[，, ]*(?:不对|说错了|打错了|搞错了|说岔了|错了)"
    ),
    re.compile(
        rf"(?P<item>{_ITEM})\s*[，,、 ]*(?:啊|呃|哦|额|嗯|噢)?\s*[，, ]*(?:不对|说错了|打错了|搞错了|说岔了|错了)"
    ),
    re.compile(rf"(?<![A-Za-z])not\s+(?:the\s+|an?\s+)?(?P<item>{_ITEM})", re.IGNORECASE),
)
_SENTENCE_END = re.compile(r"[。！？!?\n]|\.(?:\s|$)")


def _kind(item: str) -> str:
    return "count" if re.match(r"\d", item) else "model"


def retracted(text: str) -> str:
    """The message without what the customer takes back: «不是Z5，是那款SUV，X7» → «是那款SUV，X7»; only when another
    item of the same kind (a model code, a count) stands in the same sentence, so a plain «不是Z5的问题» is kept."""
    for pattern in _RETRACTED:
        for m in reversed(list(pattern.finditer(text))):
            item = m.group("item")
            starts = [0] + [e.end() for e in _SENTENCE_END.finditer(text, 0, m.start())]
            stop = _SENTENCE_END.search(text, m.end())
            sentence = text[starts[-1] : stop.start() if stop else len(text)]
            others = [
                o.group(0)
                for o in re.finditer(_ITEM, sentence)
                if _kind(o.group(0)) == _kind(item)
                and re.sub(r"\s", "", o.group(0)) != re.sub(r"\s", "", item)
            ]
            if others:
                # with a model code after the count, only the count goes: the model is still what is asked for
                end = m.end("item") if "model" in pattern.groupindex else m.end()
                text = text[: m.start()] + text[end:]
    return text
