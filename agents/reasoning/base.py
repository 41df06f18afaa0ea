"""What every reasoning tool shares: the context it reads (the governing version's facts, this customer's CRM record, the
message), the governing-version lookup and the small formatting helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from agents.reasoning import money
from agents.reasoning.config import ToolSpec
from agents.reasoning.crm import CrmRecord, FieldValue, MissingField
from agents.reasoning.results import CannotCompute, Input, Source
from contract.numerals import cn_to_number, han_to_ascii
from contract.policy_facts import ClauseFact, Governing, NoGoverningVersion, RowFact
from contract.ports import FactSource

SPOKEN_CODE = re.compile(r"(?<![A-Za-z])([A-Za-z])([零〇一二三四五六七八九幺两]{3,5})")
# a code read aloud with letters among its digits ("P零AA六" → P0AA6): four characters after the letter, one at least a
# spoken digit, the letters upper case (a transcript keeps the letters the caller spelled)
SPOKEN_MIXED = re.compile(
    r"(?<![A-Za-z0-9])([A-Z])((?=[0-9A-F]*[零〇一二三四五六七八九幺两])[零〇一二三四五六七八九幺两0-9A-F]{4})(?![0-9A-Za-z零〇一二三四五六七八九幺两])"
)


SPOKEN_PERCENT = re.compile(r"百分之\s*([零〇一二两三四五六七八九十百点\d.]+)")


# points said without their unit after a word of conceding on price («总共让7个», «也便宜3个呗», «优惠个3个吧»): the
# customer's discount in points, written as the figure the discount checks read («7个点»); a count of things
# («便宜3个月», «少2个人») keeps its noun
BARE_POINTS = re.compile(
    r"((?:让|便宜|优惠|降|少|减|打)(?:了|个|到)?\s*(?:\d{1,2}(?:\.\d)?|[一两二三四五六七八九十]))\s*个"
    r"(?![点百台辆月人车天周年小工星礼季次块元万千套件只份把半])"  # «让一个半点» is 1.5 points already
)


def _counts_a_noun(text: str, at: int) -> bool:
    """What follows the measure word at `at` is a noun it counts («让7个司机一起来», «让3个师傅上门», «两个客户经理»):
    a count of people or things, not points. Read by the first word jieba's tagger finds after 个 (a noun, a person's
    or place's name, a Latin word); a pronoun, an adverb, a verb or a particle («让7个我就签», «让1个就签», «便宜3个呗»,
    «让7个行不行») leaves the figure as points."""
    tail = text[at : at + 12]
    if not tail or not _CJK_OR_LATIN.match(tail):
        return False
    try:
        import jieba.posseg as posseg  # loaded once per process; only a bare «N个» after a concession word reaches here
    except ImportError:  # pragma: no cover — without the tagger the figure stays as before
        return False
    for word in posseg.cut(tail):
        if not word.word.strip():
            return False
        flag = word.flag or ""
        return flag.startswith("n") or flag == "eng"
    return False


_CJK_OR_LATIN = re.compile(r"[\u4e00-\u9fffA-Za-z]")


def bare_points(text: str) -> str:
    """«让7个» → «让7个点» (BARE_POINTS); the message itself when it has none. A noun after the measure word is what
    the figure counts («让7个司机»): no points."""

    def points(m: re.Match[str]) -> str:
        if _counts_a_noun(text, m.end()):
            return m.group(0)
        return f"{m.group(1)}个点"

    return BARE_POINTS.sub(points, text)


# a count said with the general measure word after a word of ordering («X7来6个», «这次只续8个», «再上 八个», «Z5要两个»):
# the units ordered, written with the pack's own measure word so the count readers find it («来6台»); a noun after 个
# is what it counts («来4个司机», «订两个车位»), a time word keeps its own unit («上2个月»)
BARE_UNITS = re.compile(
    r"((?:来|要|订|定|续|买|提|拿|购|采购|下单|补|上)(?:了)?\s*(?:再|只|先|就|共|总共|一共)?\s*)"
    r"(\d{1,3}|[一两二三四五六七八九十]{1,3})\s*个"
    r"(?![点百台辆月人车天周年小工星礼季次块元万千套件只份把钟])"
)


def bare_units(text: str, units: tuple[str, ...] | list[str]) -> str:
    """«来6个» → «来6台» (BARE_UNITS) with the pack's first measure word for its assets (tools.yaml count_units); the
    message itself when the pack counts no assets or names none."""
    if not units:
        return text

    def counted(m: re.Match[str]) -> str:
        if _counts_a_noun(text, m.end()):
            return m.group(0)
        raw = m.group(2)
        value = float(raw) if raw.isdigit() else cn_to_number(raw)
        if value is None:
            return m.group(0)
        try:
            n = int(value)
        except (ArithmeticError, ValueError):
            return m.group(0)
        return f"{m.group(1)}{n}{units[0]}"

    return BARE_UNITS.sub(counted, text)


# a count written in Chinese numerals before the pack's measure word («上二十台», «整六台», «X7八台», «两台Q9»): one
# well-formed number (十二, 二十五, 两百零五; not a range «三五台» / «一两台», not an ordinal «第二台», not «几十台»)
_HAN_COUNT = re.compile(
    r"(?<![第几每多零〇一二两三四五六七八九十百])"
    r"([二两三四五六七八九]?十[一二三四五六七八九]?|[两二三四五六七八九]"
    r"|[一二两三四五六七八九]百(?:零[一二三四五六七八九]|[一二三四五六七八九]十[一二三四五六七八九]?)?)"
    r"(?=\s*(?:{units})(?!山))"
)


def han_counts(text: str, units: tuple[str, ...] | list[str]) -> str:
    """«二十台» → «20台»: a count of two or more said in Chinese numerals before one of the pack's measure words for its
    assets (tools.yaml count_units), written as the digits every count reader reads. «一台» stays (it asks a price per
    unit, not an order of one); the message itself when the pack counts no assets."""
    if not units:
        return text
    pattern = re.compile(_HAN_COUNT.pattern.replace("{units}", "|".join(map(re.escape, units))))

    def digits(m: re.Match[str]) -> str:
        value = cn_to_number(m.group(1))
        if value is None or value < 2 or value != int(value):
            return m.group(0)
        glued = m.start() > 0 and text[m.start() - 1].isascii() and text[m.start() - 1].isalnum()
        return (" " if glued else "") + str(int(value))  # «X7八台» → «X7 8台», never «X78台»

    return pattern.sub(digits, text)


# a count said with a measure word the pack does not list («6架X7», «两部Z5», «X7想来三部»): any one Chinese character
# between a count and a code the CRM prices is the measure word it is counted in — unless it is a unit of time, money
# or size, or counts something else (a batch, a model line: «两批Z5», «两款X7»)
_NOT_MEASURE = (
    "年月日号號天周期点點万萬千百元块塊岁歲次批款级級米吨噸里时時分秒倍成折座层層楼樓栋棟厢廂门門轴軸驱驅缸挡擋档檔速代系型"
    # … or a hand (second-hand «二手X7»), people («两位», «3名»), documents («两份报价», «3张单», «2本证»)
    "手位名口人份张張页頁本封证證"
)
# … nor when the code is not the thing counted: «2套X7的坐垫» (the code names whose part is counted), and after the
# code, the words before the verb are more than who orders and when («X7前灯换2套»: the part is counted)
_ORDER_GAP = set(
    "我们們咱你您他她公司再还還先就想要准準备備打算计計划劃这這次回批里裏也都给給今明年下个個月底前后後 "
)
# … and a count in that word elsewhere is rewritten only when it counts nothing else («2个月后», «3个人», «2个报价»)
_COUNTED_AFTER = "月人钟鐘小星礼禮报報合单單文件票位名份张張次天周年后後前"
_ANY_COUNT = (
    r"(?<![\dA-Za-z.第几每多零〇一二两三四五六七八九十百])"
    r"(\d{1,4}|[二两三四五六七八九]?十[一二三四五六七八九]?|[两二三四五六七八九])"
)
_CODE_AT = r"[A-Z]{1,3}\d{1,3}[A-Z]?(?![A-Za-z0-9])"
_COUNT_BEFORE_CODE = re.compile(_ANY_COUNT + r"\s*([\u4e00-\u9fff])\s*(" + _CODE_AT + ")")
# … or after the code, in its clause, the count closing the words said of it («Z5我们再上十部，每部多少»)
_CODE_BEFORE_COUNT = re.compile(
    r"(?<![A-Za-z0-9])(" + _CODE_AT + r")[^，,。.！!？?；;\n\d]{0,12}?"
    r"(?:来|要|订|定|买|上|加|补|提|拿|购|下单|签|换)(?:了)?\s*(?:再|只|先|就|共|总共|一共)?\s*"
    + _ANY_COUNT
    + r"\s*([\u4e00-\u9fff])"
    r"(?=$|[，,。.！!？?；;\s]|的话|一共|总共|合计|多少|几|每|呢|吧|啊|呀|要|是|能|可以|算|报)"
)


def measure_counts(text: str, units: tuple[str, ...] | list[str], priced: Callable[[str], bool]) -> str:
    """«再加6架X7…6架埋单几多» → «再加6台X7…6台埋单几多»: a count said in a measure word the pack does not list
    (tools.yaml count_units), when that word counts a model the CRM prices (the count stands right before the model's
    code, or closes the clause naming it), written in the pack's first measure word, every count in that word of the
    message with it (the second mention names no model). The message itself otherwise."""
    if not units:
        return text
    words: set[str] = set()
    for m in _COUNT_BEFORE_CODE.finditer(text):
        after = text[m.end() :]
        if after.startswith("的") and not after.startswith("的话"):
            continue  # «2套X7的坐垫»: what is counted is said after 的
        if m.group(2) not in units and m.group(2) not in _NOT_MEASURE and priced(m.group(3)):
            words.add(m.group(2))
    for m in _CODE_BEFORE_COUNT.finditer(text):
        gap = text[m.end(1) : m.start(2)]
        gap = re.sub(
            r"(?:来|要|订|定|买|上|加|补|提|拿|购|下单|签|换)(?:了)?\s*(?:再|只|先|就|共|总共|一共)?\s*$",
            "",
            gap,
        )
        if any(ch not in _ORDER_GAP for ch in gap):
            continue  # «X7前灯换2套», «X7的滤芯要换3个»: another noun stands between the code and the count
        if m.group(3) not in units and m.group(3) not in _NOT_MEASURE and priced(m.group(1)):
            words.add(m.group(3))
    if not words:
        return text
    pattern = re.compile(
        _ANY_COUNT
        + r"\s*("
        + "|".join(map(re.escape, sorted(words)))
        + r")(?!["
        + _COUNTED_AFTER
        + r"])(?!\s*的(?!话))"
    )

    def digits(m: re.Match[str]) -> str:
        raw = m.group(1)
        value = float(raw) if raw.isdigit() else cn_to_number(raw)
        if value is None or value != int(value):
            return m.group(0)
        glued = m.start() > 0 and text[m.start() - 1].isascii() and text[m.start() - 1].isalnum()
        return (" " if glued else "") + f"{int(value)}{units[0]}"

    return pattern.sub(digits, text)


def spoken_percent(text: str) -> str:
    """A rate said in words ("便宜个百分之三", "百分之二点五") written as the figure the tools read ("3%", "2.5%")."""

    def figure(m: re.Match[str]) -> str:
        raw = m.group(1)
        try:
            value = Decimal(raw) if re.fullmatch(r"[\d.]+", raw) else Decimal(str(cn_to_number(raw)))
        except (ArithmeticError, ValueError, TypeError):
            return m.group(0)
        return f"{fmt(value)}%"

    return SPOKEN_PERCENT.sub(figure, text)


def spoken_codes(text: str) -> str:
    """Codes read aloud in a transcript ("P零二一七", "P零AA六") written as codes ("P0217", "P0AA6") so table cells can
    match them."""
    text = SPOKEN_CODE.sub(lambda m: m.group(1).upper() + han_to_ascii(m.group(2)), text)
    return SPOKEN_MIXED.sub(lambda m: m.group(1) + han_to_ascii(m.group(2)), text)


MONTHS_EN = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_YEAR_EN = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(?:of\s+)?(20\d{2})\b", re.IGNORECASE
)
RELATIVE_EN = (
    ("last month", "上个月"),
    ("this month", "这个月"),
    ("last year", "去年"),
    ("this year", "今年"),
)
NUMBER_WORDS_EN = {
    w: str(i)
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
    if i
} | {w: str(10 * i) for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty"], 2)}
NUMBER_WORD_EN = re.compile(
    r"\b(" + "|".join(NUMBER_WORDS_EN) + r")\b(?=\s+[A-Za-z]*\d*[A-Za-z]*\s*[a-z]+)", re.IGNORECASE
)
# "6 K3 vans", "8 Z5s", "20 units": a count of assets written the English way, as the tools read counts (6台K3)
# … "10 more K3s", "9 of the K3s", "6 of the 12 old K3s", "another 4 new K2 cars": a word of adding or choosing between
# the count and what it counts
_COUNT_GAP_EN = r"(?:(?:more|additional|extra|new|further|of\s+(?:the|our|those|these|them)(?:\s+\d+)?)\s+)?"
_MODEL_EN = r"[A-Z]{1,3}\d{1,3}[A-Z]?"
# words that end a count before a model code: a measure of time, distance or rate, or a word of relation ("in 2 weeks
# the K3", "3 points off the K3", "2 for the K3") — the count is of those, not of the model
_NOT_COUNTED_EN = (
    r"(?:days?|weeks?|months?|years?|hours?|minutes?|km|kms|kilomet(?:re|er)s?|miles?|points?|percent|per|off|of|the|a"
    r"|an|for|to|in|on|at|by|with|from|and|or|than|is|are|was|were|times?)"
)
# the only words that may stand between a count and the model code it counts: a word of the asset's age or state
# ("6 old K2s", "4 new K9s"). Any other word makes the count another noun's ("12 people using K2s", "20 staff use
# K2s", "3 faults with K2s"): the code is not the noun of that count
_STATE_EN = r"(?:old|older|new|newer|used|existing|current|other|spare|second-hand|brand-new|identical|same)"
# "2 of them were…", "3 of those have…": a clause whose subject is part of a batch describes that part; only a count
# of them that is the object of a verb or preposition ("trade in 8 of them") is a count asked
_OF_THEM_SUBJECT_EN = re.compile(
    r"^\s+(?:are|were|is|was|have|has|had|show|showed|shows|need|needs|needed|got|get|run|runs|ran|do|did|"
    r"still|already|also|each|all|both|being|been)\b",
    re.IGNORECASE,
)
_CLAUSE_START_EN = re.compile(
    r"(?:^|[,;:.!?\n(]|\b(?:and|but|while|where|whereas|though|although|since|because))\s*$", re.IGNORECASE
)
# words ending in s that are no plural noun after a model code ("6 K2s this round")
_NOT_PLURAL_EN = r"(?:this|is|was|has|as|us|his|its|does|yes|plus|less|across|always|perhaps|thus)"
# the neutral measure word of English; a pack names its own (tools.yaml count_units_en: what its assets are called)
NEUTRAL_COUNT_EN = ("units",)


@lru_cache(maxsize=32)
def count_pattern_en(nouns: tuple[str, ...] = ()) -> re.Pattern[str]:
    """Counts in English over the pack's measure words for its assets (`nouns`, "vans", "sedans"; singular or plural)
    and over model codes: "6 K3 vans", "20 units", "7 X7 SUVs" (only a word of age or state between the count and the code: "6 old X7s"),
    "K3 x 12" / "12 x K3"; "8 of them" counts the assets just named."""
    words = sorted({re.sub(r"(?<=[^s])s$", "", n.strip()) for n in (*NEUTRAL_COUNT_EN, *nouns) if n.strip()})
    noun = "|".join(re.escape(w) + "s?" for w in sorted(words, key=len, reverse=True))
    return re.compile(
        rf"\b(\d+)\s+{_COUNT_GAP_EN}(?:({_MODEL_EN})s?\s+)?(?i:{noun})\b"
        rf"|\b(\d+)\s+{_COUNT_GAP_EN}(?:{_STATE_EN}\s+)?({_MODEL_EN})(?:s|'s)?(?:\s+(?!{_NOT_PLURAL_EN}\b)[a-z]{{2,}}s\b)?(?![A-Za-z0-9])"
        rf"|\b({_MODEL_EN})\s*[x×]\s*(\d+)\b"
        rf"|\b(\d+)\s+of\s+(them|those|these)\b"
        rf"|(?<![\w.])(\d+)\s*[x×]\s*({_MODEL_EN})\b"
    )


# a month said without its year, and how it is placed: "this July", "late May last year", "back in March"
# ("may" alone is a verb: a month without a year counts only after this / last / in / early / mid / late, or before
# "last year" / "this year")
# a month is its whole name or its exact abbreviation: "in market", "early decision", "this decade" are no months
MONTH_WORD_EN = (
    r"(january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b\.?"
)
MONTH_REL_EN = re.compile(
    r"\b(?:(this|last|in|early|mid|late)[\s-]+(?:(?:early|mid|late)[\s-]+)?)?"
    + MONTH_WORD_EN
    + r"(?!,?\s+(?:of\s+)?20\d{2})(?:\s+(last|this)\s+year)?",
    re.IGNORECASE,
)
# a sentence about what already happened ("delivered in March", "back in May"): its placed month is the latest one up
# to today; otherwise ("we want delivery in March") the coming one
PAST_CUE_EN = re.compile(
    r"\b(?:back|ago|delivered|bought|purchased|got|received|signed|ordered|registered|collected|picked|took|paid"
    r"|was|were|did|had)\b",
    re.IGNORECASE,
)


def _month_rel(m: re.Match[str], today: date) -> str:
    placed, year_word = (m.group(1) or "").lower(), (m.group(3) or "").lower()
    if not placed and not year_word:
        return m.group(0)
    month = MONTHS_EN.index(m.group(2).lower()[:3]) + 1
    sentence = (
        re.split(r"[.!?;\n]", m.string[: m.start()])[-1] + re.split(r"[.!?;\n]", m.string[m.end() :])[0]
    )
    if year_word:
        year = today.year - (year_word == "last")
    elif placed == "this":
        year = today.year
    elif placed == "last":  # "last July": the latest one before this month
        year = today.year if month < today.month else today.year - 1
    elif PAST_CUE_EN.search(sentence):  # "delivered in March": the latest one up to today
        year = today.year if month <= today.month else today.year - 1
    else:  # "delivery in March", "early May, if possible": the coming one
        year = today.year if month >= today.month else today.year + 1
    return f"{m.group(0)}（{year}年{month}月）"


def english_counts(text: str, today: date | None = None, nouns: tuple[str, ...] = ()) -> str:
    """An English message's dates and counts in the forms the tools read, added beside the English words: "April
    2025" → "2025年4月", "last month" → "上个月", "the six K3 vans" → "6台K3"; with `today`, a month without its year
    too ("this July" → "2026年7月", "late May last year" → "2025年5月"). Chinese text is returned unchanged."""
    if not re.search(r"[A-Za-z]{3,}", text):
        return text
    out = MONTH_YEAR_EN.sub(
        lambda m: f"{m.group(0)}（{m.group(2)}年{MONTHS_EN.index(m.group(1).lower()[:3]) + 1}月）", text
    )
    if today is not None:
        out = MONTH_REL_EN.sub(lambda m: _month_rel(m, today), out)
    for en, zh in RELATIVE_EN:
        out = re.sub(rf"\b{en}\b", f"{en}（{zh}）", out, flags=re.IGNORECASE)
    out = NUMBER_WORD_EN.sub(lambda m: NUMBER_WORDS_EN[m.group(1).lower()], out)

    def count(m: re.Match[str]) -> str:
        g = m.groups()
        n, model = (
            (g[0], g[1])
            if g[0]
            else (g[2], g[3])
            if g[2]
            else (g[5], g[4])
            if g[4]
            else (g[6], "")  # "8 of them": of the assets just named
            if g[6]
            else (g[8], g[9])
        )
        if g[6] and (
            _OF_THEM_SUBJECT_EN.match(m.string[m.end() :]) or _CLAUSE_START_EN.search(m.string[: m.start()])
        ):
            return m.group(
                0
            )  # "…, 2 of them were in accidents": describes part of the batch, not a count asked
        return f"{m.group(0)}（{n}台{model or ''}）"

    out = count_pattern_en(tuple(nouns)).sub(count, out)
    # "we love the K3s, so we'd like five more before year end": "N more" with no noun of its own counts the model the
    # message names (only where the message names one, and only before a clause's end or a function word)
    # A count the message says of its own ("if we order 8 Z5") wins: "N more" is then said in passing ("we may add 2
    # more, … if we order 8 Z5" → 8), so it is read only when no other count was.
    if re.search(rf"\b{_MODEL_EN}", out) and not re.search(r"（\d+台", out):
        out = MORE_EN.sub(lambda m: f"{m.group(0)}（{m.group(1) or m.group(2)}台）", out)
    return out


# "N more" / "another N" ending its phrase: the count of the model named (a closed class of function words may follow)
MORE_EN = re.compile(
    # never a part of an amount: a thousands group or decimal ("another 8,000", "8,000 more", "2.5 more") nor a number
    # after a currency sign or word ("CNY 8 more")
    r"(?<![\d,.$¥￥])(?<!(?:CNY|RMB|USD|EUR)\s)\b(?:(\d+)(?![,.]\d)\s+more|another\s+(\d+)(?![,.]\d))\b(?!（)"
    r"(?=\s*(?:[,.;:!?)]|$|(?:before|by|for|please|this|next|in|to|if|at|and|so|of\s+(?:them|those|these))\b))",
    re.IGNORECASE,
)


@dataclass
class ToolContext:
    facts: FactSource
    crm: CrmRecord
    entities: dict[str, list[str]]
    text: str  # the customer's message (masked): requests are read from it, never facts
    today: date
    lang: str = "zh"
    terms_en: dict[str, str] = field(
        default_factory=dict
    )  # the tenant's words in English (profile.yaml terms_en)
    count_units: tuple[
        str, ...
    ] = ()  # the pack's measure words for a count of assets (tools.yaml count_units)
    # the pack's English words for its assets, counted the English way ("6 vans"; tools.yaml count_units_en)
    count_units_en: tuple[str, ...] = ()
    # the message as asked, when `text` was narrowed to pick one asset of a batch: what was asked about it (which term
    # column, "动力电池保几年") is still read from the question
    question: str = ""
    # the pack's tool entry by its id (tools.yaml), for a tool that reads another one's figure (better_of)
    peer: Callable[[str], ToolSpec | None] | None = None

    def __post_init__(self) -> None:
        self.text = english_counts(spoken_percent(spoken_codes(self.text)), self.today, self.count_units_en)

    def hints(self) -> list[str]:
        keep = ("serial_number", "product_model", "sku", "vin", "plate", "asset_id", "alarm_code")
        return [v for k in keep for v in self.entities.get(k, [])]


def fmt(value: Decimal) -> str:
    return money.fmt_number(value)


def _governing(ctx: ToolContext, spec: ToolSpec, event: date | None = None) -> Governing | CannotCompute:
    if not spec.doc:
        return CannotCompute(spec.tool, spec.id, "tools.yaml 未指定政策文档 doc")
    field = ctx.facts.event_field(spec.doc)
    if field and event is None:
        try:
            event = ctx.crm.date_field(field, ctx.hints(), ctx.text).value
        except MissingField as exc:
            return CannotCompute(spec.tool, spec.id, f"{exc}，无法确定适用哪个版本的《{spec.doc}》")
    try:
        return ctx.facts.governing(spec.doc, as_of=ctx.today, event=event)
    except NoGoverningVersion as exc:
        return CannotCompute(spec.tool, spec.id, str(exc))


def _row_source(g: Governing, row: RowFact) -> Source:
    return Source(g.doc_id, g.version, g.title, row.clause, str(row.row), row.evidence_id)


def _version_input(g: Governing) -> list[Input]:
    if g.reason == "event_window":
        return [Input("field", g.event_field, g.event_date)]
    return []


def _match_value(source: str, ctx: ToolContext) -> tuple[str, Input] | None:
    kind, _, name = source.partition(":")
    if kind == "entity":
        values = ctx.entities.get(name, [])
        return (values[0], Input("message", f"entity.{name}", values[0])) if values else None
    if kind == "crm":
        try:
            fv = ctx.crm.profile(name.split(".")[-1])
        except MissingField:
            return None
        return str(fv.value), field_input(fv, str(fv.value))
    if kind == "text":
        return None  # resolved against the column's own values (below)
    return source, Input("policy", "tools.yaml", source)


def _clause(ctx: ToolContext, g: Governing, label: str) -> ClauseFact | None:
    return next((c for c in ctx.facts.clauses(g.doc_id, g.version) if c.clause == label), None)


def _pick_row(rows: list[RowFact], column: str, value: str) -> RowFact | None:
    """The row whose `column` names `value`: exact, then the cell starting with it ("标准" → "标准版", not
    "非标准版"), then the only cell containing it."""
    cells: list[tuple[RowFact, str]] = []
    for r in rows:
        cell = r.cell(column)
        cells.append((r, cell.raw if cell is not None else ""))
    for hit in ([r for r, c in cells if c == value], [r for r, c in cells if c and c.startswith(value)]):
        if len(hit) == 1:
            return hit[0]
    hit = [r for r, c in cells if c and value in c]
    return hit[0] if len(hit) == 1 else None


def _yuan_plain(value: Decimal) -> str:
    """117180 → "117,180", 4300.5 → "4,300.50": amounts as a quote writes them."""
    q = money.rounded(value, "0.01")
    return f"{q:,.0f}" if q == q.to_integral() else f"{q:,.2f}"


def en_range(raw: str) -> str:
    """A tier's bounds in English, as the English answer states them ("60台（含）以上" → "60 units or more",
    "10台（含）至30台" → "10 units to 30 units"): the evidence then holds the words the English draft uses."""
    text = re.sub(r"(\d+)\s*台", r"\1 units", raw)
    for zh, en in (
        ("（含）以上", " or more"),
        ("（含）至", " to "),
        ("（含）", ""),
        ("以上", " or more"),
        ("以下", " or fewer"),
    ):
        text = text.replace(zh, en)
    return re.sub(r"  +", " ", text).strip()


def priced_models(ctx: ToolContext) -> list[str]:
    """The models the message names that the CRM prices (a competitor's "XT-3" on a quote photo is not one of ours),
    else the one priced product it names by name, code or class; [] when none."""
    named = []
    for m in ctx.entities.get("product_model", []):
        try:
            ctx.crm.list_price(m)
        except MissingField:
            continue
        named.append(m)
    if named:
        # a model the entity reader missed («那个 七座的 就Z9»: spoken words around it) is still named
        more = [c for c in _priced_codes(ctx) if not any(c in n for n in named)]
        return _own_first(named + more, ctx.text)
    codes = _priced_codes(ctx)
    if (
        len(codes) >= 2
    ):  # several models written: each is named (which one the ask is for, its reader decides)
        return _own_first(codes, ctx.text)
    found = ctx.crm.priced_model_in(ctx.text)
    return [found] if found else []


def _priced_codes(ctx: ToolContext) -> list[str]:
    """Every CRM-priced model code the message writes (a CRM reader without the list gives none)."""
    reader = getattr(ctx.crm, "priced_codes_in", None)
    return list(reader(ctx.text)) if callable(reader) else []


_CLAUSE = re.compile(r"[，。,；;！？!?\n]")


def _others_clause(text: str, at: int) -> bool:
    """The clause around position `at` speaks of another party (a colleague's car, another company's order)."""
    from agents.authz_phrases import OTHER_PARTY, SOMEONE  # the lexicon of other parties (read, not extended)

    left = max((m.end() for m in _CHAT_CLAUSE.finditer(text, 0, at)), default=0)
    stop = _CHAT_CLAUSE.search(text, at)
    clause = text[left : stop.start() if stop else len(text)]
    return bool(SOMEONE.search(clause) or OTHER_PARTY.search(clause))


# a clause break in chat: a punctuation mark, or a space between two Chinese characters / a model and a Chinese word
# («邻居买X7便宜了3个点 我看中的是Z5 也便宜3个呗»: terse chat puts spaces where commas go)
_CHAT_CLAUSE = re.compile(r"[，。,；;！？!?\n]|(?<=[\u4e00-\u9fff\w])[ \u3000]+(?=[\u4e00-\u9fff])")


def _own_first(models: list[str], text: str) -> list[str]:
    """The models the customer asks about before those another party holds: 「我同事提了台X7，我想买台Z5，能打九一折吗」
    is priced on Z5; a model named only in someone else's clause is context."""
    if len(models) < 2:
        return models

    def theirs(model: str) -> bool:
        spots = [m.start() for m in re.finditer(re.escape(model), text)]
        return bool(spots) and all(_others_clause(text, at) for at in spots)

    return sorted(models, key=theirs)


def field_input(fv: FieldValue, value: str) -> Input:
    """A CRM value as a computation's input: its 360 fact when it has one, else the field path it was read from."""
    return Input("evidence" if fv.evidence_id else "field", fv.evidence_id or fv.path, value)


def units_total(
    unit: Decimal,
    asked: re.Match[str],
    inputs: list[Input],
    step: str = "0.01",
    mode: str = "half_up",
    said: str = "合计",
) -> tuple[Decimal, str, str]:
    """A unit amount times the units the message asks for ("10台" → 10): (total, "，10 台合计 X 元", the total's slot);
    the asked units are an input of the message."""
    total = money.rounded(unit * Decimal(asked.group(1)), step, mode)
    inputs.append(Input("message", "message.units", asked.group(0)))
    return total, f"，{asked.group(1)} 台{said} {_yuan_plain(total)} 元", _yuan_plain(total)


def governing_clause(
    ctx: ToolContext, spec: ToolSpec
) -> tuple[Governing, ClauseFact, Source] | CannotCompute:
    """The governing version of tools.yaml `doc`, its clause `spec.clause` and that clause as the answer's source."""
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        g = _same_in_every_version(ctx, spec) or g
    if isinstance(g, CannotCompute):
        return g
    clause = _clause(ctx, g, spec.clause)
    if clause is None:
        return CannotCompute(spec.tool, spec.id, f"《{g.title}》没有{spec.clause}")
    return g, clause, Source(g.doc_id, g.version, g.title, clause.clause, "", clause.evidence_id)


def _same_in_every_version(ctx: ToolContext, spec: ToolSpec) -> Governing | None:
    """The message does not say which asset (a fleet of several, versions chosen by each one's date): when the clause
    reads the same in the version governing every asset of the customer ("事故、改装…不属于质保范围" in V1.0 and
    V2.0), that clause is the answer whichever asset is meant (cited from the version of the newest asset)."""
    field = ctx.facts.event_field(spec.doc)
    if not field.startswith("device."):
        return None
    events = set()
    for d in ctx.crm.all_devices():
        day = d.get(field.partition(".")[2])
        try:
            events.add(date.fromisoformat(str(day)[:10]))
        except ValueError:
            continue
    versions: dict[str, Governing] = {}
    for event in sorted(events):
        try:
            g = ctx.facts.governing(spec.doc, as_of=ctx.today, event=event)
        except NoGoverningVersion:
            return None
        versions[g.version] = g
    texts = {re.sub(r"\s+", "", c.text) for g in versions.values() if (c := _clause(ctx, g, spec.clause))}
    if (
        not versions
        or len(texts) != 1
        or any(_clause(ctx, g, spec.clause) is None for g in versions.values())
    ):
        return None
    return list(versions.values())[-1]


def governing_rows(ctx: ToolContext, spec: ToolSpec) -> tuple[Governing, list[RowFact]] | CannotCompute:
    """The governing version of tools.yaml `doc` and the rows of its table `spec.table` (none is "can't compute")."""
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        return g
    rows = ctx.facts.rows(g.doc_id, g.version, table=spec.table)
    if not rows:
        return CannotCompute(spec.tool, spec.id, f"《{g.title}》没有第 {spec.table} 张表")
    return g, rows
