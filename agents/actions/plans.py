"""What the customer's own words commit them to, read for the card (session 22, batch L's kinds):

* an offer taken (`opening_accept`): the rep's turn offered a step in a question («这周六上午给您约在门店可以吗？»)
  and the reply opens by accepting it («周六上午可以的。另外想问下…», "Friday at 10 works. Also, …") before asking
  something else. The reply's own question leads the card; the step the rep offered is on the table and stays beside it
  (agents.actions.playbook._the_offer_taken). A reply saying nothing else («好的») is the say-little reply the playbook
  already reads (agents.actions.marginal.offer_answered).
* a plan stated (`planned`): the customer says they mean to do a step the catalog's label names («我打算下个礼拜把设备
  送过来做个巡检», «寻思这礼拜把设备拿过去整个巡检», «我这周六过去做巡检») — a plan word or a day ahead, then a verb of
  coming in or doing, then the label's word, in one clause. Asking about it («想问下巡检…», «想知道做巡检多少钱») or telling a story («上次巡检
  的时候…») is no plan.

Language words only (acceptance, plan and motion verbs of Chinese and English); the steps and their words are the
tenant's catalog (agents.actions.playbook.label_words)."""

from __future__ import annotations

import re

from agents.reasoning.combine import OWN_WORKING
from agents.traditional import to_simplified

# the first clause of a reply: up to the first sentence or clause mark, or «另外/顺便/对了» starting another matter
_FIRST = re.compile(
    r"^(.*?)(?:[，,。.！!；;？?\n]|\s(?=另外|顺便|对了|还有)|(?=另外|顺便|对了|还有)|$)", re.S
)
# a Chinese acceptance ending the clause: «可以的», «行，就周日上午吧», «好的没问题», «就这么定», «没问题»
_ZH_ACCEPT = re.compile(
    r"(?:可以|行|好的|好啊|好呀|好嘞|成|妥|没问题|没得问题|就这么定|就这样|定了|OK|ok|Ok)"
    r"(?:的|啊|呀|吧|哈|呢|了|嘞)*$"
)
# … not when denied («不行», «不可以», «不太行», «不好», «没空»)
_ZH_DENIED = re.compile(r"(?:不|没|別|别|甭)(?:太|大)?(?:可以|行|好|成|妥|定)")
_ZH_SLOT_ONLY = re.compile(r"^[\u4e00-\u9fff0-9A-Za-z:：]{0,12}$")  # a slot and the word taking it, no more
# an English acceptance opening the reply: "sure", "ok", "sounds good", "Friday at 10 works (for me)", "that's fine"
_EN_ACCEPT = re.compile(
    r"^(?:(?:yes|yeah|yep|sure|ok|okay|fine|great|perfect|sounds good|that works|that's fine|that is fine)\b"
    r"|.{0,30}\b(?:works|is fine|suits me|is good)(?: for me)?\s*$)",
    re.I,
)
_EN_DENIED = re.compile(r"\b(?:not|doesn't|don't|can't|cannot|won't|no)\b", re.I)
# a rep's turn offering a step: a question (a question mark or a sentence-final particle)
_OFFERS = re.compile(r"[?？]\s*$|(?:吗|呢|么|嘛|行不|好不|可不可以)\s*[。.]?\s*$")
# after the accepting clause the reply must say something of its own (else it is a say-little reply)
_CONTENT = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]")
REST_CONTENT = 6


def opening_accept(text: str) -> str:
    """The opening clause of `text` when it accepts what was offered and the reply goes on to say more; '' otherwise."""
    simple = to_simplified(text or "").strip()
    m = _FIRST.match(simple)
    if m is None:
        return ""
    head = m.group(1).strip()
    rest = simple[m.end(1) :]
    if not head or len(_CONTENT.sub("", rest)) < REST_CONTENT:
        return ""
    if re.search(r"[\u4e00-\u9fff]", head):
        if _ZH_DENIED.search(head) or not _ZH_ACCEPT.search(head) or not _ZH_SLOT_ONLY.match(head):
            return ""
        return head
    if _EN_DENIED.search(head) or not _EN_ACCEPT.search(head):
        return ""
    return head


def offers(rep_turn: str) -> bool:
    """The rep's turn ends asking the customer (an offer to be taken or not)."""
    return bool(_OFFERS.search((rep_turn or "").strip()))


