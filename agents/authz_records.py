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
    HESITATIONS,
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
    earlier_party_asked,
)
from contract.errors import BackendUnavailable

# digits said one by one in a transcript («1 3 8 1 0 2 7 6 6 4 3»): seven or more single digits, each after a space
_SPACED_DIGITS = re.compile(r"(?<![\dA-Za-z])\d(?:[ \t]\d){6,}(?![\dA-Za-z])")


# a hesitation said between two pieces of an identifier («京N 呃 G 一零零八», «SO 嗯 2506»): not part of what is said
_ID_PIECE = "A-Za-z0-9零〇一二三四五六七八九幺"
_HESITATION_IN_ID = re.compile(rf"(?<=[{_ID_PIECE}])\s*[{HESITATIONS}]+\s*(?=[{_ID_PIECE}])")
# numerals said one by one, as the pauses between them are removed («八 零 一 零 零 八» → 801008): four or more
_NUMERALS = re.compile(r"[零〇一二三四五六七八九幺]{4,}")
_TO_DIGITS = str.maketrans("零〇一二三四五六七八九幺", "001234567891")


def said_numerals(text: str) -> str:
    """Runs of four or more Chinese numerals as ASCII digits, character for character (offsets kept)."""
    return _NUMERALS.sub(lambda m: m.group().translate(_TO_DIGITS), text)


def spoken(text: str, said_digits: Callable[[str], str] = said_numerals) -> str:
    """The text as a call's transcript means it: the pauses between Chinese words removed (agents/authz_caller.
    joined) — numerals said one by one are one number then —, numbers spoken as numerals as digits (`said_digits`),
    single digits said one by one joined, a hesitation between two pieces of an identifier dropped."""
    out = joined(_HESITATION_IN_ID.sub(" ", text))
    out = said_digits(out)
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


LATER_HANDLES = 3  # later handles of one customer read in a message, at most


def _place(hit: object, text: str, offset: int) -> tuple[int, int]:
    """Where the directory's hit is in `text` (its own offsets, else its value found), shifted by `offset`."""
    start, end = int(getattr(hit, "start", -1)), int(getattr(hit, "end", -1))
    if start < 0 or end <= start:
        value = str(getattr(hit, "value", "") or "")
        at = text.find(value) if value else -1
        start, end = (at, at + len(value)) if at >= 0 else (-1, -1)
    return (start + offset, end + offset) if start >= 0 else (-1, -1)


def references(customers: object, text: str) -> list[Ref]:
    """Every reference the CRM's directory resolves in the text, with its place; a description (a place and a kind
    of business, an English company name the CRM reads as one) only when it fits exactly one customer."""
    mentions = getattr(customers, "mentions", None)
    if not callable(mentions):
        return []
    try:
        hits = [(h, *_place(h, text, 0)) for h in mentions(text)]
        # the directory answers each customer once, where first named; a later handle of the same customer (a
        # forwarded message's sender, then its order number: «蒋某（X）：…订单SO-…什么时候交车») is a reference too
        for h, _, end in list(hits):
            for _ in range(LATER_HANDLES):
                if end < 0:
                    break
                later = [x for x in mentions(text[end:]) if x.customer_id == h.customer_id]
                if not later:
                    break
                s2, e2 = _place(later[0], text[end:], end)
                hits.append((later[0], s2, e2))
                end = e2
    except BackendUnavailable:
        return []
    out: list[Ref] = []
    fits: dict[tuple[int, int], set[str]] = {}
    for h, start, end in hits:
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
_POINTED_UNITS = re.compile(r"[那这][一几两]?[台辆部]$")
# English: their / its, then a record within three words ("their last X5 order", "its contract")
_EN_THEIR_RECORD = re.compile(
    r"(?<![A-Za-z])(?:their|its)\s+(?:[\w-]+\s+){0,3}?(?:orders?|contracts?|warrant(?:y|ies)|packages?|invoices?"
    r"|service(?: history)?|accounts?|deals?|prices?|pricing|discounts?|rates?|terms|deliver(?:y|ies|ed)|records?"
    r"|deposits?|balances?|quotes?|ordered|bought|paid|signed|renewed|serviced)(?![A-Za-z])",
    re.I,
)
# where the asker's own question starts in a clause with no punctuation (a call's transcript): the asker («我也…»,
# «我们…», «咱…») or the seller as the subject of something not done to that record («你们周末营业吗»)
# «我» after a coverb is the object of a request («帮我查下», «跟我说», «告诉我»), not the asker taking the floor
_ASKER = r"(?<![帮给替跟让和诉])我|咱"
_SUBJECT_SWITCH = re.compile(rf"{_ASKER}|你们(?![\u4e00-\u9fff]{{0,3}}?[交给签卖报打发修做开算收])")
ASKED_SPAN = 16  # characters at most after the record for its question when no punctuation ends the clause
# a clause with no subject of its own, opening with an adverb of insistence or a question word («…，到底多少一台？»,
# «…，究竟几折»): it continues the clause before, whose topic it asks about (never a clause with a noun of its own,
# «…，X5续航多少？», nor one the asker opens, «…，我们…»)
_NO_SUBJECT = re.compile(r"\s*(?:到底|究竟|具体|实际上?)?\s*(?:多少|几[个折台辆成点]|什么[价时]|哪[天年月])")
# a tag asking to confirm what the clause before said of their terms or records («…拿了九折，是真的吗？»)
_CONFIRMS = re.compile(r"\s*(?:是不是|是)?真的(?:吗|假的)|\s*(?:对吗|是吗|对不对|是不是这样|有这回事吗)")


