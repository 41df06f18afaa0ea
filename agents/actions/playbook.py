"""Playbook rules over intent (and its confidence), entities, customer facts (any field: region, tier, a mapped CRM
column), customer signals (by signal_id), guard flags and evidence → candidate actions.

Authority and parameters come from the catalog and from evidence/entities, never from free text, so an injected
instruction cannot raise an action's authority or invent a parameter. A rule whose action needs a parameter it cannot
fill still proposes the action, with the parameter marked `{"missing": true}` for the rep, and says so.
Ranking: rule priority first, then model score, blended with the message and the computed answer (agents.actions.
computed): a rule fired by the customer's background alone ranks under the actions that answer the message, an action
the computed answer supports rises (and gets the parameters it computed, e.g. the approver), one it rules out goes.
When no rule fires, actions rank from the catalog itself (description and examples vs the message, the intents an
action serves, the entities its parameters take, the customer signals it answers, the computed answer), so a new
tenant gets sensible actions before anyone writes a rule. Beside rules, a catalog action that answers the message
ranks under every rule about the message and over a background rule whose action does not serve it. What the message
needs (agents.actions.needs: the tools its words ask for and the tools that answered it, by the intents that own
them) backs actions whatever intent it was read as: a misread message gets the needed intent's best action second
(the one serving most of the needed intents when a shared tool backs several), an abstained one gets it beside the
hand-off. When the intent is a guess (abstained, or read under WEAK_READING) and no need points elsewhere, the action
the message itself reads closest to takes the second place when it stands out, and an otherwise empty second place is
filled with it; a confident reading is left to its rules and catalog. One card per action, the first kept in place."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from agents.actions.computed import (
    AUTHORITY_TOOL,
    Link,
    carries_rate,
    computed_facts,
    grants,
    id_shapes,
    is_approval,
    links,
    named_in,
    names_any,
    priced_for_order,
    shares_words,
)
from agents.actions.marginal import marginal_order
from agents.actions.needs import UNASKED
from agents.actions.plans import asked_off, asked_slot, planned, told_as_past
from agents.actions.records import ONLY
from agents.actions.stance import bare_decline, stances
from agents.tenant import OUT_OF_SCOPE, ActionSpec, FactTest, Playbook, Rule, TenantConfig
from agents.traditional import to_simplified
from contract.evidence import Evidence, EvidenceKind
from contract.ports import PolicyQuery, PolicyRetriever
from contract.suggestions import Action, Intent


@dataclass
class DecisionInput:
    intent: Intent
    text: str
    evidence: list[Evidence]
    business_unit: str = ""
    customer_known: bool = True
    flags: list[str] = field(default_factory=list)
    customer: dict[str, Any] = field(default_factory=dict)  # customer facts by field name (and by label)
    # intent → how strongly the message's own words (tools.yaml needs) and the computed answer (the tools that
    # answered) point to it, whatever intent it was read as (agents.actions.needs); empty when the caller does not know
    needs: dict[str, float] = field(default_factory=dict)
    answered: dict[str, float] = field(default_factory=dict)
    # the part of the message raising a second need («…，另外SA-5报个价»), "" when it raises one (agents.nodes.decide)
    second_ask: str = ""
    # the customer's open ticket this message is about (agents.actions.records.TicketMatch.as_dict), {} when none
    open_ticket: dict[str, Any] = field(default_factory=dict)
    # parts of the message read on their own as another intent ([{text, intent, confidence}], agents.nodes.decide)
    other_needs: list[dict[str, Any]] = field(default_factory=list)
    # the classifier's distribution over the likely intents, p(intent | message) (agents.actions.marginal), given when
    # the reading is a guess (abstained or under WEAK_READING); {} otherwise or when the caller does not know
    intent_probs: dict[str, float] = field(default_factory=dict)
    # the rep's turn a say-little reply (an emoji, 好的, "ok") answers, when the rep spoke last; "" otherwise
    replied_to: str = ""
    # action → DECLINED / DONE: what the message says of an action (agents.actions.stance), read once by propose for
    # the whole message (a part's reading keeps it); None until read
    stance: dict[str, str] | None = None
    # the step an earlier customer turn of the thread asked for and nobody took since (agents.actions.thread.
    # earlier_ask: {action, intent, text, message_id}); {} when none, and in every re-reading of the message
    earlier: dict[str, Any] = field(default_factory=dict)
    # the rep's turn whose offer the message takes in its opening words before asking something else («周六上午可以的。
    # 另外…»: agents.actions.plans.opening_accept), "" otherwise and in every re-reading of the message
    taken: str = ""

    def signal_ids(self) -> dict[str, Evidence]:
        return {e.source_ids.get("signal_id", ""): e for e in self.evidence if e.kind is EvidenceKind.SIGNAL}

    def kinds(self) -> set[str]:
        return {e.kind.value for e in self.evidence}

    def abstained(self) -> bool:
        return self.intent.abstained or self.intent.name == OUT_OF_SCOPE

    def weakly_read(self) -> bool:
        """The intent is a guess: abstained, or read under WEAK_READING."""
        return self.abstained() or self.intent.confidence < WEAK_READING

    def backing(self, spec_intents: list[str]) -> float:
        """How strongly the message's needs and computed answer point to an intent this action serves (0 … 1)."""
        return max(
            (max(self.needs.get(i, 0.0), self.answered.get(i, 0.0)) for i in spec_intents), default=0.0
        )

    def needed_intents(self) -> set[str]:
        """The intents the message needs when they are not the one read (a misread or abstained message): what its
        own words ask for (tools.yaml needs), else what the tools that answered it point to; those backed best
        (several when their tools are shared), ties broken by the other source. Empty when the read intent is backed
        as well, or nearly (within NEEDS_MARGIN)."""
        votes, other = (self.needs, self.answered) if self.needs else (self.answered, self.needs)
        if not votes:
            return set()

        def key(k: str) -> tuple[float, float]:
            return votes.get(k, 0.0), other.get(k, 0.0)

        top = max(key(k) for k in votes)
        read = 0.0 if self.abstained() else votes.get(self.intent.name, 0.0)
        if read > 0 and top[0] < read + NEEDS_MARGIN:
            return set()
        return {k for k in votes if key(k) == top}


@dataclass
class RuleFiring:
    rule: Rule
    playbook: str
    action: Action
    rule_evidence: Evidence
    extra_evidence: list[Evidence]
    missing: list[str] = field(default_factory=list)  # required parameters the rule could not fill


PRECONDITIONS: dict[str, Callable[[DecisionInput], bool]] = {
    "customer_known": lambda d: d.customer_known,
    "policy_evidence": lambda d: EvidenceKind.POLICY_CLAUSE.value in d.kinds(),
    "device_on_file": lambda d: (
        any(e.source_ids.get("table") == "devices" for e in d.evidence)
        or bool(d.intent.entities.get("serial_number"))
    ),
    "not_injection": lambda d: "injection_suspected" not in d.flags,
    # following a ticket up needs one: the customer has an open ticket this message is about (not the only open ticket
    # matched on nothing but being the only one: unworded)
    "open_ticket": lambda d: bool(d.open_ticket) and not unworded(d.open_ticket),
}


def unworded(ticket: dict[str, Any]) -> bool:
    """The customer's only open ticket matched on no shared word (another script than its subject), no device and no
    word referring back to a request in a message about a fault or a repair: nothing says the message is about it
    (session 16). Words referring back in a message about something else ("any news on the promotion", «审批进度») ask
    after another request (review M3)."""
    referred = ticket.get("refers_back") and ticket.get("service", True)
    return ticket.get("how") == ONLY and not ticket.get("words") and not referred


def _always(_d: DecisionInput) -> bool:
    return True


# A precondition the catalog writes over the computed answer (tenant data, not code): `fact:KEY` holds when a computed
# fact answers to KEY — the tool that computed it (its kind, `authority`, or its tools.yaml id, `warranty_end`), else a
# field of its lineage that is set (`needs_approval`); `fact:KEY=V1,V2` when such a fact's output is one of the values
# (`fact:authority=within`, `fact:warranty_end=ended`). `!` negates; alternatives are joined by ` | ` (any holds):
#   offer_discount:            [fact:authority=within, "!fact:needs_approval"]  — grant only what the facts say is mine
#   request_discount_approval: ["!fact:authority=within | fact:needs_approval"] — never for what I may grant myself
#   sell_extended_warranty:    ["!fact:warranty_end=ended"]                      — sold before the term ends only
# Each list entry must hold (as the named ones in PRECONDITIONS). A fact not computed leaves `fact:` false and `!fact:`
# true: an action is kept off the card only by what was computed, never by what was not. A term's end computed as a date
# (no who-pays words asked for the ended/covered statement) answers `=ended` / `=covered` by the read day (_term_state).
FACT_PREFIX = "fact:"


# A computed term's end (a fact whose output is a date) reads as the state the term tool says in words when asked who
# pays: ENDED before the day the CRM was read, COVERED from it. Only when every such date of the key agrees: one vehicle
# still in its term among ended ones leaves the state unsaid (the action may be for that one).
ENDED, COVERED = "ended", "covered"


def _read_day(d: DecisionInput) -> date | None:
    """The day the customer's records were read (their facts carry it), as the reason node counts dates from."""
    for e in d.evidence:
        if e.kind is EvidenceKind.CUSTOMER_FACT and e.version:
            try:
                return date.fromisoformat(e.version[:10])
            except ValueError:
                return None
    return None


def _term_state(key: str, d: DecisionInput) -> str:
    """ENDED / COVERED when every computed date answering `key` is before / not before the read day; '' otherwise."""
    day = _read_day(d)
    if day is None:
        return ""
    states: set[str] = set()
    for e in d.evidence:
        if e.kind is not EvidenceKind.COMPUTED_FACT or e.lineage.get("unit") != "date":
            continue
        if key not in (e.source_ids.get("tool"), e.source_ids.get("tool_id")):
            continue
        try:
            end = date.fromisoformat(str(e.lineage.get("output", ""))[:10])
        except ValueError:
            continue
        states.add(ENDED if end < day else COVERED)
    return states.pop() if len(states) == 1 else ""


# `fact:KEY>N` / `<N` / `>=N` / `<=N`: a computed number (the days until a term's end, an amount) against a bound the
# catalog writes, e.g. a renewal action's ["~!fact:renewal_days>60"] (a preference, PREFER): a renewal ranks lower while
# the contract still runs for months. A fact whose output is not a number does not answer a comparison.
_COMPARE = re.compile(r"^(?P<key>[^<>=]+?)\s*(?P<op>>=|<=|>|<)\s*(?P<bound>-?\d+(?:\.\d+)?)$")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
}


def _days_left(e: Evidence, d: DecisionInput) -> float | None:
    """A computed date (a term's end) as the days from the read day to it (negative once it has passed)."""
    day = _read_day(d)
    if day is None or e.lineage.get("unit") != "date":
        return None
    try:
        return float((date.fromisoformat(str(e.lineage.get("output", ""))[:10]) - day).days)
    except ValueError:
        return None


def _compare_test(key: str, op: str, bound: float, d: DecisionInput) -> bool:
    """A computed number against the bound; a computed DATE compares as the days left until it (`fact:warranty_end>365`:
    more than a year of the term still to run)."""
    for e in d.evidence:
        if e.kind is not EvidenceKind.COMPUTED_FACT:
            continue
        if key in (e.source_ids.get("tool"), e.source_ids.get("tool_id")):
            value = _days_left(e, d)
            value = _number(e.lineage.get("output", "")) if value is None else value
            if value is not None and _OPS[op](value, bound):
                return True
    return False


def _fact_test(term: str, d: DecisionInput) -> bool:
    body = term.removeprefix(FACT_PREFIX).strip()
    if (m := _COMPARE.match(body)) is not None:
        return _compare_test(m.group("key").strip(), m.group("op"), float(m.group("bound")), d)
    key, _, wanted = body.partition("=")
    key = key.strip()
    values = {v.strip().lower() for v in wanted.split(",") if v.strip()}
    for e in d.evidence:
        if e.kind is not EvidenceKind.COMPUTED_FACT:
            continue
        if key in (e.source_ids.get("tool"), e.source_ids.get("tool_id")):
            value = str(e.lineage.get("output", ""))
        elif e.lineage.get(key) not in (None, "", [], {}):
            value = str(e.lineage[key])
        else:
            continue
        if not values or value.strip().lower() in values:
            return True
        if WITHIN in values and within_authority(e):
            return True  # the authority table's ceiling («本人可自行决定的上限为 3%»): granting up to it is within
    # the term's end computed without the who-pays words: its date against the read day says the same
    return bool(values) and _term_state(key, d) in values


WITHIN = "within"


