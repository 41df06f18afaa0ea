"""decide: candidate actions from the matching business-unit playbooks, ranked by rule priority then model score; when
no rule fires, ranked from the action catalog. Each action carries its rule_id and evidence ids; the rule itself (and
any clause it retrieved) becomes evidence. A required parameter no rule could fill is marked missing, flagged
(`action_parameter_missing`) and logged — never dropped silently."""

from __future__ import annotations

import logging
import re
from typing import Any

from langgraph.runtime import Runtime

from agents.actions.playbook import DecisionInput, propose
from agents.authz import names_other_customer_confidential, names_other_customer_data
from agents.context import RunContext
from agents.state import CopilotState
from agents.timing import timed
from agents.understanding.others import asks_other_customer_price, asks_others_data
from agents.understanding.service import action_scorer
from agents.wrapup import summarize
from contract.evidence import Evidence, EvidenceKind
from contract.suggestions import Intent

log = logging.getLogger("agents.decide")
_FACT = re.compile(r"^\s*(?P<label>[^=]+?)\s*=\s*(?P<value>[^（(]*)")
OTHER_CUSTOMER_PRICES = "other_customer_prices"
CUSTOMER_FIELDS = ("customer_id", "name", "tier", "owner_rep", "business_unit", "region")


def customer_facts(customer: dict[str, Any], evidence: list[Evidence]) -> dict[str, Any]:
    """Every customer fact the rules may test, by column name and by label: the 360's profile fields plus each
    CUSTOMER_FACT (any mapped CRM column, e.g. region, contract tier, warranty end)."""
    facts: dict[str, Any] = {k: customer.get(k) for k in CUSTOMER_FIELDS if customer.get(k) not in (None, "")}
    for e in evidence:
        if e.kind is not EvidenceKind.CUSTOMER_FACT:
            continue
        values = e.lineage.get("values") if isinstance(e.lineage.get("values"), dict) else {}
        for k, v in (values or {}).items():
            facts.setdefault(str(k), v)
        m = _FACT.match(e.content or "")
        if m is None:
            continue
        value = m.group("value").strip()
        for key in (e.source_ids.get("field", ""), m.group("label").strip(), e.title):
            if key:
                facts.setdefault(str(key), value)
    return facts


@timed("decide")
def decide(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    deps = runtime.context.deps
    intent = Intent.model_validate(state["intent"])
    evidence = [Evidence.model_validate(e) for e in state.get("evidence", [])]
    customer = state.get("customer", {})
    d = DecisionInput(
        intent=intent,
        text=state.get("clean_text", ""),
        evidence=evidence,
        business_unit=customer.get("business_unit", ""),
        customer_known=bool(customer.get("name")),
        flags=list(state.get("flags", [])),
        customer=customer_facts(customer, evidence),
    )
    firings = propose(d, deps.tenant, deps.policy, model_score=action_scorer(deps))
    actions, new_evidence, flags = [], [], []
    for f in firings:
        action = f.action
        if action.name == "handoff_to_human":  # the human taking over gets the conversation so far
            summary = summarize(list(state.get("history", [])))["summary"]
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
    sender = str((state.get("message") or {}).get("sender", "customer"))
    if sender == "customer" and (
        asks_other_customer_price(d.text, str(customer.get("name", "")), named_only=True)
        or names_other_customer_confidential(deps.customers, d.text, str(customer.get("customer_id", "")))
    ):
        # what another customer pays is confidential: the card is a refusal (actions for this customer stay)
        flags.append(f"refused:{OTHER_CUSTOMER_PRICES}")
    elif asks_others_data(state.get("text", "") or d.text) or (
        sender == "customer"
        and names_other_customer_data(deps.customers, d.text, str(customer.get("customer_id", "")))
    ):  # the raw text: a flagged injection may carry the ask; 「李敏的电话多少」 names whose data
        flags.append("refused:other_customers_data")
    out: dict[str, Any] = {"actions": actions, "evidence": new_evidence}
    if flags:
        out["flags"] = sorted(set(flags))
    return out