# a first-person plan, then (within the clause) a verb of coming in or doing, then the step's word
_PLAN = re.compile(
    r"打算|准备|寻思|计划|想|要|约"
    # … or a day ahead the customer names for it («我这周六过去做巡检»)
    r"|今天|明天|后天|这周|下周|这礼拜|下礼拜|周[一二三四五六日末]|礼拜[一二三四五六天日]|星期[一二三四五六天日]"
    r"|月底|月初|过两天|改天|这个月|下个月"
)
_NOT_A_PLAN = re.compile(r"^(?:问|知道|了解|咨询|打听|确认|请教|看看)")
_DO = re.compile(r"[开送拿带](?:过|回)?[来去]|[过回][来去]|来店|到店|进店|去店|来做|去做|做|整|弄|搞|约")
# a condition or a time past in the clause: no plan («如果…的话», «上次…的时候»)
_NOT_AHEAD = re.compile(r"如果|要是|假如|的话|的时候|上次|那次|以前|之前")
_CLAUSE_END = re.compile(r"[，,。！!？?；;\n]")
_NEED = set("需不还是")
PLAN_SPAN = 16  # characters from the plan word to the step's word


def planned(text: str, word: str) -> str:
    """The stretch of `text` stating the customer's plan to do the step `word` names («打算下个礼拜把设备送过来做个巡检»);
    '' when there is none (a question about it, a story, a condition)."""
    simple = to_simplified(text or "")
    for clause in _CLAUSE_END.split(simple):
        # every place the word stands («保养工时打8折的活动还有没有呀 这周六想去做个保养»: the first is the offer's, the
        # second the plan's; session 23, batch M)
        for found in re.finditer(re.escape(word), clause):
            at = found.start()
            before = clause[max(0, at - PLAN_SPAN) : at]
            for m in _PLAN.finditer(before):
                tail = before[m.end() :]
                if _NOT_A_PLAN.match(tail) or _NOT_AHEAD.search(clause):
                    continue
                if before[m.start() - 1 : m.start()] == "上":
                    continue  # a day past («上周六过去做巡检的时候…»): a story
                if m.group() == "要" and (
                    not _DO.search(tail[:4]) or before[m.start() - 1 : m.start()] in _NEED
                ):
                    continue  # «要» alone («要多少»), «需要» / «要不要» plan nothing; «要送过来做» does
                if _DO.search(tail):
                    return before[m.start() :] + word
    return ""


# A time asked for (session 23: the misses of every open batch by kind, the booking asked without the catalog label's
# word): the customer asks whether they may come in / have something done at a time ahead («下周二上午能开过去吗»,
# «周六上午店里有空位没», «下周一能不能先排两台进来», "Is there a slot on Thursday afternoon?"), or asks for a time as such
# («想跟你约个时间过去», "can I book it in"). What is booked is the catalog's (agents.actions.playbook._the_asked_slot).
_SLOT_CLAUSE = re.compile(r"[，,。！!？?；;\n]|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_AHEAD = re.compile(
    r"今天|明天|后天|大后天|这周|下周|这礼拜|下礼拜|这星期|下星期|周[一二三四五六日末]|礼拜[一二三四五六天日]"
    r"|星期[一二三四五六天日]|上午|下午|晚上|改天|\d{1,2}[号日点]"
)
_CAN_ASK = re.compile(
    r"能不能|能否|可不可以|可以不|行不行|方便|有空|空位|位置|名额|能.{0,10}[吗么嘛没]|可以.{0,8}[吗么嘛]"
    r"|[吗么嘛][？?]?$|有没有|[？?]"
)
_COME_IN = re.compile(
    r"[开送拿带]过[来去]|[开送拿带]到|[开送]进|过[来去]|进[来去]|来店|到店|进店|去店|来一趟|排|安排|约|检查|看看|看一下|估"
    r"|空位|有位|名额|工位"
)
_BOOK_TIME = re.compile(r"约个?时间|约一下|排个?时间|安排个?时间|约个号|排个号")
_PAST_SLOT = re.compile(
    r"上周|上个|上礼拜|上星期|上次|那次|以前|之前|去年|已经|做完|做过|的时候|如果|要是|假如|的话"
)
_NO_BOOK = re.compile(r"(?:不|别|先不|不用|没空)(?:约|用约|去|过去|来|安排)")
_EN_SENT = re.compile(r"(?<=[.!?])\s+|\n")
_EN_AHEAD = re.compile(
    r"\b(?:today|tomorrow|tonight|(?:this|next) (?:week|weekend|month)|monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday|morning|afternoon|evening|\d{1,2}(?::\d\d)?\s?(?:am|pm))\b",
    re.I,
)
_EN_SLOT = re.compile(
    r"\b(?:slot|appointment|bring (?:it|her|him|the \w+|my \w+) in|come in|drop (?:it|the \w+|my \w+) off"
    r"|book (?:it|me|us|the \w+|my \w+) in|fit (?:me|us|it) in)\b",
    re.I,
)
_EN_PAST = re.compile(r"\b(?:last|ago|already|was|were|did|had)\b", re.I)