def within_authority(e: Evidence) -> bool:
    """A fact of the authority tool that asks nobody's approval: the ask is within the rep's own authority, or the tool
    stated the rep's ceiling («最多能给多少» → «本人可自行决定的追加折扣上限为 3%»), which the rep may grant up to. The
    same reading as agents.actions.computed.links, which supports the granting action on either, so the catalog's
    `fact:authority=within` gate and the computed answer's support agree (batch D d-price-k004-below-tier, tuning
    ad-t7-08: the ceiling was computed, the grant supported, and the gate kept it off the card)."""
    return e.source_ids.get("tool") == AUTHORITY_TOOL and not str(e.lineage.get("needs_approval") or "")


def precondition_holds(name: str, d: DecisionInput) -> bool:
    """One entry of an action's preconditions: a named one (PRECONDITIONS; unknown names hold), or a test over the
    computed facts (FACT_PREFIX), alternatives joined by ` | `."""
    if FACT_PREFIX not in name:
        return PRECONDITIONS.get(name, _always)(d)
    for term in name.split("|"):
        term = term.strip()
        negated = term.startswith("!")
        term = term.lstrip("!").strip()
        held = _fact_test(term, d) if term.startswith(FACT_PREFIX) else PRECONDITIONS.get(term, _always)(d)
        if held != negated:
            return True
    return False


# A precondition written with a leading `~` is a preference, not a gate: when it fails the action stays eligible (the
# customer may still ask for it in so many words) and ranks lower, as one the computed answer argues against:
#   a renewal action: ["~!fact:renewal_days>60"] — a renewal is the next step near the contract's end
PREFER = "~"
# A precondition written with a leading `+` says when the computed answer makes the action the NEXT STEP of what was
# asked (not a gate either): when it holds and the message is about an intent the action serves, the action is
# supported by the computed facts the test read, as the authority table's verdict supports an approval:
#   a renewal action: ["+fact:contract_end<=60"] — a contract ending within 60 days, or lapsed (days < 0), is renewed
NEXT = "+"


def preconditions_hold(spec: ActionSpec, d: DecisionInput) -> bool:
    """The catalog's gates (not its preferences or next steps), and the message's stance: an action it declines or says
    is done already («延保已经买好了», "no need for the extended warranty") holds for no source, rule or catalog."""
    if d.stance and spec.name in d.stance:
        return False
    return all(precondition_holds(p, d) for p in spec.preconditions if not p.startswith((PREFER, NEXT)))


def _facts_read(term: str, d: DecisionInput) -> list[Evidence]:
    """The computed facts a `fact:` test reads (those answering its key), for the action to cite."""
    body = term.lstrip("!").strip().removeprefix(FACT_PREFIX).strip()
    m = _COMPARE.match(body)
    key = (m.group("key") if m is not None else body.partition("=")[0]).strip()
    return [
        e
        for e in d.evidence
        if e.kind is EvidenceKind.COMPUTED_FACT
        and key in (e.source_ids.get("tool"), e.source_ids.get("tool_id"))
    ]


def next_steps(d: DecisionInput, tenant: TenantConfig, computed: dict[str, Link]) -> None:
    """The catalog's NEXT preconditions over the computed answer: an action whose every `+` test holds (its gates
    holding, the message about an intent it serves) is supported by the facts those tests read."""
    for spec in tenant.actions:
        tests = [p.removeprefix(NEXT).strip() for p in spec.preconditions if p.startswith(NEXT)]
        if not tests or not preconditions_hold(spec, d):
            continue
        if d.intent.name not in spec.intents and d.backing(spec.intents) < BACKED:
            continue
        if not all(precondition_holds(t, d) for t in tests):
            continue
        facts = [e for t in tests for e in _facts_read(t, d)]
        lk = computed.setdefault(spec.name, Link(spec.name))
        if lk.vetoed:
            continue
        lk.supported = lk.next_step = True
        lk.support += [e for e in facts if e not in lk.support]
        lk.why += [f"计算结果：{e.content.split(chr(10))[0][:60]}" for e in facts[:1]]


# agents.nodes.reason's flag: the read intent's own tools answered none of the message's needs
MISFILED = "intent_misfiled"


def _the_price_is_the_answer(d: DecisionInput, spec: ActionSpec, lk: Link) -> bool:
    """A quote priced for the quantity asked (Link.answers_ask) is the answer to the message when the message was read
    as an intent the quote serves, when reason found the read intent's own tools answering none of the message's needs
    (MISFILED: a price ask read as a trade-in), or when no other tool answered anything the message asked (a yes/no
    offer or a rate aside). A trade-in's subsidy computed for «每台补贴多少？一共能抵多少钱？» is the answer there, and the
    tier price computed beside it is an offer (tuning ad-t4-tradein-file-k001)."""
    if d.intent.name in spec.intents or MISFILED in d.flags:
        return True
    return not any(
        e.lineage.get("asked") and e.lineage.get("unit") not in ("%", "bool") and e not in lk.support
        for e in computed_facts(d.evidence)
    )


def decision_links(d: DecisionInput, tenant: TenantConfig, named: set[str]) -> dict[str, Link]:
    """What the computed answer says about each action (agents.actions.computed.links), with the catalog's NEXT steps,
    and without the support of an approval computed from the percentage of a message flagged as an injection when the
    message is not read as an intent the approval serves: the injected words asked for it, the customer did not.
    (An eligible campaign whose rows name none of what the message names stays supported: it keeps the catalog's own
    place, under the rules, and is no offer — see OFFER_NAMED; a service campaign for every model answers a question
    about that service's offers, session 15, batch A.)"""
    computed = links(d.evidence, tenant, named)
    for name, lk in computed.items():
        # another tool answered what was asked: the priced quote is an offer beside it
        if lk.answers_ask and not _the_price_is_the_answer(d, tenant.action(name), lk):
            lk.answers_ask = False
    for name, lk in computed.items():
        spec = tenant.action(name)
        if (
            not lk.supported
            or lk.next_step
            or lk.answers_ask
            or is_approval(spec)
            or grants(spec)
            or not named
            or not lk.support
        ):
            continue
        if not any(names_any(e, named) or shares_words(e, d.text) for e in lk.support):
            lk.supported = (
                False  # an offer about none of what the message names or says: no support to join on
            )
    if "injection_suspected" in d.flags:
        for name, lk in computed.items():
            spec = tenant.action(name)
            if lk.supported and is_approval(spec) and d.intent.name not in spec.intents:
                lk.supported = False
                lk.why.append("消息含可疑指令，审批不是所问之事")
    next_steps(d, tenant, computed)
    return computed


def disfavoured(spec: ActionSpec, d: DecisionInput) -> bool:
    """A preference of the catalog's (PREFER) fails for this case."""
    return any(
        not precondition_holds(p.removeprefix(PREFER).strip(), d)
        for p in spec.preconditions
        if p.startswith(PREFER)
    )


def playbooks_for(tenant: TenantConfig, business_unit: str) -> list[Playbook]:
    bu = business_unit.lower()
    return [
        p
        for p in tenant.playbooks
        if "*" in p.business_units or any(b.lower() in bu for b in p.business_units if bu)
    ]


def _number(value: Any) -> float | None:
    try:
        return float(str(value).replace(",", "").strip().rstrip("%"))
    except ValueError:
        return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a).lower() == str(b).lower()
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return na == nb
    return str(a).strip().lower() == str(b).strip().lower()


def fact_matches(value: Any, test: Any) -> bool:
    """A customer fact against a rule's test: scalar = equal, list = any of, FactTest = each set operator holds."""
    if isinstance(test, FactTest):
        if test.exists is not None and (value not in (None, "")) != test.exists:
            return False
        if value in (None, ""):
            return all(
                getattr(test, op) is None for op in ("eq", "in_", "gt", "gte", "lt", "lte", "contains")
            )
        if test.eq is not None and not _same(value, test.eq):
            return False
        if test.ne is not None and _same(value, test.ne):
            return False
        if test.in_ is not None and not any(_same(value, t) for t in test.in_):
            return False
        if test.not_in is not None and any(_same(value, t) for t in test.not_in):
            return False
        if test.contains is not None and test.contains.lower() not in str(value).lower():
            return False
        num = _number(value)
        for op, bound in (("gt", test.gt), ("gte", test.gte), ("lt", test.lt), ("lte", test.lte)):
            if bound is None:
                continue
            if num is None:
                return False
            if not {"gt": num > bound, "gte": num >= bound, "lt": num < bound, "lte": num <= bound}[op]:
                return False
        return True
    if value in (None, ""):
        return False
    if isinstance(test, list):
        return any(_same(value, t) for t in test)
    return _same(value, test)


def rule_matches(rule: Rule, d: DecisionInput) -> bool:
    w, intent = rule.when, d.intent
    if w.abstained is not None and bool(intent.abstained or intent.name == OUT_OF_SCOPE) != w.abstained:
        return False
    if w.intent and intent.name not in w.intent:
        return False
    if not w.intent and w.abstained is None and (intent.abstained or intent.name == OUT_OF_SCOPE):
        return False
    if intent.confidence < w.min_confidence:
        return False
    if w.max_confidence is not None and intent.confidence > w.max_confidence:
        return False
    if any(not fact_matches(d.customer.get(k), t) for k, t in w.customer.items()):
        return False
    if w.flags_any and not any(f in d.flags for f in w.flags_any):
        return False
    if any(f in d.flags for f in w.flags_none):
        return False
    signals = d.signal_ids()
    if any(s not in signals for s in w.signals_all) or any(s in signals for s in w.signals_none):
        return False
    if w.entities_any and not any(intent.entities.get(k) for k in w.entities_any):
        return False
    if (w.keywords_any or w.keywords_none) and not keywords_hold(w.keywords_any, w.keywords_none, d.text):
        return False
    if w.sentiment_below is not None and intent.sentiment >= w.sentiment_below:
        return False
    return all(k in d.kinds() for k in w.evidence_kinds)


def keywords_hold(any_of: list[str], none_of: list[str], text: str) -> bool:
    """keywords_any / keywords_none of a rule: the keywords_none words are taken out of the message first (a longer
    word holding a keyword, «手续签字» holding «续签», is not that keyword); then one keywords_any word must be left, or,
    for a rule without keywords_any, no keywords_none word may have been there."""
    low = text.lower()
    rest = low
    for k in sorted((k.lower() for k in none_of if k), key=len, reverse=True):
        rest = rest.replace(k, "\x00")
    if not any_of:
        return rest == low
    return any(k.lower() in rest for k in any_of)


def fire(
    rule: Rule, playbook: str, d: DecisionInput, tenant: TenantConfig, policy: PolicyRetriever
) -> RuleFiring | None:
    spec = tenant.action(rule.then.action)
    if not preconditions_hold(spec, d):
        return None
    extra: list[Evidence] = []
    if rule.then.retrieve is not None:  # e.g. the spine plan's clause, retrieved explicitly for this rule
        r = rule.then.retrieve
        hits = policy.search(PolicyQuery(text=r.query, k=max(r.k, 5)))
        extra = [e for e in hits if not r.doc_id or e.source_ids.get("doc_id") == r.doc_id][: r.k]
        if r.doc_id and not extra:
            return None  # the rule must be explained by the document it pushes; without it, it does not fire
    params: dict[str, Any] = dict(rule.then.parameters)
    for pname, kind in rule.then.parameters_from_entities.items():
        if d.intent.entities.get(kind):
            params[pname] = d.intent.entities[kind][0]
    # a clause retrieved for an abstained message (UNASKED) supports a rule only when the rule takes its document from
    # it: a hand-off does not rest on whatever clause the message's words found
    takes_policy = bool(rule.then.parameters_from_policy)
    clauses = [
        e
        for e in d.evidence
        if e.kind is EvidenceKind.POLICY_CLAUSE and (takes_policy or not e.lineage.get(UNASKED))
    ]
    source = answer_source(d.evidence)
    for pname, key in rule.then.parameters_from_policy.items():
        if source.get(key):
            params[pname] = source[key]
    # never drop the rule silently: the action is still suggested, the parameter marked for the rep to fill
    missing = [n for n, p in spec.parameters.items() if p.required and n not in params]
    for n in missing:
        params[n] = {"missing": True, "description": spec.parameters[n].description}
    matched_signals = [d.signal_ids()[s] for s in rule.when.signals_all]
    support = matched_signals + (extra or _sent_document(d.evidence, clauses, source if takes_policy else {}))
    rule_ev = Evidence(
        id=Evidence.make_id(
            EvidenceKind.RULE, playbook, rule.id, d.intent.name, *sorted(e.id for e in support)
        ),
        kind=EvidenceKind.RULE,
        title=f"规则 {rule.id}",
        content=rule.then.rationale_zh or rule.description or rule.id,
        source_ids={"rule_id": rule.id, "playbook": playbook},
        lineage={
            "intent": d.intent.name,
            "signals": rule.when.signals_all,
            "support": [e.id for e in support],
        },
    )
    rationale = rule.then.rationale_zh or rule.description
    if missing:
        rationale += f"（缺少参数 missing: {', '.join(missing)}，请补充）"
    action = Action(
        name=spec.name,
        label=spec.label_zh,
        parameters=params,
        rationale=rationale,
        evidence_ids=[rule_ev.id, *[e.id for e in support]],
        score=rule.then.priority / 100,
        rule_id=rule.id,
        requires_authority=spec.required_authority,
    )
    return RuleFiring(rule, playbook, action, rule_ev, extra, missing)


