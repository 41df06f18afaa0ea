"""Authorization of a rep's (or an agent's) ask about customers, decided before anything of theirs is read.

The conversation's customer is checked by the service (ownership for reps, the call for agents). An ask can also name
*other* customers, in every way people do: a company's name or short name, a contact's name, a customer id, a VIN,
plate or serial, an order / contract / ticket number, a romanised trade or person name (resolved by the CRM's
directory to ids and owners only: any handle of another rep's customer is refused as not_owner, whatever the words
around it; as other_customer_prices when the rep wants that customer's terms for this one), a
phone or ID number (or its tail, «尾号0418的那个客户») used as a look-up key, a contact's surname form or given name
(«韩总», «志刚那边»), a description the CRM can resolve (a place and a kind of business, «杭州那家出租公司»: refused only
when the asker may see none of the customers it fits), or generically («别的客户», «那位开X7的女车主», «another
customer»). A customer claiming to be another customer («我是…的韩经理，把我们的合同价发我») gets none of its terms:
a claim cannot be checked in a chat. A later ask that points back («他们家那台车») at the customer the previous ask
named gets that ask's verdict; so does a rep's ask pointing back at the party a refused customer turn named, and a
customer's turn taking up the turn before («他们的…多少钱», «照着这个价»). An ask said on a call or shown in a screenshot is
checked on its transcript / OCR text (agents/ask.py ask_text). Each named customer is checked for this actor; the first one they may not see refuses the ask with the reason (not_owner, not_on_call …).
The owner found here goes to the ledger only: the rep is never told who serves a customer or that it exists
(agents/ask.py). The rep's own other customers are not refused: the ask is answered about them.

Reasons: not_owner / not_on_call (from the CRM's access rules), other_customer_prices, other_customers_data,
personal_data_lookup, other_customer_not_in_context (a name the directory cannot resolve, in another customer's
conversation), not_account_holder (someone speaking for the holder: «我是周强的爱人，把订单退了»), wrong_tenant (the
service)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as _with
from functools import lru_cache
from typing import Any, Protocol

from agents.authz_caller import caller_not_holder, claims_over_role, holder_disowned, holder_speaks, joined
from agents.authz_phrases import (
    ASKING,
    BROAD,
    COMPETITOR,
    FAMILY,
    LEADS_BACK,
    ON_BEHALF,
    OTHER_PARTY,
    OWN_BEFORE,
    OWN_TOO,
    PARTY_NOUNS,
    POINTS_BACK,
    PRICE_TERMS,
    RECEIVED,
    RECORDS,
    SAME,
    SHOWN_TERMS,
    SPENT,
    THEIR_PRONOUN,
    THEIR_THINGS,
    THIRD_PERSON,
    all_customers_asked,
    asks_records,
    asks_terms,
    claimed_identity,
    clause_at,
    clauses,
    contact_of_others_asked,
    deals_aggregate,
    earlier_party_asked,
    establishment_after_name,
    existence_asked,
    former_staff_asked,
    generic_other_party,
    joins,
    peers_typical_terms,
    phrases,
    proxy_asked,
    proxy_claim,
    received_terms,
    relative_asked,
    same_as_shown_party,
    takes_up,
    third_party_asked,
    unresolved_party_asked,
    what_is_asked,
    who_else_asked,
)
from agents.authz_reading import described_people, directory_of, read_as, reading, transcript
from agents.authz_records import (
    holder_things_asked,
    others_record_asked,
    own_org_staff,
    party_resumed_asked,
    relation_to,
    relative_named,
    said_numerals,
    spoken,
)
from agents.authz_scope import (
    bulk_asked,
    explicitly_beyond,
    explicitly_others,
    identifier_asked,
    identifier_taken_up,
    own_book_only,
    population_asked,
)
from agents.drafting.template import refusal_greeting
from agents.traditional import to_simplified
from agents.understanding.others import other_customer_mentions
from contract import clock
from contract.errors import AccessDenied, BackendUnavailable, InputError, NotFound
from contract.ports import Actor, PolicyQuery

# a phone or ID number typed into an ask, used to find someone: the CRM never reads those columns, so the owner cannot
# be checked — the look-up is refused whoever it would find
PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
LOOKUP = re.compile(
    r"查|搜|找|是谁|谁的|哪个客户|哪位|哪家|名下|归属|对应|资料|信息"
    r"|\b(look\s*up|lookup|who|whose|find|search|belongs?|owner|details?|profile)\b",
    re.I,
)
# English: another company named by its own words, e.g. "What did Hongyuan Logistics pay?": capitalised words before
# a legal form (any company's) or before a word of the tenant's industry (the CRM mapping's `party_words_en`: «Taxi»,
# «Hospital»), never an industry word of its own
EN_LEGAL_FORMS = (r"Group", r"Company", r"Co\.?", r"Ltd\.?", r"Inc\.?", r"Corp\.?", r"LLC", r"Holdings")


@lru_cache(maxsize=64)
def en_org(words: tuple[str, ...] = ()) -> re.Pattern[str]:
    ends = "|".join(
        [*EN_LEGAL_FORMS, *(re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w)]
    )
    return re.compile(rf"\b((?:[A-Z][A-Za-z&'-]+\s+){{1,3}}(?:{ends}))(?![A-Za-z])")


EN_ORG = en_org()
EN_PRICE_OF_OTHERS = re.compile(
    r"\b(what|how much)\b.{0,40}\b(did|do|does|are|is)\b.{0,40}\b(pay|paying|get|getting|price|discount)\b",
    re.I,
)


log = logging.getLogger("agents.authz")

# The refusal reasons, a stable public contract: logged with every refusal (the ledger's access denial, the card's
# `summary.refusal_reason` / `refused:<reason>` flag) and scored by eval suites (`expect.refusal_reason`). One reason
# per kind of ask, decided in this order: who may see the customer (a rep or an agent), then the handle (a phone or ID
# number), then what a customer asked of another customer. A new reason is added here, never renamed.
REASONS: dict[str, str] = {
    "not_owner": "a rep asking about a customer served by another rep (any handle: name, contact, id, plate, VIN, "
    "order / contract / ticket number, description), or about another rep's book",
    "not_on_call": "a contact-center agent asking about a customer other than the one on their call, or with no call",
    "personal_data_lookup": "anyone (rep, agent or customer) using a phone or ID number, or part of one, as a look-up "
    "key: «13812345678 是谁», «尾号0418的那个客户», «这个号的车主买的什么车»",
    "other_customer_prices": "another customer's prices, discounts, quotes or contract terms: asked by a customer, or "
    "by a rep wanting them for this customer",
    "other_customers_data": "another customer's orders, vehicles, contracts' dates, service records or contact "
    "details, asked by a customer; every customer's data at once, asked by anyone",
    "not_account_holder": "someone speaking for the account holder (a spouse, a driver, a repair shop, an insurer): "
    "only the holder may act on or hear of the account",
    "other_customer_not_in_context": "a rep asking, inside one customer's conversation, about an organisation the CRM "
    "cannot resolve",
    "wrong_tenant": "a message or an ask crossing tenants (the service)",
}
PERSONAL_DATA_LOOKUP = "personal_data_lookup"


class MentionHit(Protocol):
    """A customer a question names (knowledge.crm.directory.Hit): the CRM port's `mentions(text)` returns these."""

    @property
    def customer_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def owner_name(self) -> str: ...
    @property
    def owner_team(self) -> str: ...


@dataclass
class Decision:
    reason: str = ""  # "" = allowed
    customer_ref: str = ""  # the customer refused (or the own customer the ask is about)
    owner: str = (
        ""  # 「大客户部 赵明」: who serves them, for the ledger (and a hand-off) only, never the card
    )
    via: str = ""  # how the ask named them: customer_name, contact_name, order, device.plate_no …
    subject: str = ""  # an own customer the ask is about, other than the conversation's
    flags: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.reason)


def owner_text(hit: MentionHit) -> str:
    return " ".join(p for p in (hit.owner_team, hit.owner_name) if p)


# part of a phone number: «139****0418», «尾号0418», «后四位0418», «ending in 0418» (a VIN's tail is six characters
# and the directory resolves it; four digits after a tail word are a phone's)
PHONE_MASKED = re.compile(r"(?<!\d)1[3-9]\d[\s-]?[*＊xX]{4}[\s-]?\d{4}(?!\d)")
PHONE_TAIL = re.compile(
    r"(?:尾号|后四位|后4位|末四位|末4位|\bend(?:s|ing)?(?:\s+(?:in|with))?|\blast\s+(?:four|4)(?:\s+digits)?)"
    r"\s*(?:是|为|[:：])?\s*"
    r"\d{4}(?![\dA-Za-z])",
    re.I,
)
# part of an ID number: «身份证后六位是03121X», «证件尾号441X», "ID ending in 441X" (a phone's tail never ends in X;
# an ID's tail is a look-up key whatever its length)
ID_TAIL = re.compile(
    r"(?:身份证|证件)(?:号码?|号)?(?:的)?(?:后|尾号|末尾?)(?:[二三四五六七八2-8几]位)?(?:数?字?)?(?:是|为|[:：])?\s*\d{2,7}[\dXx](?![\dA-Za-z])"
    r"|\bID(?:\s+(?:card|number|no\.?))?\b[^.?!]{0,12}?\b(?:ends?|ending)\s+(?:in|with)\s+\d{2,7}[\dXx](?![\dA-Za-z])",
    re.I,
)
# the tail names a person («尾号0418的那个客户», «尾号2463的李女士»), or is said of the conversation's own customer
TAIL_NAMES_SOMEONE = re.compile(
    r"^.{0,6}?(?:客户|主|先生|女士|小姐|老板|师傅|那位|那个|哪位|是谁|谁的|\b(?:customer|client|who)\b)",
    re.I,
)
TAIL_IS_THEIRS = re.compile(
    r"(?:这个客户|这位客户|当前客户|客户的|他的|她的|他|她|我的|我)\s*(?:手机|电话|号码)?\s*$"
)


def said_digits(text: str) -> str:
    """The text with runs of four or more Chinese numerals («一三九一三八零六六四七», «尾号零四一八») as ASCII digits,
    character for character (offsets kept): agents/authz_records.said_numerals."""
    return said_numerals(text)


def personal_data_lookup(text: str, own_holder: Callable[[str], bool] | None = None) -> bool:
    """A phone or ID number used to look someone up («13812345678是哪个客户», «who owns 138 1234 5678»), or part of
    one («手机尾号0418的那个客户», «139****0418是谁»), typed or said («一三九…», «1 3 9 …» digit by digit).
    `own_holder(name)`: the name resolves to the conversation's own customer (the asker owns it) — a number said as
    that customer's contact, its holder named right after it, is no look-up (holder_named_after)."""
    return _lookup_by_number(said_digits(text), own_holder) or _lookup_by_number(
        spoken(text, said_digits), own_holder
    )


# the number's holder named right after it, as a statement: «13862155307 是X冯经理的号，…», «… 为X物流韩经理的手机»
HOLDER_AFTER = re.compile(
    r"\s*(?:是|为)\s*([^，,。？?！!\s]{2,16}?)的?(?:手机|电话|号码|号|微信)(?:号码?|号)?(?![吗么嘛])"
)
HOLDER_QUESTIONED = re.compile(r"是谁|谁的|哪位|哪个客户|名下|机主|[吗么]|不是|[?？]")


def holder_named_after(text: str, m: re.Match[str], own_holder: Callable[[str], bool] | None) -> bool:
    """The number's clause names its holder right after it («13862155307 是X冯经理的号，她们公司去年…») and
    `own_holder` says that holder is the conversation's own customer: the rep speaks of his own customer's contact,
    the number is no look-up key. Not when the clause asks whose it is («…是谁的号», «…的号吗»)."""
    if own_holder is None:
        return False
    h = HOLDER_AFTER.match(text, m.end())
    if h is None:
        return False
    spans = clauses(text)
    i = clause_at(spans, m.start())
    end = spans[i].end if i >= 0 else h.end()
    if HOLDER_QUESTIONED.search(text[m.end() : max(end, h.end()) + 1]):
        return False
    return own_holder(h.group(1))


