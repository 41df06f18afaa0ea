"""Whose is each record a message references? (session 15) The structural check behind a customer's message: every
handle in it is resolved against the CRM's directory (a company's name or trade name, a contact, a plate, a VIN or its
tail, an order / contract / ticket number: knowledge/crm/directory.py, ids and owners only), and what it resolves to is
compared with who is asking. The phrase tables of agents/authz_phrases.py decide many shapes of asking; this module
asks one question of the structure instead:

(1) a reference to ANOTHER customer's record, owned in the sentence — the name followed by a possessive or a measure
    word pointing at their things («X那批车», «X的合同», «X订的», «X去年那单», "X's", "their") or naming one record
    itself (a plate, a VIN, an order number) — in a clause that asks something (a question, a request to check) is a
    question about that customer's records ("records") or, when their prices or terms are asked, "prices". A referral
    («X介绍我来的»), the asker placing themself beside them («我们跟X一样…»), or a clause asking nothing is not;
(2) a phone or ID number in the message, not said as the asker's own, followed by its holder asked about: read on the
    text as a call's transcript says it — pauses between words, digits spoken as numerals or one by one (`spoken`);
(3) a customer's own holder named in a self-introduction with a relation («我是<holder>他爸», «<holder>是我老爸»): the
    speaker is not the holder (agents/authz_caller.py reads this with the CRM's forms of the holder).

Every reference is read before anything of any customer is looked up (the screen runs at the masking boundary, on the
raw text, agents/authz.py screen_customer_text), and only the verdict leaves: a reason and a kind of handle, never who
was named. Closed word classes only (possessives, measure words, question words); no tenant's words."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agents.authz_caller import OWN_THINGS, joined
from agents.authz_phrases import (
    ACCOUNT_ACTION,
    ASKING,
    EN_HOLDER_THINGS,
    IN_COVER,
    LEADS_BACK,
    POINTS_BACK,
    PRICE_TERMS,
    RECORDS,
    REFERRAL,
    SELF_ID,
    THEIR_PRONOUN,
    THEIR_THINGS,
    VERIFY,
    asks_terms,
)
from contract.errors import BackendUnavailable

# digits said one by one in a transcript («1 3 8 1 0 2 7 6 6 4 3»): seven or more single digits, each after a space
_SPACED_DIGITS = re.compile(r"(?<![\dA-Za-z])\d(?:[ \t]\d){6,}(?![\dA-Za-z])")


def spoken(text: str, said_digits: Callable[[str], str] = lambda t: t) -> str:
    """The text as a call's transcript means it: numbers spoken as numerals as digits (`said_digits`), single digits
    said one by one joined, the pauses between Chinese words removed (agents/authz_caller.joined)."""
    out = said_digits(text)
    out = _SPACED_DIGITS.sub(lambda m: re.sub(r"\s", "", m.group()), out)
    return joined(out)


@dataclass(frozen=True)
class Ref:
    """One record reference in a text: which customer the CRM says it is, how it was named, where."""

    customer_id: str
    kind: str
    start: int
    end: int


_RECORD_KINDS = ("device", "order", "contract", "ticket", "customer_id")
_DESCRIPTION = "description"


def references(customers: object, text: str) -> list[Ref]:
    """Every reference the CRM's directory resolves in the text, with its place; a description (a place and a kind
    of business, an English company name the CRM reads as one) only when it fits exactly one customer."""
    mentions = getattr(customers, "mentions", None)
    if not callable(mentions):
        return []
    try:
        hits = list(mentions(text))
    except BackendUnavailable:
        return []
    out: list[Ref] = []
    fits: dict[tuple[int, int], set[str]] = {}
    for h in hits:
        start, end = int(getattr(h, "start", -1)), int(getattr(h, "end", -1))
        if start < 0 or end <= start:
            at = text.find(h.value) if h.value else -1
            start, end = (at, at + len(h.value)) if at >= 0 else (-1, -1)
        if start < 0:
            continue
        if h.kind.startswith(_DESCRIPTION):
            fits.setdefault((start, end), set()).add(h.customer_id)
            continue
        out.append(Ref(h.customer_id, h.kind, start, end))
    for (start, end), ids in fits.items():
        if len(ids) == 1:
            out.append(Ref(next(iter(ids)), _DESCRIPTION, start, end))
    return sorted(out, key=lambda r: r.start)


# what follows a name to make the next words theirs: a possessive, a pointer with a measure word, what they did here
# («X的», «X那批», «X去年那单», «X他们的», «X订的», «X's», "X … their")
_WHEN = r"(?:上次|最近|之前|去年|今年|前年|那次|上周|上个?月|前几天|前段时间|当时|刚)?"
POSSESSED = re.compile(
    rf"\s*(?:那边|这边|他们|她们|家|公司)?\s*{_WHEN}\s*"
    r"(?:的|他们?的|她们?的|家的"
    r"|[那这][一几两]?[批单台辆个份些部张款]"
    r"|[订买提签拿交修续付](?:的|了)"
    r"|'s\b)",
    re.I,
)
# an English sentence speaking of the named party's things: "… their vans", "… its order"
_EN_THEIR = re.compile(r"(?<![A-Za-z])(?:their|its)(?![A-Za-z])", re.I)
# the asker saying the party is like them, or who sent them («我们跟X一样», «跟X一个集团»): not asked about
_BESIDE = re.compile(r"(?:我们|我|咱们|我司)(?:也)?(?:跟|和|与|同)\s*$")
# the asker just before the name («我们杭州那家…», «我司…»): themself described or named, not another party
_SELF_BEFORE = re.compile(r"(?:我们|我|咱们|咱|我司|本公司|俺们?)(?:这边|公司|这家)?(?:也|就|在)?\s*$")
_CLAUSE_END = re.compile(
    r"[。！？!?；;\n]|[，,](?=\s*(?:另外|还有|顺便|对了|然后|我们?|咱|and\b|also\b|by the way))", re.I
)


def _sentence(text: str, at: int) -> tuple[int, int]:
    """The sentence around text[at]: cut at a full stop, a question mark, or a comma that starts an ask of the
    asker's own («…，另外我们…»)."""
    start = 0
    for m in _CLAUSE_END.finditer(text):
        if m.end() <= at:
            start = m.end()
        elif m.start() >= at:
            return start, m.end()
    return start, len(text)


