"""The customer's open records a message is about: an open service ticket for the vehicle or device, the fault or the
subject the message names. When one exists, the next step is to follow that ticket up, not to open another (a second
ticket for the same fault duplicates the work, and the customer hears "nothing was done yet").

Read from the customer 360's structured rows (`open_tickets`, `devices`: any mapped CRM, extras as `x_<name>`), so
nothing here knows a tenant: a ticket matches by its id written in the message, by its device (the device's id or one
of its identifying values, e.g. a plate, written in the message), by a fault code it records, or by the words of its
subject; a message naming ANOTHER device of the customer is about that device, not the ticket's. Words that refer back
to a request already made («报过修», «工单», «进度», "any update") make a subject match enough on fewer words."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_SQUASH = re.compile(r"[\s·•\-_.。，,:：/]+")
_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,3}-?\d{2,5}[A-Z]?(?![A-Za-z0-9])")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# words that point back at a request the customer already made (Chinese / English); language, not a tenant's vocabulary
_REFERS_BACK = re.compile(
    r"工单|报修|报过|报了修|已经报|之前报|上次报|前几天报|昨天报|登记过|登记了|修到哪|处理到哪|进度|催一下|催催|还没修|还没弄|还没处理"
    r"|没人联系|没人来|什么时候能到|\bticket\b|\bany update\b|\bstatus\b|\bfollow(?:ing)? up\b|\bstill\b|\breported\b"
    r"|\bany news\b|\b(?:nobody|no one|no-one) (?:has |have )?(?:come|called|contacted|got back|turned up|shown up)\b"
    r"|\bhaven'?t heard\b|\bheard back\b|\bwe (?:asked|called|rang) (?:for|about|you)\b|\bupdate on\b"
    # a visit or a repair already waited for (English chasers: "when is your mechanic coming", "on the way", "it's been
    # weeks", "sitting in our yard for two days"; session 16 review M3)
    r"|\bwhen (?:is|are|will|'s|does|do)\b[^.?!]{0,40}?\b(?:com(?:e|ing)|arriv\w*|get(?:ting)? here|turn(?:ing)? up"
    r"|show(?:ing)? up|be (?:fixed|repaired|done|ready|sorted|looked at))\b|\bon (?:the|their|his|her|its) way\b"
    r"|\bbeen (?:assigned|sent|dispatched|waiting|sitting|parked|stuck)\b"
    r"|\b(?:it'?s|it has) been (?:(?:almost|nearly|over|more than|about) )?(?:days|weeks|months|ages|a (?:week|month))\b"
    r"|\bfor (?:two|three|four|five|several|a few|\d+) (?:days|weeks|months)\b",
    re.I,
)
# a vehicle or device problem or a service visit (Chinese / English): generic service words, no tenant's. Words referring
# back («进度», "any news", "heard back") follow up the customer's only open ticket matched on nothing else only in a
# message about a fault or a repair: «折扣审批进度到哪了», "Any news on the year-end promotion?" ask after another
# request (session 16 review M3)
_SERVICE = re.compile(
    r"修|故障|报警|坏了|坏掉|异响|师傅|技师|上门|工单|报过|报了|救援|抛锚|趴窝|开不了|打不开|关不上|启动不了|不制冷|亮灯|黑屏"
    r"|不工作|没反应|漏[水油电]|过热|充不上|充不进|不上电|保养|首保|没人来|没人上门|不了电|打不着|动不了|不起来|来人|派人"
    r"|\b(?:repair\w*|fix(?:ed|ing)?|mechanic|technician|engineer|ticket|reported|fault\w*|broken|broke down|breakdown"
    r"|won'?t (?:start|power|switch|turn|open|close|lock|move|charge)|(?:not|stopped) working|overheat\w*|warning (?:light|lamp)"
    r"|leak\w*|noise|servic(?:e|ing)|maintenance|back on the road|running again|up and running"
    # a repair spoken of as work in hand ("any update on the charging flap job", "how is the work on my van going")
    r"|\b(?:the|this|that|my|our) (?:[\w-]+ ){0,3}job(?! (?:offer|title|interview))|\bthe work on\b"
    # someone to come: a visit ("nobody has come round", "is anyone coming", "someone on the way")
    r"|(?:nobody|no one|no-one|someone|somebody|anyone|anybody) (?:has |have |is |been )?(?:come|coming|came|turned up"
    r"|shown up|on the way|on their way))\b",
    re.I,
)
SUBJECT_WORDS = (
    3  # distinct subject bigrams the message must share (1 when it refers back to an earlier request)
)
# words any fault report shares with any ticket subject: they tell no two faults apart
GENERIC = {
    "仪表",
    "表提",
    "提示",
    "故障",
    "无法",
    "问题",
    "车辆",
    "一下",
    "请问",
    "系统",
    "显示",
    "出现",
    "维修",
    "检查",
}
ONLY = "only"  # TicketMatch.how of the customer's only open ticket, matched on weaker evidence (_the_only_ticket)
MIN_VALUE = 5  # a device value shorter than this (营运, a year) names nothing on its own


@dataclass(frozen=True)
class TicketMatch:
    """An open ticket the message is about, and why we think so."""

    ticket: Mapping[str, Any]
    how: str  # id | device | code | subject | only (the customer's only open ticket, on weaker evidence)
    refers_back: bool
    words: int = 0  # subject words the message shares (an `only` match)
    service: bool = True  # the message is about a fault or a repair (_SERVICE; an `only` match)

    @property
    def id(self) -> str:
        return str(self.ticket.get("id", ""))

    @property
    def evidence_id(self) -> str:
        return str(self.ticket.get("evidence_id", ""))

    def as_dict(self) -> dict[str, Any]:
        t = self.ticket
        return {
            "id": self.id,
            "status": str(t.get("status") or ""),
            "subject": str(t.get("subject") or ""),
            "opened_at": str(t.get("opened_at") or ""),
            "device_id": str(t.get("device_id") or ""),
            "evidence_id": self.evidence_id,
            "how": self.how,
            "refers_back": self.refers_back,
            "words": self.words,
            "service": self.service,
        }


def squash(text: str) -> str:
    return _SQUASH.sub("", text).lower()


def _values(row: Mapping[str, Any]) -> Iterable[str]:
    for v in row.values():
        for x in v if isinstance(v, list) else [v]:
            if isinstance(x, str):
                yield x


def _identifying(devices: list[Mapping[str, Any]]) -> dict[str, set[str]]:
    """device id → the squashed values that name it alone (its id, its plate): long enough and no other device's."""
    seen: dict[str, set[str]] = {}
    for d in devices:
        for v in [str(d.get("id") or ""), *_values({k: v for k, v in d.items() if str(k).startswith("x_")})]:
            s = squash(v)
            if len(s) >= MIN_VALUE and not _CODE.fullmatch(v.strip()):
                seen.setdefault(s, set()).add(str(d.get("id") or ""))
    out: dict[str, set[str]] = {}
    for s, ids in seen.items():
        if len(ids) == 1:
            out.setdefault(next(iter(ids)), set()).add(s)
    return out


