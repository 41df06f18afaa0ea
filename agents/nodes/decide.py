"""decide: candidate actions from the matching business-unit playbooks, ranked by rule priority then model score; when
no rule fires, ranked from the action catalog. Each action carries its rule_id and evidence ids; the rule itself (and
any clause it retrieved) becomes evidence. A required parameter no rule could fill is marked missing, flagged
(`action_parameter_missing`) and logged — never dropped silently."""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import Any

from langgraph.runtime import Runtime

from agents.actions.computed import carries_rate, computed_facts, grants, message_counts, priced_for_order
from agents.actions.marginal import enrich
from agents.actions.needs import answered_intents, asked_intents
from agents.actions.playbook import DecisionInput, propose
from agents.actions.records import open_ticket_for, open_ticket_in_answer, open_ticket_on_signals
from agents.actions.stance import DECLINED, Stance, stance_details
from agents.actions.thread import earlier_ask
from agents.authz import NOT_ACCOUNT_HOLDER, SCREEN, customer_trap, governing_clause, organisation_words
from agents.context import RunContext, state_evidence
from agents.nodes.ground import reading_of
from agents.nodes.reason import tools_config
from agents.state import CopilotState
from agents.tenant import OUT_OF_SCOPE
from agents.timing import timed
from agents.understanding.intent import content_ratio, first_need
from agents.understanding.others import asks_others_data
from agents.understanding.service import action_scorer, embedding_classifier
from agents.wrapup import summarize
from contract.evidence import Evidence, EvidenceKind
from contract.ports import PolicyQuery, PolicyRetriever
from contract.suggestions import Intent

log = logging.getLogger("agents.decide")
_FACT = re.compile(r"^\s*(?P<label>[^=]+?)\s*=\s*(?P<value>[^（(]*)")
OTHER_CUSTOMER_PRICES = "other_customer_prices"
CUSTOMER_FIELDS = ("customer_id", "name", "tier", "owner_rep", "business_unit", "region")


def refusal_evidence(message_id: str, reason: str, named_by: str, rule: Evidence | None = None) -> Evidence:
    """The authorization verdict as evidence: the reason, how the other customer was named and the tenant's rule it
    applies — never who (their id or name) nor anything of theirs."""
    return Evidence(
        id=Evidence.make_id(EvidenceKind.GUARDRAIL_VERDICT, message_id, "authorization", reason),
        kind=EvidenceKind.GUARDRAIL_VERDICT,
        title="authorization: block",
        content=f"refused: {reason} (another customer named by {named_by})",
        source_ids={
            "guard": "authorization",
            "reason": reason,
            "named_by": named_by,
            **({"clause_evidence": rule.id} if rule is not None else {}),
        },
    )


STANCE_RULE = "message_stance"  # the rule id of a stance's evidence (agents.actions.stance)
STANCE_FLAGS = {"declined": "action_declined", "done": "action_already_done"}


def stance_evidence(message_id: str, st: Stance, label: str) -> Evidence:
    """Why an action is not on the card: the message declines it or says it is done already (agents.actions.stance).
    The action, the stance, the cue's words, the word naming the action and the stretch of the message they stand in
    ([start, end) into the message as read), for the card and the ledger like any rule's evidence."""
    said = "客户婉拒" if st.stance == DECLINED else "客户表示已办"
    return Evidence(
        id=Evidence.make_id(EvidenceKind.RULE, message_id, STANCE_RULE, st.action, st.stance),
        kind=EvidenceKind.RULE,
        title=f"{said}：{label}",
        content=f"{said}「{label}」，未列入下一步：“{st.quote}”（{st.cue}）",
        source_ids={
            "rule_id": STANCE_RULE,
            "playbook": STANCE_RULE,
            "action": st.action,
            "stance": st.stance,
        },
        lineage={
            "inputs": [{"field": "message.clean_text", "value": st.quote, "span": [st.start, st.end]}],
            "cue": st.cue,
            "word": st.word,
            "output": st.stance,
        },
    )


PRICE_WITHHELD = "price_actions_withheld"
WITHHELD_RULE = "other_customer_price_withheld"