def _lookup_by_number(text: str, own_holder: Callable[[str], bool] | None = None) -> bool:
    nums = [
        m
        for p in (PHONE, ID_NUMBER, PHONE_MASKED)
        for m in p.finditer(text)
        if not holder_named_after(text, m, own_holder)
    ]
    if nums and LOOKUP.search(text):
        return True
    if any(number_asked_of(text, m) for m in nums):
        return True
    for m in ID_TAIL.finditer(text):  # «身份证后六位是03121X的那个车主…»: unless said as the asker's own
        if not TAIL_IS_THEIRS.search(text[max(0, m.start() - 10) : m.start()]):
            return True
    for m in PHONE_TAIL.finditer(text):
        if TAIL_IS_THEIRS.search(
            re.sub(r"手机|电话|身份证|证件", "", text[max(0, m.start() - 10) : m.start()])
        ):
            continue
        if TAIL_NAMES_SOMEONE.match(text[m.end() :]) or LOOKUP.search(text):
            return True
    return False


# a number said as a known person's contact («王先生手机 137…», «他的新号 138…», «客户电话是…»): the person is who is
# spoken of, the number is theirs; not «有人留了个号 136…», «朋友的号码 137…», «号码 138…»
NUMBER_OF_PERSON = re.compile(
    r"(?:[他她]|客户|本人|车主本人|[\u4e00-\u9fff](?:先生|女士|小姐|总|经理|主管|师傅|队长))"
    r"的?\s*(?:新|常用|备用|办公)?(?:手机|电话|号码|号)(?:号码?|号)?\s*(?:是|为|[:：])?\s*$"
)
# what is asked of a number's holder when the number opens the question: whether they are a customer, what they bought
# or ordered, who they are («…是不是咱们老客户», «…买过啥车», «…有没有在咱们这订过车», "is that one of our accounts")
HOLDER_ASKED = re.compile(
    r"是不是[^，,。？?]{0,8}(?:客户|车主|会员)|是谁|谁的|哪位|哪个客户|名下|车主|机主"
    r"|(?:买|订|提|来|修|保养)过|有没有[^，,。？?]{0,10}(?:买|订|提|车|记录|单)|(?:什么|啥|哪款|几台)车"
    r"|\b(?:one of (?:our|your)|(?:our|your) (?:customer|client|account)s?|who|bought|buy|ordered|owns?)\b",
    re.I,
)


def number_asked_of(text: str, m: re.Match[str]) -> bool:
    """A rep's (or an agent's) ask that makes a phone or ID number the subject of a question about its holder, with no
    look-up verb at all («有人留了个号 136 7182 5590，帮我看下是不是咱们的客户», «13757130926 买过啥车？»): the clause of
    the number or the one after it asks whether the holder is a customer, what they bought, who they are. Not a number
    said as a known person's contact («发到王先生手机 137… 上»), unless who holds it is asked («…是谁»)."""
    spans = clauses(text)
    i = clause_at(spans, m.start())
    if i < 0:
        return False
    asked = text[m.end() : spans[i + 1].end if i + 1 < len(spans) else spans[i].end]
    if not HOLDER_ASKED.search(asked):
        return False
    if NUMBER_OF_PERSON.search(text[max(0, m.start() - 12) : m.start()]):
        return bool(re.search(r"是谁|谁的|哪位|哪个客户|名下|\bwho\b", asked, re.I))
    return True


def _numbers(text: str) -> list[re.Match[str]]:
    """The phone and ID numbers (or their tails) in the text; said_digits(text) first when they may be spoken."""
    return [
        *PHONE.finditer(text),
        *ID_NUMBER.finditer(text),
        *PHONE_MASKED.finditer(text),
        *PHONE_TAIL.finditer(text),
        *ID_TAIL.finditer(text),
    ]


def _said_as_own(text: str, m: re.Match[str], spans: list[Any]) -> bool:
    """The number is the asker's own: «我的手机号…», «…是我», «我是…的机主», «…车主本人», «it's me» in its clause or the
    short one right after."""
    before = re.sub(r"手机|电话|号码|号", "", text[max(0, m.start() - 10) : m.start()])
    if TAIL_IS_THEIRS.search(before) or NUMBER_IS_MINE.match(text[m.end() :]):
        return True
    i = clause_at(spans, m.start())
    if i < 0:
        return False
    region = text[spans[i].start : spans[i].end]
    tail = text[spans[i].end : spans[i + 1].end] if i + 1 < len(spans) else ""
    return bool(SELF_HOLDER.search(region) or SELF_HOLDER.match(tail.lstrip(" ，,。.?？!！")))


def foreign_number(text: str) -> bool:
    """A phone or ID number (or its tail) in the text that is not said as the asker's own."""
    text = said_digits(text)
    spans = clauses(text)
    return any(not _said_as_own(text, m, spans) for m in _numbers(text))


def number_names_someone(text: str) -> str:
    """A customer's message using a phone or ID number (or its tail) to ask about whoever it belongs to («1371986xxxx
    这个号的车主买的什么车», «尾号0435的是谁», «…这个人是不是你们客户»): the number is followed by who holds it, not said
    as the customer's own («我的手机号138…，帮我查下订单»). A customer may give their own number; they may not look
    anyone up by one. "prices" when their prices are asked after it, "records" otherwise, "" when no number names
    someone (customer_trap refuses either as personal_data_lookup: the number is the look-up key)."""
    text = said_digits(text)
    spans = clauses(text)
    for m in _numbers(text):
        after = text[m.end() :]
        if _said_as_own(text, m, spans):
            continue
        holder = NUMBER_HOLDER.match(after)
        asked_before = HOLDER_BEFORE.search(text[max(0, m.start() - 30) : m.start()])
        if not (holder or asked_before):
            continue
        # the holder is ASKED about («…的车主是谁», «…机主买的什么车»), in the clauses from the number's to the
        # holder word's, or the clause right after (a transcript: «尾号0418的那个韩经理 他们车队的合同到期没有») — not
        # stated («…，我是车主», «…车主本人，想约保养»); the asker naming themself anywhere there makes it their own
        first = clause_at(spans, m.start())
        last = clause_at(spans, m.end() + holder.end() - 1) if holder else first
        if first < 0 or last < 0:
            continue
        region = text[spans[first].start : spans[last].end]
        tail = text[spans[last].end : spans[last + 1].end] if last + 1 < len(spans) else ""
        if SELF_HOLDER.search(region) or SELF_HOLDER.match(tail.lstrip(" ，,。.?？!！")):
            continue
        if not (ASKING.search(region) or (ASKING.search(tail) and THIRD_PERSON.search(tail))):
            continue  # «…车主，周六能保养吗»: the asker's own question after their number
        return "prices" if asks_terms(after) else "records"
    return ""


# after a number: its holder asked for («…这个号的车主», «…是谁的», «…机主是谁», «…的那位女士», «…who owns it»)
NUMBER_HOLDER = re.compile(
    r"^.{0,12}?(?:车主|机主|户主|名下|归属|是谁|谁的|哪位|哪家|是哪个"
    r"|(?:的|那位|这位)[\u4e00-\u9fff]?(?:客户|先生|女士|小姐|老板|经理|总|人)"
    r"|这个人|那个人|这人|那人|此人|[那这]位|的那个|你们的?客户|[他她](?!们)"
    r"|\b(?:owner|owns|belongs?|who|he|she|this\s+(?:person|guy|customer)|(?:a|your)\s+(?:customer|client))\b)",
    re.I,
)
NUMBER_IS_MINE = re.compile(r"^.{0,6}?是我", re.I)
# the asker saying the number or the holder is themself («我是…的机主», «车主本人», «就是我», «it's me», «I am the owner»)
SELF_HOLDER = re.compile(
    r"我是(?![他她]|你)|我就是|本人|就是我|是我本人|(?<![A-Za-z])(?:it'?s\s+me|that'?s\s+me|I\s+am|I'm|this\s+is\s+me)(?![A-Za-z])",
    re.I,
)
HOLDER_BEFORE = re.compile(
    r"(?:\bwho\s+(?:owns|has|uses|is)|\bwhose|\bowner\s+of)\b[^.?!]{0,16}$|(?:谁的|哪位的|哪个客户的)\s*$"
    # «the person with mobile …», «the guy on this number»: a holder picked out by the number
    r"|\b(?:person|guy|man|woman|lady|customer|client|someone|somebody|owner|holder)\s+(?:with|using|on|behind)"
    r"\s+(?:the\s+|this\s+|that\s+)?(?:mobile|phone|cell|number)?(?:\s+(?:number|no\.?))?\s*(?:of\s+)?$",
    re.I,
)


def english_org_mentions(text: str, own_name: str = "", words: tuple[str, ...] = ()) -> list[str]:
    """Company-shaped English names in the text (`words`: the tenant's industry words, org_words_of), the asker's own
    excepted."""
    own = own_name.lower()
    return [m.group(1) for m in en_org(words).finditer(text) if not own or m.group(1).lower() not in own]


def organisation_words(customers: object, tenant_words: Sequence[str] = ()) -> tuple[str, ...]:
    """The words ending a customer's organisation name in this tenant: its vocabulary.yaml `organisation_words`, and
    what its own CRM says — the kinds in its customers' names («物流» of 「腾飞物流」) and its mapping's English name
    endings (`party_words_en`: «Logistics», «Fleet»). All tenant data; none in product code."""
    crm = [w for w in party_words_of(customers) if not w.endswith("客户")]
    return tuple(dict.fromkeys([*tenant_words, *crm, *(w.lower() for w in org_words_of(customers))]))


def english(words: Sequence[str]) -> tuple[str, ...]:
    """The English words of a tenant's `organisation_words`, capitalised as they end a company's name («Fleet»)."""
    return tuple(w[:1].upper() + w[1:] for w in words if w and w.isascii())


def org_words_of(customers: object) -> tuple[str, ...]:
    """The English words that end company names in this tenant's industry (the CRM mapping's `party_words_en`)."""
    words = getattr(customers, "org_words_en", None)
    if not callable(words):
        return ()
    try:
        return tuple(words())
    except BackendUnavailable:
        return ()


@dataclass(frozen=True)
class _Ref:
    """A customer id the entity extractor found, for a CRM port without a directory."""

    customer_id: str
    kind: str = "customer_id"
    value: str = ""
    owner_rep: str = ""
    owner_name: str = ""
    owner_team: str = ""


def check_mentions(
    customers: object, text: str, actor: Actor, current_ref: str, refs: tuple[str, ...] = ()
) -> Decision:
    """Every customer the text names (the CRM's directory, plus customer ids the entity extractor found), other than
    the conversation's: refused at the first this actor may not see. Read as written, then (when that refuses
    nothing) as the screens read it (agents/authz_reading.py: Cantonese, the CRM's names by their sound, a terse
    possessive): «幫我睇下某曉架AB9», «某民的x7» (for 某敏), «某晓ab9» name the customer the CRM spells so."""
    decision = _check_mentions(customers, text, actor, current_ref, refs)
    if decision.refused or decision.flags:
        return decision
    notes: list[str] = []
    read = reading(text, customers, notes)
    if read == text:
        return decision
    again = _check_mentions(customers, read, actor, current_ref, refs)
    if not again.refused:
        return decision
    # what was read otherwise goes with the refusal's evidence («方小 read as 方晓»), so a rep or an auditor sees why
    said = read_as(text, read, notes)
    return _with(again, via=f"{again.via}; {said}" if again.via else said)


def described_asked(customers: object, text: str, current_ref: str) -> str:
    """The reason when the text describes over several clauses one of the CRM's individuals other than the
    conversation's customer (agents/authz_reading.py described_people) and asks, of him or her («她的…», «他…多少»),
    their terms or records; "" otherwise."""
    fits = described_people(text, customers)
    if not fits or current_ref in fits:
        return ""
    for span in clauses(text):
        piece = text[span.start : span.end]
        if not re.search(r"[他她](?!们)", piece) or not ASKING.search(piece):
            continue
        if asks_terms(piece):
            return _REASON["prices"]
        if asks_records(piece):
            return _REASON["records"]
    return ""


# a capitalised word inside an English description's span, between its place and its kind («Hangzhou Bluesky Trading»)
_EN_NAME_WORD = re.compile(r"(?<![A-Za-z])[A-Z][a-z]+(?:[A-Z][a-z]+)*(?![A-Za-z])")
_EN_NOT_NAME = frozenset(
    {"The", "A", "An", "In", "From", "Of", "And", "That", "This", "Our", "Their", "Your"}
)


