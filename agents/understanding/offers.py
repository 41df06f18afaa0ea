"""An offer asked about through its object (round 17).

A question about an offer is often framed by what is offered, not by the offer: «听说做这项服务送券，我能领吗» (a gift
with a service), «朋友换新拿了补贴我有没有» (a subsidy someone else got), «这个现在买有没有送东西», "a mate got a
free extra with his order - any chance of the same?". The encoders and the object's own keywords read such a message
as the object's intent. What makes it an offer question is its FRAME, the same for any object:
- a word of giving something for nothing (送, 赠, 白拿, 免…费, 券, free, complimentary, thrown in …), or of money off or
  paid back (补贴, 立减, 返现, bonus …) — not a rate (九三折, 5% off: a rate someone else got is a price question), and
- a frame around it: the customer heard of it (听说, 刷到, saw, says …), someone else got it (朋友, 邻居, 表哥, a mate …),
  or the customer asks whether they get it too (我能领吗, 能不能也给我, 有冇份, 真的假的, does it apply, same deal …).
A gift asked about with any of the three frames is an offer question; an amount off (a subsidy, a rate) only when it
was heard of or someone else got it: «这项补贴我们能拿多少» asks the object's own amount.

The words here are the language of giving and hearsay, not a tenant's nouns. Which intent is the offer intent comes from
the pack: the intent whose keywords hold the most words of giving (`offer_class`); a pack without one reads no frame.
An offer word inside another intent's keyword (a repair intent's «免费修») is that intent's word, not an offer. A voice
transcript spaced between its characters («补 一笔», «邻居 说») is read with the spaces between Chinese characters out.
The words are Mandarin in simplified characters: the message is read so before it gets here (agents/perception/
reading.py: traditional characters, Cantonese and Shanghainese as Mandarin: «聽講…有冇份» reads «听说…有没有份»).
"""

from __future__ import annotations

import re
from collections.abc import Callable

# giving something for nothing (a gift, a waived fee, a coupon)
GIFT = re.compile(
    r"(?<![接运配寄发护递输])送(?![修检货到来去过回往达车给]|上门)|赠|白(?:拿|送|给|得)|免(?:费(?![修，,。.!！?？\s])|单|息|首付|[\u4e00-\u9fff]{1,3}费)"
    r"|减免|[券劵]|礼(?:品|包|物)|大礼|好礼"
    r"|\b(?:free(?! repair)|complimentary|thrown in|throws? in|gifts?|freebies?|vouchers?|coupons?)\b",
    re.I,
)
# an amount off or paid back (a subsidy, a rate, a cash bonus)
AMOUNT_OFF = re.compile(
    r"补贴|补(?:一笔|钱|差价)|补\s*[\d一二两三四五六七八九十几][\d,]*\s*(?:千|万|块|元|k)|补\s*\d{3,}|额外(?:加|补)钱?|立减|减钱|返(?:现|钱)"
    r"|\b(?:bonus|subsid(?:y|ies)|rebates?|cash ?back|cash-off)\b|\b\d[\d,]*k?\s+off\b",
    re.I,
)
# the customer heard of it (from a person, a post, an ad)
HEARSAY = re.compile(
    r"听.{0,4}?(?:说|讲)|有人说|人家说|说是|据说|刷到|看到|看见|群里|网上|广告|公众号|朋友圈|抖音|小红书"
    r"|(?:那边|他|她|他们|她们)(?:说|讲)"
    r"|\b(?:heard|hear|saw|says|said|told (?:me|us)|apparently|word is)\b",
    re.I,
)
# someone else (a friend, a relative, a neighbour) — who got it
OTHERS = re.compile(
    r"朋友|同事|邻居|隔壁|亲戚|家人|别人|人家|老乡|[表堂][哥姐弟妹]|我(?:哥|姐|嫂|舅|姨|姑|叔|爸|妈|老婆|老公|媳妇)"
    r"|\b(?:friends?|mates?|colleagues?|neighbou?rs?|brother|sister|cousin|uncle|aunt|buddy|someone|others)\b",
    re.I,
)
# the customer asks whether they get it too (or whether it is real, still on, applies to them)
MINE_TOO = re.compile(
    r"我(?:们|这|的)?[^，,。？?！!]{0,8}(?:也|能|可以|有没有|算|一样)|能不能也|也能|也有|也给|一样吗|有份"
    r"|能(?:领|拿|补|享受|参加)|还能补|真的假的|是不是真|有这回事|是不是有|有没有"
    r"|\b(?:apply|applies|same (?:deal|offer)|the same|too|as well|still (?:a thing|running|on|valid)|any chance|"
    r"do (?:i|we) get|can (?:i|we) get|eligible|qualify)\b",
    re.I,
)