def _governing_versions(evidence: list[Evidence]) -> dict[str, str]:
    """doc_id → the version a computed fact chose for this customer (by the asset's delivery date, say)."""
    chosen: dict[str, str] = {}
    for e in evidence:
        doc, version = e.source_ids.get("doc_id"), e.source_ids.get("version")
        if e.kind is EvidenceKind.COMPUTED_FACT and doc and version:
            chosen.setdefault(str(doc), str(version))
    return chosen


def _sent_document(
    evidence: list[Evidence], clauses: list[Evidence], source: dict[str, Any]
) -> list[Evidence]:
    """What a rule's action rests on: the first clause of a version that governs this case (a computed fact that chose
    V1.0 of a document rules its V2.0 clauses out, however high they ranked); for an action that sends a document
    (parameters from policy), a clause of the very version it sends, else the computed fact that chose it."""
    if not source.get("doc_id"):
        chosen = _governing_versions(evidence)
        return [
            e
            for e in clauses
            if chosen.get(str(e.source_ids.get("doc_id", "")), str(e.source_ids.get("version", "")))
            == str(e.source_ids.get("version", ""))
        ][:1]

    def same(e: Evidence) -> bool:
        return e.source_ids.get("doc_id") == source["doc_id"] and str(e.source_ids.get("version", "")) == str(
            source.get("version", "")
        )

    return [e for e in clauses if same(e)][:1] or [
        e for e in evidence if e.kind is EvidenceKind.COMPUTED_FACT and same(e)
    ][:1]


def is_proactive(rule: Rule) -> bool:
    """A rule that fires on the customer's background (signals, facts) alone, whatever the message asks."""
    w = rule.when
    return (
        not (w.intent or w.keywords_any or w.entities_any or w.flags_any or w.abstained is not None)
        and w.sentiment_below is None
    )


def _blend(firing: RuleFiring, link: Link | None) -> RuleFiring | None:
    """A rule's action with what the computed answer says about it: parameters it could not fill, the facts it rests
    on; None when the facts rule out every id the action could carry."""
    if link is None:
        return firing
    if link.vetoed and not link.ruled_out:
        return None  # the computed answer rules the action out altogether (a grade it is not for)
    action = firing.action
    params = dict(action.parameters)
    for pname, bad in link.ruled_out.items():
        value = params.get(pname)
        if isinstance(value, str) and value in bad:
            return None  # the rule's own id is one the facts rule out
        if link.vetoed and not isinstance(value, str):
            return None
    filled = [n for n, v in link.params.items() if not isinstance(params.get(n), str | int | float)]
    for n in filled:
        params[n] = link.params[n]
    missing = [n for n in firing.missing if n not in filled]
    rationale = firing.rule.then.rationale_zh or firing.rule.description
    if link.why:
        rationale += "（" + "；".join(dict.fromkeys(link.why)) + "）"
    if missing:
        rationale += f"（缺少参数 missing: {', '.join(missing)}，请补充）"
    ids = [*action.evidence_ids, *[e.id for e in link.support if e.id not in action.evidence_ids]]
    firing.action = action.model_copy(
        update={"parameters": params, "rationale": rationale, "evidence_ids": list(dict.fromkeys(ids))}
    )
    firing.missing = missing
    return firing


def propose(
    d: DecisionInput,
    tenant: TenantConfig,
    policy: PolicyRetriever,
    model_score: Callable[[str, str], float] | None = None,
    limit: int = 4,
) -> list[RuleFiring]:
    """All firing rules of the matching playbooks, one per action name (highest key wins), ranked; blended with the
    computed answer (an action it supports rises and gets its parameters, one it rules out goes) and with the
    message (a rule fired by the customer's background alone ranks under the actions that answer the message)."""
    # what the whole message says of each action, read once (its parts and re-readings keep it)
    if d.stance is None:
        d = replace(d, stance=stances(d.text, tenant))
    named = named_in(d.text, d.intent.entities)
    computed = decision_links(d, tenant, named)
    best: dict[str, tuple[float, RuleFiring]] = {}
    background: set[str] = (
        set()
    )  # actions only a background rule (signals, facts) proposed, off the message's intent
    for pb in playbooks_for(tenant, d.business_unit):
        for rule in pb.rules:
            if not rule_matches(rule, d):
                continue
            firing = fire(rule, pb.id, d, tenant, policy)
            if firing is None:
                continue
            spec = tenant.action(rule.then.action)
            link = computed.get(spec.name)
            firing = _blend(firing, link)
            if firing is None:
                continue
            ms = model_score(d.text, spec.description) if model_score else 0.0
            key = rule.then.priority + ms  # priority dominates (integers), model score breaks ties
            # a background rule whose action serves neither the read intent nor one the message's needs back fully
            off_message = (
                is_proactive(rule) and d.intent.name not in spec.intents and d.backing(spec.intents) < BACKED
            )
            if off_message:
                key -= PROACTIVE_PENALTY
            if link is not None and link.answers_ask:
                # the computed answer is this action's content for what was asked (a quote priced for the quantity
                # asked): it ranks as the computed answer's verdict does, whatever intent the message was read as
                key = max(key + COMPUTED_BONUS, COMPUTED_PRIORITY + ms)
            elif link is not None and link.supported:
                key += COMPUTED_BONUS
            elif (link is not None and link.against) or disfavoured(spec, d):
                key -= COMPUTED_PENALTY
            firing.action = firing.action.model_copy(
                update={"score": round(min(max(key, 0.0), 100.0) / 100, 4)}
            )
            if firing.action.name not in best or key > best[firing.action.name][0]:
                best[firing.action.name] = (key, firing)
                if off_message:
                    background.add(firing.action.name)
                else:
                    background.discard(firing.action.name)
    if best:  # an action the computed answer supports and no rule proposed still joins the rules' actions
        asked = [k for name, (k, _) in best.items() if name not in background]
        for name, link in computed.items():
            if name in best or not link.supported or link.vetoed:
                continue
            extra = rank_catalog(
                d, tenant, model_score, exclude=set(best), limit=1, only={name}, computed=computed
            )
            # the computed answer's next step rises above the rules (an eligible campaign is an offer whatever was
            # asked); an approval is the next step only of a negotiation: one computed from a percentage a warranty
            # question happens to carry («内部备注…7%») joins under the intent's rules, as a background rule does.
            # Only when that intent is read with confidence: a guessed reading (under WEAK_READING) is no better
            # evidence of what was asked than the computed answer is
            spec = tenant.action(name)
            off_intent = is_approval(spec) and d.intent.name not in spec.intents and not d.weakly_read()
            priority: float = COMPUTED_PRIORITY - (PROACTIVE_PENALTY if off_intent else 0)
            # the computed answer's verdict on what was asked (the authority table: approve, or grant it myself) is
            # the next step; any other step it makes possible (an eligible campaign, a sale the record allows) is an
            # offer: it joins right under the best rule about the message, never over what the message asked for
            if asked and not (is_approval(spec) or grants(spec) or link.next_step or link.answers_ask):
                priority = min(priority, max(asked) - OFFER_GAP)
                if OFFER_NAMED and named and not any(names_any(e, named) for e in link.support):
                    continue  # an offer whose row names none of what the message names (its model, its figures)
            for f in extra:
                best[name] = (priority + f.action.score, f)
                f.action = f.action.model_copy(update={"score": round(priority / 100, 4)})
    # what the catalog ties to the message's ask joins the rules: under every rule about the message, over rules
    # fired by the customer's background alone whose action does not serve it
    if best:
        about = [k for name, (k, _) in best.items() if name not in background]
        ceiling = min([CATALOG_PRIORITY, *[k - 1 for k in about]])
        for f in rank_catalog(
            d, tenant, model_score, exclude=set(best), limit=MIN_ACTIONS, answering_only=True, computed=computed
        ):  # fmt: skip
            best[f.action.name] = (ceiling + f.action.score, f)
    ranked = [f for _, f in sorted(best.values(), key=lambda kv: kv[0], reverse=True)][:limit]
    r = _Ranking(d, tenant, model_score, computed, limit, policy)
    if ranked and any(f.missing for f in ranked[:MIN_ACTIONS]):
        ranked = _prepared_first(r, ranked)
    if not ranked:  # nothing written for this case yet: rank the catalog itself
        ranked = r.catalog(exclude=set(), limit=min(limit, 3))
    elif (
        len(ranked) < MIN_ACTIONS
    ):  # one rule fired: a second option the catalog ties to this intent or signal
        taken = {f.action.name for f in ranked}
        ranked += r.catalog(exclude=taken, limit=MIN_ACTIONS - len(ranked), declared_only=True)
        if len(ranked) < MIN_ACTIONS and r.d.weakly_read():
            # a guessed intent and nothing the catalog ties to the case: the second place beside the hand-off (or the
            # guess's rule) goes to the action the message reads closest to, a misread message's own ask more often
            # than not. A confident reading gets no such filler (an action its playbook keeps off the card stays off)
            ranked += r.catalog(exclude=taken, limit=MIN_ACTIONS - len(ranked), floor=FILL_FLOOR)
    ranked = _the_likely_intents(r, ranked)
    ranked = _the_offer_accepted(r, ranked)
    ranked = _what_the_message_needs(r, ranked)
    ranked = _what_the_message_reads(r, ranked)
    ranked = _the_other_needs(r, ranked)
    ranked = _the_second_ask(r, ranked)
    ranked = _the_named_step(r, ranked)
    ranked = _the_named_value(r, ranked)
    ranked = _the_asked_off(r, ranked)
    ranked = _the_asked_fact(r, ranked)
    ranked = _the_open_ticket(r, ranked)
    # after the open ticket's follow-up: the time the message asks for is its own ask («首保的单子…排上了没有？下周三能不能
    # 先安排4台？»: the booking second, the ticket's follow-up third)
    ranked = _the_asked_slot(r, ranked)
    ranked = _the_earlier_ask(r, ranked)
    ranked = _the_offer_taken(r, ranked)
    ranked = _the_priced_order(r, ranked)
    ranked = _for_another(r, ranked)
    return one_card_per_action(ranked)


# Refusals and the card (session 13's decision). The access screen (agents.authz, perceive) leaves its verdict in the
# flags, `authz_screen:<reason>:<how named>`. Two kinds:
# * the message asks for ANOTHER customer's data (prices, terms, orders): the refusal covers that data only; the
#   customer's own need stands, and so do its actions (a quote of their own beside «others' prices are confidential»);
#   since session 18 a quote or a grant only when the computed answer priced a quantity the message names for itself
#   (agents.nodes.decide.price_actions_kept: «他们拿了9个点 一台到手多少 我们也照那个来» asks their price, not one's own);
# * the sender is NOT the account holder (someone writing for them): nothing may be done on the account, so the card
#   holds no business action, only the catalog's hand-off (the actions serving out_of_scope), for a person to verify.
SCREEN_FLAG = "authz_screen:"
NOT_THE_HOLDER = frozenset({"not_account_holder"})