def _names_inside(text: str, hit: MentionHit) -> str:
    """The name a description's span carries between its first and last word: «Hangzhou Bluesky Trading» is a company
    called Bluesky, not «the Hangzhou trading company» (a place and a kind the directory reads as a description); "" when
    the span is a place and a kind only («the Tianjin trading firm»)."""
    start, end = getattr(hit, "start", -1), getattr(hit, "end", -1)
    # an organisation's description opens with its place («Hangzhou … Trading»); a person's with the person («the lady
    # in Guangzhou who drives …»), whose place is inside it
    if start < 0 or end <= start or not _EN_NAME_WORD.match(text, start):
        return ""
    words = list(_EN_NAME_WORD.finditer(text, start, end))
    inner = [
        m.group() for m in words if m.start() > start and m.end() < end and m.group() not in _EN_NOT_NAME
    ]
    return " ".join(inner)


def named_mentions(mentions: Any, text: str) -> list[MentionHit]:
    """The directory's hits in the text, a description that carries a name of its own read as that name: the
    customer it names when the directory resolves it («Xiamen Hengda Trading» → the customer trading as
    Hengda), else nobody (an organisation the CRM does not know, decided as such by the unknown-org check)."""
    out: list[MentionHit] = []
    for h in mentions(text):
        name = _names_inside(text, h) if h.kind.startswith(DESCRIPTION) else ""
        if not name:
            out.append(h)
            continue
        at = text.find(name, h.start)
        for n in mentions(name):
            if not n.kind.startswith(DESCRIPTION):
                try:
                    out.append(_with(n, start=at + max(n.start, 0), end=at + max(n.end, 0)))  # type: ignore[type-var]
                except TypeError:
                    out.append(n)
    return out


# a customer named as the measure of a class: «X那种规模的公司», «X这样体量的客户», «像X一样大的单位»
_MEASURE = r"规模|体量|大小|量级|级别|类型|size|scale"
_CLASS_AFTER = re.compile(
    r"\s*(?:的)?\s*(?:那|这)(?:种|样|类|么大)(?:的)?|\s*(?:一样|似的|差不多)(?:大|规模)?(?:的)?"
)
_CLASS_BEFORE_EN = re.compile(
    r"\b(?:the size of|as big as|as large as|similar (?:in size )?to|comparable to)\s*$", re.I
)
_CLASS_AFTER_EN = re.compile(r"(?:'s)?\s*(?:size|scale)\b", re.I)
# what the class-by-example asks is the named customer's own deal («像X那样拿的价»): then X is asked about
_THEIR_DEAL = re.compile(RECEIVED.pattern + r"|给(?:了)?(?:他们|她|他)|给的", re.I)


def example_of_class(text: str, hit: MentionHit, party_words: Sequence[str] = ()) -> bool:
    """The customer is named only as the measure of a class of customers («像X那种规模的公司，一般能给到哪一档»,
    «X这样体量的客户按政策走哪档», "a fleet the size of X"): nothing of theirs is asked, the class's general terms
    are, unless the clause asks what that customer got («像X那样拿的价»)."""
    start, end = getattr(hit, "start", -1), getattr(hit, "end", -1)
    if start < 0 or end <= start or hit.kind.startswith(DESCRIPTION):
        return False
    nouns = "|".join(re.escape(w) for w in sorted({*PARTY_NOUNS, *party_words}, key=len, reverse=True) if w)
    m = _CLASS_AFTER.match(text, end)
    measured = bool(
        m and re.match(rf"[\u4e00-\u9fff]{{0,4}}?(?:{_MEASURE}|{nouns})", text[m.end() : m.end() + 12], re.I)
    )
    if not measured:
        measured = bool(_CLASS_BEFORE_EN.search(text[max(0, start - 24) : start])) or bool(
            re.search(r"\blike\s*$", text[max(0, start - 12) : start], re.I)
            and _CLASS_AFTER_EN.match(text, end)
        )
    if not measured:
        return False
    spans = clauses(text)
    i = clause_at(spans, start)
    rest = text[end : spans[i].end] if i >= 0 else text[end:]
    return not _THEIR_DEAL.search(rest)


def _check_mentions(
    customers: object, text: str, actor: Actor, current_ref: str, refs: tuple[str, ...] = ()
) -> Decision:
    mentions = getattr(customers, "mentions", None)
    hits: list[MentionHit] = [_Ref(r, value=r) for r in refs]
    if callable(mentions):
        try:
            hits = [*named_mentions(mentions, text), *hits]
        except BackendUnavailable:
            return Decision(flags=["directory_unavailable"])
    # «像X那种规模的公司一般给几个点», "firms the size of X": X only measures a class; what is asked is the class
    hits = [h for h in hits if not example_of_class(text, h, party_words_of(customers))]
    described = [h for h in hits if h.kind.startswith(DESCRIPTION)]
    unique: dict[str, MentionHit] = {}
    for h in hits:
        if h.customer_id != current_ref and not h.kind.startswith(DESCRIPTION):
            unique.setdefault(h.customer_id, h)
    book = other_reps_book(customers, text, actor)
    if book is not None:  # «赵明的客户拿的什么价»: another rep's book, named by its owner
        return book
    check = getattr(customers, "check_access", None)
    if described and not unique:  # «杭州那家出租公司»: named by what they are, not by a handle
        decision = check_described(customers, described, actor, current_ref)
        if decision.refused and not description_asked(text, described):
            return Decision()  # «杭州做出租的客户一般多久换一次车»: a kind of customer, in general
        return decision
    subject = ""
    for hit in unique.values():
        try:
            if callable(check):
                check(hit.customer_id, actor)
            else:  # a CRM port without the owner-row check: the 360 call checks before returning anything
                customers.customer_360(hit.customer_id, actor)  # type: ignore[attr-defined]
        except AccessDenied as exc:
            # any handle, a romanised trade name («Hongyuan») included: the directory keeps only handles that name
            # one customer, so the access reason stands (the owner goes to the ledger only) — unless the rep wants
            # that customer's terms for this one («…I want to match it for this client»): what is refused then is
            # another customer's prices
            reason = exc.reason or "not_owner"
            if reason == "not_owner" and PRICE_TERMS.search(text) and SAME.search(text):
                reason = "other_customer_prices"
            return Decision(
                reason=reason,
                customer_ref=hit.customer_id,
                owner=owner_text(hit) if actor.role == "rep" else "",
                via=hit.kind,
            )
        except (NotFound, InputError):
            continue
        except BackendUnavailable:
            return Decision(flags=["crm_unavailable"])
        if not subject:
            subject = hit.customer_id
    return Decision(subject=subject)  # own customers' prices are the rep's to see: no refusal on price alone


# an ask that points back («他们家那台车», «their contract») at the customer the previous ask of this conversation named:
# that ask's verdict holds (a refusal is refused again, an own customer is the subject). Kept in the deps' cache, per
# conversation and actor, the previous ask only, and per process: with several worker processes a follow-up is refused
# again only when it reaches the process that saw the first ask (otherwise it is answered about the conversation's
# own customer, which tells nothing of the other party). Worker threads share it under _EARLIER_LOCK
EARLIER_ASKS = "authz.earlier_asks"
EARLIER_MAX = 4096
_EARLIER_LOCK = threading.Lock()
THIS_CUSTOMER = re.compile(
    r"这个客户|这位客户|该客户|当前客户|本客户|这家客户|\b(?:this|the current)\s+(?:customer|client|account)\b",
    re.I,
)


def points_back(text: str) -> bool:
    """The ask points back at a party spoken of before («他们家那台车», «their contract»), not at the conversation's
    customer («这个客户») nor at a party it names itself («the other company … their»)."""
    if THIS_CUSTOMER.search(text) or OTHER_PARTY.search(text):
        return False
    return bool(POINTS_BACK.search(text) or THEIR_PRONOUN.search(text))


def earlier_turn_named(
    customers: object, history: Sequence[dict[str, Any]], text: str, actor: Actor, current_ref: str
) -> Decision | None:
    """A rep's ask pointing back («他们实际拿的是几折？») at another customer the conversation's last customer turn named
    («听说宏远物流拿了九折», refused as such): that customer is checked for this actor as if the ask had named them. The
    turn is read as kept (masked: a person's name is a token by then, an organisation's name is not)."""
    if not points_back(text):
        return None
    last = next((h for h in reversed(history) if h.get("role") == "customer" and h.get("text")), None)
    # only a turn refused as being about someone else: «他们» after «我们跟宏远合作过…» is the customer themself
    if last is None or last.get("kind") != "refusal":
        return None
    said = str(last["text"])
    decision = check_mentions(customers, said, actor, current_ref)
    if not decision.refused:
        return None
    return Decision(
        reason=decision.reason, customer_ref=decision.customer_ref, owner=decision.owner, via="earlier_turn"
    )


def remember_ask(cache: dict[str, Any], key: tuple[str, ...], decision: Decision) -> None:
    """Keep what this ask named (its refusal, or the own customer it was about) for the next ask to point back at."""
    with _EARLIER_LOCK:
        memo: dict[tuple[str, ...], Decision] = cache.setdefault(EARLIER_ASKS, {})
        memo.pop(key, None)
        if decision.refused or decision.subject:
            memo[key] = decision
            while len(memo) > EARLIER_MAX:
                memo.pop(next(iter(memo)))


def pointed_back(cache: dict[str, Any], key: tuple[str, ...], text: str) -> Decision | None:
    """The previous ask's verdict when this ask names nobody itself and points back at a party («他们家», «她那台»,
    «their»), not at the conversation's customer («这个客户»)."""
    with _EARLIER_LOCK:
        earlier = (cache.get(EARLIER_ASKS) or {}).get(key)
    if earlier is None or not points_back(text):
        return None
    if earlier.refused:
        return Decision(
            reason=earlier.reason, customer_ref=earlier.customer_ref, owner=earlier.owner, via="earlier_ask"
        )
    return Decision(subject=earlier.subject)


DESCRIPTION = (
    "description"  # knowledge.crm.directory: a customer described (place, kind, what they own, surname)
)
LOOSE = DESCRIPTION + ".loose"  # a place and a kind the CRM has no word for: every organisation there fits


def description_asked(text: str, described: list[MentionHit]) -> bool:
    """The description is of one customer something is asked about: its clause (with the next when that continues it
    or points back) asks, and does not speak of a kind in general («杭州做出租的客户一般多久换一次车»)."""
    start, end = _span(described[0], text)
    spans = clauses(text)
    i = clause_at(spans, max(start, 0))
    if i < 0:
        return True
    own = text[spans[i].start : spans[i].end]
    tail = own[max(end, spans[i].start) - spans[i].start :] if end >= 0 else own
    if _ABOUT_THEM.search(own) or ASKING.search(tail):
        return not BROAD.search(own)
    # a topic, perhaps described further («北京那个开X5的女士，十月份刚提车的，她首保做了没？»): the clauses after it,
    # while they go on describing or point back
    for j in range(i + 1, min(i + 3, len(spans))):
        nxt = text[spans[j].start : spans[j].end]
        pointed = POINTS_BACK.search(nxt) or LEADS_BACK.match(nxt) or SAME.search(nxt)
        asks = _ABOUT_THEM.search(nxt) or ASKING.search(nxt)
        if (pointed or joins(own, nxt)) and asks:
            return bool(pointed) or not BROAD.search(own)
        if asks:  # a question of the asker's own («…，这个客户的质保呢？»)
            return False
    return False


def _may_see(customers: object, customer_id: str, actor: Actor) -> str:
    """Empty when this actor may see the customer, else the reason (not_owner, not_on_call …)."""
    check = getattr(customers, "check_access", None)
    try:
        if callable(check):
            check(customer_id, actor)
        else:
            customers.customer_360(customer_id, actor)  # type: ignore[attr-defined]
    except AccessDenied as exc:
        return exc.reason or "not_owner"
    return ""