def _bigrams(text: str, generic: set[str] = GENERIC) -> set[str]:
    """Two-character words inside runs of Chinese characters, less `generic` (agents.understanding.records reads
    contract titles with its own generic set)."""
    runs, run = [], ""
    for c in text:  # bigrams inside runs of Chinese characters only (not across punctuation or model codes)
        if _CJK.match(c):
            run += c
        else:
            runs.append(run)
            run = ""
    runs.append(run)
    return {r[i : i + 2] for r in runs for i in range(len(r) - 1)} - generic


def _codes(text: str, entities: Mapping[str, list[str]]) -> set[str]:
    found = {c.upper().replace("-", "") for c in _CODE.findall(text.upper())}
    for kind in ("fault_code", "alarm_code", "dtc", "error_code"):
        found |= {str(c).upper().replace("-", "") for c in entities.get(kind, [])}
    # a product or model code (XR-100) is what the customer bought, not a fault the ticket records
    return found - {str(c).upper().replace("-", "") for c in entities.get("product_model", [])}


def _shape(code: str) -> tuple[int, int]:
    """(letters, digits): a fault code's kind (P0217 and P0420 alike; an order number SO2611 is another kind)."""
    return sum(c.isalpha() for c in code), sum(c.isdigit() for c in code)


def _ticket_codes(ticket: Mapping[str, Any]) -> set[str]:
    codes = {c.upper().replace("-", "") for c in _CODE.findall(str(ticket.get("subject") or "").upper())}
    for k, v in ticket.items():
        if str(k).startswith("x_") and isinstance(v, list):
            codes |= {str(x).upper().replace("-", "") for x in v if _CODE.fullmatch(str(x).upper())}
    return codes