# English possession of the party's things: "X's <noun>", "… their / its <noun>" (any noun: English marks possession
# by the form, not by the thing)
_EN_OWNS = re.compile(r"'s\s+(?=[A-Za-z0-9])|(?<![A-Za-z])(?:their|its)\s+(?=[A-Za-z0-9])", re.I)


def _english(sentence: str) -> bool:
    return len(re.findall(r"[A-Za-z]", sentence)) > 2 * len(re.findall(r"[\u4e00-\u9fff]", sentence))


def _owned_record(text: str, ref: Ref, end: int) -> int:
    """Where the reference's own record ends in the text (a record handle itself, a possessive naming a record, a
    possessive then a record noun, English 's / their / its then a noun), or -1 when nothing of theirs is named."""
    if ref.kind.split(".")[0] in _RECORD_KINDS:
        return ref.end
    if _english(text[ref.start : end]):
        e = _EN_OWNS.search(text, ref.end, end)
        if e:
            return e.end()
    m = POSSESSED.match(text, ref.end)
    if m:
        if _RECORD_POSSESSIVE.search(m.group().strip()):
            return m.end()
        window = text[m.end() : m.end() + RECORD_GAP + 4]
        for noun in (RECORDS, THEIR_THINGS, PRICE_TERMS):
            n = noun.search(window)
            if n and n.start() <= RECORD_GAP:
                return m.end() + n.end()
        # a pointer and a measure word, then a model («X那两台X7», «X这辆Q5»): those units of theirs
        t = _TOKEN_AFTER.match(text, m.end()) if _POINTED_UNITS.search(m.group()) else None
        return t.end() if t else -1
    e = _EN_THEIR_RECORD.search(text, ref.end, end)
    return e.end() if e else -1


def _asked_region(text: str, at: int, start: int, end: int) -> str:
    """The rest of the record's clause from `at` (cut where the asker's own question starts, at most ASKED_SPAN
    characters of a clause with no punctuation), and the clauses after it while they point back at its party («…，
    他们那份续了没有», "… their …"). A clause after it with a subject of its own («…，X5续航多少？») is the asker's
    own question."""
    # English fronts its question ("Has X …", "Any … on X's …?"): the whole sentence asks
    if _english(text[start:end]):
        return text[start:end]
    cuts = [at, *(m.end() for m in _CLAUSE.finditer(text, at, end)), end]
    first = text[cuts[0] : cuts[1]]
    if not first.isascii():
        switch = _SUBJECT_SWITCH.search(first)
        first = first[: switch.start()] if switch else first
        first = first[:ASKED_SPAN] if not _CLAUSE.search(first) else first
    region = [first]
    for j in range(1, min(3, len(cuts) - 1)):
        piece = text[cuts[j] : cuts[j + 1]]
        said = "".join(region)
        confirms = _CONFIRMS.match(piece) and (
            asks_terms(said) or RECORDS.search(said) or THEIR_THINGS.search(said)
        )
        if not (
            POINTS_BACK.search(piece)
            or THEIR_PRONOUN.search(piece)
            or LEADS_BACK.match(piece)
            or _NO_SUBJECT.match(piece)
            or confirms
        ):
            break
        region.append(piece)
    return "".join(region)