def check_described(customers: object, hits: list[MentionHit], actor: Actor, current_ref: str) -> Decision:
    """A customer described instead of named («杭州那家出租公司», «北京做网约车的那个大客户»): every customer the
    description fits. Refused (with the owner when they share one) only when the actor may see none of them; when it
    fits customers of their own the ask is about those («described_own»: not a question about someone else)."""
    allowed: list[MentionHit] = []
    denied: list[tuple[MentionHit, str]] = []
    for h in hits:
        if h.customer_id == current_ref:
            allowed.append(h)
            continue
        try:
            reason = _may_see(customers, h.customer_id, actor)
        except (NotFound, InputError):
            continue
        except BackendUnavailable:
            return Decision(flags=["crm_unavailable"])
        if reason:
            denied.append((h, reason))
        else:
            allowed.append(h)
    if allowed:
        one = allowed[0].customer_id if len(allowed) == 1 else ""
        return Decision(subject=one if one != current_ref else "", flags=["described_own"])
    if not denied:
        return Decision()
    first, reason = denied[0]
    # every customer it may describe is someone else's: the access reason, loose fit or not (no owner is ever shown,
    # so a loose fit reveals nothing more than a close one); the owner is kept for the ledger when they share one
    owners = {owner_text(h) for h, _ in denied}
    return Decision(
        reason=reason,
        customer_ref=first.customer_id if len(denied) == 1 else first.value,
        owner=owners.pop() if len(owners) == 1 and actor.role == "rep" else "",
        via=LOOSE if first.kind == LOOSE else DESCRIPTION,
    )


def other_reps_book(customers: object, text: str, actor: Actor) -> Decision | None:
    """A rep or agent asking about the customers of another rep, named as their owner («赵明的客户», «孙悦手上那几家»):
    refused as not_owner for a rep (not_on_call for an agent) before any of those customers is looked up. Admins and
    evaluators see every book; with team visibility a rep sees their team's."""
    reps_named = getattr(customers, "rep_mentions", None)
    if not callable(reps_named) or actor.role in ("admin", "evaluator"):
        return None
    try:
        named = reps_named(text)
    except BackendUnavailable:
        return None
    team_visible = bool(getattr(customers, "team_visibility", False))
    for rep in named:
        if rep.rep_id == actor.id or (team_visible and actor.team and rep.team in (actor.team, "")):
            continue
        reason = "not_on_call" if actor.role == "agent" else "not_owner"
        owner = " ".join(p for p in (rep.team, rep.name) if p) if actor.role == "rep" else ""
        return Decision(reason=reason, customer_ref=f"{rep.name}的客户", owner=owner, via="rep_book")
    return colleague_figures(customers, text, actor, team_visible)


# what a colleague's book came to: their commission, results, deals («提成», «业绩», «签了多少单», "commission", "quota")
COLLEAGUE_FIGURES = phrases(
    r"提成|佣金|奖金|业绩|销量|销售额|(?:签|卖|成交|开|做|谈)了?(?:多少|几)单?|多少单|几单|KPI|指标|完成率|排名"
    r"|(?:手上|名下|手里)(?:有)?(?:多少|几)",
    r"commissions?|bonus(?:es)?|quotas?|targets?|numbers|sales|deals|pipeline|revenue|made\s+on",
)


class RepHandle(Protocol):
    """One of the directory's handles (a rep's, in mode "book": customer_id is the rep id, kind their team)."""

    @property
    def key(self) -> str: ...
    @property
    def customer_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def mode(self) -> str: ...


_BOOK_KEYS: dict[int, tuple[object, tuple[RepHandle, ...]]] = {}


def _colleague_keys(index: object) -> tuple[RepHandle, ...]:
    """The directory's handles for reps (name, given name, nickname, romanised: mode "book"), once per index."""
    kept = _BOOK_KEYS.get(id(index))
    if kept is None or kept[0] is not index:
        handles: Sequence[RepHandle] = getattr(index, "handles", ())
        keys = tuple(h for h in handles if h.mode == "book")
        if len(_BOOK_KEYS) > 8:
            _BOOK_KEYS.clear()
        kept = _BOOK_KEYS[id(index)] = (index, keys)
    return kept[1]


def colleague_figures(
    customers: object, text: str, actor: Actor, team_visible: bool = False
) -> Decision | None:
    """A rep or agent asking what another rep's book came to — their commission, results, how many deals they signed
    («孙某这个月提成多少», «思远今年签了多少单», "How much commission did Gao make?"): the figures of that rep's
    customers, refused as not_owner (not_on_call for an agent) before anything is read. The colleague is found by the
    directory's names for reps (full, given, nickname, romanised); their figures asked in the clause that names them."""
    directory = directory_of(customers)
    if directory is None:
        return None
    try:
        keys = _colleague_keys(directory.index())
    except Exception:  # noqa: BLE001 — no directory: nothing is read either way
        return None
    upper = text.upper()
    spans = clauses(text)
    for h in keys:
        at = upper.find(h.key)
        if (
            at < 0
            or h.customer_id == actor.id
            or (team_visible and actor.team and h.kind in (actor.team, ""))
        ):
            continue
        i = clause_at(spans, at)
        piece = text[at : spans[i].end] if i >= 0 else text[at : at + 30]
        if not COLLEAGUE_FIGURES.search(piece):
            continue
        reason = "not_on_call" if actor.role == "agent" else "not_owner"
        owner = " ".join(p for p in (h.kind, h.value) if p) if actor.role == "rep" else ""
        return Decision(reason=reason, customer_ref=f"{h.value}的客户", owner=owner, via="rep_figures")
    return None


def customer_trap(
    customers: object, text: str, current_ref: str, own_name: str = "", org_words: tuple[str, ...] = ()
) -> tuple[str, str]:
    """A customer's message (WeCom, 微信客服, a call) asking about another customer: (reason, how they were named) or
    ("", ""). Reasons: other_customer_prices (their prices, discounts, contract terms), other_customers_data (their
    orders, records, personal data). Another customer is named through the CRM's directory (any handle), by an
    organisation-shaped name the CRM does not know, or generically («别的客户», «隔壁那家»). Not a trap: the
    customer's own company, a competitor's quote («别人家店给9折»), a friend who referred them."""
    org_words = organisation_words(customers, org_words)
    mentions = getattr(customers, "mentions", None)
    hits: list[MentionHit] = []
    if callable(mentions):
        try:
            hits = list(mentions(text))
        except BackendUnavailable:
            hits = []
    # WHO asks, ABOUT WHOM: someone other than the holder speaking for a person's account (a relative, a proxy, a shop,
    # a former employee …). Refused only when the third person the message speaks of is the ASKER or the one whose
    # things are asked: a holder who says so («车主是我 平时主要是我老公在开 …我那个套餐还剩几次», «我是<holder>…»,
    # "the car is mine, my husband drives it") asks of their own account, whoever else they mention (holder_speaks)
    proxy = _holder_proxy(customers, text, current_ref, own_name, hits, mentions)
    if proxy and (
        proxy[0] != NOT_ACCOUNT_HOLDER
        or proxy[1] in _SUBJECT_NAMED  # a named relative's things asked: they are whose data is asked
        or not holder_speaks(text, [*said_of(hits, text, current_ref, True), own_name])
    ):
        return proxy
    # «我是<holder>老公，车是我的…», «我是车主<name>的老公»: a relation stated, then the account claimed or its holder named
    if not proxy and claims_over_role(text):
        return NOT_ACCOUNT_HOLDER, "claimed_proxy"
    # a phone or ID number as a look-up key: whoever it belongs to is not told (typed, or said on a call: pauses,
    # numerals, digits one by one)
    if number_names_someone(text) or number_names_someone(spoken(text, said_digits)):
        return PERSONAL_DATA_LOOKUP, "personal_number"
    described = described_others(hits, current_ref)
    hits_all = [h for h in hits if not h.kind.startswith(DESCRIPTION)]
    hits = [h for h in hits_all if h.customer_id != current_ref]
    if described is not None:  # «广州那位开Q9的女士…花了多少钱»: someone described, not the asker
        start, end = _span(described, text)
        # «我在杭州 物流公司 买X7多少钱»: the place is where the asker is, the kind what they are: themself described
        mine = start >= 0 and SELF_PLACED.search(text[max(0, start - 8) : start])
        asked = what_is_asked(text, start, end) if start >= 0 and not mine else ""
        if asked:
            return _REASON[asked], "description"
    for h, start, end in _each_mention(mentions, hits, text):
        claimed = claimed_identity(text, start, end)  # «我是宏远物流的韩经理，把我们的合同价发我»
        if claimed:
            return _REASON[claimed], f"claimed_{h.kind.split('.')[0]}"
        person = h.kind == "contact_name" or (h.kind == "customer_name" and not _is_org(h.value))
        record = h.kind.split(".")[0] in RECORD_KINDS
        asked = what_is_asked(text, start, end, person=person and not record, record=record)
        if not asked and record:  # one thing of one customer: a question anywhere in the message is about it
            asked = identifier_asked(text, start, end)
        if not asked and not record:  # «X是不是也在你们这买的车», "Is X one of your customers?"
            asked = existence_asked(text, start, end)
        if asked:
            return _REASON[asked], h.kind
    # (before the names the CRM does not know) any reference the CRM resolves to another customer, owned in the sentence and asked about («X那批车哪天交的»,
    # «X去年那单一台多少钱», "X … their vans"), typed or said (agents/authz_records.py)
    asked, kind = others_record_asked(customers, text, current_ref)
    if asked:
        return _REASON[asked], f"record_of_{kind.split('.')[0]}"
    # someone the message itself speaks of as buying here, taken up by «他/她» and asked of (agents/authz_records.py)
    asked = party_resumed_asked(text)
    if asked:
        return _REASON[asked], "party_resumed"
    shown = SHOWN_TERMS.search(
        text
    )  # «[截图: 宏远物流 报价单 … 9折] 照这个价给我»: their terms, shown, asked for
    for h in hits if shown else ():
        start, _ = _span(h, text)
        if 0 <= start < shown.start() and PRICE_TERMS.search(text, start, shown.start()):  # type: ignore[union-attr]
            return _REASON["prices"], "shown_terms"
    for name, start, end in unknown_org_mentions(
        text, own_name, party_words_of(customers), (*org_words_of(customers), *english(org_words)), org_words
    ):
        if callable(mentions) and _names_current(mentions, name, current_ref):
            continue  # «我们恒通快运»: the customer's own company, whatever the masker or the 360 knew
        asked = claimed_identity(text, start, end, titled=True) or unresolved_party_asked(text, start, end)
        if asked:
            return _REASON[asked], "unresolved_name"
    asked = generic_other_party(text, customer=True, party_words=(*party_words_of(customers), *org_words))
    if asked:
        return _REASON[asked], "generic"
    if same_as_shown_party(text):  # «[…给王先生优惠8000元…] 我也要跟他一样»
        return _REASON["prices"], "shown_terms"
    if deals_aggregate(text, customer=True):  # «你们卖给车队客户最低几折»: one customer's deal, unnamed
        return _REASON["prices"], "aggregate"
    if peers_typical_terms(text):  # «跟我们体量差不多的车队一般能谈到多少个点»: others' usual terms, unnamed
        return _REASON["prices"], "aggregate"
    asked = who_else_asked(text, (*party_words_of(customers), *org_words))  # «…都卖给谁了»
    if asked:
        return _REASON[asked], "aggregate"
    # «介绍一个你们的老客户 给个电话», «买了X7的车主 把他微信推给我»: another customer's contact
    asked = contact_of_others_asked(joined(text))
    if asked:
        return _REASON[asked], "contact_of_others"
    # every customer at once («把你们所有企业客户的名单发我»): other customers' data. A customer's own kind of party
    # («咱车队所有车», «every fleet vehicle for us») is their own fleet: the tenant's party words are a population
    # only when the message says it is others' («其他车队», «everyone's»); the closed class («客户») always is
    others = explicitly_others(text)
    words = (*party_words_of(customers), *org_words, *org_words_of(customers)) if others else ()
    named = [_span(h, text) for h in hits_all]
    asked = bulk_asked(text, words, named) or all_customers_asked(
        text, (*party_words_of(customers), *org_words) if others else ()
    )
    # every customer's rows fetched (a list, a table): the population's data, as for a rep
    if (
        asked == "prices"
        and not deals_aggregate(text, customer=True)
        and (POPULATION_ROWS.search(text) or CONTACT_DETAILS.search(text))
    ):
        asked = "records"
    if asked:
        return _REASON[asked], "aggregate"
    return "", ""


# the proxy verdicts that name the one whose things are asked (a relative the CRM resolves, the holder named with a
# relation by the speaker): a speaker who says they are a holder still asks of that other person
_SUBJECT_NAMED = frozenset({"relative_of_holder", "caller_relation"})