_CLAUSE = re.compile(r"[。！？!?；;，,\n]")


# a possessive that names a record by itself: an order, a batch, a contract («X那批», «X那单», «X那份»), or what they did
# here («X订的», «X签了»); «X那台», «X的» need a record noun after them («X那台车的质保», «X的合同»), never a person or a
# place («X的曹总说…», «X这边的店»)
_RECORD_POSSESSIVE = re.compile(r"[那这][一几两]?[批单份张]|[订买提签拿交修续付](?:的|了)$")
RECORD_GAP = 6  # characters at most between the possessive and the record noun
# English: their / its, then a record within three words ("their last X5 order", "its contract")
_EN_THEIR_RECORD = re.compile(
    r"(?<![A-Za-z])(?:their|its)\s+(?:[\w-]+\s+){0,3}?(?:orders?|contracts?|warrant(?:y|ies)|packages?|invoices?"
    r"|service(?: history)?|accounts?|deals?|prices?|pricing|discounts?|rates?|terms|deliver(?:y|ies|ed)|records?"
    r"|deposits?|balances?|quotes?|ordered|bought|paid|signed|renewed|serviced)(?![A-Za-z])",
    re.I,
)
# where the asker's own question starts in a clause with no punctuation (a call's transcript): the asker («我也…»,
# «我们…», «咱…») or the seller as the subject of something not done to that record («你们周末营业吗»)
_SUBJECT_SWITCH = re.compile(r"我|咱|你们(?![\u4e00-\u9fff]{0,3}?[交给签卖报打发修做开算收])")
ASKED_SPAN = 16  # characters at most after the record for its question when no punctuation ends the clause


def _owned_record(text: str, ref: Ref, end: int) -> int:
    """Where the reference's own record ends in the text (a record handle itself, a possessive naming a record, a
    possessive then a record noun, English their/its then a record), or -1 when nothing of theirs is named."""
    if ref.kind.split(".")[0] in _RECORD_KINDS:
        return ref.end
    m = POSSESSED.match(text, ref.end)
    if m:
        if _RECORD_POSSESSIVE.search(m.group().strip()):
            return m.end()
        window = text[m.end() : m.end() + RECORD_GAP + 4]
        for noun in (RECORDS, THEIR_THINGS, PRICE_TERMS):
            n = noun.search(window)
            if n and n.start() <= RECORD_GAP:
                return m.end() + n.end()
        return -1
    e = _EN_THEIR_RECORD.search(text, ref.end, end)
    return e.end() if e else -1


def _asked_region(text: str, at: int, start: int, end: int) -> str:
    """The rest of the record's clause from `at` (cut where the asker's own question starts, at most ASKED_SPAN
    characters of a clause with no punctuation), and the clauses after it while they point back at its party («…，
    他们那份续了没有», "… their …"). A clause after it with a subject of its own («…，X5续航多少？») is the asker's
    own question."""
    cuts = [at, *(m.end() for m in _CLAUSE.finditer(text, at, end)), end]
    first = text[cuts[0] : cuts[1]]
    if not first.isascii():
        switch = _SUBJECT_SWITCH.search(first)
        first = first[: switch.start()] if switch else first
        first = first[:ASKED_SPAN] if not _CLAUSE.search(first) else first
    region = [first]
    for j in range(1, min(3, len(cuts) - 1)):
        piece = text[cuts[j] : cuts[j + 1]]
        if not (POINTS_BACK.search(piece) or THEIR_PRONOUN.search(piece) or LEADS_BACK.match(piece)):
            break
        region.append(piece)
    return "".join(region)


