"""The intent re-read with the customer's CRM records (session 20): what the message is about is sometimes settled by what
the customer HAS, not by its words. Two readings, each from a typed record and the pack, never from a tenant's words:

- An open ticket the message is about (agents.actions.records.open_ticket_for: its id, vehicle, fault code or subject
  words), and the message says the handling has not come (nobody called back, no news, a wait counted): the fault is
  already reported, so what the message adds is a grievance about its handling, and the taxonomy's complaint intent is
  lifted. A new fault (another vehicle, a code the ticket does not record, «又有一台») matches no ticket; a calm progress
  question shows no handling-not-done shape: both are read as before.
- A service contract the customer holds or held (any status: a lapsed one re-bought is the same object) that the
  message names — its id, its package code, words of its title, or the keywords of the intent its id cues (the pack's
  intents.yaml) — while the message was read as an intent whose own tools read no CRM record (tools.yaml `records:`): the
  price of a renewal is the contract's, so the intent the contract's id cues (its entity kind in the intent's cues) is
  lifted. A follow-up naming no object of its own reads the object of the customer's turn before.

Each lift is a bonus to the classifier's scores, then the read is decided again: a strong other reading survives. The
lifted intent carries the record it rests on: signal `records:<intent>:<record id>:<how it was named>` = the bonus."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# what one typed record adds to the intent it settles: the affect nudge at its most (2 x 0.05), a cue (0.05) and half
# a keyword (0.04): a record the message is about is a stronger cue than a word (scratch intent_scratch_r20.yaml)
RECORD_BONUS = 0.2
TITLE_WORDS = (
    2  # distinct two-character words of a contract's title a message must share to name it by its title
)

# the handling has not come: nobody called / came / answered, no news, a wait counted until now (language, not a
# tenant's vocabulary). Read on the simplified text (agents.perception.reading), so traditional characters match.
_NOT_DONE = re.compile(
    r"没(?:有)?(?:任何)?人[^，。？！,.?!\n]{0,8}?(?:联系|联络|回|来|管|理|打电话|打过电话|跟进|上门|处理|看|说)"
    r"|没(?:有)?(?:任何)?(?:动静|下文|回音|回复|回话|进展|消息|答复|音讯)"
    r"|(?:一个|连个|一通|一条|一点)[^，。？！,.?!\n]{0,4}?(?:电话|消息|回复|人影|人|动静|信儿)?[^，。？！,.?!\n]{0,2}(?:都|也)没"
    r"|(?:说好|不是说)[^。？！?!\n]{0,20}?(?:结果|可是|但是|却|吗|呢)"
    r"|(?:等|停|趴|挂|拖|放|搁)了?\s*(?:快|都|已经|足足)?\s*[一二两三四五六七八九十几半\d]+\s*(?:个)?(?:天|小时|周|星期|礼拜|月)了"
    r"|\b(?:nobody|no one|no-one)\b[^.?!\n]{0,25}?\b(?:call\w*|came|come|contact\w*|updat\w*|got back|get back"
    r"|follow\w*|repl\w*|respond\w*|answer\w*|turned up|showed up)"
    r"|\bhaven'?t heard\b|\bnever heard\b|\bno (?:update|response|reply|call ?back|news|word)\b|\bstill waiting\b"
    r"|\bstill \"?in progress",
    re.I,
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_GENERIC_BIGRAMS = {"一下", "请问", "问题", "服务"}


_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


# a time slot ahead (a day, a part of the day, an hour), asked for: «这周六上午能不能排进去», «明天下午有没有空位», "could you
# fit us in this Friday morning?" — a wait counted before it is the reason for asking a slot, not a grievance
_SLOT = re.compile(
    r"(?<![到至])今天|明天|后天|这周|本周|下周|下个?(?:礼拜|星期)|这个?(?:礼拜|星期)|周[一二三四五六日天末]|星期[一二三四五六日天]"
    r"|礼拜[一二三四五六日天]|\d{1,2}\s*[号日](?!子)|[上下]午|晚上|几点|\d{1,2}\s*点(?!钟?前)"
    r"|\b(?:today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend"
    r"|morning|afternoon|evening|next week|this week)\b",
    re.I,
)
_SLOT_CLAUSE = re.compile(r"[^，,。？?！!；;\n]+[？?]?")


def asks_for_slot(text: str) -> bool:
    """Whether a clause of the message asks for a time slot ahead (see _SLOT): a booking asked, not a grievance."""
    from agents.understanding.questions import asks

    flat = _CJK_SPACE.sub("", text)
    return any(_SLOT.search(c) and asks(c) and not _NOT_DONE.search(c) for c in _SLOT_CLAUSE.findall(flat))


def handling_not_done(text: str) -> bool:
    """Whether the message says the handling of something already asked has not come (see _NOT_DONE). A voice
    transcript's spaces between Chinese words («没 动静») are read as one word."""
    return _NOT_DONE.search(_CJK_SPACE.sub("", text)) is not None