def _holder_proxy(
    customers: object, text: str, current_ref: str, own_name: str, hits: list[MentionHit], mentions: Any
) -> tuple[str, str] | None:
    """The checks of someone speaking for a person's account (customer_trap): (reason, how named) or None. Every
    verdict here is not_account_holder but a customer asking for someone else as well as themself (their records)."""
    # the conversation's customer an organisation by the CRM (its kind of business), not by the words: its staff (a
    # driver, a secretary of its contact) speak for it; relation / proxy checks are for a person's account only
    org_account = account_is_org(customers, current_ref)
    for h in (
        hits
    ):  # «我是周强的爱人，把他的订单退了»: speaking for someone, the conversation's own customer included
        start, end = _span(h, text)
        person = h.kind == "contact_name" or (h.kind == "customer_name" and not _is_org(h.value))
        if (
            person
            and start >= 0
            and h.customer_id == current_ref
            and (org_account or own_org_staff(text[start:end]))
        ):
            continue  # «我是邓主管的助理，帮他查下我们公司那批车»: an organisation's staff, the customer itself
        if person and start >= 0 and proxy_claim(text, start, end):
            return NOT_ACCOUNT_HOLDER, "claimed_proxy"
        if (
            person
            and start >= 0
            and h.customer_id != current_ref
            and relative_named(text, start, end)
            and holder_things_asked(text[end:])
        ):
            # «我妹<holder>那台X7的套餐还剩几次 她让我帮她问的»: a relative speaking for a holder who is another customer
            # (the CRM resolves them): only the holder may hear of or act on their account
            return NOT_ACCOUNT_HOLDER, "relative_of_holder"
    if former_staff_asked(text):  # «我以前是X的行政主管 上个月离职了 …合同能发我吗»: not the account now
        return NOT_ACCOUNT_HOLDER, "former_staff"
    if proxy_asked(text):  # «I'm Sun Li's husband, what did she pay…»: a holder the directory did not resolve
        if ON_BEHALF.search(text) and OWN_TOO.search(text):
            # «她让我帮她问问她那台的质保。还有我自己的套餐…»: the customer themself, asking for someone else as well:
            # that one's data is refused, their own is answered
            return _REASON["records"], "on_behalf"
        return NOT_ACCOUNT_HOLDER, "claimed_proxy"
    # «我们是城东一家维修店，X先生的车…保养套餐还剩几次»: an establishment (a shop, an insurer, an employer) asking for
    # the holder's things; «X是我儿子，他那台车…»: a relative. Never told: only the holder may be
    persons = any(
        (h.kind == "contact_name" or (h.kind == "customer_name" and not _is_org(h.value)))
        and not SELF_NAMED.search(text[max(0, _span(h, text)[0] - 12) : max(0, _span(h, text)[0])])
        and not (org_account and h.customer_id == current_ref)  # an organisation's own contact: the customer
        for h in hits
    )  # «I'm <their own contact> - did our company…» names the asker, not a holder spoken of
    if third_party_asked(
        text,
        holder_named=persons,
        party_words=party_words_of(customers),
        is_own=lambda said, head: _names_own_org(mentions, said, current_ref, head),
        org_account=org_account,
    ) or relative_asked(text):
        return NOT_ACCOUNT_HOLDER, "third_party"
    # «我 是 <holder> 他 爱人 …他那台车…», «I'm calling for my wife»: the caller introduces themself by a relation to
    # the holder (or asks of a relative's things): the caller is not the account's holder (agents/authz_caller.py)
    # Only a person's account has a caller who is not its holder: an organisation's staff («I'm writing for my boss»,
    # a clerk for the department) speak for the organisation, the customer itself
    own_forms = [*said_of(hits, text, current_ref, True), own_name]
    own_org = org_account or (own_name and _is_org(own_name)) or _own_org_named(hits, text, current_ref)
    if not own_org and caller_not_holder(text, own_forms, said_of(hits, text, current_ref, False)):
        return NOT_ACCOUNT_HOLDER, "caller_not_holder"
    # «车主是我老板…把手机号改成我的», «我是给王总开车的…发票发我», "the car isn't in my name": a person's account asked of
    # by someone who says it is not theirs (agents/authz_caller.py holder_disowned)
    if not own_org and holder_disowned(text):
        return NOT_ACCOUNT_HOLDER, "holder_disowned"
    # «我是<holder>他爸，孩子那台…», «<holder>是我老爸，他那台…»: the holder, resolved by the CRM, named with a relation
    # by the speaker, whose things are asked (agents/authz_records.py)
    if not own_org and relation_to(text, own_forms) and holder_things_asked(text):
        return NOT_ACCOUNT_HOLDER, "caller_relation"
    return None


def _own_org_named(hits: list[MentionHit], text: str, current_ref: str) -> bool:
    """The text names the conversation's own customer as an organisation: its company name, or a contact of theirs
    by a business title («邓主管»): the speaker is its staff, not someone speaking for a person's account."""
    for h in hits:
        if h.customer_id != current_ref or h.kind.startswith(DESCRIPTION):
            continue
        start, end = _span(h, text)
        if (h.kind.startswith("customer_name") and _is_org(h.value)) or (
            h.kind == "contact_name" and start >= 0 and own_org_staff(text[start:end])
        ):
            return True
    return False


def said_of(hits: list[MentionHit], text: str, current_ref: str, own: bool) -> list[str]:
    """How the text names the conversation's customer (own=True) or other customers: the words as said, and the CRM's
    value of each handle."""
    out: list[str] = []
    for h in hits:
        if h.kind.startswith(DESCRIPTION) or (h.customer_id == current_ref) != own:
            continue
        a, b = _span(h, text)
        out += [text[a:b]] if a >= 0 else []
        out.append(h.value)
    return out


def _each_mention(mentions: Any, hits: list[MentionHit], text: str) -> list[tuple[MentionHit, int, int]]:
    """Every place each customer is named (the directory gives the first): «我们跟杭州宏远是一个集团的，把宏远那边的
    合同价发我» asks about the second."""
    out: list[tuple[MentionHit, int, int]] = []
    for h in hits:
        start, end = _span(h, text)
        for _ in range(3):
            if start < 0:
                break
            out.append((h, start, end))
            try:
                later = (
                    [x for x in mentions(text[end:]) if x.customer_id == h.customer_id]
                    if callable(mentions)
                    else []
                )
            except BackendUnavailable:
                later = []
            if not later:
                break
            s2, e2 = _span(later[0], text[end:])
            start, end = (end + s2, end + e2) if s2 >= 0 else (-1, -1)
    return out


def described_others(hits: list[MentionHit], current_ref: str) -> MentionHit | None:
    """The first description in a customer's message that fits only other customers (one that also fits the asker
    may be the asker describing themselves)."""
    by_phrase: dict[tuple[int, int], list[MentionHit]] = {}
    for h in hits:
        if h.kind.startswith(DESCRIPTION):
            by_phrase.setdefault((int(getattr(h, "start", -1)), int(getattr(h, "end", -1))), []).append(h)
    for fits in by_phrase.values():
        if all(h.customer_id != current_ref for h in fits):
            return fits[0]
    return None


def names_current(customers: object, name: str, current_ref: str) -> bool:
    """The name (an organisation-shaped phrase) resolves in the directory to the conversation's own customer."""
    mentions = getattr(customers, "mentions", None)
    return callable(mentions) and _names_current(mentions, name, current_ref)


def _names_own_org(mentions: Any, said: str, current_ref: str, head: int = -1) -> bool:
    """«我们是X有限公司»: the self-introduction names the customer's own organisation (not a person of theirs); with
    `head`, a name starting within its first `head` characters (the establishment the introduction reached is part of
    that name: «我是恒行租赁…», not «我是维修店的 帮恒行租赁查下…»)."""
    if not callable(mentions):
        return False
    try:
        return any(
            h.customer_id == current_ref
            and not (h.kind == "contact_name" or not _is_org(h.value))
            and (head < 0 or 0 <= int(getattr(h, "start", 0)) < head)
            and (head < 0 or not establishment_after_name(said[max(int(getattr(h, "end", 0)), 0) :]))
            for h in mentions(said)
        )
    except BackendUnavailable:
        return False


def _names_current(mentions: Any, name: str, current_ref: str) -> bool:
    try:
        return any(h.customer_id == current_ref for h in named_mentions(mentions, name))
    except BackendUnavailable:
        return False


SCREEN = "authz_screen:"  # the flag perceive leaves for decide: «authz_screen:<reason>:<how named>», no names


def screen_customer_text(
    customers: object,
    raw_text: str,
    customer_ref: str,
    earlier: str = "",
    org_words: Sequence[str] = (),
    carried: dict[str, Any] | None = None,
    channel: str = "",
) -> tuple[str, dict[str, Any]]:
    """Run at the masking boundary (perceive) on the raw text — masking turns a plate or a name into a token, after
    which nobody could be recognised — and leave only the verdict: a flag with the reason and the kind of handle,
    never who was named nor anything of theirs ("" when the message asks about nobody else), and what the next turn
    needs to take this one up (the state's `authz_carry`: the verdict, the kinds of handles to other customers this
    turn named, what it asked; no names, no numbers). `earlier`: the customer's previous turn as kept (masked), for a
    turn pointing back at someone it spoke of generically; `carried`: what the previous turn left. `channel`: on a
    call (voice, an agent on the line with the customer the caller's number maps to), a caller introducing themself as
    another customer is refused as not_on_call (on_call_reason): the agent would be serving someone not on the call."""
    try:
        words = tuple(org_words)
        customers = _Memo(customers)  # the directory is asked about the same text several times here
        reason, named_by = customer_trap(customers, raw_text, customer_ref, org_words=words)
        read = reading(raw_text, customers)  # Cantonese, the CRM's names by their sound, a terse possessive
        if not reason and read != raw_text:
            reason, named_by = customer_trap(customers, read, customer_ref, org_words=words)
            if reason:  # the evidence says the text was read otherwise (no names cross the masking boundary)
                named_by = f"{named_by}+second_reading"
        if not reason:  # «她姓X，北京的，开X5，帮我查下她的保养记录»: someone described over several clauses
            reason, named_by = described_asked(customers, read, customer_ref), "described_person"
        if not reason and earlier:
            asked = earlier_party_asked(earlier, raw_text)
            reason, named_by = (_REASON[asked], "earlier_turn") if asked else ("", "")
        reason = on_call_reason(reason, named_by, channel, read)
        named = named_handles(customers, read, customer_ref)
        carry = {"reason": reason, "named": named, "asked": _asked_of(read)}
        if not reason and not named and carried:
            # «这台车是你们店卖的吗» after a turn that gave only a plate: the thing that identifier named
            inherited = taken_up(raw_text, carried, party_words_of(customers)) or identifier_taken_up(
                raw_text, [str(k) for k in carried.get("named") or ()]
            )
            if (
                inherited
            ):  # «按那个报价给我来两台», «那他们呢», «一样的给我查下»: the earlier object and verdict
                reason, named_by = inherited, "earlier_turn"
                carry = {**carried, "reason": reason}
    except Exception:  # noqa: BLE001 — a CRM fault must not stop the message; nothing of anyone is read after this
        log.warning("authorization screen skipped: the CRM directory failed", exc_info=True)
        return "", {}
    return (f"{SCREEN}{reason}:{named_by}" if reason else ""), carry


# how a customer's message named someone when the asker claimed to BE that customer («我是<another>…我那台…»)
CLAIMED = "claimed_"
VOICE = "voice"


# someone else the caller speaks of («我是问我朋友X的…»): the name is theirs, not a claim of the caller's own identity
SPOKEN_OF = re.compile(rf"朋友|邻居|同学|亲戚|{FAMILY}")


def on_call_reason(reason: str, named_by: str, channel: str, text: str = "") -> str:
    """The reason for a caller, on a call, introducing themself as another customer than the one the call is with
    («喂 我是<another customer> 我那台车质保到什么时候»): not_on_call — the agent on the line would look up a customer
    not on the call. Their prices or records asked of a third party they speak of («我邻居那台…») keep their reason,
    as do relations and look-ups by number («我是问我朋友X的…» is no claim); so does any claim written in a chat."""
    claimed_other = reason in (_REASON["prices"], _REASON["records"]) and named_by.startswith(CLAIMED)
    claimed_other = claimed_other and not SPOKEN_OF.search(text)
    return "not_on_call" if channel == VOICE and claimed_other else reason