# a third-person pronoun taking a party up again later in the message: «赵明他订的那台», «王队长说他们X7…», «购买方
# 钱多多 … 她这个优惠了多少» (its antecedent: the nearest party named before it, with the asker not speaking between)
_RESUMES = re.compile(r"[他她]们?")
RESUME_SPAN = 48  # characters at most between the party and the pronoun taking it up
# what follows the pronoun to make it possessive without «的»: a model or record token («他们X7», «她Q5»)
_TOKEN_AFTER = re.compile(r"\s*[A-Za-z]+\d[A-Za-z0-9-]*")


def resumed(text: str, ref: Ref, others: Sequence[Ref] = ()) -> Ref | None:
    """The first pronoun after `ref` that takes its party up and owns something («他订的», «她这个», «他们X7»), as a
    reference to the same customer; None when another party is named, or the asker speaks («我…»), before it."""
    limit = min(len(text), ref.end + RESUME_SPAN)
    nxt = min(
        (o.start for o in others if o.start >= ref.end and o.customer_id != ref.customer_id), default=limit
    )
    for m in _RESUMES.finditer(text, ref.end, min(limit, nxt)):
        if re.search(_ASKER, text[ref.end : m.start()]):
            return None
        if _owns_after(text, m.end()):
            return Ref(ref.customer_id, ref.kind, m.start(), m.end())
    return None


def _pronoun_owned(text: str, ref: Ref, end: int) -> int:
    t = _TOKEN_AFTER.match(text, ref.end)
    return t.end() if t else _owned_record(text, ref, end)


def owned_record_asked(text: str, ref: Ref, others: Sequence[Ref] = ()) -> str:
    """The reference is to a record of its customer's that its clause (or a clause pointing back at it) asks about,
    or a pronoun taking the party up again later does (`resumed`): "prices" / "records", else ""."""
    asked = _owned_asked(text, ref)
    if asked:
        return asked
    again = resumed(text, ref, others)
    return _owned_asked(text, again, pronoun=True) if again is not None else ""


# an English sentence ends at a full stop too ("X told us their drivers love it. Can we book…?" is two sentences)
_EN_STOP = re.compile(r"[.;](?=\s|$)")
# a dash between two clauses ("I heard X bought one too - what's the price now?"): what follows is about X only when it
# points back at them ("- what did he pay?")
_EN_DASH = re.compile(r"\s[-–—]+\s")
_EN_BACK = re.compile(r"(?<![A-Za-z])(?:he|she|his|her|him|they|their|them|theirs)(?![A-Za-z])", re.I)


def _en_dash_end(text: str, at: int, start: int, end: int) -> int:
    """The end of an English sentence's part that holds text[at], with the dash-joined parts after it that point back
    at the party."""
    cut = end
    for m in _EN_DASH.finditer(text, at, end):
        rest_end = next((n.start() for n in _EN_DASH.finditer(text, m.end(), end)), end)
        if not _EN_BACK.search(text, m.end(), rest_end):
            return m.start()
        cut = end
    return cut


def _en_sentence(text: str, at: int, start: int, end: int) -> tuple[int, int]:
    for m in _EN_STOP.finditer(text, start, end):
        if m.end() <= at:
            start = m.end()
        else:
            return start, m.end()
    return start, end