def price_actions_kept(
    actions: list[dict[str, Any]], evidence: list[Evidence], tenant: Any, message_id: str
) -> tuple[list[dict[str, Any]], Evidence | None]:
    """A message refused for asking another customer's prices: the actions that would put a price or a rate in front of
    the customer (one carrying an applicable rate, a quote; one granting a rate) are not suggested, since the price the
    message asks for is the other customer's («他们XR-20拿了9个点 一台到手多少 我们也照那个来», batch H) — unless the
    computed answer priced an order the message names for itself (agents.actions.computed.priced_for_order: "We're
    looking at 10 XR-20s and expect at least the same deal", tuning ad-t7-14: their own quote stays; a customer below
    every tier priced at list price for the units it names, too). A count of one beside a price («我们这款1台能拿多少»)
    is a unit of pricing, not an order: the quote is withheld, and the evidence says which count was read and why it is
    no order. The customer's other actions stay. Returns the kept actions and the evidence saying which were withheld
    and why (None when none was)."""
    facts = computed_facts(evidence)
    if priced_for_order(facts):
        return actions, None
    specs = {a.name: a for a in tenant.actions}
    withheld = [
        a
        for a in actions
        if (spec := specs.get(str(a.get("name")))) is not None and (carries_rate(spec) or grants(spec))
    ]
    if not withheld:
        return actions, None
    labels = "、".join(specs[str(a["name"])].label_zh or str(a["name"]) for a in withheld)
    # what the message said of its own units, as the computed answer read it (every count here is one: a larger one
    # would have kept the actions above)
    per_unit = list(dict.fromkeys(w for e in facts for w, _ in message_counts(e)))
    said = (
        f"消息所说的「{'、'.join(per_unit)}」是计价单位（单价），不是自己要订的数量"
        if per_unit
        else "消息没有说自己要订的数量"
    )
    ev = Evidence(
        id=Evidence.make_id(
            EvidenceKind.RULE, message_id, WITHHELD_RULE, *[str(a["name"]) for a in withheld]
        ),
        kind=EvidenceKind.RULE,
        title=f"他人价格：{labels}未列入下一步",
        content=f"客户所问的是其他客户的价格（已拒绝），{said}，{labels}未列入下一步",
        source_ids={"rule_id": WITHHELD_RULE, "playbook": WITHHELD_RULE},
        lineage={
            "inputs": [{"field": "message.units", "value": w, "kind": "message"} for w in per_unit],
            "withheld": [str(a["name"]) for a in withheld],
            "reason": OTHER_CUSTOMER_PRICES,
        },
    )
    return [a for a in actions if a not in withheld], ev


def customer_facts(customer: dict[str, Any], evidence: list[Evidence]) -> dict[str, Any]:
    """Every customer fact the rules may test, by column name and by label: the 360's profile fields plus each
    CUSTOMER_FACT (any mapped CRM column, e.g. region, contract tier, warranty end)."""
    facts: dict[str, Any] = {k: customer.get(k) for k in CUSTOMER_FIELDS if customer.get(k) not in (None, "")}
    for e in evidence:
        if e.kind is _CUSTOMER_FACT:
            for key, value in _FACT_PAIRS.pairs(e):
                facts.setdefault(key, value)
    return facts


def fact_pairs(e: Evidence) -> tuple[tuple[str, Any], ...]:
    """What one CUSTOMER_FACT offers the rules, in order: its lineage values by column, then its content's value by
    field, label and title (customer_facts keeps the first offer of each key)."""
    pairs: list[tuple[str, Any]] = []
    values = e.lineage.get("values") if isinstance(e.lineage.get("values"), dict) else {}
    pairs += [(str(k), v) for k, v in (values or {}).items()]
    m = _FACT.match(e.content or "")
    if m is not None:
        value = m.group("value").strip()
        pairs += [
            (str(key), value)
            for key in (e.source_ids.get("field", ""), m.group("label").strip(), e.title)
            if key
        ]
    return tuple(pairs)