class _Memo:
    """A CRM port whose `mentions` answers each text once (one screen asks the directory about the same text from
    several checks); everything else is the port's own."""

    def __init__(self, port: object) -> None:
        self._port = port
        self._said: dict[str, list[Any]] = {}
        found = getattr(port, "mentions", None)
        if callable(found):
            self.mentions = self._mentions
        self._found = found

    def _mentions(self, text: str) -> list[Any]:
        hits = self._said.get(text)
        if hits is None:
            hits = self._said[text] = list(self._found(text))  # type: ignore[misc]
        return hits

    def __getattr__(self, name: str) -> Any:
        return getattr(self._port, name)


def _asked_of(text: str) -> str:
    return "prices" if asks_terms(text) or SPENT.search(text) else "records" if asks_records(text) else ""


def named_handles(customers: object, text: str, current_ref: str) -> list[str]:
    """The kinds of handle by which the text names someone other than the conversation's customer (a name, a plate,
    an order number …, a phone or ID number not said as the asker's own): what a later turn may point back at. Kinds
    only — who it was is never kept."""
    kinds: list[str] = []
    mentions = getattr(customers, "mentions", None)
    if callable(mentions):
        try:
            hits = list(mentions(text))
        except BackendUnavailable:
            hits = []
        kinds = [h.kind for h in hits if h.customer_id != current_ref and not h.kind.startswith(DESCRIPTION)]
        # «宁波那家做物流的，你们熟吧»: a description that fits only other customers is someone a later turn may take
        # up («他们拿的几个点») as well as a name
        if described_others(hits, current_ref) is not None:
            kinds.append(DESCRIPTION)
    if foreign_number(text):
        kinds.append("personal_number")
    return sorted(set(kinds))


# what a follow-up's verdict keeps of the earlier one: a look-up by number or a proxy stays what it was, whatever is
# asked next; another customer's terms or records follow what this turn asks
_KEPT_REASONS = frozenset({"personal_data_lookup", "not_account_holder"})


def taken_up(text: str, carried: dict[str, Any], holders: tuple[str, ...] = ()) -> str:
    """The verdict of a turn that names nobody itself but takes up the previous turn's object (agents.authz_phrases
    takes_up): the previous verdict, for what this turn asks; after a turn that named someone else without being
    refused («你们是不是也给X供车？»), a refusal only when this turn asks their terms or records. "" otherwise."""
    how, asked = takes_up(text, holders)  # holders: the CRM's words for its customers («车主»), as a subject
    if not how:
        return ""
    before = str(carried.get("reason") or "")
    asked = asked or str(carried.get("asked") or "")
    if before:
        if before in _KEPT_REASONS or before not in _REASON.values():
            return before
        return _REASON[asked] if asked else before
    if carried.get("named") and asked:
        return PERSONAL_DATA_LOOKUP if "personal_number" in carried["named"] else _REASON[asked]
    return ""


_REASON = {"prices": "other_customer_prices", "records": "other_customers_data"}
# the asker placing themself just before a place («我在上海», «我们这边是杭州的», «we're in Shanghai»)
SELF_PLACED = re.compile(
    r"(?:我|我们|咱们|咱|俺|本人|我司)(?:公司|这边|家)?(?:也|就|是)?(?:在|是|住|位于|来自)\s*$"
    r"|(?<![A-Za-z])(?:I'?m|I am|we'?re|we are|I live|we live|based)\s+(?:in|at|from)\s+$",
    re.I,
)
# the asker naming themself just before the name
SELF_NAMED = re.compile(r"(?:我是|我就是|本人是|(?<![A-Za-z])(?:I'm|I am|this is))\s*$", re.I)
# someone speaking for the account holder («我是周强的爱人，把订单退了»): only the holder may act on or hear of the account
NOT_ACCOUNT_HOLDER = "not_account_holder"
RECORD_KINDS = {"device", "order", "contract", "ticket", "customer_id"}
_ORG_WORDS = re.compile(r"公司|集团|有限|厂|院|所|店|中心|\b(Ltd|Inc|LLC|Corp|Co)\b", re.I)


def account_is_org(customers: object, customer_ref: str) -> bool:
    """The CRM says the customer is an organisation (the directory knows a kind of business for it: «物流», «租赁»),
    whatever the message says. False when the port cannot tell (then the words decide, as before)."""
    if not customer_ref:
        return False
    asked = getattr(customers, "is_organisation", None)
    if not callable(asked):  # the CRM service keeps its directory behind _customer_directory
        directory = getattr(customers, "_customer_directory", None)
        asked = getattr(directory(), "is_organisation", None) if callable(directory) else None
    if not callable(asked):
        return False
    try:
        return bool(asked(customer_ref))
    except BackendUnavailable:
        return False


def _is_org(name: str) -> bool:
    return bool(_ORG_WORDS.search(name)) or len(name) > 5


def _span(hit: MentionHit, text: str) -> tuple[int, int]:
    start, end = int(getattr(hit, "start", -1)), int(getattr(hit, "end", -1))
    if start >= 0 and end > start:
        return start, end
    at = text.find(hit.value) if hit.value else -1  # a port whose hits carry no offsets
    return (at, at + len(hit.value)) if at >= 0 else (-1, -1)


# characters that end or start a phrase, never part of a trade name («给», «的», «做»)
_NOT_IN_NAME = frozenset(
    "我你他她它们的了在是给帮看说听要这那个把和与跟向对从请问就也都还吧呢吗啊哪家些下查找做开跑搞干男女"
)