def _owned_asked(text: str, ref: Ref, pronoun: bool = False) -> str:
    start, end = _sentence(text, ref.start)
    if _english(text[start:end]):
        start, end = _en_sentence(text, ref.start, start, end)
        end = _en_dash_end(text, ref.end, start, end)
    sentence = text[start:end]
    before = text[start : ref.start]
    if (
        REFERRAL.search(sentence)
        or SELF_ID.search(before)
        or _BESIDE.search(before)
        or _SELF_BEFORE.search(before)
    ):
        return ""
    at = _pronoun_owned(text, ref, end) if pronoun else _owned_record(text, ref, end)
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
        refs = references(customers, said)
        for ref in refs:
            if ref.customer_id == current_ref or is_own(ref):
                continue
            asked = owned_record_asked(said, ref, refs)
            if asked:
                return asked, ref.kind
    return "", ""


# a third-person pronoun (one person) starting what the asker asks of them: «…，他成交价是多少», «…他那台…»
_HE_SHE = re.compile(r"[他她](?!们)")


# what a pronoun owns when no «的» is said: a deal, a record, the car («他成交价», «她合同», «他车»)
_OWNED_NOUN = re.compile(r"成交|价|合同|订单|单子|车|折扣|优惠|保养|质保|套餐|发票")


def _owns_after(text: str, at: int) -> bool:
    """The pronoun ending at `at` owns what follows: «他的», «他那台», «他订的», «他们X7», «他成交价»."""
    return bool(
        text.startswith("的", at)
        or POSSESSED.match(text, at)
        or _TOKEN_AFTER.match(text, at)
        or _OWNED_NOUN.match(text, at)
    )


def party_resumed_asked(text: str) -> str:
    """One message that speaks of someone buying here, then takes them up with a pronoun and asks of them («我一个同事
    上周也在你们这买的X7 他成交价是多少»): read as the two turns it could have been (agents/authz_phrases
    earlier_party_asked: the first part names someone other than the asker at the seller, the second opens with
    «他/她» and asks their terms or records). "prices" / "records", else ""."""
    t = joined(text)
    for m in _HE_SHE.finditer(t):
        if m.start() == 0 or not _owns_after(t, m.end()):
            continue  # «他让我问问…», «她说…»: the pronoun speaks, it owns nothing
        asked = earlier_party_asked(t[: m.start()], t[m.start() :])
        if asked:
            return asked
    return ""


# ---- (3) the holder named with a relation ---------------------------------------------------------------------------

# family: the holder's household and kin, a closed class of the language (partners included)
FAMILY_KIN = (
    r"老?(?:爸|妈|爹|娘)|父亲|母亲|爸爸|妈妈|爷爷|奶奶|外公|外婆|姥姥|姥爷|老丈人|丈母娘|岳父|岳母|公公|婆婆"
    r"|(?:表|堂|亲)?(?:哥|姐|弟|妹)|哥哥|姐姐|弟弟|妹妹|兄弟|嫂子|弟媳|姐夫|妹夫|小舅子|大舅子"
    r"|叔叔?|婶婶?|伯伯?|舅舅?|舅妈|姑姑?|姑父|姨妈?|姨父|阿姨"
    r"|侄子|侄女|外甥女?|孙子|孙女|外孙女?|女婿|儿媳妇?|儿子|女儿|孩子"
    r"|爱人|老婆|老公|妻子|丈夫|太太|媳妇儿?|对象|男朋友|女朋友|未婚夫|未婚妻|家属|家里人|家人|亲戚"
)
# kin and the people who act for someone (any of them is not the holder)
KIN = FAMILY_KIN + r"|朋友|同事|同学|邻居|助理|秘书|司机|管家|保姆"
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


def relative_named(text: str, start: int, end: int) -> bool:
    """The person named at text[start:end] is introduced as the speaker's family: «我<kin><name>» («我妹<name>那台…»),
    «<name>是我<kin>», «我是<name>的<kin>» (FAMILY_KIN: household and kin, not a friend or a colleague)."""
    before = joined(text[max(0, start - 8) : start])
    if re.search(rf"我(?:的|家)?(?:{FAMILY_KIN})\s*$", before):
        return True
    said = text[start:end]
    t = joined(text)
    e = re.escape(said)
    return bool(
        re.search(rf"{e}\s*(?:是|系)\s*我(?:的|家)?\s*(?:{FAMILY_KIN})", t)
        or re.search(rf"(?:我|本人)(?:就|也)?是\s*{e}\s*(?:的|他|她|家的?)?\s*(?:{FAMILY_KIN})", t)
    )


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