def asked_slot(text: str) -> str:
    """The clause of `text` asking for a time to come in or have something done ('' when none): a time ahead, a verb of
    coming in / arranging / having it seen, asked («能…吗», «能不能», «有空位没», a question mark) — or a time asked for
    as such («约个时间»). A story («上周六过去做的»), a condition, a refusal («先不约了») or a plan told without asking
    (agents.actions.plans.planned reads those) is none."""
    simple = to_simplified(text or "")
    for clause in _SLOT_CLAUSE.split(simple):
        clause = clause.strip()
        if not clause or _PAST_SLOT.search(clause) or _NO_BOOK.search(clause):
            continue
        if _BOOK_TIME.search(clause):
            return clause
        if _AHEAD.search(clause) and _CAN_ASK.search(clause) and _COME_IN.search(clause):
            return clause
    for sent in _EN_SENT.split(text or ""):
        if _EN_SLOT.search(sent) and not _EN_PAST.search(sent) and ("?" in sent or _EN_AHEAD.search(sent)):
            return sent.strip()
    return ""


# A reduction asked for (session 23: a negotiation read as a promotion, a refund or an order): the customer asks the
# rep to take more off («你再给我让5000», «再便宜8000我今天就签», «能再降五个点», «Q3 打个9呗», "knock another 6,000 off")
# — an amount or points after a verb of giving way, asked of the rep (再 / 能不能 / 给我). A campaign's own cut told
# («活动立减5000我知道»), a past reduction, or whether a rate still applies («现在补上还能打9折吗») is none.
_OFF_VERB = r"(?:让|便宜|少|降|压|优惠|减|打)"
_AMOUNT = r"(?:\d[\d,.]*|[一二两三四五六七八九十百千万]+)\s*(?:万|千|块|元|个点|点|%|折|w|k)?"
_ZH_OFF = re.compile(
    rf"(?:再|能不能|能否|可不可以|可以|给我|帮我|你)[^，,。！!？?\s]{{0,4}}{_OFF_VERB}(?:我|个|点|一下)?"
    rf"\s*{_AMOUNT}"
    r"|打个?\s*[5-9](?:\.\d)?\s*折?\s*(?:呗|吧|嘛|行不|行吗|呀|啊|$)"
)
_NOT_OFF = re.compile(r"立减|直减|已经|上次|之前|活动减|补贴|还能|还可以|还有")
_EN_OFF = re.compile(
    r"\b(?:knock|take|shave|give me|cut)\b[^.?!]{0,20}?\b(?:another|an extra|extra|a further)?\s*"
    r"(?:[\d,.]+\s*(?:%|per ?cent|k)?|\w+ (?:per ?cent|points?))\s*(?:more\s*)?off\b"
    r"|\banother\s+[\d,.]+\s*(?:%|per ?cent|k)?\s*off\b",
    re.I,
)


def asked_off(text: str) -> str:
    """The stretch of `text` asking the rep to take a further amount or rate off; '' when none."""
    simple = to_simplified(text or "")
    # (the customer's own working of a sum — «159800减5000再减6000，等于149800» — checks a figure; it asks nothing off)
    simple = OWN_WORKING.sub(" ", simple)
    for m in _ZH_OFF.finditer(simple):
        if not _NOT_OFF.search(simple[max(0, m.start() - 4) : m.end()]):
            return m.group(0)
    m2 = _EN_OFF.search(OWN_WORKING.sub(" ", text or ""))
    return m2.group(0) if m2 else ""


# a clause telling of something past or settled («上个月报E-203那次已经修好了»): the value named in it is no ask now
_PAST = re.compile(
    r"上次|那次|上回|上个月|上周|去年|之前|以前|已经|修好|好了|解决了"
    r"|\b(?:last (?:time|week|month|year)|already|was fixed|been fixed|got fixed)\b",
    re.I,
)


def told_as_past(text: str, value: str) -> bool:
    """Every clause of `text` naming `value` tells of something past or settled; False when `value` is not named."""
    simple = to_simplified(text or "")
    named = [c for c in _CLAUSE_END.split(simple) if value and value.lower() in c.lower()]
    return bool(named) and all(_PAST.search(c) for c in named)