def kind_named(text: str, party_words: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """A trade name the CRM does not know before one of its kinds of customer: «鹏城租车» (a typo of a customer, or a
    stranger) when «租车» is how the CRM's customers are named."""
    out = []
    for word in party_words:
        if len(word) < 2 or not re.fullmatch(r"[\u4e00-\u9fff]+", word):
            continue
        for m in re.finditer(re.escape(word), text):
            trade = text[max(0, m.start() - 2) : m.start()]
            if (
                len(trade) == 2
                and re.fullmatch(r"[\u4e00-\u9fff]{2}", trade)
                and not _NOT_IN_NAME & set(trade)
            ):
                out.append((trade + word, m.start() - 2, m.end()))
    return out


# a possessive of the asker or the seller inside an organisation-shaped phrase
_SPEAKERS_OWN = re.compile(r"我们|咱们|我司|我的|你们|贵司")


def _speakers_own(name: str) -> bool:
    """The phrase is the asker's (or the seller's) own kind of thing: a possessive, then a bare kind («能加进我们的
    车组», «我们的X业务公司»), not other parties pointed at after it («我们同行那几家X业务公司»)."""
    found = list(_SPEAKERS_OWN.finditer(name))
    if not found:
        return False
    m = found[-1]  # the last possessive: what follows it is the phrase's kind
    rest = name[m.end() :].lstrip("的")
    return len(rest) <= 4 and not re.search(r"[那这哪几某]", rest)


def unknown_org_mentions(
    text: str,
    own_name: str = "",
    party_words: tuple[str, ...] = (),
    org_words: tuple[str, ...] = (),
    tenant_words: tuple[str, ...] = (),
) -> list[tuple[str, int, int]]:
    """Organisation-shaped names (agents.understanding.others, or a trade name before one of the CRM's kinds) with
    their offsets, the asker's own excepted."""
    out = [(n, s, e) for n, s, e in kind_named(text, party_words) if not own_name or n not in own_name]
    for name in other_customer_mentions(text, own_name, tenant_words):
        at = text.find(name)
        if at >= 0 and not _speakers_own(name):  # «能加进我们的车组»: the asker's own, not a name
            out.append((name, at, at + len(name)))
    for name in english_org_mentions(text, own_name, org_words):
        at = text.find(name)
        if at >= 0:
            out.append((name, at, at + len(name)))
    return out


_ABOUT_THEM = re.compile(
    PRICE_TERMS.pattern + "|" + RECORDS.pattern + "|" + THEIR_THINGS.pattern + "|" + LOOKUP.pattern, re.I
)


def asks_about_them(text: str, name: str, own_at: tuple[int, ...] = ()) -> bool:
    """The clause naming an organisation asks for something of theirs (prices, orders, records, their contract or
    service, a look-up): «帮我查下宏远物流的订单», not «杭州的出租车一般跑多少公里换车». A name said as the topic of
    its own clause (terse chat, a forwarded line: «宏远物流 去年拿了几台 啥折扣», «btw 宏远物流 上次 quote 给了多少»)
    is asked about by the clauses after it, while they go on (a pause, no new subject) or point back at it («他们»)."""
    at = text.find(name)
    if at < 0:
        return True
    spans = clauses(text)
    i = clause_at(spans, at)
    if i < 0:
        return bool(_ABOUT_THEM.search(text))
    # the conversation's own customer named before the organisation: it is the subject, and a pronoun after it
    # («他们的», "their") is its own, not the organisation's («顺X最近在跟Y物流比，他们的保修…»)
    own_first = any(p < at for p in own_at)
    piece = text[spans[i].start : spans[i].end]
    # the own customer named in the same clause: the clause tells of the two («顺X在跟Y物流比价», «Y物流也在找顺X谈
    # 合作»); it asks about the organisation only when it asks («顺X想知道Y物流的报价多少»)
    with_own = any(spans[i].start <= p < spans[i].end and not at <= p < at + len(name) for p in own_at)
    at -= spans[i].start
    before, after = piece[:at], piece[at + len(name) :]
    # their things after the name («宏远物流的订单», «宏远物流 上次拿了几台»), a look-up before it («帮我查下宏远物流»),
    # or a pronoun after it taking them up and asking («顺风出租他们的X5交车了没»); not a thing before the name that is
    # not theirs («合同让顺丰快运寄过去了»: a courier)
    # the question a pronoun after the name opens may end in the next clause ("Did they ever buy from us, and at
    # what discount?")
    asked_on = after + (text[spans[i + 1].start : spans[i + 1].end] if i + 1 < len(spans) else "")
    if (not with_own or ASKING.search(after)) and (
        _ABOUT_THEM.search(after)
        or LOOKUP.search(before)
        or (
            not own_first
            and (POINTS_BACK.search(after) or THEIR_PRONOUN.search(after))
            and ASKING.search(asked_on)
        )
    ):
        return True
    # the organisation as the SUBJECT of a question whether it dealt with this seller («X之前在我们这买过车吗», «X以前是
    # 不是我们的客户», "Has X ever bought from us?"): asked about, whatever else the clause says — not only a question
    # of its prices (the reason is then the organisation's, not the prices')
    if (
        not with_own
        and not _TOPIC_REST.sub("", before)
        and DEALT_WITH_US.search(after)
        and ASKING.search(after)
    ):
        return True
    rest = before + after
    topic = not _TOPIC_REST.sub("", rest)  # the clause is the name (and a pointer, «btw», «另外»)
    for j in range(i + 1, min(i + 4, len(spans))):
        nxt = text[spans[j].start : spans[j].end]
        # a pronoun after the own customer named first is theirs; a short form of the name is the organisation's
        pointed = short_name_opens(nxt, name) or (
            not own_first and (POINTS_BACK.search(nxt) or THEIR_PRONOUN.search(nxt))
        )
        opens_own = any(
            spans[j].start <= p <= spans[j].start + len(nxt) - len(nxt.lstrip()) + 6 for p in own_at
        )
        if not (topic or pointed) or _OTHER_SUBJECT.match(nxt) or opens_own:
            return False
        if _ABOUT_THEM.search(nxt) or (pointed and ASKING.search(nxt)):
            return True
        if not topic and not pointed:
            return False
    return False


# having dealt with this seller, said by the seller's side: bought / ordered / signed here, been a customer here
DEALT_WITH_US = phrases(
    r"(?:我们|咱们|咱|我司|本店|店里|这边|这里|我们这)[^，,。！？!?]{0,6}?(?:买|订|提|签|下单|下过单|成交|合作)"
    r"|(?:我们|咱们|咱|本店|我司)的?(?:老)?(?:客户|车主|用户)|(?:买|订|提|签)过(?:我们|咱们|咱|车|单)",
    r"(?:bought|ordered|purchased|leased)\b[^.?!]{0,24}\bfrom\s+us|(?:one of )?our\s+(?:customers?|clients?)"
    r"|(?:dealt|done business)\s+with\s+us",
)


def short_name_opens(clause: str, name: str) -> bool:
    """The clause opens by taking the organisation up again by a short form of its name, as a pronoun would
    («…某区长运货运来压价，长运上次在我们这成交价多少», «某区远帆物流也在谈，远帆之前…»): two or more characters
    of the name, not its last two (its kind: «物流这块…» speaks of the trade)."""
    head = clause.lstrip(" ，,、")
    if len(name) < 4:
        return False
    for n in (4, 3, 2):
        part = head[:n]
        if len(part) == n and re.fullmatch(r"[\u4e00-\u9fff]+", part) and part in name[:-2]:
            return True
    return False


# what may stand beside a name said as a topic: punctuation, brackets, a pointer, «btw», «另外», a particle
_TOPIC_REST = re.compile(
    r"[\s\W_]|那边|这边|他们|她们|那家|这家|的|呢|啊|吧|另外|还有|顺便|对了|有限|公司|集团|车队"
    r"|btw|by the way|also|and",
    re.I,
)
# a clause opening with another subject: the asker, the seller, the conversation's customer
_OTHER_SUBJECT = re.compile(r"^\s*(?:我|咱|这个客户|这家客户|本客户|\b(?:I|we|my|our)\b)", re.I)


def own_forms(customers: object, current_ref: str, own_name: str) -> str:
    """How the conversation's own customer is told apart from an organisation a message names: its trade names
    (the CRM directory's short names, «宏远» of 「上海宏远物流有限公司」), not the whole legal name, whose city and
    industry words any stranger in the same city and trade shares («杭州飞驰网约车» is not 「杭州某乙出租汽车」's). A
    person's name, or a port without a directory: the name itself."""
    directory = directory_of(customers)
    if directory is None or not current_ref:
        return own_name
    try:
        trades = directory.trade_names(current_ref)
    except Exception:  # noqa: BLE001 — the directory failed: the name as the CRM gives it
        return own_name
    cjk = [t for t in trades if re.fullmatch(r"[\u4e00-\u9fff]{2}", t)]  # the trade name, not place + trade
    return " ".join(cjk) if cjk else own_name


# a kind of customer said as a class: «出租公司这类客户», «租赁公司这种», «物流公司之类的»
A_CLASS_AFTER = re.compile(r"\s*(?:(?:这|那)一?[类种]|这样的|那样的|之类|一类)")


def unresolved_orgs(
    customers: object,
    text: str,
    current_ref: str,
    own_name: str,
    words: tuple[str, ...],
    org_words: tuple[str, ...],
) -> list[str]:
    """Organisations a rep's ask names and asks about that the CRM's directory cannot resolve (in another customer's
    conversation: other_customer_not_in_context): organisation-shaped names (agents.understanding.others, a trade
    name before one of the CRM's kinds, English company names), not the conversation's own customer (its trade names,
    or the directory resolving the name to it)."""
    own = own_forms(customers, current_ref, own_name)
    # a dictated ask («帮我 查 一下 上海 某某 物流 …») read whole, in simplified characters («…汽車租賃» is a 租赁)
    text = transcript(to_simplified(text))
    tight = [n for n, _, _ in kind_named(text, party_words_of(customers))]
    found = [
        *other_customer_mentions(text, own, words),
        *english_org_mentions(text, own_name, org_words),
        *place_headed(customers, text),
        *reported_parties(text),
    ]
    own_at = _own_at(customers, text, current_ref, own)
    out: list[str] = []
    for said in dict.fromkeys(found):
        name = _named_part(said)
        if not name or any(name in kept or kept in name for kept in out):
            continue
        if not asks_about_them(text, name, own_at) or names_current(customers, name, current_ref):
            continue
        if _names_someone(customers, name):  # the directory resolves it: ownership decides (check_mentions)
            continue
        if not _NO_NAME.sub(
            "", name
        ):  # «…集团下面的分公司»: bare words for a part of an organisation, no name of one
            continue
        at = text.find(name)
        if at >= 0 and A_CLASS_AFTER.match(text, at + len(name)):
            continue  # «出租公司这类客户…»: a kind of customer, not one organisation
        # the tightest form for the ledger: a trade name before a kind («宏远物流» of «帮我查下宏远物流»)
        out.append(next((t for t in tight if t in name), name))
    return out


# where a trade name after a place ends: a pointer or a party word («那边», «那家», «公司»), or a word that starts what
# is said of the party («也», «在», «去年»)
_TRADE_STOP = re.compile(
    r"那边|这边|那家|这家|公司|集团|有限|也|在|来|去年|今年|上次|之前|以前|是否|最近|跟|和|他们|她们|那批|这批"
)
# what a run after a place may be that is no trade name: a part of the place itself or of the seller's or customer's
# own organisation («浦东机场», «宝安区», «北京分公司», «上海总部»)
_NOT_TRADE = re.compile(
    r"区|[市县省镇路街站港湾口店仓库厂场园]$|(?:中心|基地|部|处|网点|经理|总监|主管|老板|队长|负责人)$"
    r"|分公司|总部|门店|本地|周边|附近|机场"
)


# a party reported by someone as doing business too: «王队长提到某地安捷冷链也打算换车», «李总说X也在跟我们谈»
_REPORT_VERB = re.compile(r"说|讲|提到|提起|提了一嘴|告诉我|透露")
_ALSO_ACTS = re.compile(r"也(?:在|想|打算|要|准备|有意|考虑)")
# people and parts of the own organisation, never another party's name («运营部门», «领导班子», «几个司机»)
_NOT_PARTY = re.compile(r"部门|团队|领导|班子|同事|司机|师傅|员工|老板|财务|行政|人事|采购|我|咱")
_TIME_HEAD = re.compile(
    r"[今明昨去前后上下本这那每]?(?:天|年|月|周|个月|礼拜|星期|季度|次|回)|年底|月底|年初|月初"
)


def reported_parties(text: str) -> list[str]:
    """A party someone reports as doing business too, named right after the report's verb and before «也在 / 也打算 /
    也想…»: «王队长提到某地安捷冷链也打算换车» (a name the CRM's places and kinds do not head: four to eight characters,
    no function word, no time, nothing of the asked-about things). Whether it is asked about, and whether the directory
    resolves it, is decided by the caller (unresolved_orgs): a later «他们…几台» or its short name («安捷上次…»)."""
    out: list[str] = []
    for v in _REPORT_VERB.finditer(text):
        j = v.end()
        while (
            j < len(text)
            and j - v.end() < 9
            and re.match(r"[\u4e00-\u9fff]", text[j])
            and text[j] not in _NOT_IN_NAME
            and not _TRADE_STOP.match(text, j)
        ):
            j += 1
        run = text[v.end() : j]
        if not 4 <= len(run) <= 8 or not _ALSO_ACTS.match(text, j):
            continue
        if (
            _TIME_HEAD.match(run)
            or _ABOUT_THEM.search(run)
            or _NOT_TRADE.search(run)
            or _NOT_PARTY.search(run)
        ):
            continue
        out.append(run)
    return out


def crm_places(customers: object) -> tuple[str, ...]:
    """The places the CRM's directory knows its customers by (their cities and regions: «杭州», «华东»), longest first."""
    directory = directory_of(customers)
    if directory is None:
        return ()
    try:
        described = directory.index().described
    except Exception:  # noqa: BLE001 — the directory failed: no places to read
        return ()
    places = {k.split(":", 1)[1] for k in described if k.startswith("place:")}
    return tuple(
        sorted((p for p in places if re.fullmatch(r"[\u4e00-\u9fff]{2,}", p)), key=len, reverse=True)
    )


def crm_kinds(customers: object) -> tuple[str, ...]:
    """The kinds of business the CRM's directory knows its organisations by (the kind words of their names)."""
    directory = directory_of(customers)
    if directory is None:
        return ()
    try:
        described = directory.index().described
    except Exception:  # noqa: BLE001
        return ()
    return tuple(k.split(":", 1)[1] for k in described if k.startswith("kind:"))


def place_headed(customers: object, text: str) -> list[str]:
    """Trade names headed by a place the CRM knows, whatever their kind of business: «广州白云恒达商贸那边», «北京快到
    科技那家», «深圳宝安顺达实业来压价» — a place, then four to six characters (a district is two) that are no function
    word, no kind of the CRM's (a place and a kind: a description) and no part of a place or of an organisation's own
    branches, up to a pointer, a party word or what is said of them. Whether the name is asked about, and whether the
    directory resolves it, is decided by the caller (unresolved_orgs)."""
    places = crm_places(customers)
    if not places:
        return []
    kinds = crm_kinds(customers)
    out: list[str] = []
    for place in places:
        for m in re.finditer(re.escape(place), text):
            j = m.end()
            while (
                j < len(text)
                and j - m.end() < 7
                and re.match(r"[\u4e00-\u9fff]", text[j])
                and text[j] not in _NOT_IN_NAME
                and not _TRADE_STOP.match(text, j)
            ):
                j += 1
            run = text[m.end() : j]
            if not 4 <= len(run) <= 6 or any(run.startswith(k) for k in kinds) or _NOT_TRADE.search(run):
                continue
            if any(m.start() < e and s < j for s, e in ((text.find(o), text.find(o) + len(o)) for o in out)):
                continue
            out.append(text[m.start() : j])
    return out


def _own_at(customers: object, text: str, current_ref: str, own: str) -> tuple[int, ...]:
    """Where the message names the conversation's own customer: its trade names, or a handle the directory resolves
    to it (an English or pinyin name)."""
    out: list[int] = []
    for form in (f for f in own.split() if len(f) >= 2):
        at = text.find(form)
        while at >= 0:
            out.append(at)
            at = text.find(form, at + 1)
    mentions = getattr(customers, "mentions", None)
    try:
        hits = named_mentions(mentions, text) if callable(mentions) and current_ref else []
    except BackendUnavailable:
        hits = []
    out += [
        _span(h, text)[0]
        for h in hits
        if h.customer_id == current_ref
        and not h.kind.startswith(DESCRIPTION)
        and getattr(h, "start", -1) >= 0
        # the own contact as the one who reports («李经理说X公司也在比价，他们…»): the report's subject is X, so
        # a pronoun after it is X's, not the own customer's
        and not REPORTS.match(text, max(_span(h, text)))
    ]
    return tuple(sorted(set(out)))


# a report's verb right after its speaker: «…说», «…提到», «…跟我讲», "… mentioned", "… said"
REPORTS = re.compile(
    r"\s*(?:刚才|刚|也|还|跟我|和我|同我)?\s*(?:说|讲|提到|提起|提了|告诉我|透露|表示)|\s+(?:mentioned|said|says|told me)\b"
)


# a pointer or a quantifier inside an organisation-shaped phrase: what follows it is the name, if anything is
_POINTED = re.compile(
    r"[这那哪某][一几]?[家个位些]|所有|全部|全体|每一?[个位家]|各[个位家]|任何|一切|其他|其它|别的"
    r"|(?:全|整个|本|贵|我们|咱们|你们)(?=公司|集团|单位)"  # «全公司…的客户名单»: the seller itself
)
# (or a verb taking the organisation as its object: «李经理拿X物流来压价», «把X物流的单子…»)
_REPORTED = re.compile(r"说|讲|提到|提起|告诉我|透露|表示|拿|把")
_NOT_NAME_CHARS = re.compile(r"^[\s的做搞开跑干叫是呃嗯啊额哦]+")


def _named_part(said: str) -> str:
    """The name in an organisation-shaped phrase: what follows its last pointer or quantifier, hesitations dropped
    («那个呃广州顺风出租» → «广州顺风出租»); "" when only a kind is left («这家医院», «所有车队», «那家做物流»: a kind
    pointed at or quantified, not a name)."""
    said = _REPORTED.split(said)[-1]  # «经理说上海某某公司», «经理拿某某物流»: the name is what is reported
    last = max((m.end() for m in _POINTED.finditer(said)), default=-1)
    rest = said[last:] if last >= 0 else said
    rest = _NOT_NAME_CHARS.sub("", rest)
    if _BARE_KIND.fullmatch(rest):  # «王主管说公司领导也同意了»: the word for an organisation, no name
        return ""
    return rest if len(rest) > 3 or (last < 0 and len(rest) >= 2) else ""


_BARE_KIND = re.compile(r"(?:本|总|分)?(?:公司|集团|单位|企业|工厂|总部|车队|部门)")


# what an organisation's name is not made of alone: the bare words for an organisation or a part of it, and words
# placing it under another («集团下面的分公司», «公司底下新成立的车队»): with nothing else, no organisation is named
_NO_NAME = re.compile(
    rf"{_BARE_KIND.pattern}|分?子?公司|下面|下属|旗下|底下|名下|新成立|新开|新注册|刚成立|的|那个|这个|一家|一个|\s"
)


def _shares(name: str, own: str) -> bool:
    return any(name[i : i + 2] in own for i in range(len(name) - 1))


def _names_someone(customers: object, name: str) -> bool:
    mentions = getattr(customers, "mentions", None)
    if not callable(mentions):
        return False
    try:
        return any(not h.kind.startswith(DESCRIPTION) for h in named_mentions(mentions, name))
    except BackendUnavailable:
        return False


def party_words_of(customers: object) -> tuple[str, ...]:
    words = getattr(customers, "party_words", None)
    if not callable(words):
        return ()
    try:
        return tuple(words())
    except BackendUnavailable:
        return ()


# the population's rows fetched: listed, exported, tabulated, compiled («列出来», «导一份», «拉个表», «汇总», «export»)
POPULATION_ROWS = phrases(
    r"列(?:出|一下|个|成|给)|导出|导一?[份个下]|名单|汇总|统计|成表|表格|清单|明细|拉[一个]?[份张下表]|整理"
    r"|[做出制]一?[个张份]?(?:对比)?表|对比表|[价扣]表",
    r"list|export|table|spreadsheet|excel|csv|compile|dump",
)

# a person's contact details, whoever's: phone, mobile, WeChat, address, the contact person
CONTACT_DETAILS = phrases(
    r"手机|电话|联系方式|联系人|对接人|微信|地址|邮箱",
    r"phones?|mobiles?|contacts?|e-?mails?|address(?:es)?|wechat",
)


def generic_other_terms(text: str, customers: object = None, org_words: tuple[str, ...] = ()) -> str:
    """A rep's ask about other customers' prices or orders in general («其他车队都拿的什么价», «隔壁那家签的几个点»,
    «what are other fleets paying»): the reason, or "".

    Precedence (session 14): the SCOPE of the ask decides before what it asks. A population beyond the rep's book —
    every customer, the whole company, whoever's, other reps' — whose rows are fetched (listed, exported, tabulated)
    or whose contact details are asked is other_customers_data, even when what is fetched is their prices or
    discounts («所有车队客户的成交价和联系人电话拉个表»): a list of everyone's deals discloses the population, not one
    customer's terms for this one. other_customer_prices stays for another customer's (or an unnamed other party's)
    terms wanted for this customer («其他车队都拿的什么价»), and for one customer picked out of the population
    («所有客户里谁拿的折扣最高», «哪个客户买得最多，什么价», «the biggest discount anyone got»): the answer is that one
    customer's terms."""
    words = (*party_words_of(customers), *organisation_words(customers, org_words), *org_words_of(customers))
    text = _named_pointer_dropped(customers, text)  # «X那家做X业务的…»: X's pointer, not another party
    # a population beyond the rep's book: every customer, the whole company, whoever's, other reps' (agents/authz_scope)
    t = joined(text)  # a dictated ask's pauses («所有 客户 的 成交价») are not word boundaries
    asked = bulk_asked(t, words, _named_spans(customers, t)) or all_customers_asked(
        t, (*party_words_of(customers), *organisation_words(customers, org_words))
    )
    if asked and own_book_only(t) and not explicitly_beyond(t):
        asked = ""  # «我的所有客户里…», «我这边所有车主…», «名下所有客户…»: the rep's own book
    if asked:  # «全部…客户的…按少到多排», «every customer whose warranty ends this quarter»
        # a question picking one out («所有客户里谁…最…», «哪个客户买得最多…什么价») asks that one's terms; rows of the
        # population fetched (a list, an export, a table) or their contact details are the population's data
        rows = POPULATION_ROWS.search(t) or CONTACT_DETAILS.search(t)
        if asked == "prices" and (deals_aggregate(t, customer=False) or not rows):
            return "other_customer_prices"
        return "other_customers_data"
    asked = generic_other_party(
        text,
        customer=False,
        party_words=(*party_words_of(customers), *organisation_words(customers, org_words)),
    )
    if asked:
        return _REASON[asked]
    if deals_aggregate(text, customer=False):  # «咱们卖给出租公司最低几折», «the biggest discount anyone got»
        return "other_customer_prices"
    other = OTHER_PARTY.search(text)
    if (
        EN_PRICE_OF_OTHERS.search(text)
        and other
        and not OWN_BEFORE.search(text[: other.start()])  # «my other accounts»: the rep's own book
        and not (COMPETITOR.search(text) and not received_terms(text, other.start()))
    ):
        return "other_customer_prices"
    # a question over the customers as a class, naming nobody and quantifying nothing: which of them, how much was
    # sold to them, the terms they got («今年买了X7的客户都有谁», "top 10 customers by volume"): agents/authz_scope.py
    asked = population_asked(
        t, words, [*_named_spans(customers, t), *_trade_named_spans(customers, t, words)]
    )
    if asked:
        return _REASON[asked]
    return ""


def _trade_named_spans(customers: object, text: str, words: Sequence[str] = ()) -> list[tuple[int, int]]:
    """Where a trade name the CRM does not know stands before one of its kinds («顺X物流»: one organisation, decided
    as such later), not a place before it («华东X业务»: a class of customers). Places are the directory's own."""
    directory = directory_of(customers)
    try:
        described = getattr(directory.index(), "described", {}) if directory is not None else {}
    except Exception:  # noqa: BLE001 — no directory: every such phrase reads as a name
        described = {}
    places = {str(k).split(":", 1)[1] for k in described if str(k).startswith("place:")}
    kinds = tuple(dict.fromkeys([*party_words_of(customers), *(w for w in words if w and not w.isascii())]))
    return [(a, b) for n, a, b in kind_named(text, kinds) if n[:2] not in places]


# a pointer right after a customer's handle («X那家», «X这个», «X那边»): it points at X
_POINTER_AFTER = re.compile(r"\s*(?:那|这)[一几]?(?:家|个|位|边)")


def _named_pointer_dropped(customers: object, text: str) -> str:
    """The text without the pointer that follows a customer the directory resolves by a handle («某甲那家做X业务的，
    他们手上…» reads «某甲做X业务的，…»): that «那家» points at the customer named, never at another party. Called
    once the ask's handles passed the owner check, so every customer named here is one the asker may see."""
    mentions = getattr(customers, "mentions", None)
    if not callable(mentions):
        return text
    try:
        hits = [h for h in mentions(text) if not h.kind.startswith(DESCRIPTION)]
    except BackendUnavailable:
        return text
    cuts = []
    for h in hits:
        _, end = _span(h, text)
        m = _POINTER_AFTER.match(text, end) if end >= 0 else None
        if m:
            cuts.append((m.start(), m.end()))
    for start, end in sorted(cuts, reverse=True):
        text = text[:start] + text[end:]
    return text


def _named_spans(customers: object, text: str) -> list[tuple[int, int]]:
    """Where the CRM's directory finds a customer named by a handle (not a description)."""
    mentions = getattr(customers, "mentions", None)
    if not callable(mentions):
        return []
    try:
        return [_span(h, text) for h in mentions(text) if not h.kind.startswith(DESCRIPTION)]
    except BackendUnavailable:
        return []


# what the rep says to the customer when the message asked about someone else (the rep's voice, before the answer)
_CUSTOMER_LINES = {
    (
        "other_customer_prices",
        "zh",
    ): "抱歉，其他客户的价格、折扣和合同条款都是保密的，我这边不便透露，还请您理解。",
    ("other_customers_data", "zh"): "抱歉，其他客户的订单和个人信息都是保密的，我这边不能提供，还请您理解。",
    (
        "other_customer_prices",
        "en",
    ): "Sorry, other customers' prices and terms are confidential, so I can't share them.",
    ("other_customers_data", "en"): "Sorry, other customers' orders and personal details are confidential.",
    (
        "personal_data_lookup",
        "zh",
    ): "抱歉，我们不能按手机号或证件号查询或透露任何人的信息和订单，还请您理解。",
    (
        "personal_data_lookup",
        "en",
    ): "Sorry, we can't look anyone up or share anyone's details by a phone or ID number.",
    (
        "not_account_holder",
        "zh",
    ): "抱歉，订单、退款和账户相关的事项须由本人办理或确认，我这边不能代为处理或透露，还请本人与我们联系。",
    (
        "not_account_holder",
        "en",
    ): "Sorry, orders, refunds and account matters can only be handled with the account holder in person.",
}


def customer_refusal_line(reason: str, lang: str = "zh") -> str:
    """The polite line a customer-facing refusal opens with; "" for a reason that has none."""
    return _CUSTOMER_LINES.get((reason, "en" if lang.startswith("en") else "zh"), "")


def refusal_draft(
    draft: dict[str, Any] | None,
    flags: list[str],
    lang: str = "zh",
    evidence: list[dict[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """A customer-facing refusal's draft. The draft node composes it (agents/drafting/template.py: the polite line after
    the greeting, citing the tenant's rule, then the answer about the customer's own case), so a draft is returned as
    it is, never re-parsed. Without a draft (an unsure intent), or when the guard replaced the composed draft by an
    excerpt (its refusal line is gone with it), the line alone, as a template, citing the rule."""
    if draft is not None and draft.get("source") == "template":
        return draft
    reason = next((f.removeprefix("refused:") for f in flags if f.startswith("refused:")), "")
    line = customer_refusal_line(reason, lang)
    if not line:
        return draft
    citations: list[dict[str, str]] = []
    by_id = {str(e.get("id")): e for e in evidence or []}
    verdict = next(
        (e for e in evidence or [] if (e.get("source_ids") or {}).get("guard") == "authorization"), None
    )
    rule = by_id.get(str(((verdict or {}).get("source_ids") or {}).get("clause_evidence", "")))
    if rule is not None:
        src = rule.get("source_ids") or {}
        title = str(rule.get("title", ""))
        where = f"《{title}》{src.get('clause', '')}" if lang == "zh" else title
        line = f"{line[:-1]}（{where}）[1]{line[-1]}" if lang == "zh" else f"{line[:-1]} ({where}) [1]."
        citations.append({"marker": "1", "evidence_id": str(rule["id"])})
    # addressed like every draft (the CRM contact), never a bare line (answers helper, #15); someone speaking for the
    # account holder is not the holder, so they are greeted without the holder's name
    if reason == NOT_ACCOUNT_HOLDER:
        greeting = "您好，" if lang == "zh" else "Hello, "
    else:
        greeting = refusal_greeting(evidence or [], lang)
    text = greeting + line
    return {"text": text, "citations": citations, "source": "template", "lang": lang}


# the tenant's own rule behind a refusal, found by meaning (any company's privacy or data policy says it somehow)
_RULE_QUERY = {
    "other_customer_prices": "不得向第三方或其他客户透露客户的订单价格、折扣和合同条款",
    "other_customers_data": "不得向第三方或其他客户透露客户的个人信息和订单",
    "not_account_holder": "不得向第三方透露客户的个人信息和订单 退订退款须由本人申请",
    "personal_data_lookup": "不得向第三方透露客户的个人信息，包括手机号码和身份证号",
    "not_owner": "销售人员只能查询本人负责客户的信息",
    "not_on_call": "客服坐席只能在与客户通话期间查询该客户的信息",
}
_RULE_WORDS = re.compile(
    r"(透露|泄露|披露|保密|提供给|不得.{0,12}(?:查询|告知)|只能.{0,12}查询|disclos|confidential|only\s+(?:access|view|see))"
    r".*?(第三方|其他客户|他人|本人负责|通话期间|third[- ]part|other customers?|own customers?|on (?:a|the) call)"
    r"|(第三方|其他客户|他人|本人负责|通话期间|third[- ]part|other customers?).*?(透露|泄露|披露|保密|只能|disclos|confidential)",
    re.I | re.S,
)


def governing_clause(policy: object, reason: str) -> Any:
    """The clause in force that forbids what was asked (e.g. a privacy notice's «不得向…其他客户透露…价格及折扣»), to
    cite in the refusal; None when the tenant's policies have none (nothing unrelated is ever cited)."""
    query = _RULE_QUERY.get(reason)
    search = getattr(policy, "search", None)
    if not query or not callable(search):
        return None
    try:
        found = search(PolicyQuery(text=query, k=5, as_of=clock.today()))
    except BackendUnavailable:
        return None
    return next((e for e in found if _RULE_WORDS.search(str(getattr(e, "content", "")))), None)