# whether there is an offer at all, asked of an object («做这项服务有啥优惠没有», «这个的活动到哪天结束», "any offer on …")
OFFER_NOUN = re.compile(r"优惠|活动|促销|\b(?:offers?|deals?|promos?|promotions?|campaigns?)\b", re.I)
OFFER_ASKED = re.compile(
    r"有(?:没有|没|啥|什么|无)?(?:什么|啥|些)?(?:优惠|活动|促销)"
    r"|(?:优惠|活动|促销)(?:吗|没|不|么|呢)"
    r"|(?:优惠|活动|促销).{0,6}(?:到哪天|到几号|截止|结束|还有|还在)"
    r"|\b(?:any|is there an?|are there(?: any)?)\s+(?:\w+\s+){0,2}(?:offers?|deals?|promos?|promotions?|campaigns?)\b",
    re.I,
)
_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
# the customer's own thing, named after the gift («我的…», «我这台…», «我家…», "mine", "my …")
OWN = re.compile(r"我(?:的|这|那|家|自己|们的)|\b(?:mine|my)\b", re.I)
# what is wrong with it or how to have it seen to: broken, not working, a light on, to repair, replace, use or set up
SERVICE = re.compile(
    r"坏|破了|烂|裂|断了|掉了|脱落|起泡|漏|异响|不(?:录|亮|转|响|工作|充|灵)|充不|没反应|没电|亮.{0,3}灯|卡(?!券|劵)"
    r"|修|换(?!车|新|购|电车)|重新|怎么(?:用|设置|弄|调|看|装)|咋(?:用|弄|办)|要不要紧"
    r"|\b(?:broken|broke|torn|cracked|stopped|not working|doesn'?t work|won'?t|fix|fixed|repair|replace|set (?:it )?up|how (?:do|to) (?:i )?use)\b",
    re.I,
)
# asked again for the offer after the trouble («…坏了，我下个月买有吗», "… any chance of the same deal")
ASKED_AGAIN = re.compile(r"有吗|有没有|一样|也送|也给|送|赠|\b(?:deal|same|free)\b", re.I)


def own_service_ask(low: str, last_gift: int) -> bool:
    """Whether, after the last word of giving, the customer asks about their own thing's trouble, repair or use and
    not the offer again: «朋友买的时候送了一件，我的那件坏了能换吗» (the gift is background, the ask is service)."""
    tail = low[last_gift:]
    own = OWN.search(tail)
    if own is None:
        return False
    service = [m for m in SERVICE.finditer(tail) if m.start() >= own.start()]
    return bool(service) and ASKED_AGAIN.search(tail[service[-1].end() :]) is None


def offer_class(keywords: list[list[str]]) -> int | None:
    """The intent whose keywords hold the most words of giving (the pack's offer intent); None when no intent holds
    two or more, or two hold as many."""
    counts = [sum(1 for k in ks if GIFT.search(k) or AMOUNT_OFF.search(k)) for ks in keywords]
    if not counts:
        return None
    best = max(counts)
    if best < 2 or counts.count(best) > 1:
        return None
    return counts.index(best)


def object_classes(keywords: list[list[str]], offer: int | None) -> list[int]:
    """The intents that can be an offer's object: all but the offer intent and those whose own keywords name an offer
    (a price intent's 优惠: «有什么优惠» asked of a price is its own question)."""
    if offer is None:
        return []
    return [c for c, ks in enumerate(keywords) if c != offer and not any(OFFER_NOUN.search(k) for k in ks)]


def offer_asked(low: str, object_spans: Callable[[str], list[tuple[int, int]]]) -> bool:
    """Whether the (lower-cased) message asks whether there is an offer on an object another intent names
    («这个月做这项服务有啥优惠没有»: the question is the offer, the service what it is on)."""
    low = _CJK_SPACE.sub("", low)
    return OFFER_ASKED.search(low) is not None and bool(object_spans(low))


def offer_frame(low: str, other_spans: Callable[[str], list[tuple[int, int]]]) -> bool:
    """Whether the (lower-cased) message asks about an offer through its frame (see the module doc). `other_spans`
    gives the spans of the other intents' keywords in it: an offer word inside one is that intent's word."""
    low = _CJK_SPACE.sub("", low)
    gifts, offs = list(GIFT.finditer(low)), list(AMOUNT_OFF.finditer(low))
    if not gifts and not offs:
        return False
    taken = other_spans(low)

    def free(m: re.Match[str]) -> bool:
        return not any(s <= m.start() and m.end() <= e for s, e in taken)

    if own_service_ask(low, max(m.end() for m in gifts + offs)):
        return False
    heard = HEARSAY.search(low) is not None or OTHERS.search(low) is not None
    if any(free(m) for m in gifts):
        return heard or MINE_TOO.search(low) is not None
    return heard and any(free(m) for m in offs)