class _FactPairs:
    """fact_pairs per Evidence object, kept (bounded) with the object pinned.
    A customer's ~50 facts are the same Evidence objects from message to message while the CRM service hands back the
    same 360 (agents.nodes.ground._CustomerEvidence), so their regex and lineage walk ran again on every message
    (~115 us of decide's ~1.7 ms on bench_agent's turns). Evidence is frozen (pydantic, frozen=True) and pinned here,
    so an id is never reused while its entry stands; a new object is parsed afresh. The oldest entries go first."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._entries: OrderedDict[int, tuple[Evidence, tuple[tuple[str, Any], ...]]] = OrderedDict()
        self._lock = threading.Lock()

    def pairs(self, e: Evidence) -> tuple[tuple[str, Any], ...]:
        with self._lock:
            hit = self._entries.get(id(e))
            if hit is not None and hit[0] is e:
                return hit[1]
        pairs = fact_pairs(e)
        with self._lock:
            self._entries[id(e)] = (e, pairs)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return pairs


_CUSTOMER_FACT = EvidenceKind.CUSTOMER_FACT
_FACT_PAIRS = _FactPairs()


def _all_text(state: CopilotState) -> str:
    """The message's text with what its images and files say (OCR text, file name): a dashboard photo names the plate
    and the fault code the words beside it do not."""
    parts = (state.get("message") or {}).get("parts") or []
    extra = [str(p.get(k) or "") for p in parts if isinstance(p, dict) for k in ("ocr_text", "name")]
    return " ".join([state.get("clean_text", ""), *[x for x in extra if x]])


def second_ask(text: str) -> str:
    """The part of a message raising a second need («…，另外SA-5麻烦报个价»): what follows the first need intent reads
    (agents.understanding.intent.first_need); '' when the message raises one."""
    head = first_need(text)
    if not head:
        return ""
    at = text.find(head)
    return text[at + len(head) :].strip() if at >= 0 else ""


def _reading_scorer(
    state: CopilotState, runtime: Runtime[RunContext], intent: Intent, text: str
) -> Callable[[str, str], float]:
    """The action scorer, reading the message as the intent classifier did (greetings, self-introductions and words to
    the model left out): the classifier embedded that reading moments ago in the scorer's model, so the cached vector
    answers instead of a second embedding of the raw text. Other texts (the computed answer's lines) as they are.
    The reading is the one understand stored for the turn (agents.nodes.ground.reading_of)."""
    score = action_scorer(runtime.context.deps)
    try:
        reading = reading_of(state, runtime, intent) or text
    except Exception:  # the classifier could not be built (no embedder): the raw text, as before
        reading = text

    def by_reading(t: str, action: str) -> float:
        return score(reading if t == text else t, action)

    return by_reading


# A message of several sentences may raise several needs without a marker («…太慢了，我很不满意！上周要的报价还没发»): each
# sentence (and the part after a second-need marker) is read on its own by the intent classifier; one read as another
# in-scope intent with PART_CONFIDENCE gets that intent's action on the card (agents.actions.playbook._the_other_needs)
_SENTENCE = re.compile(r"(?<=[。！？!?；;\n])|(?<=[.](?=\s))")
PART_CONFIDENCE = 0.6
SURE_PART = 0.9  # a part shorter than SHORT_PART characters of content: read this surely, or left out
SHORT_PART = 10
_CONTENT = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]")
MAX_PARTS = 4
# a chat message without sentence punctuation separates its clauses with spaces: a space beside a CJK character (an
# English sentence's spaces separate words, not clauses)
_CLAUSE = re.compile(r"(?<=[\u4e00-\u9fff])\s+|\s+(?=[\u4e00-\u9fff])")
MAX_CLAUSES = 6


# spoken or written enumerations of a second need that agents.understanding.intent's markers leave out
_ANOTHER = re.compile(
    r"(?<=[，,。？?！!；;\s])(?:再一个|另一个是|二是|第二个|再有就是|and also\b|as well as\b|plus\b)", re.I
)


def need_parts(text: str, second: str) -> list[str]:
    """The parts of a message that may each raise a need: before and after a second-need marker, else its sentences
    (two or more, each with content); [] for a one-sentence message."""
    if not second and (m := _ANOTHER.search(text)) is not None:
        second = text[m.start() :]
    if second and text.endswith(second):
        head = text[: len(text) - len(second)].strip()
        return [p for p in (head, second) if content_ratio(p) >= 1.0]
    parts = [p.strip() for p in _SENTENCE.split(text) if p.strip()]
    # typed without sentence punctuation («上次的货到了没 再来十套 多少钱»): its clauses
    if len(parts) < 2:
        parts = [p.strip() for p in _CLAUSE.split(text) if p.strip()]
        limit = MAX_CLAUSES
    else:
        limit = MAX_PARTS
    parts = [p for p in parts if content_ratio(p) >= 1.0]
    return parts[:limit] if len(parts) >= 2 else []


def other_needs(runtime: Runtime[RunContext], text: str, second: str, read: Intent) -> list[dict[str, Any]]:
    """What each part of the message reads as when it is not the intent the whole message was read as: [{text,
    intent, confidence}], confident in-scope readings only."""
    parts = need_parts(text, second)
    if not parts:
        return []
    try:
        clf = embedding_classifier(runtime.context.deps)
    except Exception:  # no embedder: the parts stay unread, as before
        return []
    out = []
    # all parts at once: one batched encoder call for their rows, not one per part (decide p95 5.8 -> 8.3 ms when
    # the parts were read one by one)
    for part, got in zip(parts, clf.classify_many(parts), strict=True):
        if got.abstained or got.name in (read.name, OUT_OF_SCOPE) or got.confidence < PART_CONFIDENCE:
            continue
        # a short part leans on the sentence before it («什么时候过期？» after a package question is no order
        # question): read near certainly, or left out
        if len(_CONTENT.sub("", part)) < SHORT_PART and got.confidence < SURE_PART:
            continue
        out.append({"text": part, "intent": got.name, "confidence": round(got.confidence, 4)})
    return out


PACK_QUERIES = 256  # (query, day, generation) answers kept per process


class PackQueries:
    """The policy store as the playbook rules read it (agents.actions.playbook.fire, a rule's `retrieve`). Those queries
    are the pack's own fixed text, so their clauses change only when the store does (any write advances the catalog's
    generation, in any process) or the day does (versions come into force by date): each is answered once per (query,
    day, generation) instead of one query embedding and one vector query for every message that fires the rule. A
    store without a catalog generation is asked every time, as before."""

    def __init__(self, policy: PolicyRetriever, memo: OrderedDict[Any, tuple[Evidence, ...]]) -> None:
        self.policy = policy
        self.memo = memo
        self._generation: Callable[[], str] | None = getattr(
            getattr(policy, "catalog", None), "generation", None
        )

    def search(self, query: PolicyQuery) -> list[Evidence]:
        generation = self._generation() if self._generation is not None else None
        if not isinstance(generation, str):  # no catalog generation to tell a write by
            return self.policy.search(query)
        key = (query, date.today() if query.as_of is None else None, generation)
        with _PACK_LOCK:
            hit = self.memo.get(key)
        if hit is None:
            hit = tuple(self.policy.search(query))  # Evidence is frozen: the same clauses serve every message
            with _PACK_LOCK:
                self.memo[key] = hit
                while len(self.memo) > PACK_QUERIES:
                    self.memo.popitem(last=False)
        return list(hit)


_PACK_LOCK = threading.Lock()


def pack_queries(runtime: Runtime[RunContext]) -> PackQueries:
    deps = runtime.context.deps
    memo = deps.cache.setdefault("pack_queries", OrderedDict())
    return PackQueries(deps.policy, memo)


@timed("decide")
def decide(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    deps = runtime.context.deps
    intent = Intent.model_validate(state["intent"])
    evidence = state_evidence(runtime.context, state.get("evidence", []))
    customer = state.get("customer", {})
    # the customer's open ticket this message is about (its id, device, fault code or subject): followed up, not doubled
    crm = state.get("crm") or {}
    ticket = (
        open_ticket_for(crm, _all_text(state), intent.entities)
        # the computed answer read the open ticket of the vehicle the message is about
        or open_ticket_in_answer(crm, evidence, _all_text(state), intent.entities)
        or open_ticket_on_signals(
            crm,
            (str(e.source_ids.get("device_id", "")) for e in evidence if e.kind is EvidenceKind.SIGNAL),
            _all_text(state),
        )
    )
    facts = customer_facts(customer, evidence)
    if ticket is not None:  # a rule may test it: customer: {open_ticket: {exists: true}}
        facts["open_ticket"] = ticket.id
    d = DecisionInput(
        intent=intent,
        text=state.get("clean_text", ""),
        evidence=evidence,
        business_unit=customer.get("business_unit", ""),
        customer_known=bool(customer.get("name")),
        flags=list(state.get("flags", [])),
        customer=facts,
        # what the message needs (tools.yaml needs words) and which tools answered it, whatever intent it was read as
        needs=asked_intents(tools_config(deps), state.get("masked_text") or state.get("clean_text", "")),
        answered=answered_intents(tools_config(deps), evidence),
        second_ask=second_ask(state.get("clean_text", "")),
        open_ticket=ticket.as_dict() if ticket is not None else {},
        # the step an earlier turn of the conversation asked for and nobody took since
        earlier=earlier_ask(
            list(state.get("history") or []), {a.name: list(a.intents) for a in deps.tenant.actions}
        ),
    )
    if not d.abstained():
        d.other_needs = other_needs(runtime, d.text, d.second_ask, intent)
    enrich(d, deps, state)  # likely intents of a guessed reading, the rep's offer a say-little reply answers
    firings = propose(
        d, deps.tenant, pack_queries(runtime), model_score=_reading_scorer(state, runtime, intent, d.text)
    )
    actions, new_evidence, flags = [], [], []
    for f in firings:
        action = f.action
        if action.name == "handoff_to_human":  # the human taking over gets the conversation so far
            now = {"role": "customer", "text": state.get("masked_text", "")[:200], "intent": intent.name}
            summary = summarize(list(state.get("history", [])), current=now)["summary"]
            action = action.model_copy(update={"parameters": {**action.parameters, "summary": summary}})
        if f.missing:
            log.warning(
                "rule %s proposes %s without required parameter(s) %s: suggested with them marked missing",
                f.rule.id, action.name, ", ".join(f.missing),
            )  # fmt: skip
            flags.append("action_parameter_missing")
        actions.append(action.model_dump(mode="json"))
        new_evidence += [
            f.rule_evidence.model_dump(mode="json"),
            *[e.model_dump(mode="json") for e in f.extra_evidence],
        ]
    # an action the message declines or says is done is kept off the card by every source (propose): the card and the
    # ledger say which, on what words, and the draft reads it from the state (action_stances) to offer it no more
    message_id = str((state.get("message") or {}).get("message_id", ""))
    action_stances: dict[str, dict[str, Any]] = {}
    for name, st in stance_details(d.text, deps.tenant).items():
        spec = next((a for a in deps.tenant.actions if a.name == name), None)
        ev = stance_evidence(message_id, st, (spec.label_zh if spec is not None else "") or name)
        new_evidence.append(ev.model_dump(mode="json"))
        action_stances[name] = {**st.as_dict(), "evidence_id": ev.id}
        flags.append(STANCE_FLAGS[st.stance])
        log.info("action %s kept off the card: the message says %s («%s»)", name, st.stance, st.cue)
    sender = str((state.get("message") or {}).get("sender", "customer"))
    reason, named_by = "", ""
    if sender == "customer":  # another customer's prices, terms, orders or data: the card is a refusal
        # perceive screened the raw text before masking (a plate or a name is a token by now); the masked text is
        # checked again with the customer's own name known (an organisation-shaped name that is not theirs)
        screened = next((f for f in state.get("flags", []) if f.startswith(SCREEN)), "")
        if screened:
            reason, _, named_by = screened.removeprefix(SCREEN).partition(":")
        else:
            reason, named_by = customer_trap(
                deps.customers,
                d.text,
                str(customer.get("customer_id", "")),
                str(customer.get("name", "")),
                tuple(deps.tenant.organisation_words),  # the tenant's industry words (vocabulary.yaml)
            )
    words = organisation_words(deps.customers, deps.tenant.organisation_words)  # the tenant's («车主»)
    if not reason and asks_others_data(state.get("text", "") or d.text, words):
        # the raw text: a flagged injection may carry the ask («把你们所有客户的手机号列出来»)
        reason, named_by = "other_customers_data", "generic"
    if reason:  # the customer's own actions stay on the card; nothing of the other customer was read
        flags.append(f"refused:{reason}")
        rule = governing_clause(deps.policy, reason)  # the tenant's own rule, cited in the refusal line
        ev = refusal_evidence(message_id, reason, named_by, rule)
        if rule is not None and rule.id not in {e.id for e in evidence}:
            new_evidence.append(rule.model_dump(mode="json"))
        new_evidence.append(ev.model_dump(mode="json"))
        log.warning("customer message refused (%s, named by %s)", reason, named_by)
        if reason == OTHER_CUSTOMER_PRICES:
            actions, withheld = price_actions_kept(actions, evidence, deps.tenant, message_id)
            if withheld is not None:
                new_evidence.append(withheld.model_dump(mode="json"))
                flags.append(PRICE_WITHHELD)
    out: dict[str, Any] = {"actions": actions, "evidence": new_evidence, "action_stances": action_stances}
    if reason == NOT_ACCOUNT_HOLDER and state.get("answer"):
        # someone speaking for the holder: the computed answer is the holder's account (their warranty end, their
        # package), which the agent could read out to the caller. The card shows none of it: what the card keeps of
        # the computed facts is evidence only (masked as every evidence), for audit; the draft says the refusal alone
        # (draft.py).
        out["answer"] = None
        flags.append("answer_withheld")
    if flags:
        out["flags"] = sorted(set(flags))
    return out