def open_ticket_for(
    crm: Mapping[str, Any], text: str, entities: Mapping[str, list[str]] | None = None
) -> TicketMatch | None:
    """The customer's open ticket this message is about, or None (no open ticket, or the message is about something
    else, or about another device)."""
    tickets = [t for t in crm.get("open_tickets") or [] if isinstance(t, Mapping) and t.get("id")]
    if not tickets or not text.strip():
        return None
    entities = entities or {}
    flat = squash(text)
    refers_back = _REFERS_BACK.search(text) is not None
    devices = [d for d in crm.get("devices") or [] if isinstance(d, Mapping)]
    names = _identifying(devices)
    named = {dev for dev, values in names.items() if any(v in flat for v in values)}
    named |= {str(v) for k in ("vin", "serial_number", "device_id") for v in entities.get(k, [])}
    codes = _codes(text, entities)
    words = _bigrams(text)
    best: tuple[int, TicketMatch] | None = None
    for t in tickets:
        device = str(t.get("device_id") or "")
        if squash(str(t["id"])) in flat:
            match, rank = TicketMatch(t, "id", True), 4
        elif named and device and device in named:
            match, rank = TicketMatch(t, "device", refers_back), 3
        elif named and (not device or device not in named):
            continue  # the message names a device, and not this ticket's: a new fault on another vehicle
        elif codes & _ticket_codes(t):
            match, rank = TicketMatch(t, "code", refers_back), 2
        elif {_shape(c) for c in codes} & {_shape(c) for c in _ticket_codes(t)}:
            continue  # a code of the ticket's kind the ticket does not record: another fault
        else:
            shared = words & _bigrams(str(t.get("subject") or ""))
            if len(shared) < (1 if refers_back else SUBJECT_WORDS):
                continue
            match, rank = TicketMatch(t, "subject", refers_back), 1
        if best is None or rank > best[0]:
            best = (rank, match)
    if best is not None and best[0] <= 2 and _ANOTHER.search(text):
        # «又有一台…不是水温那台»: the message's vehicle is another than the one reported (R15-04)
        return None
    if best is None and len(tickets) == 1 and not _ANOTHER.search(text):
        return _the_only_ticket(tickets[0], text, named, codes, words, refers_back)
    return best[1] if best else None


def _the_only_ticket(
    ticket: Mapping[str, Any],
    text: str,
    named: set[str],
    codes: set[str],
    words: set[str],
    refers_back: bool,
) -> TicketMatch | None:
    """The customer's ONLY open ticket, on weaker evidence than a match among several: the fewer tickets there are to
    tell apart, the less the message must say to name one («早上报过的那台，帮我催一下» has one candidate). It matches
    when the message refers back to a request already made, or shares one word of its subject, or (`how` "only",
    words 0) is written in another script than the subject (an English message against a Chinese subject: words
    cannot be compared, nothing rules the ticket out). Never when the message names another device or a fault code of
    the ticket's kind it does not record. The ranker follows it up as any match; one on no shared word only when the
    message refers back to the request (agents.actions.playbook._the_open_ticket, session 16)."""
    device = str(ticket.get("device_id") or "")
    if named and (not device or device not in named):
        return None
    recorded = _ticket_codes(ticket)
    if {_shape(c) for c in codes} & {_shape(c) for c in recorded} and not codes & recorded:
        return None
    shared = words & _bigrams(str(ticket.get("subject") or ""))
    other_script = not _CJK.search(text) and bool(_CJK.search(str(ticket.get("subject") or "")))
    if refers_back or shared or other_script:
        return TicketMatch(ticket, ONLY, refers_back, len(shared), _SERVICE.search(text) is not None)
    return None