def _bigrams(text: str) -> set[str]:
    """The ticket matcher's two-character words (agents.actions.records), less this module's generic words."""
    from agents.actions.records import _bigrams as cjk_bigrams

    return cjk_bigrams(text, _GENERIC_BIGRAMS)


def _squash(text: str) -> str:
    return re.sub(r"[\s\-_.·]+", "", text).lower()


@dataclass
class RecordPack:
    """What the re-read needs of the pack, worked out once per tenant: the complaint intent, the intents each entity
    kind cues, and the intents whose own tools read each kind of CRM record (tools.yaml `records:`)."""

    complaint: str = ""
    cued_by: dict[str, set[str]] = field(default_factory=dict)  # entity kind -> intents it cues
    patterns: list[tuple[re.Pattern[str], str]] = field(
        default_factory=list
    )  # (the pack's id shape, its kind)
    reads: dict[str, set[str]] = field(default_factory=dict)  # record kind -> intents whose own tools read it
    keywords: dict[str, list[str]] = field(default_factory=dict)  # intent -> its keywords (lower case)
    # the pack's offer intent (agents.understanding.offers.offer_class: the one whose keywords give most): a package an
    # offer gives («送保养套餐的活动») is the offer's object, not the customer's own contract
    offer: str = ""

    def kinds_of(self, value: str) -> set[str]:
        return {kind for rx, kind in self.patterns if rx.fullmatch(value.strip())}


def record_pack(tenant: Any, tools: Any, complaint: str, offer: str = "") -> RecordPack:
    cued: dict[str, set[str]] = {}
    for spec in tenant.intents:
        for kind in spec.cues.entities:
            cued.setdefault(kind, set()).add(spec.name)
    patterns = [(re.compile(p.regex, re.I if p.ignore_case else 0), p.kind) for p in tenant.entities.patterns]
    reads: dict[str, set[str]] = {}
    for name, specs in (getattr(tools, "intents", None) or {}).items():
        for s in specs:
            if "records" in s.model_fields_set:
                reads.setdefault(str(s.records), set()).add(name)
    keywords = {s.name: [k.lower() for k in s.keywords if k.strip()] for s in tenant.intents}
    return RecordPack(complaint, cued, patterns, reads, keywords, offer)


def _contract_intents(pack: RecordPack, contract: Mapping[str, Any]) -> set[str]:
    """The intents the contract's id cues (its entity kind among an intent's cues) that read contracts themselves."""
    cued = {i for k in pack.kinds_of(str(contract.get("id") or "")) for i in pack.cued_by.get(k, set())}
    return cued & pack.reads.get("contracts", set())


def _names_contract(pack: RecordPack, contract: Mapping[str, Any], intent: str, text: str) -> str:
    """How the text names the contract ('' when it does not): its id or package code, words of its title, or a
    keyword of the intent its id cues."""
    flat = _squash(text)
    for key in ("id", "x_package_code", "package_code"):
        v = _squash(str(contract.get(key) or ""))
        if len(v) >= 4 and v in flat:
            return key
    # two words of its title at least: one (车队, a kind) is any fleet's word, not this contract's
    if len(_bigrams(text) & _bigrams(str(contract.get("title") or ""))) >= TITLE_WORDS:
        return "title"
    low = text.lower()
    if any(_keyword_in(k, low) for k in pack.keywords.get(intent, [])):
        return "keywords"
    return ""


def _keyword_in(keyword: str, low: str) -> bool:
    if _CJK.search(keyword):
        return keyword in low
    return re.search(rf"(?<![a-z]){re.escape(keyword)}(?![a-z])", low) is not None


def _names_other(pack: RecordPack, text: str, read: str) -> bool:
    """Whether the text names a keyword of an intent other than the one it was read as (its own object)."""
    low = text.lower()
    return any(_keyword_in(k, low) for name, ks in pack.keywords.items() if name != read for k in ks)


def _contract_mentions(pack: RecordPack, contract: Mapping[str, Any], intent: str, text: str) -> int:
    """Where the text last names the contract (its id, package code, a word of its title, a keyword of the intent its
    id cues); -1 when it does not."""
    low = text.lower()
    last = -1
    for key in ("id", "x_package_code", "package_code"):
        v = str(contract.get(key) or "").lower().strip()
        if len(v) >= 4:
            last = max(last, low.rfind(v))
    for word in _bigrams(str(contract.get("title") or "")):
        last = max(last, low.rfind(word))
    for k in pack.keywords.get(intent, []):
        if _CJK.search(k):
            last = max(last, low.rfind(k))
        else:
            for m in re.finditer(rf"(?<![a-z]){re.escape(k)}(?![a-z])", low):
                last = max(last, m.start())
    return last


