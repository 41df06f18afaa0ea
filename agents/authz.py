"""Authorization of a rep's (or an agent's) ask about customers, decided before anything of theirs is read.

The conversation's customer is checked by the service (ownership for reps, the call for agents). An ask can also name
*other* customers, in every way people do: a company's name or short name, a contact's name, a customer id, a VIN,
plate or serial, an order / contract / ticket number (resolved by the CRM's directory to ids and owners only), a
phone or ID number used as a look-up key, or generically («别的客户», «another customer»). Each named customer is
checked for this actor; the first one they may not see refuses the ask with the reason (not_owner, not_on_call …) and
who to ask instead. The rep's own other customers are not refused: the ask is answered about them.

Reasons: not_owner / not_on_call (from the CRM's access rules), other_customer_prices, other_customers_data,
personal_data_lookup, other_customer_not_in_context (a name the directory cannot resolve, in another customer's
conversation), wrong_tenant (the service)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from contract.errors import AccessDenied, BackendUnavailable, InputError, NotFound
from contract.ports import Actor

# a phone or ID number typed into an ask, used to find someone: the CRM never reads those columns, so the owner cannot
# be checked — the look-up is refused whoever it would find
PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
LOOKUP = re.compile(
    r"查|搜|找|是谁|谁的|哪个客户|哪位|哪家|名下|归属|对应|资料|信息"
    r"|\b(look\s*up|lookup|who|whose|find|search|belongs?|owner|details?|profile)\b",
    re.I,
)
# English: another company named by its own words, e.g. "What did Xunda Logistics pay?"
EN_ORG = re.compile(
    r"\b((?:[A-Z][A-Za-z&'-]+\s+){1,3}(?:Logistics|Taxi|Rental|Rentals|Motors|Group|Company|Co\.?|Ltd\.?|Inc\.?|"
    r"Corp\.?|Hospital|Clinic|Transport|Fleet|Leasing|Trading|Technolog(?:y|ies)))\b"
)
EN_PRICE_OF_OTHERS = re.compile(
    r"\b(what|how much)\b.{0,40}\b(did|do|does|are|is)\b.{0,40}\b(pay|paying|get|getting|price|discount)\b",
    re.I,
)


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
    owner: str = ""  # 「大客户部 刘洋」: who to ask instead
    via: str = ""  # how the ask named them: customer_name, contact_name, order, device.plate_no …
    subject: str = ""  # an own customer the ask is about, other than the conversation's
    flags: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.reason)


def owner_text(hit: MentionHit) -> str:
    return " ".join(p for p in (hit.owner_team, hit.owner_name) if p)


def personal_data_lookup(text: str) -> bool:
    """A phone or ID number used to look someone up («13812345678是哪个客户», «who owns 138 1234 5678»)."""
    return bool((PHONE.search(text) or ID_NUMBER.search(text)) and LOOKUP.search(text))


def english_org_mentions(text: str, own_name: str = "") -> list[str]:
    own = own_name.lower()
    return [m.group(1) for m in EN_ORG.finditer(text) if not own or m.group(1).lower() not in own]


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
    the conversation's: refused at the first this actor may not see."""
    mentions = getattr(customers, "mentions", None)
    hits: list[MentionHit] = [_Ref(r, value=r) for r in refs]
    if callable(mentions):
        try:
            hits = [*mentions(text), *hits]
        except BackendUnavailable:
            return Decision(flags=["directory_unavailable"])
    unique: dict[str, MentionHit] = {}
    for h in hits:
        if h.customer_id != current_ref:
            unique.setdefault(h.customer_id, h)
    check = getattr(customers, "check_access", None)
    subject = ""
    for hit in unique.values():
        try:
            if callable(check):
                check(hit.customer_id, actor)
            else:  # a CRM port without the owner-row check: the 360 call checks before returning anything
                customers.customer_360(hit.customer_id, actor)  # type: ignore[attr-defined]
        except AccessDenied as exc:
            return Decision(
                reason=exc.reason or "not_owner",
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


# what one customer must never learn about another: prices, discounts, contract terms
CONFIDENTIAL = re.compile(
    r"价格|报价|价钱|单价|折扣|优惠|成交价|底价|多少钱|几折|什么价|一样的价|同样的价|返点|补贴|合同|条款|账期|付款条件|协议价"
    r"|\b(price|pricing|discount|rebate|terms|contract|paid|pay)s?\b",
    re.I,
)


def names_other_customer_confidential(customers: object, text: str, current_ref: str) -> bool:
    """A customer's message naming another customer of the CRM (by name, contact, plate, order …) and asking what
    they pay or signed: refused like «别人拿的什么价» (the customer's own actions stay on the card)."""
    mentions = getattr(customers, "mentions", None)
    if not callable(mentions) or not CONFIDENTIAL.search(text):
        return False
    try:
        hits = [h for h in mentions(text) if h.customer_id != current_ref]
    except BackendUnavailable:
        return False
    # a person's name in a customer's message is often a friend or relative who referred them, not a question about
    # that person's account: only organisations and records (orders, vehicles, contracts) count here
    return any(
        h.kind != "contact_name" and not (h.kind == "customer_name" and len(h.value) <= 4) for h in hits
    )


# another person's or company's personal data, asked right after naming them: 「李敏的电话」「沪A·12345 的车主地址」
PERSONAL_DATA = re.compile(
    r"手机号?|电话|联系方式|微信号?|住址|地址|身份证|证件号?|车主|订单|保养记录|维修记录|行驶证"
    r"|\b(phone|mobile|number|address|contact|orders?|records?)\b",
    re.I,
)
NEAR = 4  # characters between the name and the data word: 「李敏的手机号」, 「韩志刚那边的电话」


def names_other_customer_data(customers: object, text: str, current_ref: str) -> bool:
    """A customer's message asking for another customer's personal data or records, named right before it."""
    mentions = getattr(customers, "mentions", None)
    if not callable(mentions) or not PERSONAL_DATA.search(text):
        return False
    try:
        hits = [h for h in mentions(text) if h.customer_id != current_ref]
    except BackendUnavailable:
        return False
    for h in hits:
        at = text.find(h.value) if h.value else -1
        if at < 0:
            continue
        tail = text[at + len(h.value) :][: NEAR + 6]
        m = PERSONAL_DATA.search(tail)
        if m is not None and m.start() <= NEAR:
            return True
    return False