def open_ticket_of(
    customer: Any, text: str, entities: Mapping[str, list[str]] | None = None
) -> dict[str, Any]:
    """open_ticket_for over a Customer360 (its open tickets and devices), as DecisionInput.open_ticket: {} when none."""
    if customer is None:
        return {}
    crm = {"open_tickets": getattr(customer, "open_tickets", []), "devices": getattr(customer, "devices", [])}
    match = open_ticket_for(crm, text, entities)
    return match.as_dict() if match is not None else {}


def open_ticket_on_signals(
    crm: Mapping[str, Any], signal_devices: Iterable[str], text: str = ""
) -> TicketMatch | None:
    """An open ticket on a device a customer signal is about (telemetry over a threshold on that very vehicle): a
    background rule would open a ticket for the signal, and there is one already. Not when the message says its
    vehicle is another one («不是水温那台», "a different van")."""
    if text and _ANOTHER.search(text):
        return None
    devices = {d for d in signal_devices if d}
    for t in crm.get("open_tickets") or []:
        if isinstance(t, Mapping) and t.get("id") and str(t.get("device_id") or "") in devices:
            return TicketMatch(t, "signal", False)
    return None


ANSWER = "answer"  # TicketMatch.how of an open ticket the computed answer rests on


# the message says its vehicle is another one than a ticket already reported («又有一台…不是水温那台», "a different
# van"), or asks to open a ticket: generic service words, no tenant's
_ANOTHER = re.compile(
    r"另(?:外)?一(?:台|辆)|又有一(?:台|辆)|不是(?:同一|那一?|这一?)(?:台|辆)|不是同一"
    r"|不是[^，,。.；;！!？?]{0,8}?(?:那|这)一?(?:台|辆)"  # «不是之前过热那台»
    r"|\b(?:another|different|other)\b[\w\s-]{0,12}\b(?:van|car|vehicle|truck|one|unit)s?\b|\bnot the (?:same|one)\b",
    re.I,
)
_OPEN_ASK = re.compile(
    r"开(?:个|一个|一张|张|新)?(?:维修|服务|售后)?工单|(?<![之上已前次经了])报(?:个|一下|一个)?修(?!的)|登记(?:一下)?维修"
    r"|新(?:的)?工单|\bopen (?:a|an|another|one|new)\b[\w\s-]{0,20}\bticket\b",
    re.I,
)


def open_ticket_in_answer(
    crm: Mapping[str, Any],
    evidence: Iterable[Any],
    text: str = "",
    entities: Mapping[str, list[str]] | None = None,
) -> TicketMatch | None:
    """The customer's open ticket the computed answer rests on: a reasoning tool read that ticket's CRM row as an input
    («这台设备已有工单 …»: it found the device's open ticket by the device the message is about), so the message is
    about it even when its words share none of the subject's («开不了机» against «无法启动»). Only an input row, never a
    guess: None when no computed fact read an open ticket, when the message names a device (plate, VIN) that is not
    the ticket's (a new fault on another vehicle: the tool reads the customer's open ticket whatever vehicle is named),
    or when it asks to open a ticket / says its vehicle is another one (R15-04)."""
    if text and (_ANOTHER.search(text) or _OPEN_ASK.search(text)):
        return None
    entities = entities or {}
    devices = [d for d in crm.get("devices") or [] if isinstance(d, Mapping)]
    flat = squash(text) if text else ""
    named = {dev for dev, values in _identifying(devices).items() if flat and any(v in flat for v in values)}
    named |= {str(v) for k in ("vin", "serial_number", "device_id") for v in entities.get(k, [])}
    read: set[str] = set()
    for e in evidence:
        if getattr(getattr(e, "kind", None), "value", "") != "computed_fact":
            continue
        for item in (getattr(e, "lineage", None) or {}).get("inputs") or []:
            if isinstance(item, Mapping) and item.get("evidence_id"):
                read.add(str(item["evidence_id"]))
    if not read:
        return None
    for t in crm.get("open_tickets") or []:
        if isinstance(t, Mapping) and t.get("id") and str(t.get("evidence_id") or "") in read:
            if named and str(t.get("device_id") or "") not in named:
                continue  # the message is about another device than the ticket's
            return TicketMatch(t, ANSWER, False)
    return None