def _for_another(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    reasons = {f.removeprefix(SCREEN_FLAG).partition(":")[0] for f in r.d.flags if f.startswith(SCREEN_FLAG)}
    if not reasons & NOT_THE_HOLDER:
        return ranked
    safe = {a.name for a in r.tenant.actions if OUT_OF_SCOPE in a.intents}
    kept = [f for f in ranked if f.action.name in safe]
    return kept or r.catalog(exclude=set(), limit=1, only=safe, floor=-1.0)


def one_card_per_action(ranked: list[RuleFiring]) -> list[RuleFiring]:
    """One card per action, the first (best-ranked) kept in its place: two cards of one action waste a place and
    read to the rep as two suggestions."""
    seen: set[str] = set()
    out: list[RuleFiring] = []
    for f in ranked:
        if f.action.name not in seen:
            seen.add(f.action.name)
            out.append(f)
    return out


@dataclass
class _Ranking:
    """What the re-ranking steps after the rules share."""

    d: DecisionInput
    tenant: TenantConfig
    model_score: Callable[[str, str], float] | None
    computed: dict[str, Link]
    limit: int
    policy: PolicyRetriever

    def catalog(self, **kw: Any) -> list[RuleFiring]:
        return rank_catalog(self.d, self.tenant, self.model_score, computed=self.computed, **kw)

    def intents_of(self, f: RuleFiring) -> set[str]:
        return set(self.tenant.action(f.action.name).intents)


def _the_likely_intents(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """The reading is a guess (abstained, or under WEAK_READING): the card is the classifier's distribution over the
    likely intents marginalised, score(action) = Σ p(intent | message) · s(action | intent), s the action's reciprocal
    rank on the card the pack proposes for the message read as that intent (agents.actions.marginal). The card as read
    is one of them, weighted by its own probability; an abstained reading's card (the hand-off) keeps ABSTAINED_WEIGHT,
    so the likely ask leads and the hand-off stays on the card. An action only
    another intent's card holds joins when its marginal score reaches MIN_MARGINAL (no tail of unlikely cards).
    A confident reading that leaves the card EMPTY while the message answers the rep's offer («[OK][抱拳]» read as a
    thanks: no action serves it) is no better than a guess about that exchange: it is marginalised too."""
    d = r.d
    probs = d.intent_probs
    if not probs or not (d.weakly_read() or (d.replied_to and not ranked)):
        return ranked
    read = OUT_OF_SCOPE if d.abstained() else d.intent.name
    w_read = max(probs.get(read, 0.0), ABSTAINED_WEIGHT if d.abstained() else 0.0)
    others = {k: v for k, v in probs.items() if k != read}
    rest = sum(others.values())
    if not others or rest <= 0:
        return ranked
    cards: dict[str, tuple[float, list[str]]] = {read: (w_read, [f.action.name for f in ranked])}
    firings: dict[str, RuleFiring] = {f.action.name: f for f in reversed(ranked)}
    alt: dict[str, tuple[str, float]] = {}
    for name, p in sorted(others.items(), key=lambda kv: -kv[1]):
        weight = (1.0 - w_read) * p / rest
        as_that = replace(
            d,
            intent=d.intent.model_copy(
                update={
                    "name": name,
                    "abstained": name == OUT_OF_SCOPE,
                    "confidence": max(d.intent.confidence, WEAK_READING),
                }
            ),
            needs={},
            answered={},
            second_ask="",
            other_needs=[],
            open_ticket={},
            intent_probs={},
            replied_to="",
            earlier={},
            taken="",
        )
        card = propose(as_that, r.tenant, r.policy, r.model_score, r.limit)
        cards[name] = (weight, [f.action.name for f in card])
        for f in card:
            if f.action.name not in firings:
                firings[f.action.name] = f
                alt[f.action.name] = (name, p)
    out: list[RuleFiring] = []
    ceiling = 1.0
    on_read_card = set(cards[read][1])
    order = [(n, v) for n, v in marginal_order(cards) if n in on_read_card or v >= MIN_MARGINAL]
    # the computed answer's verdict on what was asked (a quote priced for the quantity asked: Link.answers_ask) is no
    # guess: where the card as read holds it in the top 2, the likely intents' cards do not push it out
    for name in [f.action.name for f in ranked[:2]]:
        lk = r.computed.get(name)
        at = next((i for i, (n, _) in enumerate(order) if n == name), None)
        if lk is not None and lk.answers_ask and at is not None and at > 1:
            order.insert(1, order.pop(at))
    for name, _score in order[: r.limit]:
        f = firings[name]
        if name in alt:
            intent, p = alt[name]
            f.action = f.action.model_copy(
                update={"rationale": f.action.rationale + f"（消息可能是 {intent}，概率 {p:.2f}）"}
            )
        ceiling = min(ceiling, f.action.score)  # the card's scores never rise down the list
        f.action = f.action.model_copy(update={"score": round(ceiling, 4)})
        out.append(f)
    return out


def _the_offer_accepted(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """A reply that says little of its own («👍», «[OK]», «好的») to the rep's turn before it is an answer to what the
    rep offered there («周四给您安排3台进店，可以吗？»): the action the rep's turn reads closest to (its words against
    each action's description and taught examples, standing out by DIRECT_MARGIN over DIRECT_FLOOR, preconditions
    holding) takes the first place; when none stands out, the closest takes the second. A negative reply («👎», «算了») accepts nothing: the card stays."""
    d = r.d
    if not d.replied_to or d.intent.sentiment < 0:
        return ranked
    best = _closest_standing_out(r, d.replied_to)
    at = 0
    if (
        not best
    ):  # no action stands out: the closest one still answers the offer, beside the reading's first card
        best, at = _closest_standing_out(r, d.replied_to, margin=0.0), 1
        if best in names_of(ranked[:2]):
            return ranked
    # the offered action's card: from the ranking, else the catalog's (whatever the reply's own words read as)
    picks = [f for f in ranked if f.action.name == best] or r.catalog(
        exclude=set(), limit=1, only={best}, floor=-1.0
    )
    if not best or not picks:
        return ranked
    pick = picks[0]
    rest = [f for f in ranked if f.action.name != best]
    score = max([pick.action.score, *[f.action.score for f in rest[at : at + 1]]])
    if at and rest:  # second: never over the first card
        score = min(score, rest[0].action.score)
    pick.action = pick.action.model_copy(
        update={"rationale": pick.action.rationale + "（客户回复的是销售刚才提出的这一步）", "score": score}
    )
    at = min(at, len(rest))
    return [*rest[:at], pick, *rest[at:]][: r.limit]


def names_of(ranked: list[RuleFiring]) -> set[str]:
    return {f.action.name for f in ranked}


def _what_the_message_needs(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """The message was read as one intent (or abstained) while its own needs and the computed answer point to
    another: the best action of that intent takes the second place, unless one of the first two already serves it.
    A misread intent then costs the rep one place, not the right action."""
    d, needed = r.d, r.d.needed_intents()
    # already there: an action serving a needed intent and not the read one (an action serving both is the read one's)
    if not needed or any(
        needed & r.intents_of(f) and d.intent.name not in r.intents_of(f) for f in ranked[:2]
    ):
        return ranked
    # an action serving a needed intent, other than the first card (one the read intent shares with the needed one,
    # as sending the document the answer rests on, may be the one)
    serving = {a.name for a in r.tenant.actions if needed & set(a.intents)} - {
        f.action.name for f in ranked[:1]
    }
    # one needed intent: what the pack's own rules propose for the message read as that intent, in their order (several
    # tied intents: the rules of one say nothing of the others; the catalog weighs them together)
    own = [f for f in _as_needed(r, needed) if f.action.name in serving] if len(needed) == 1 else []
    picks = (
        own
        or [f for f in ranked[1:] if f.action.name in serving]
        or r.catalog(exclude=set(), limit=3, only=serving)
    )
    if not picks:
        return ranked
    # several needed intents (a tool they share): the action serving more of them covers the need better (a quote
    # serves the price, promotion and purchase intents a shared price tool backs; a contract only the purchase one);
    # among equals, the first the pack proposes
    pick = max(picks, key=lambda f: sum(1 for i in r.intents_of(f) if i in needed))
    pick = next((f for f in ranked if f.action.name == pick.action.name), pick)
    rest = [f for f in ranked if f.action.name != pick.action.name]
    at = min(1, len(rest))
    if rest:
        pick.action = pick.action.model_copy(update={"score": min(pick.action.score, rest[0].action.score)})
    return [*rest[:at], pick, *rest[at:]][: r.limit]


def _as_needed(r: _Ranking, needed: set[str]) -> list[RuleFiring]:
    """The actions the pack's rules about the message propose when it is read as each needed intent (the intent's
    own rules, not a background rule's or a catalog guess), in the order they rank."""
    d = r.d
    out: list[RuleFiring] = []
    for name in sorted(needed):
        as_needed = replace(
            d,
            intent=d.intent.model_copy(update={"name": name, "abstained": False}),
            needs={},
            answered={},
            second_ask="",
            other_needs=[],
            intent_probs={},
            replied_to="",
            earlier={},
            taken="",
        )
        out += [
            f for f in propose(as_needed, r.tenant, r.policy, r.model_score, r.limit) if _about_the_message(f)
        ]
    return sorted(out, key=lambda f: -f.action.score)


def _what_the_message_reads(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """The intent is a guess (abstained, or read under WEAK_READING) and the message's needs point to no other intent:
    the action the message itself reads closest to (its words against each action's description and taught examples)
    takes the second place when it stands out from every other action (DIRECT_MARGIN) and clears DIRECT_FLOOR. A
    confident reading is left alone: there the intent's rules and catalog already rank what it asks."""
    d = r.d
    if d.needed_intents():
        return ranked
    if d.weakly_read():
        best = _closest_standing_out(r, d.text)
    else:
        # a confident reading: only an action of the read intent the words name clearly («再续» → the renewal, where
        # the intent's rules send the package's terms and a background rule books a service)
        best = _closest_standing_out(r, d.text, floor=CLEAR_FLOOR, margin=CLEAR_MARGIN)
        if best and d.intent.name not in r.tenant.action(best).intents:
            best = ""
    if not best or best in {f.action.name for f in ranked[:2]}:
        return ranked
    return _second_place(r, ranked, best)


def _closest_standing_out(
    r: _Ranking, text: str, floor: float | None = None, margin: float | None = None
) -> str:
    """The action `text` reads closest to when it clears DIRECT_FLOOR and leads every other eligible action by
    DIRECT_MARGIN; '' otherwise (or without a scorer)."""
    d = r.d
    if r.model_score is None or not text.strip():
        return ""
    injected = "injection_suspected" in d.flags
    eligible = [
        spec
        for spec in r.tenant.actions
        if preconditions_hold(spec, d)
        and not (injected and grants(spec))
        and not (r.computed.get(spec.name) is not None and r.computed[spec.name].vetoed)
    ]
    sims = sorted(((r.model_score(text, spec.name), spec.name) for spec in eligible), reverse=True)
    if len(sims) < 2:
        return ""
    (best_sim, best), (runner_up, _) = sims[0], sims[1]
    floor = DIRECT_FLOOR if floor is None else floor
    margin = DIRECT_MARGIN if margin is None else margin
    return best if best_sim >= floor and best_sim - runner_up >= margin else ""


KEEP_NEEDED = True


def _free_place(r: _Ranking, ranked: list[RuleFiring]) -> int:
    """Where a later step's pick goes: second, unless the second card is there because the message's own words need
    it (an action of an intent its needs back fully, BACKED, that the read intent is not: _what_the_message_needs);
    then third. A clause's reading or a second ask's closest action is weaker evidence than the tools the words ask for."""
    if len(ranked) >= 2 and _read_intent_second(r, ranked):
        return 2
    # the second card is the computed answer's verdict on the ask (a quote priced for the quantity asked): a clause's
    # reading or a second ask's closest action goes under it
    verdict = r.computed.get(ranked[1].action.name) if len(ranked) >= 2 else None
    if verdict is not None and verdict.answers_ask:
        return 2
    if not KEEP_NEEDED or len(ranked) < 2:
        return 1
    second = r.intents_of(ranked[1])
    needed = r.d.needed_intents()
    keep = (
        bool(needed & second)
        and r.d.intent.name not in second
        and r.d.backing(list(second & needed)) >= BACKED
    )
    return 2 if keep else 1


def _read_intent_second(r: _Ranking, ranked: list[RuleFiring]) -> bool:
    """The first card serves another intent than the one read (a hand-off asked for in so many words, an approval an
    injection flag proposed) and the second is the read intent's own rule about the message: that one keeps its place
    (a complaint that also says «我要找你们领导» keeps its escalation in the top two beside the hand-off; a part's
    fault report goes third). Session 15, batch E."""
    name = r.d.intent.name
    return (
        not r.d.abstained()
        and name not in r.intents_of(ranked[0])
        and name in r.intents_of(ranked[1])
        and _about_the_message(ranked[1])
    )


def _second_place(r: _Ranking, ranked: list[RuleFiring], name: str) -> list[RuleFiring]:
    """`name`'s card (from the ranking, else the catalog) in the second place, the rest after it."""
    picks = [f for f in ranked if f.action.name == name] or r.catalog(exclude=set(), limit=1, only={name})
    if not picks:
        return ranked
    pick = picks[0]
    rest = [f for f in ranked if f.action.name != name]
    at = min(_free_place(r, ranked), len(rest))
    if rest:
        pick.action = pick.action.model_copy(update={"score": min(pick.action.score, rest[0].action.score)})
    return [*rest[:at], pick, *rest[at:]][: r.limit]


def _the_other_needs(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """A part of the message read on its own as another intent («…我很不满意！上周要的报价还没发» → a price ask beside
    the complaint): the action the pack proposes for that part alone (its rules, else its catalog) takes the second
    place, unless an action serving that intent is already on the top two. The first card never moves."""
    d = r.d
    if not d.other_needs or not ranked:
        return ranked
    on_card = {i for f in ranked[:2] for i in r.intents_of(f)} | {d.intent.name}
    for need in d.other_needs:
        if need["intent"] in on_card or not has_own_words(need["text"]):
            continue
        alone = replace(
            d,
            intent=d.intent.model_copy(update={"name": need["intent"], "confidence": need["confidence"]}),
            text=need["text"],
            second_ask="",
            other_needs=[],
            open_ticket={},
            intent_probs={},
            replied_to="",
            earlier={},
            taken="",
        )
        picks = [
            f
            for f in propose(alone, r.tenant, r.policy, r.model_score, r.limit)
            if f.rule.id != CATALOG_RULE or need["intent"] in r.intents_of(f)
        ]
        picks = [f for f in picks if f.action.name not in {g.action.name for g in ranked[:1]}]
        # an action the catalog's preference argues against for this customer (`~`: a warranty with years to run is
        # not extended) is no part's answer while another action serves it
        picks = ([f for f in picks if not disfavoured(r.tenant.action(f.action.name), d)] or picks)[:2]
        if not picks:
            continue
        # the part's first action, or its second when the part's own words read clearly closer to it (a booking ask
        # read as a package question is a booking, not the package's terms)
        pick = picks[0]
        if len(picks) > 1 and r.model_score is not None:
            first, second = (r.model_score(need["text"], f.action.name) for f in picks)
            pick = picks[1] if second - first >= CLEAR_MARGIN else picks[0]
        pick = _the_part_names(r, need, pick, {f.action.name for f in ranked[:1]})
        if pick.action.name in names_of(ranked[:2]):
            return ranked  # the part's own action is on the top two already
        rest = [f for f in ranked if f.action.name != pick.action.name]
        pick.action = pick.action.model_copy(update={"score": min(pick.action.score, rest[0].action.score)})
        at = min(_free_place(r, ranked), len(rest))
        return [*rest[:at], pick, *rest[at:]][: r.limit]
    return ranked


# A value the PII screen masked in the message («<CN_MOBILE_1>», «<PERSON_2>»): the vault's placeholder shape
MASKED = re.compile(r"<[A-Z][A-Z0-9_]*_\d+>")


def has_own_words(part: str) -> bool:
    """A part says something of its own: with the masked values taken out, some letter or character is left. A part
    that is only a masked number («…身份证是 <CN_RESIDENT_ID_1>» split off as a clause) is the customer identifying
    themselves, not a need: reading it as a contact-details change would put that action on the card."""
    return any(c.isalnum() for c in MASKED.sub("", part))


def _the_part_names(r: _Ranking, need: dict[str, Any], pick: RuleFiring, first: set[str]) -> RuleFiring:
    """Per-need action: a part's own words choose among every action serving the part's intent or the message's
    (the catalog's, preconditions holding), not only among what the part's intent's rules propose. «…can I still buy
    the extra cover, what's the price?» reads as a price ask, and its words read clearly closer to selling the
    extended warranty (an action of the warranty question it follows) than to a quote. The rules' pick stands unless
    another reads closer by CLEAR_MARGIN."""
    if r.model_score is None:
        return pick
    intents = {need["intent"], r.d.intent.name}
    serving = (
        {a.name for a in r.tenant.actions if intents & set(a.intents) and not disfavoured(a, r.d)}
        - first
        - {pick.action.name}
    )
    if not serving:
        return pick
    base = r.model_score(need["text"], pick.action.name)
    alts = [
        (r.model_score(need["text"], f.action.name), f)
        for f in r.catalog(exclude=first, limit=len(serving), only=serving, floor=-1.0)
    ]
    best = max(alts, key=lambda sf: sf[0], default=None)
    return best[1] if best is not None and best[0] - base >= CLEAR_MARGIN else pick


def _the_second_ask(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """A message raising a second need («…续的话什么价？另外有台车亮了故障灯»): the first card answers the first need;
    the action the second need reads closest to takes the second place when it stands out and is not on the top two
    yet. The first card is never moved."""
    best = _closest_standing_out(r, r.d.second_ask)
    if not best or not ranked or best in {f.action.name for f in ranked[:2]}:
        return ranked
    return _second_place(r, ranked, best)


_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")


def label_words(tenant: TenantConfig) -> dict[str, set[str]]:
    """Per action, what its catalog label names: the label's object (the label after its leading two-character verb,
    «安排上门评估» → 上门评估; «预约巡检/上门» → 巡检, 上门), each kept only when no other action's label holds it. A
    slice of a label («预约», «查询») names a verb, not a step, and is not used (as agents.actions.stance reads labels).
    Read once per tenant object (kept pinned beside its words)."""
    hit = _LABEL_WORDS.get(id(tenant))
    if hit is not None and hit[0] is tenant:
        return hit[1]
    labels = {a.name: (a.label_zh or "").strip() for a in tenant.actions}
    out: dict[str, set[str]] = {}
    for name, label in labels.items():
        obj = label[2:] if len(label) >= 4 and _CJK_WORD.match(label[:2]) else label
        words = {w for w in _CJK_WORD.findall(obj) if len(w) >= 2}
        out[name] = {w for w in words if not any(w in other for n, other in labels.items() if n != name)}
    if len(_LABEL_WORDS) >= 16:  # a process serves a few tenants
        _LABEL_WORDS.clear()
    _LABEL_WORDS[id(tenant)] = (tenant, out)
    return out


_LABEL_WORDS: dict[int, tuple[TenantConfig, dict[str, set[str]]]] = {}


def _backs_a_step(e: Evidence, d: DecisionInput) -> bool:
    """A computed fact that makes a step the customer's to take: a yes/no row answered yes (a campaign the customer
    qualifies for), or a date that has come (a service or a term due, days left ≤ 0)."""
    if e.lineage.get("to_customer") is False:
        return False
    if e.lineage.get("unit") == "bool":
        return str(e.lineage.get("output", "")).strip().lower() == "true"
    days = _days_left(e, d)
    return days is not None and days <= 0


_DOC_TITLE = re.compile(r"《[^》]*》")


def _row_names(e: Evidence, word: str) -> bool:
    """The fact's own row (its inputs, slots and first line, without the titles of the documents it cites: a
    document's name is not what the row is about) holds `word`."""
    parts = [str(i.get("value", "")) for i in e.lineage.get("inputs") or [] if isinstance(i, dict)]
    parts += [str(x) for x in e.lineage.get("slots") or []]
    return word in _DOC_TITLE.sub("", " ".join([*parts, e.content.split("\n")[0]]))


def _rests_on(r: _Ranking, f: RuleFiring, ids: set[str]) -> bool:
    """The card's action is supported by one of these facts (the computed answer's link to it)."""
    lk = r.computed.get(f.action.name)
    return lk is not None and lk.supported and any(e.id in ids for e in lk.support)


def _the_named_step(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """The message names a step by its catalog label's own word («月底前想安排一次巡检» → 预约巡检) and the customer's
    record or the computed answer backs that step: a signal the catalog ties to it (超过180天未巡检), or a computed fact
    that makes it the customer's to take whose row names the same word (a campaign the customer qualifies for whose
    offer is «巡检工时费8折»; a due date that has come). That step takes the second place when it is not on the top two:
    the customer asking about a service's offer means to come in for the service (batches A, D, J: a service-season
    question got the campaign, its document and a quote). The word in the message alone (a story: «上次巡检的时候师傅
    说…») or in the record alone backs nothing; the first card never moves."""
    d = r.d
    if not ranked or d.abstained():
        return ranked
    text = to_simplified(d.text)
    said = {n: {w for w in ws if w in text} for n, ws in label_words(r.tenant).items()}
    if not any(said.values()):
        return ranked
    signals = d.signal_ids()
    rows = [e for e in computed_facts(d.evidence) if _backs_a_step(e, d)]
    top = names_of(ranked[:2])
    for spec in r.tenant.actions:
        words = said.get(spec.name) or set()
        if not words or spec.name in top or not preconditions_hold(spec, d):
            continue
        lk = r.computed.get(spec.name)
        if lk is not None and lk.vetoed:
            continue
        backing = [signals[s] for s in spec.signals if s in signals] or [
            e for e in rows if any(_row_names(e, w) for w in words)
        ]
        # … or the customer's own words state the plan to take it («打算下周把设备送过来做个巡检»: plans.planned)
        plan = "" if backing else next((p for w in sorted(words) if (p := planned(d.text, w))), "")
        if plan:
            backing = [_plan_evidence(spec, plan)]
        if not backing:
            continue
        picks = [f for f in ranked if f.action.name == spec.name] or r.catalog(
            exclude=set(), limit=1, only={spec.name}, floor=-1.0
        )
        if not picks:
            continue
        pick = picks[0]
        if plan:
            pick.extra_evidence = [*pick.extra_evidence, *backing]
        rest = [f for f in ranked if f.action.name != spec.name]
        # second, under a card the read intent keeps or the computed verdict on the ask — unless the step serves the
        # read intent itself (a booking read as a question about the plan it books under: the booking is its own step)
        at = 1 if d.intent.name in spec.intents else _free_place(r, ranked)
        # … and under the action the same fact supports (the campaign's own registration): the step follows the offer
        ids_backing = {e.id for e in backing}
        while at < len(rest) and at < MIN_ACTIONS and _rests_on(r, rest[at], ids_backing):
            at += 1
        at = min(at, len(rest))
        why = "、".join(dict.fromkeys(e.title or e.content.split("\n")[0][:40] for e in backing[:2]))
        ids = [*pick.action.evidence_ids, *[e.id for e in backing if e.id not in pick.action.evidence_ids]]
        pick.action = pick.action.model_copy(
            update={
                "rationale": pick.action.rationale + f"（消息说到「{'、'.join(sorted(words))}」，{why}）",
                "evidence_ids": ids,
                "score": min(pick.action.score, rest[0].action.score) if rest else pick.action.score,
            }
        )
        return [*rest[:at], pick, *rest[at:]][: r.limit]
    return ranked


def _the_named_value(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """The message names a value of a kind (an entity) that only actions serving ONE intent take as a parameter — a
    fault code, which only the fault intent's steps take (a ticket, a roadside dispatch) — while it was read as another
    intent («面板上出来个E-203，这个在保修范围里吧？» read as a warranty question): the step the pack's own rules propose
    for that intent, among the actions taking the value, takes the second place when none of them is on the top two (a
    booking serving the fault intent among others is no fault step of this code). Only the pack's own id shapes (tenant patterns), not generic values (an amount a refund takes); a kind several
    intents' actions take (a model code: a quote, a contract, an appraisal) says nothing of the ask; an open ticket
    followed up on the card is the fault's step already; a value told of as past («上个月报E-203那次已经修好了») asks
    nothing now. The first card never moves."""
    d = r.d
    if not ranked or any(follows_up_ticket(r.tenant.action(f.action.name)) for f in ranked):
        return ranked
    # the pack's own id shapes (a fault code, an order number), not the generic values (an amount, a percentage)
    shapes = {p.kind for p in r.tenant.entity_rules.patterns}
    for kind, values in sorted(d.intent.entities.items()):
        if kind not in shapes:
            continue
        takers = {a.name: a for a in r.tenant.actions if values and kind in a.parameters}
        served = {frozenset(a.intents) for a in takers.values()}
        if len(served) != 1:
            continue
        intents = set(next(iter(served)))
        if len(intents) != 1 or d.intent.name in intents:
            continue
        if names_of(ranked[:2]) & set(takers) or all(told_as_past(d.text, v) for v in values):
            continue
        picks = [f for f in _as_needed(r, intents) if f.action.name in takers]
        if not picks:
            continue
        pick = picks[0]
        pick.action = pick.action.model_copy(
            update={"rationale": pick.action.rationale + f"（消息说到{kind}「{values[0]}」）"}
        )
        rest = [f for f in ranked if f.action.name != pick.action.name]
        at = min(_free_place(r, ranked), len(rest))
        if rest:
            pick.action = pick.action.model_copy(
                update={"score": min(pick.action.score, rest[0].action.score)}
            )
        return [*rest[:at], pick, *rest[at:]][: r.limit]
    return ranked


# Session 23 (the misses of every open batch, fresh_r12 … fresh_r22 + tuning, listed by kind): what the message ASKS
# the rep to do, read from its structure, whatever intent it was read as — a time to come in, a further reduction, a
# figure the catalog ties to a step — and an order the computed answer priced. Each puts the step on the card with a
# RULE evidence quoting the words; the first card never moves.
SLOT_RULE = "asked_slot"
OFF_RULE = "asked_reduction"
ASKED_FACT_RULE = "asked_fact"
PRICED_RULE = "priced_order"
# a catalog label opening with one of these verbs names a step taken at a time (language words, not the tenant's)
BOOKING_VERBS = ("预约", "安排")


def _asked_evidence(rule: str, spec: ActionSpec, said: str, title: str) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.RULE, rule, spec.name, said),
        kind=EvidenceKind.RULE,
        title=f"{title}：{spec.label_zh or spec.name}",
        content=f"{title}：“{said[:60]}”",
        source_ids={"rule_id": rule, "playbook": rule},
        lineage={"inputs": [{"field": "message.clean_text", "value": said}], "output": spec.name},
    )


def _eligible(r: _Ranking, spec: ActionSpec) -> bool:
    lk = r.computed.get(spec.name)
    return preconditions_hold(spec, r.d) and not (lk is not None and lk.vetoed)


def _put(
    r: _Ranking, ranked: list[RuleFiring], spec: ActionSpec, at: int, ev: Evidence, why: str
) -> list[RuleFiring]:
    """`spec`'s card (from the ranking, else the catalog's) at place `at`, citing `ev`; never over the first card."""
    picks = [f for f in ranked if f.action.name == spec.name] or r.catalog(
        exclude=set(), limit=1, only={spec.name}, floor=-1.0
    )
    if not picks:
        return ranked
    pick = picks[0]
    rest = [f for f in ranked if f.action.name != spec.name]
    pick.extra_evidence = [*pick.extra_evidence, ev]
    pick.action = pick.action.model_copy(
        update={
            "rationale": pick.action.rationale + f"（{why}）",
            "evidence_ids": [*pick.action.evidence_ids, ev.id],
            "score": min(pick.action.score, rest[0].action.score) if rest else pick.action.score,
        }
    )
    at = max(min(at, len(rest)), 1 if rest else 0)
    return [*rest[:at], pick, *rest[at:]][: r.limit]


# an urgent step (its description says it is taken at once) is no step booked for a time ahead (language words)
_AT_ONCE = ("立即", "立刻", "马上", "immediately", "urgently")


def _urgent(spec: ActionSpec) -> bool:
    return any(w in (spec.description or "").lower() for w in _AT_ONCE)


def _booked(spec: ActionSpec) -> bool:
    """A step taken at a time the customer may ask for: its label opens with a booking verb and it is not urgent."""
    return (spec.label_zh or "").startswith(BOOKING_VERBS) and not _urgent(spec)


_AFTER_VERB = re.compile(r"(?:安排|排|约|过来|过去|进来|到店|进店|来店)(?P<obj>[\u4e00-\u9fff]*)")


def _names_other_step(tenant: TenantConfig, clause: str, booking: set[str]) -> bool:
    """What the asking clause arranges («安排交车»: the words after the arranging verb) is written in the description of
    a step that is no booking and in no booking step's («交车» is the order look-up's): the time is asked for that."""
    objs = [m.group("obj") for m in _AFTER_VERB.finditer(to_simplified(clause))]
    grams = {o[i : i + 2] for o in objs for i in range(len(o) - 1)}
    if not grams:
        return False

    def text(a: ActionSpec) -> str:
        return f"{a.label_zh or ''}{a.description or ''}"

    booked = "".join(text(a) for a in tenant.actions if a.name in booking)
    return any(
        g in text(a) and g not in booked for a in tenant.actions if a.name not in booking for g in grams
    )


def _the_asked_slot(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """The message asks for a time to come in or have something done («下周二上午能开过去吗», «下周一能不能先排两台
    进来», "Is there a slot on Thursday?": agents.actions.plans.asked_slot), often without the label's word and read as
    another intent (a delivery, a fault): the step taken at a time (a catalog label opening with a booking verb) the
    message reads closest to takes the second place when no such step is on the top two. Not when what the asking
    clause arranges is written in another step's description and no booking's («下周三能不能安排交车» → the order's)."""
    d = r.d
    if not ranked or r.model_score is None:
        return ranked
    clause = asked_slot(d.text)
    # an urgent step leads the card (a fault that stops the car: «过热那台车，师傅今天能过来吗»): no time is booked ahead
    if not clause or _urgent(r.tenant.action(ranked[0].action.name)):
        return ranked
    booking = [a for a in r.tenant.actions if _booked(a) and _eligible(r, a)]
    if not booking or {a.name for a in booking} & names_of(ranked[:2]):
        return ranked
    if _names_other_step(r.tenant, clause, {a.name for a in booking}):
        return ranked
    score = r.model_score
    # one serving the read intent first (a package question's time is its service's), then the closest to the message
    spec = max(booking, key=lambda a: (d.intent.name in a.intents, score(d.text, a.name)))
    ev = _asked_evidence(SLOT_RULE, spec, clause, "客户约时间")
    return _put(r, ranked, spec, 1, ev, f"客户问能否约时间：“{clause[:30]}”")


def _the_asked_off(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """The message asks the rep to take a further amount or rate off («你再给我让5000», «能再降五个点», "knock another
    6,000 off": agents.actions.plans.asked_off), often read as a promotion, an order or a refund (a deposit, a
    threat): the step over a reduction the catalog's gates allow (the approval, or the grant when the authority
    table computed it within the rep's own authority) takes the second place when neither is on the top two."""
    d = r.d
    said = asked_off(d.text) if ranked else ""
    if not said:
        return ranked
    injected = "injection_suspected" in d.flags
    specs = [
        a for a in r.tenant.actions if (is_approval(a) or (grants(a) and not injected)) and _eligible(r, a)
    ]
    if not specs or {a.name for a in specs} & names_of(ranked[:2]):
        return ranked

    def key(a: ActionSpec) -> tuple[bool, bool]:
        lk = r.computed.get(a.name)
        return (lk is not None and lk.supported, is_approval(a))

    spec = max(specs, key=key)
    ev = _asked_evidence(OFF_RULE, spec, said, "客户要求再让价")
    return _put(r, ranked, spec, 1, ev, f"客户要求再让：“{said[:20]}”")


def _preferred_facts(spec: ActionSpec) -> set[str]:
    """The computed facts the catalog names as making the action the step (a PREFER or NEXT term testing a fact's
    presence, «fact:package_renewal_price»), not negated and not a comparison or a value test."""
    keys: set[str] = set()
    for p in spec.preconditions:
        if not p.startswith((PREFER, NEXT)):
            continue
        for term in p[1:].split("|"):
            term = term.strip()
            if term.startswith("!") or not term.startswith(FACT_PREFIX):
                continue
            body = term.removeprefix(FACT_PREFIX).strip()
            if body and not _COMPARE.match(body) and "=" not in body:
                keys.add(body)
    return keys


def _the_asked_fact(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """The computed answer holds a figure the message asked for (lineage `asked`) that the catalog names as making an
    action the step (its preference or next-step term, «fact:package_renewal_price» for the renewal): the message asked
    what taking that step costs while read as an intent the action does not serve (a renewal letter in English read as
    a price ask), so the action takes the second place when it is not on the top two."""
    d = r.d
    if not ranked:
        return ranked
    asked = [e for e in computed_facts(d.evidence) if e.lineage.get("asked")]
    if not asked:
        return ranked
    top = names_of(ranked[:2])
    for spec in r.tenant.actions:
        keys = _preferred_facts(spec)
        # read as an intent the action serves, its own rules and the catalog's preference placed it already
        if not keys or spec.name in top or d.intent.name in spec.intents or not _eligible(r, spec):
            continue
        facts = [e for e in asked if keys & {e.source_ids.get("tool"), e.source_ids.get("tool_id")}]
        if not facts:
            continue
        line = facts[0].content.split("\n")[0]
        ev = _asked_evidence(ASKED_FACT_RULE, spec, line, "客户所问的计算结果")
        return _put(r, ranked, spec, _free_place(r, ranked), ev, f"所问的是这一步的计算结果：{line[:30]}")
    return ranked


def _lapsed(e: Evidence, d: DecisionInput) -> bool:
    """A computed term that has run out: days left below 0, or an end date before the read day."""
    if e.lineage.get("unit") == "days":
        days = _number(e.lineage.get("output", ""))
        return days is not None and days < 0
    left = _days_left(e, d)
    return left is not None and left < 0


def _the_priced_order(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """The computed answer priced an order of more than one unit the message names for itself (agents.actions.computed.
    priced_for_order: «现在补买10台一年的…一共多少») while the term the message asked about has lapsed (a computed
    days-left below 0, or a passed end date: the package is bought anew, not renewed) and no action carrying a rate
    (the quote) is on the card: the quote joins the card in its last place (the price computed is what it carries)."""
    d = r.d
    if not ranked:
        return ranked
    facts = priced_for_order(computed_facts(d.evidence))
    if not facts or not any(_lapsed(e, d) for e in computed_facts(d.evidence) if e.lineage.get("asked")):
        return ranked
    on_card = names_of(ranked)
    carriers = [a for a in r.tenant.actions if carries_rate(a) and _eligible(r, a)]
    if not carriers or {a.name for a in carriers} & on_card:
        return ranked
    spec = carriers[0]
    line = facts[0].content.split("\n")[0]
    ev = _asked_evidence(PRICED_RULE, spec, line, "算出了所问数量的价格")
    return _put(r, ranked, spec, min(len(ranked), r.limit - 1), ev, f"算出了所问数量的价格：{line[:30]}")


PLAN_RULE = "customer_plan"


def _plan_evidence(spec: ActionSpec, plan: str) -> Evidence:
    """The customer's stated plan to take a step, as the RULE evidence the card cites (its words)."""
    return Evidence(
        id=Evidence.make_id(EvidenceKind.RULE, PLAN_RULE, spec.name, plan),
        kind=EvidenceKind.RULE,
        title=f"客户打算：{spec.label_zh or spec.name}",
        content=f"客户说打算办理：“{plan[:40]}”",
        source_ids={"rule_id": PLAN_RULE, "playbook": PLAN_RULE},
        lineage={"inputs": [{"field": "message.clean_text", "value": plan}], "output": spec.name},
    )


TAKEN_RULE = "offer_taken"
_REP_CLAUSE = re.compile(r"[，,。！!？?；;\n]")
_CONTENT_CHARS = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]")
_SALUTATION = re.compile(r"您好|你好|^\s*(?:hi|hello|dear)\b", re.I)
MAX_SALUTATION = 4  # content characters of a bare name and title opening the turn («李工，», «王总，»)


def _the_offer_taken(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """The rep's turn offered a step in a question («这周六上午给您约在门店可以吗？») and the message opens by taking it
    («周六上午可以的。另外想问下…»: agents.actions.plans.opening_accept) before asking something else: the message's own
    ask keeps the first card, and the step the rep's turn reads closest to (its words against each eligible action,
    as a say-little reply's offer is read: _the_offer_accepted) takes the second place when it is not on the top two.
    Not when the message declines it or turns down what was on the table; the card cites the rep's turn."""
    d = r.d
    if not d.taken or not ranked or d.replied_to or bare_decline(d.text):
        return ranked
    # the offer is read without the salutation opening the rep's turn («林女士您好，», «王先生，», "Hi Ms Lin,"): a name
    # and a greeting dilute «…这周六上午给您约在门店可以吗？»
    clauses = [c for c in _REP_CLAUSE.split(d.taken) if c.strip()]
    if len(clauses) > 1 and (
        _SALUTATION.search(clauses[0]) or len(_CONTENT_CHARS.sub("", clauses[0])) <= MAX_SALUTATION
    ):
        clauses = clauses[1:]
    best = _closest_standing_out(r, "，".join(clauses), margin=0.0)
    if not best or best in names_of(ranked[:2]):
        return ranked
    picks = [f for f in ranked if f.action.name == best] or r.catalog(
        exclude=set(), limit=1, only={best}, floor=-1.0
    )
    if not picks:
        return ranked
    pick = picks[0]
    spec = r.tenant.action(best)
    ev = Evidence(
        id=Evidence.make_id(EvidenceKind.RULE, TAKEN_RULE, best, d.taken),
        kind=EvidenceKind.RULE,
        title=f"客户已答应：{spec.label_zh or best}",
        content=f"销售提出：“{d.taken[:60]}”，客户开头已答应",
        source_ids={"rule_id": TAKEN_RULE, "playbook": TAKEN_RULE},
        lineage={"inputs": [{"field": "history.rep.text", "value": d.taken}], "output": best},
    )
    rest = [f for f in ranked if f.action.name != best]
    pick.extra_evidence = [*pick.extra_evidence, ev]
    pick.action = pick.action.model_copy(
        update={
            "rationale": pick.action.rationale + "（客户已答应销售提出的这一步）",
            "evidence_ids": [*pick.action.evidence_ids, ev.id],
            "score": min(pick.action.score, rest[0].action.score) if rest else pick.action.score,
        }
    )
    at = min(1, len(rest))
    return [*rest[:at], pick, *rest[at:]][: r.limit]


EARLIER_RULE = "conversation_ask"


def _the_earlier_ask(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """The conversation asked for a step in an earlier turn and nobody has taken it since (agents.actions.thread): a
    fault reported before the agent's question, a quote asked for before a question about the promotion's deadline.
    The latest message, read alone, asks about a side of that need («保修吗 / 多久来人 / 到哪天截止»); the step it
    belongs to takes the second place when it is not on the top two. Not when a say-little reply answers the rep's
    turn (the step offered there is on the table: agents.actions.marginal.offer_answered), nor when the latest message
    declines it or turns down what was on the table («算了，这批先不买了»), when its preconditions fail or the computed
    answer rules it out; the first card never moves. The card cites the earlier turn (a RULE evidence `conversation_ask` with its words)."""
    d = r.d
    name = str(d.earlier.get("action") or "")
    if not name or not ranked or name in names_of(ranked[:2]) or d.replied_to:
        return ranked  # a say-little reply answers the rep's turn: the step offered there is on the table now
    spec = next((a for a in r.tenant.actions if a.name == name), None)
    if spec is None or not preconditions_hold(spec, d) or bare_decline(d.text):
        return ranked
    if opens_ticket(spec) and any(follows_up_ticket(r.tenant.action(f.action.name)) for f in ranked):
        return ranked  # the open ticket the message is about is followed up on the card: no second one
    lk = r.computed.get(name)
    if lk is not None and lk.vetoed:
        return ranked
    picks = [f for f in ranked if f.action.name == name] or r.catalog(
        exclude=set(), limit=1, only={name}, floor=-1.0
    )
    if not picks:
        return ranked
    pick = picks[0]
    said = str(d.earlier.get("text") or "")
    ev = Evidence(
        id=Evidence.make_id(EvidenceKind.RULE, EARLIER_RULE, name, str(d.earlier.get("message_id") or said)),
        kind=EvidenceKind.RULE,
        title=f"对话前文的需求：{spec.label_zh or name}",
        content=f"客户在前面的消息里提出的需求尚未办理：“{said[:60]}”（识别为 {d.earlier.get('intent', '')}）",
        source_ids={"rule_id": EARLIER_RULE, "playbook": EARLIER_RULE},
        lineage={
            "inputs": [
                {
                    "field": "history.customer.text",
                    "value": said,
                    "message_id": str(d.earlier.get("message_id") or ""),
                    "suggestion_id": str(d.earlier.get("suggestion_id") or ""),
                }
            ],
            "earlier_intent": str(d.earlier.get("intent") or ""),
            "output": name,
        },
    )
    rest = [f for f in ranked if f.action.name != name]
    pick.extra_evidence = [*pick.extra_evidence, ev]
    pick.action = pick.action.model_copy(
        update={
            "rationale": pick.action.rationale + f"（客户前面已提出：“{said[:30]}”，尚未办理）",
            "evidence_ids": [*pick.action.evidence_ids, ev.id],
            "score": min(pick.action.score, rest[0].action.score) if rest else pick.action.score,
        }
    )
    at = min(1, len(rest))
    return [*rest[:at], pick, *rest[at:]][: r.limit]


def _prepared_first(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """A rule's action that still needs a required id from the rep («活动编号» nobody computed) is a weaker first
    suggestion than one the catalog declares for this intent and the copilot can fully prepare: the best such action
    goes right before the first incomplete one among the top two."""
    at = next(i for i, f in enumerate(ranked) if f.missing)

    def prepared(f: RuleFiring) -> bool:
        return not f.missing and r.d.intent.name in r.intents_of(f)

    # one already on the card further down: the catalog's, or a rule's when the incomplete one does not serve the
    # read intent either (an approval a flag proposed, above the intent's own complete action); else the catalog's best
    off_intent = r.d.intent.name not in r.intents_of(ranked[at])
    joined = [f for f in ranked[at + 1 :] if prepared(f) and (f.rule.id == CATALOG_RULE or off_intent)]
    extra = joined or [
        f
        for f in r.catalog(exclude={f.action.name for f in ranked}, limit=3, declared_only=True)
        if prepared(f)
    ]
    if not extra:
        return ranked
    pick = extra[0]
    pick.action = pick.action.model_copy(update={"score": ranked[at].action.score})
    rest = [f for f in ranked if f is not pick]
    return [*rest[:at], pick, *rest[at:]][: r.limit]


# Catalog ranking (no rule fired): cosine(message, description/examples) + these bonuses; below the floor, nothing.
INTENT_BONUS = 0.3
# … and SPECIFIC_BONUS / the number of intents it serves: the catalog's own step for the intent (an appraisal for a
# trade-in, serving one intent) over a generic step five intents share (sending the policy document). Measured offline
# on the tuning split with no playbooks (zero-rule): 0.10-0.15 gain one or two trade-in turns and lose none on the tuning
# split and scratch sets r7-r10; 0.20 loses two
SPECIFIC_BONUS = 0.15
SIGNAL_BONUS = 0.3
CATALOG_FLOOR = 0.3
# filling the otherwise empty second place of a guessed intent: a weaker match than CATALOG_FLOOR is worth a look
FILL_FLOOR = 0.15
CATALOG_SCORE_SCALE = 0.5  # catalog actions rank under any rule's action (rule scores are priority / 100)
MIN_ACTIONS = 2  # when rules propose fewer, the catalog may add one it declares for this intent or signal
NEEDS_BONUS = 0.3  # × how strongly the message's needs and computed answer back an intent the action serves
NEEDS_MARGIN = 0.5  # the read intent stands unless what the message needs backs another this much more
# A guessed intent (abstained, or read under WEAK_READING): the action the message reads closest to joins second when
# its similarity clears DIRECT_FLOOR and leads every other action's by DIRECT_MARGIN (measured on the tuning split)
WEAK_READING = 0.6
# an abstained reading's own card (the hand-off) in the marginal over likely intents: fitted on the autodealer tuning
# split with every reading forced to abstain (evals.actions_generalise's `abstained` mode), grid 0 … 1, 5-fold CV over
# cases: top-2 0.750 at 0.0 and 0.2, 0.728 at 0.3, 0.500 at 0.5, 0.402 at 1.0; CV picked 0.0 on every fold (held-out
# folds 0.749 on average); 0.2 (tied on the split) keeps some weight on the hand-off for a real abstention. The as-read
# run is 0.946 at every weight
ABSTAINED_WEIGHT = 0.2
MIN_MARGINAL = (
    0.2  # an action only another likely intent's card holds joins when its marginal score reaches this
)
DIRECT_FLOOR = 0.3
DIRECT_MARGIN = 0.05
# a confident reading: the action its words name clearly (well above DIRECT_FLOOR, well ahead of the rest)
CLEAR_FLOOR = 0.45
CLEAR_MARGIN = 0.08
BACKED = 0.999  # serving the best-backed intent answers the message as serving the read intent does
CATALOG_RULE = "catalog_rank"
# a catalog action answering the message, beside rules: under every rule about the message (the intent's rules are
# ≥ 70), over a background rule whose action does not serve the message (priority − PROACTIVE_PENALTY ≤ 65)
CATALOG_PRIORITY = 66
ANSWER_SIM_WEIGHT = 0.5  # cosine(computed answer line, action) counts half as much as the message's
MAX_ANSWER_LINES = 4
ENTITY_BONUS = 0.1
FILLED_BONUS = 0.15  # every required parameter filled from entities, the computed answer or the cited clause
MISSING_PENALTY = 0.1  # per required parameter the rep would have to fill
SIGNAL_ABSENT_PENALTY = 0.15  # the catalog ties the action to signals and the customer shows none  # the message names what the action's parameters take (an order id for an order look-up)
COMPUTED_CATALOG_BONUS = 0.4  # the computed answer makes it the next step (须审批 → the approval action)
# … and, as a penalty, when the computed answer argues against it or a catalog preference (PREFER) fails: 0.2 left a
# renewal the preference argues against (its contract runs for years) level with the booking a package question asks
# for; 0.3 (and 0.4) moved that one turn of batch B up and changed no other top-2 on batches A-D, the autodealer and demo
# tuning splits or scratch r13/r14 (session 14, decide inputs captured once and ranked again). A constant tuned on ONE
# case (batch B fb-svc-p002-pkgp-left; measured on batches A-D, autodealer + demo tuning, scratch r13/r14): no evidence
# beyond that turn that 0.3 is better than 0.2, so treat it as fitted when a held-out set disagrees
COMPUTED_CATALOG_PENALTY = 0.3
# Blending rules with the message and the computed answer, in priority points
PROACTIVE_PENALTY = 25  # a background-signal rule whose action does not serve the message's intent
COMPUTED_BONUS = 10  # the computed answer supports the rule's action
COMPUTED_PENALTY = 10  # the computed answer says it is not the next step (e.g. no approval needed)
COMPUTED_PRIORITY = 85  # an action the computed answer supports, which no rule proposed
# … an offer (not the authority's verdict on the ask): under the best rule about the message by this many points.
# Measured on the autodealer tuning split: 10 of 11 turns where an eligible campaign ranked first asked for another
# action first (a quote, an appraisal, an approval)
OFFER_GAP = 1
# … and only when one of the facts it rests on names something the message names (its model code, its figures), when
# the message names anything: a campaign for every model (a region's service season) is no offer beside a trade-in or a
# fault report naming a model. Session 14, decide inputs captured once and ranked both ways: top-2 unchanged on
# batches A-D, the autodealer and demo tuning splits and scratch r13/r14; both needs on the top 2 +2 (batch B, tuning),
# -0; 5 second places changed (the campaign gave way to the booking, the quote or the document)
OFFER_NAMED = True


def rank_catalog(
    d: DecisionInput,
    tenant: TenantConfig,
    model_score: Callable[[str, str], float] | None,
    *,
    exclude: set[str],
    limit: int,
    declared_only: bool = False,
    only: set[str] | None = None,
    computed: dict[str, Link] | None = None,
    answering_only: bool = False,
    floor: float = CATALOG_FLOOR,
) -> list[RuleFiring]:
    """Actions from the catalog alone: what the action is for (description, taught examples), the intents it serves
    (the read one, and those the message's needs and computed answer point to), the customer signals it answers and
    the computed answer; preconditions must hold and required parameters are filled from entities of the same name,
    the computed answer or the cited clause, or marked missing. `answering_only`: only actions that answer the message
    (serve its intent or its needs, or the computed answer makes them the next step; when it abstained, the customer's
    signals too). Each pick is explained by a RULE evidence `catalog_rank` with its scores."""
    abstained = d.abstained()
    # a suspected injection may still be a real request (the catalog then proposes it), but nothing it wrote may grant
    # anything or fill a parameter: no action that grants a percentage itself, no parameter taken from its entities
    injected = "injection_suspected" in d.flags
    signals = d.signal_ids()
    computed = (
        decision_links(d, tenant, named_in(d.text, d.intent.entities)) if computed is None else computed
    )
    # what the computed answer says to do next («处理：7天内预约进店检查») is read like the message itself
    answer_lines = [e.content.split("\n")[0] for e in computed_facts(d.evidence)][:MAX_ANSWER_LINES]
    top_source = answer_source(d.evidence)
    unasked = any(e.lineage.get(UNASKED) for e in d.evidence if e.kind is EvidenceKind.POLICY_CLAUSE)
    scored: list[tuple[tuple[int, float], RuleFiring]] = []
    for spec in tenant.actions:
        if spec.name in exclude or (only is not None and spec.name not in only):
            continue
        link = computed.get(spec.name)
        if (link is not None and link.vetoed) or (injected and grants(spec)):
            continue
        if not preconditions_hold(spec, d):
            continue
        sim = model_score(d.text, spec.name) if model_score else 0.0
        answer_sim = (
            max((model_score(t, spec.name) for t in answer_lines), default=0.0) if model_score else 0.0
        )
        serves = (
            d.intent.name in spec.intents
        )  # abstained: what the tenant declares for out_of_scope (hand-off)
        answered = [signals[s] for s in spec.signals if s in signals]
        supported = link is not None and link.supported
        backing = d.backing(spec.intents)
        if injected and is_approval(spec) and not serves:
            # a message flagged as an injection: what its computed answer backs is no ask of the customer's (the injected
            # words' percentage computed an approval beside an order question); only the message's own words back it
            backing = max((d.needs.get(i, 0.0) for i in spec.intents), default=0.0)
        answers = serves or supported or backing >= BACKED or (abstained and bool(answered))
        if answering_only and not answers:
            continue
        if declared_only and not (
            serves or answered or supported or backing >= BACKED
        ):  # filling up: only actions the catalog ties to the case
            continue
        named = [] if injected else [p for p in spec.parameters if d.intent.entities.get(p)]
        total = (
            sim
            + ANSWER_SIM_WEIGHT * answer_sim
            + (INTENT_BONUS if serves else 0.0)
            + (SPECIFIC_BONUS / len(spec.intents) if serves else 0.0)
            + NEEDS_BONUS * backing
            + (SIGNAL_BONUS if answered else 0.0)
            + (ENTITY_BONUS if named else 0.0)
            + (COMPUTED_CATALOG_BONUS if supported else 0.0)
            - (
                COMPUTED_CATALOG_PENALTY
                if ((link is not None and link.against) or disfavoured(spec, d)) and not supported
                else 0.0
            )
        )
        params: dict[str, Any] = {p: d.intent.entities[p][0] for p in named}
        if link is not None:
            params.update({k: v for k, v in link.params.items() if k in spec.parameters})
        for pname in spec.parameters:  # doc_id / version / clause of the clause the answer rests on
            if pname not in params and top_source.get(pname):
                params[pname] = top_source[pname]
        required = [n for n, p in spec.parameters.items() if p.required]
        unfilled = [n for n in required if n not in params]
        # beside rules, an action whose object is an id of a shape the catalog writes («活动编号 PR-xxxx») joins only when
        # the computed answer supports one (an eligible campaign) or the message names it: which campaign to register
        # is the computed answer's to say, and without it the card would offer one the customer may not qualify for
        shaped = [n for n in required if n in id_shapes(spec)]
        if answering_only and shaped and not supported and not any(n in named for n in shaped):
            continue
        # an action the copilot can fully prepare is a better suggestion than one the rep must complete; an action the
        # catalog ties to customer signals is for customers who show one. A document guessed from the clauses an
        # abstained message's words found (UNASKED) fills the parameter but is not a prepared action: no bonus, or
        # the generic «send the document» outranks the specific action the message's needs point to
        guessed = unasked and any(n not in named and n not in (link.params if link else {}) for n in required)
        filled = bool(required) and not unfilled and not guessed
        total += (FILLED_BONUS if filled else 0.0) - MISSING_PENALTY * len(unfilled)
        if spec.signals and not answered:
            total -= SIGNAL_ABSENT_PENALTY
        if total < floor and not (serves or answered or supported or backing >= BACKED):
            continue  # the floor keeps unrelated actions out; what the catalog declares for this case stays eligible
        missing = [n for n, p in spec.parameters.items() if p.required and n not in params]
        for n in missing:
            params[n] = {"missing": True, "description": spec.parameters[n].description}
        why = [f"与「{spec.label_zh}」的描述相似度 {sim:.2f}"]
        if answer_sim:
            why.append(f"与计算结果相似度 {answer_sim:.2f}")
        if serves:
            why.append(f"服务于意图 {d.intent.name}")
        if backing and not serves:
            needed = [i for i in spec.intents if d.needs.get(i, 0.0) == backing]
            why.append(f"消息所需与计算结果指向 {'、'.join(needed)}（{backing:.2f}）")
        if answered:
            why.append(
                "客户信号 " + "、".join(e.title or e.source_ids.get("signal_id", "") for e in answered)
            )
        if link is not None and link.why:
            why += list(dict.fromkeys(link.why))
        facts = [e for e in (link.support if link is not None else []) if supported]
        if missing:
            why.append(f"缺少参数 missing: {', '.join(missing)}，请补充")
        ev = Evidence(
            id=Evidence.make_id(
                EvidenceKind.RULE, "catalog", spec.name, d.intent.name, *[e.id for e in answered]
            ),
            kind=EvidenceKind.RULE,
            title=f"动作目录排序 {spec.name}",
            content="；".join(why),
            source_ids={"rule_id": "catalog_rank", "playbook": "catalog"},
            lineage={
                "intent": d.intent.name,
                "similarity": round(sim, 4),
                "answer_similarity": round(answer_sim, 4),
                "serves_intent": serves,
                "needs_backing": round(backing, 4),
                "signals": [e.source_ids.get("signal_id", "") for e in answered],
                "support": [e.id for e in answered] + [e.id for e in facts],
                "computed": supported,
            },
        )
        action = Action(
            name=spec.name,
            label=spec.label_zh,
            parameters=params,
            rationale="；".join(why),
            evidence_ids=list(dict.fromkeys([ev.id, *[e.id for e in answered], *[e.id for e in facts]])),
            score=round(CATALOG_SCORE_SCALE * min(total, 1.0), 4),
            rule_id="",
            requires_authority=spec.required_authority,
        )
        fake = Rule(id=CATALOG_RULE, then={"action": spec.name, "priority": 0})  # type: ignore[arg-type]
        # the message's own ask first: an action serving the intent (or the computed answer's next step) ranks above
        # one that only answers the customer's background signals (as a proactive rule does, PROACTIVE_PENALTY)
        # what was read, or the computed answer's next step, over what the needs alone back, over the rest
        tier = 2 if (serves or supported) else 1 if backing >= BACKED else 0
        scored.append(((tier, total), RuleFiring(fake, "catalog", action, ev, [], missing)))
    scored.sort(key=lambda kv: kv[0], reverse=True)
    return [f for _, f in scored[:limit]]


def answer_source(evidence: list[Evidence]) -> dict[str, Any]:
    """doc_id / version / clause of the clause the answer rests on: the top retrieved clause, in the version a computed
    fact on the same document chose. A policy can be governed by an event's date (a vehicle delivered before V2.0 took
    effect stays under V1.0) while the current version ranks first: sending the customer V2.0 would contradict the
    answer."""
    top = next((e for e in evidence if e.kind is EvidenceKind.POLICY_CLAUSE), None)
    if top is None:
        return {}
    ids: dict[str, Any] = dict(top.source_ids)
    # the first computed fact answers the message's own intent (the reason node runs the intent's tools first); a
    # document retrieved first because the message also mentions a discount is not what the answer rests on
    first = next(
        (e for e in evidence if e.kind is EvidenceKind.COMPUTED_FACT and e.source_ids.get("doc_id")), None
    )
    if first is not None and first.source_ids.get("doc_id") != ids.get("doc_id"):
        same = next(
            (
                e
                for e in evidence
                if e.kind is EvidenceKind.POLICY_CLAUSE
                and e.source_ids.get("doc_id") == first.source_ids["doc_id"]
            ),
            None,
        )
        if same is not None:
            ids = dict(same.source_ids)
    for e in evidence:
        same_doc = e.source_ids.get("doc_id") == ids.get("doc_id")
        if e.kind is EvidenceKind.COMPUTED_FACT and same_doc and e.source_ids.get("version"):
            ids.update({k: e.source_ids[k] for k in ("version", "clause") if e.source_ids.get(k)})
            break
    return ids


# An open ticket the message is about (agents.actions.records): the catalog's follow-up action (one that takes the
# ticket's id) replaces any action that would open a new ticket. Told apart by the catalog alone: the follow-up takes a
# `ticket_id` parameter; an action opening one says so in its name or label (create + ticket words, zh/en).
FOLLOW_UP_PARAM = "ticket_id"
CREATE_WORDS = ("创建", "新建", "开单", "create", "open_")
TICKET_WORDS = ("工单", "ticket", "报修")
OPEN_TICKET_RULE = "open_ticket"


def follows_up_ticket(spec: ActionSpec) -> bool:
    return FOLLOW_UP_PARAM in spec.parameters


def opens_ticket(spec: ActionSpec) -> bool:
    words = f"{spec.name} {spec.label_zh}".lower()
    return (
        not follows_up_ticket(spec)
        and any(w in words for w in CREATE_WORDS)
        and any(w in words for w in TICKET_WORDS)
    )


def _own_card(r: _Ranking, f: RuleFiring) -> bool:
    """A card the read intent's own rule proposed about the message (not another intent's, not the catalog's)."""
    return (
        _about_the_message(f)
        and r.d.intent.name in r.intents_of(f)
        and r.d.intent.name in (f.rule.when.intent or [])
    )


def _about_the_message(f: RuleFiring) -> bool:
    """A card a rule about the message proposed (not the catalog's ranking, not a background rule)."""
    return f.rule.id not in (CATALOG_RULE, OPEN_TICKET_RULE) and not is_proactive(f.rule)


def _ticket_card(r: _Ranking, spec: ActionSpec, ticket: dict[str, Any], score: float) -> RuleFiring:
    """The follow-up card: the open ticket's id and status as parameters (the draft says «工单 TK-… 已在处理»), resting on
    the CRM fact of that ticket."""
    support = [str(ticket.get("evidence_id") or "")]
    support = [s for s in support if s and any(e.id == s for e in r.d.evidence)]
    opened = f"，开单 {ticket['opened_at']}" if ticket.get("opened_at") else ""
    why = f"客户已有未关闭工单 {ticket['id']}（{ticket.get('subject', '')}，状态 {ticket.get('status', '')}{opened}），跟进该工单，不重复创建"
    ev = Evidence(
        id=Evidence.make_id(EvidenceKind.RULE, "crm_state", spec.name, str(ticket["id"]), *support),
        kind=EvidenceKind.RULE,
        title=f"已有未关闭工单 {ticket['id']}",
        content=why,
        source_ids={"rule_id": OPEN_TICKET_RULE, "playbook": "crm_state"},
        lineage={"ticket": str(ticket["id"]), "matched_by": ticket.get("how", ""), "support": support},
    )
    params: dict[str, Any] = {FOLLOW_UP_PARAM: str(ticket["id"])}
    for name in spec.parameters:
        key = name.removeprefix("ticket_")
        if name not in params and ticket.get(key):
            params[name] = str(ticket[key])
    action = Action(
        name=spec.name,
        label=spec.label_zh,
        parameters=params,
        rationale=why,
        evidence_ids=[ev.id, *support],
        score=round(score, 4),
        rule_id=OPEN_TICKET_RULE,
        requires_authority=spec.required_authority,
    )
    fake = Rule(id=OPEN_TICKET_RULE, then={"action": spec.name, "priority": 0})  # type: ignore[arg-type]
    return RuleFiring(fake, "crm_state", action, ev, [])


def _the_open_ticket(r: _Ranking, ranked: list[RuleFiring]) -> list[RuleFiring]:
    """The message is about a ticket the customer already has open: follow it up, never open a second one. The
    follow-up card takes the place of the card that would open a ticket; first when the message refers back to the
    request («报过修», «进度», "any update") and no rule about the message put another card first, else where the card
    opening a ticket was, else second. A catalog without a follow-up action keeps its card, marked with the ticket."""
    ticket = r.d.open_ticket
    if not ticket or not ticket.get("id"):
        return ranked
    follow = next((a for a in r.tenant.actions if follows_up_ticket(a)), None)
    if follow is not None and r.d.stance and follow.name in r.d.stance:
        return ranked  # the message declines following it up, or says that is done
    opening = [f for f in ranked if opens_ticket(r.tenant.action(f.action.name))]
    if (
        ticket.get("how") == "signal"
    ):  # only the background rule's ticket for the signal: the message's own stands
        opening = [f for f in opening if is_proactive(f.rule)]
    if (
        follow is None
    ):  # nothing to follow it up with: say so on the card, for the rep to check before opening one
        for f in opening:
            f.action = f.action.model_copy(
                update={
                    "parameters": {**f.action.parameters, "existing_ticket_id": str(ticket["id"])},
                    "rationale": f.action.rationale
                    + f"（客户已有未关闭工单 {ticket['id']}，请先确认是否同一问题，避免重复创建）",
                }
            )
        return ranked
    refers_back = bool(ticket.get("refers_back"))
    # the customer's only open ticket, matched on no shared word at all (written in another script than the subject),
    # no device and no word referring back to a request: nothing says the message is about it. A fault report in
    # English beside a Chinese subject is as likely a new fault on another vehicle (a wiper, a door lock) as the
    # ticket's, and following up the wrong ticket leaves the new fault unreported (session 16, scratch r16)
    if unworded(ticket):
        return ranked
    rest = [f for f in ranked if f.action.name != follow.name and f not in opening]
    at_opening = next((i for i, f in enumerate(ranked) if f in opening), None)
    if ticket.get("how") == "signal" and at_opening is None:
        return ranked  # the message is not about it, and nothing would open a second ticket: the card stays as is
    # the cards of rules about this message (its intent, its words, its tone) keep their places ahead of it: a
    # complaint's hand-off and escalation stay the first two; a catalog guess or a background rule does not
    leading = next((i for i, f in enumerate(rest) if not _about_the_message(f)), len(rest))
    if at_opening is not None:  # in the opening card's place; higher when the message asks after the ticket
        at = min(at_opening, leading) if refers_back else at_opening
    else:
        at = leading if refers_back else max(leading, 1)  # not asked after: second at most
    if refers_back and r.d.weakly_read() and ticket.get("how") != "signal":
        # the message asks after a request already made while its intent is a guess: the guessed intent's rules are
        # weaker evidence than the words referring back to the open ticket, so the follow-up is second at the latest
        at = min(at, 1)
    score = max((f.action.score for f in ranked[:1]), default=0.5)
    card = _ticket_card(r, follow, ticket, score)
    out = [*rest[:at], card, *rest[at:]]
    # the follow-up takes the top-two place of the card the reading supports least: the read intent (even a guess:
    # still the likeliest one) keeps its own rule's card (a complaint's escalation) in the top two over a card the
    # catalog or a less likely intent brought in (the document the likely intents' cards share), which goes third
    if len(out) >= 3 and _own_card(r, out[2]):
        weaker = next((i for i in (0, 1) if out[i] is not card and not _own_card(r, out[i])), None)
        if weaker is not None:
            up, down = out[2], out[weaker]
            out[weaker] = replace(up, action=up.action.model_copy(update={"score": down.action.score}))
            out[2] = replace(down, action=down.action.model_copy(update={"score": up.action.score}))
    return out[: r.limit]
