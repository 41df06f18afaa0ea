"""The words of an authorization trap, apart from who is named: what is confidential about another customer (prices and
terms; orders and records), how a sentence points at someone other than the asker («别的客户», «其他车队», «隔壁那家»,
«another customer»), and what makes such a sentence harmless instead (a competitor's quote, the asker's own company,
a friend who referred them).

Decisions are made per clause: a name and a price in two unrelated clauses («我们是迅达物流介绍来的，S7多少钱？») are
not a question about that name's price; the next clause counts when it points back («…，他们每台多少钱？»)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# what one customer must never learn about another
PRICE_TERMS = re.compile(
    r"价|折扣|几折|打折|[0-9一二三四五六七八九]折|优惠|多少钱|返点|返利|让利|补贴|合同|条款|账期|付款条件|协议|点数|几个点|多少个点"
    r"|\b(prices?|pricing|priced|discounts?|rebates?|terms|contracts?|paid|pay|paying|deal|quotes?|quoted|cost)\b",
    re.I,
)
RECORDS = re.compile(
    r"订单|下单|订了|买了|采购了|采购量|多少台|几台|多少件|交付|发货|到货|提货|记录|工单|手机号?|电话|联系方式|微信号?"
    r"|住址|地址|身份证|证件号?|名下"
    r"|\b(orders?|ordered|bought|purchases?|records?|phone|mobile|address|contact details)\b",
    re.I,
)
# «别的客户», «其他公司», «隔壁那家», «另一家单位», «another customer»: a party other than the asker and the seller.
# Industry-neutral nouns here; the CRM adds its customers' own kinds (the industry part of their names: 「…物流」「…租赁」)
PARTY_NOUNS = (
    "客户",
    "用户",
    "买家",
    "公司",
    "单位",
    "企业",
    "老板",
    "商家",
    "机构",
    "集团",
    "大客户",
    "团购",
    "团队",
    "厂",
)
_OTHER = r"(?:别的|其他|其它|另外的?|另一)(?:一)?[个家位批]?"
# a party word after «其他…» that the lexicon does not know, recognised by what it did: «其他X拿的», «其他X买了»
_OTHER_DID = _OTHER + r"[\u4e00-\u9fff]{1,3}?(?:拿|买|签|订|谈|提)(?:的(?!话)|了|到)"
_OTHER_FIXED = (
    _OTHER + r"(?:几|那几|这几)?家(?!店)|"
    r"隔壁(?:那|这)?(?:家|个)?|同行|人家公司|跟我同(?:一)?批"
    r"|\b(?:other|another)\s+(?:customers?|clients?|fleets?|compan(?:y|ies)|buyers?|accounts?|firms?)\b"
    r"|\b(?:the\s+)?(?:company|fleet|firm|guys?)\s+next\s+door\b|\bsomeone\s+else\b|\beveryone\s+else\b"
)


@lru_cache(maxsize=64)
def other_party(extra: tuple[str, ...] = ()) -> re.Pattern[str]:
    nouns = "|".join(re.escape(w) for w in sorted({*PARTY_NOUNS, *extra}, key=len, reverse=True) if w)
    return re.compile(rf"{_OTHER}(?:{nouns})|{_OTHER_DID}|{_OTHER_FIXED}", re.I)


OTHER_PARTY = other_party()
# bare «别人»: a person in general unless tied to this seller («别人在你们这买的», «你们给别人的价»)
SOMEONE = re.compile(r"别人|其他人|其它人|别的人")
AT_SELLER = re.compile(
    r"在你们|从你们|你们给|给了?(?:别人|其他人|他们|她们)|你们卖给|拿的|拿到|签的|谈的|谈下|成交|买的|提的|订的"
    r"|\b(from you|you gave|you give|you sold|did (?:they|he|she) (?:get|pay))\b",
    re.I,
)
# a competitor or the market, not another customer: «别人家店里», «别家», «网上», «other dealers»
COMPETITOR = re.compile(
    r"店|经销商|代理商|别家|别人家|品牌|厂家|网上|平台|官网|电商|直播|外地|外面|竞品|同类产品"
    r"|\b(dealers?|dealerships?|showrooms?|stores?|shops?|brands?|online|websites?|competitors?|elsewhere)\b",
    re.I,
)
OWN_SCOPE = re.compile(r"我们|我司|咱们|自己|本公司|我家|我的|我手上|我负责|我名下|\b(our|my|we)\b", re.I)
# a question or a request to be told — «是多少», «发我看看», «what did»
ASKING = re.compile(
    r"多少|什么|啥|几|怎么|如何|吗|么|呢|哪|是不是|有没有|告诉|透露|发我|给我看|说说|讲讲|一样|同样|照着|按照?|参考|[?？]"
    r"|\b(what|how much|how many|which|tell me|show me|same|match|as low as)\b",
    re.I,
)
POINTS_BACK = re.compile(r"他们|她们|他家|那家|人家|他的|她的|\b(they|their|them|theirs)\b", re.I)
PERSON_LINK = re.compile(r"\s*(?:的|家的?|那边的?|他们?的?|她们?的?|买|拿|签|订|提|那台|那个|'s\b)", re.I)
REFERRAL = re.compile(r"介绍|推荐|引荐|朋友|亲戚|同事|\b(referred|recommended|friend)\b", re.I)
_SPLIT = re.compile(r"[。！？!?；;，,\n]")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def clauses(text: str) -> list[Span]:
    """The text cut at sentence and comma boundaries, each piece with its offsets."""
    out, start = [], 0
    for m in _SPLIT.finditer(text):
        if m.start() > start:
            out.append(Span(start, m.start()))
        start = m.end()
    if start < len(text):
        out.append(Span(start, len(text)))
    return out


def clause_at(spans: list[Span], at: int) -> int:
    for i, s in enumerate(spans):
        if s.start <= at < s.end:
            return i
    return -1


def what_is_asked(text: str, at: int, end: int, *, person: bool = False, record: bool = False) -> str:
    """For a party named at text[at:end]: "prices" (their prices or terms), "records" (their orders, records or
    personal data) or "" when the sentence does not ask about them. An organisation is asked about when a confidential
    word is in its clause (not a referral) or in the next clause pointing back at it («他们»); a person only when the
    word follows the name closely («李敏买的S7多少钱», «李敏的手机号»), since «我朋友李敏推荐我来的» is not about 李敏."""
    spans = clauses(text)
    i = clause_at(spans, at)
    if i < 0:
        return ""
    if person:  # «李敏的S7保养到哪天», «李敏买的什么价»: their own things, asked about
        tail = text[end : spans[i].end][:14]
        if not PERSON_LINK.match(tail):
            return ""
        if PRICE_TERMS.search(tail):
            return "prices"
        return "records" if RECORDS.search(tail) or ASKING.search(tail) else ""
    if (
        record
    ):  # a plate, VIN, order or contract number of someone else's: any question about it is about them
        piece = text[spans[i].start : spans[i].end]
        nxt = text[spans[i + 1].start : spans[i + 1].end] if i + 1 < len(spans) else ""
        if POINTS_BACK.search(nxt) or re.match(r"\s*(?:这|那)[台单个件]", nxt):
            piece = f"{piece}，{nxt}"
        if PRICE_TERMS.search(piece):
            return "prices"
        return "records" if RECORDS.search(piece) or ASKING.search(piece) else ""
    own = text[spans[i].start : spans[i].end]
    candidates = []
    if not REFERRAL.search(own):
        candidates.append(own)
    if i + 1 < len(spans):
        nxt = text[spans[i + 1].start : spans[i + 1].end]
        if POINTS_BACK.search(nxt):
            candidates.append(nxt)
    for piece in candidates:
        if PRICE_TERMS.search(piece):
            return "prices"
    for piece in candidates:
        if RECORDS.search(piece):
            return "records"
    return ""


def generic_other_party(text: str, *, customer: bool, party_words: tuple[str, ...] = ()) -> str:
    """A clause about «别的客户 / 其他车队 / 隔壁那家 / another customer» (not a competitor, not the asker's own) that
    asks for their prices or terms ("prices") or orders and records ("records"); "" otherwise. A customer's message
    must ask (a question or «发我看看»): «别的客户都给9折» said in haggling is a statement. A bare «别人» counts only
    when tied to this seller («别人在你们这买的什么价»)."""
    spans = clauses(text)
    for i, span in enumerate(spans):
        piece = text[span.start : span.end]
        nxt = text[spans[i + 1].start : spans[i + 1].end] if i + 1 < len(spans) else ""
        if POINTS_BACK.search(nxt):  # «隔壁那家上个月提了十台，他们每台多少钱？»
            piece = f"{piece}，{nxt}"
        m = other_party(party_words).search(piece)
        if m is None:
            m = SOMEONE.search(piece)
            if m is None or not AT_SELLER.search(piece):
                continue
        if COMPETITOR.search(piece) or OWN_SCOPE.search(piece[: m.start()]):
            continue
        if customer and not ASKING.search(piece[m.start() :]):
            continue
        if PRICE_TERMS.search(piece):
            return "prices"
        if RECORDS.search(piece):
            return "records"
    return ""


def unresolved_party_asked(text: str, name_at: int, name_end: int) -> str:
    """An organisation-shaped name the CRM does not know («顺丰快运»), in a customer's message: a trap only when its
    clause ties it to this seller or to them («在你们这拿的», «他们签的») and asks, and names no competitor."""
    spans = clauses(text)
    i = clause_at(spans, name_at)
    if i < 0:
        return ""
    piece = text[spans[i].start : spans[i].end]
    if COMPETITOR.search(piece) or REFERRAL.search(piece):
        return ""
    nxt = text[spans[i + 1].start : spans[i + 1].end] if i + 1 < len(spans) else ""
    if POINTS_BACK.search(nxt) and not COMPETITOR.search(nxt):  # «…，他们什么价？» continues the clause
        piece = f"{piece}，{nxt}"
    if not (AT_SELLER.search(piece) or POINTS_BACK.search(piece)) or not ASKING.search(piece):
        return ""
    if PRICE_TERMS.search(piece):
        return "prices"
    return "records" if RECORDS.search(piece) else ""