def owned_record_asked(text: str, ref: Ref) -> str:
    """The reference is to a record of its customer's that its clause (or a clause pointing back at it) asks about:
    "prices" / "records", else ""."""
    start, end = _sentence(text, ref.start)
    sentence = text[start:end]
    before = text[start : ref.start]
    if (
        REFERRAL.search(sentence)
        or SELF_ID.search(before)
        or _BESIDE.search(before)
        or _SELF_BEFORE.search(before)
    ):
        return ""
    at = _owned_record(text, ref, end)
    if at < 0:
        return ""
    region = _asked_region(text, at, start, end)
    if not (ASKING.search(region) or VERIFY.search(region)):
        return ""
    return "prices" if asks_terms(text[ref.start : at] + region) else "records"


def others_record_asked(
    customers: object, text: str, current_ref: str, is_own: Callable[[Ref], bool] = lambda r: False
) -> tuple[str, str]:
    """A customer's message asking about another customer's record, by any handle the CRM resolves, on the text as
    typed and as said (`spoken`): (what is asked, the kind of handle) or ("", "")."""
    seen: set[str] = set()
    for said in dict.fromkeys((text, spoken(text))):
        if said in seen:
            continue
        seen.add(said)
        for ref in references(customers, said):
            if ref.customer_id == current_ref or is_own(ref):
                continue
            asked = owned_record_asked(said, ref)
            if asked:
                return asked, ref.kind
    return "", ""


# ---- (3) the holder named with a relation ---------------------------------------------------------------------------

# kin and the people who act for someone, a closed class of the language (any of them is not the holder)
KIN = (
    r"老?(?:爸|妈|爹|娘)|父亲|母亲|爸爸|妈妈|爷爷|奶奶|外公|外婆|姥姥|姥爷|老丈人|丈母娘|岳父|岳母|公公|婆婆"
    r"|(?:表|堂)?(?:哥|姐|弟|妹)|哥哥|姐姐|弟弟|妹妹|嫂子|弟媳|姐夫|妹夫|小舅子|大舅子"
    r"|叔叔?|婶婶?|伯伯?|舅舅?|舅妈|姑姑?|姑父|姨妈?|姨父|阿姨"
    r"|侄子|侄女|外甥女?|孙子|孙女|外孙女?|女婿|儿媳妇?|儿子|女儿|孩子"
    r"|爱人|老婆|老公|妻子|丈夫|太太|媳妇儿?|家属|家里人|家人|亲戚"
    r"|朋友|同事|同学|邻居|助理|秘书|司机|管家|保姆"
)
KIN_EN = (
    r"husband|wife|son|daughter|father|mother|dad|mom|mum|brother|sister|partner|uncle|aunt|cousin|nephew|niece"
    r"|grandson|granddaughter|grandfather|grandmother|father-in-law|mother-in-law|son-in-law|daughter-in-law"
    r"|friend|colleague|neighbou?r|assistant|secretary|driver"
)


def relation_to(text: str, forms: Sequence[str]) -> bool:
    """The speaker introduces themself by a relation to a person named by one of `forms` (the account holder's names
    as the CRM has them): «我是<form>(的|他|她)?<kin>», «<form>是我<kin>», "I'm <form>'s <kin>". «我是<form>» alone,
    «我是<form>本人» or a title after it («我是<form>先生») is the holder."""
    t = joined(text)
    for f in sorted({f for f in forms if len(f) >= 2}, key=len, reverse=True):
        e = re.escape(f)
        if re.search(rf"(?:我|本人)(?:就|也)?是\s*{e}\s*(?:的|他|她|家的?)?\s*(?:{KIN})", t):
            return True
        if re.search(rf"{e}\s*(?:是|系)\s*我(?:的|家)?\s*(?:{KIN})", t):
            return True
        if f.isascii() and re.search(rf"\b(?:i am|i'm|this is)\s+{e}'s\s+(?:{KIN_EN})\b", t, re.I):
            return True
    return False


def own_org_staff(said: str) -> bool:
    """A contact of the conversation's own customer said with a business title («邓主管», «韩经理», «许总»): an
    organisation's person, whose staff («我是邓主管的助理») speak for the organisation — the customer itself."""
    return bool(_BUSINESS_TITLE.search(said.strip()))


_BUSINESS_TITLE = re.compile(r"(?:总|经理|主管|总监|队长|老板|主任|部长|处长|科长)$")
# the holder's things pointed at by someone else: a pointer with a measure word not after «我» («孩子那台», «他那辆»,
# «她的车»), then what a customer has with a seller; or the account acted on (agents/authz_phrases ACCOUNT_ACTION)
_NOT_MINE_THING = re.compile(
    r"(?<!我)(?<!我们)(?<!咱们)(?:[那这][台辆个份单批部]|的(?:车|订单|单子|合同|套餐))"
)


def holder_things_asked(text: str) -> bool:
    """After a relation claim: the holder's own things asked about or acted on, not the speaker's own («我的车») nor a
    general question («现在这款多少钱»)."""
    t = joined(text)
    if OWN_THINGS.search(t):
        return False
    if ACCOUNT_ACTION.search(t) and not asks_terms(t):
        return True
    for m in _NOT_MINE_THING.finditer(t):
        rest = t[m.start() : m.start() + 24]
        if THEIR_THINGS.search(rest) or RECORDS.search(rest) or IN_COVER.search(rest):
            return True
    return bool(EN_HOLDER_THINGS.search(t))
