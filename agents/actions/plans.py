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
        at = clause.find(word)
        if at < 0:
            continue
        before = clause[max(0, at - PLAN_SPAN) : at]
        for m in _PLAN.finditer(before):
            tail = before[m.end() :]
            if _NOT_A_PLAN.match(tail) or _NOT_AHEAD.search(clause):
                continue
            if before[m.start() - 1 : m.start()] == "上":
                continue  # a day past («上周六过去做巡检的时候…»): a story
            if m.group() == "要" and (not _DO.search(tail[:4]) or before[m.start() - 1 : m.start()] in _NEED):
                continue  # «要» alone («要多少»), «需要» / «要不要» plan nothing; «要送过来做» does
            if _DO.search(tail):
                return before[m.start() :] + word
    return ""


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