def _asks_other_model(
    pack: RecordPack,
    contract: Mapping[str, Any],
    intent: str,
    text: str,
    crm: Mapping[str, Any],
    entities: Mapping[str, list[str]],
) -> bool:
    """Whether the message names a model of the pack's catalog (the product_model entity) AFTER its last naming of the
    contract, and the model is not the contract's own (in its title or package code, or the model of a vehicle the CRM
    says it covers): the contract was context and the
    question asks about another object («套餐还剩4次，朋友想买台X，多少钱»). A model named before the contract is the vehicle the package is for («X那个套餐续一次多少钱») and keeps the lift."""
    models = [m for m in entities.get("product_model") or [] if m.strip()]
    if not models:
        return False
    own = _squash(" ".join(str(contract.get(k) or "") for k in ("title", "x_package_code", "package_code")))
    # the vehicles the CRM says the contract covers: their model is the package's vehicle («12台X想重新办一年»)
    covered = contract.get("x_covered_vins") or contract.get("covered_vins") or []
    covered = set(re.split(r"[;,\s]+", covered) if isinstance(covered, str) else map(str, covered))
    for device in crm.get("devices") or []:
        if isinstance(device, Mapping) and str(device.get("id") or "") in covered:
            own += _squash(str(device.get("name") or ""))
    low = text.lower()
    at = _contract_mentions(pack, contract, intent, text)
    for model in models:
        if _squash(model) and _squash(model) in own:
            continue
        # where it is named: the value as read, else its code (a brand word before it may be spaced or missing)
        code = re.findall(r"[a-z0-9][a-z0-9-]*", model.lower())
        where = max(low.rfind(model.lower().strip()), low.rfind(code[-1]) if code else -1)
        if where > at:
            return True
    return False


def record_lifts(
    pack: RecordPack,
    read: str,
    text: str,
    previous: Iterable[str],
    crm: Mapping[str, Any],
    entities: Mapping[str, list[str]],
) -> tuple[dict[str, float], dict[str, str]]:
    """({intent: bonus}, {intent: why}) the customer's records give the message read as `read` (see the module)."""
    from agents.actions.records import open_ticket_for

    lifts: dict[str, float] = {}
    why: dict[str, str] = {}
    earlier = [p for p in previous if p]
    # (a) an open ticket the message (or the turns it continues) is about, its handling said not to have come
    if (
        pack.complaint
        and read != pack.complaint
        and crm.get("open_tickets")
        and handling_not_done(text)
        and not asks_for_slot(
            text
        )  # «等了几天了，这周六上午能不能排进去»: a slot asked, read as the classifier read it
    ):
        match = open_ticket_for(crm, text, entities) or (
            open_ticket_for(crm, " ".join([*earlier[-2:], text]), entities) if earlier else None
        )
        # the customer's only ticket matched on no evidence of its own (another script, nothing shared) is what the
        # message is about only when the message is about a fault or a repair: «haven't heard back» about a quote is
        # not a grievance about the ticket (actions_scratch_r16 act16-ad-tkt-37)
        if match is not None and (match.how != "only" or match.words or match.service):
            lifts[pack.complaint] = RECORD_BONUS
            why[pack.complaint] = f"{match.id}:{match.how}"
    # (b) a service contract the customer holds or held, named, read as an intent whose own tools read no record of the
    # customer's at all (a price), not the offer intent: the reading would leave the record the message names unanswered
    if read != pack.offer and not any(read in intents for intents in pack.reads.values()):
        for contract in crm.get("contracts") or []:
            if not isinstance(contract, Mapping):
                continue
            for target in sorted(_contract_intents(pack, contract) - {read}):
                how = _names_contract(pack, contract, target, text)
                if (
                    not how
                    and earlier
                    and not _names_other(pack, text, read)
                    and not entities.get("product_model")
                ):
                    # a follow-up naming no other object of its own asks about the turn before's
                    how = _names_contract(pack, contract, target, earlier[-1])
                    how = f"previous_{how}" if how else ""
                if (
                    how
                    and not how.startswith("previous_")
                    and _asks_other_model(pack, contract, target, text, crm, entities)
                ):
                    how = ""  # the contract named as context; the question asks about a catalog model
                if how and target not in lifts:
                    lifts[target] = RECORD_BONUS
                    why[target] = f"{contract.get('id', '')}:{how}"
    return lifts, why
