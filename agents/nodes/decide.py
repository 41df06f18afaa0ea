"""decide: candidate actions from the matching business-unit playbooks, ranked by rule priority then model score.
Each action carries its rule_id and evidence ids; the rule itself (and any clause it retrieved) becomes evidence."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agents.actions.playbook import DecisionInput, propose
from agents.context import RunContext
from agents.state import CopilotState
from agents.timing import timed
from agents.understanding.service import action_scorer
from agents.wrapup import summarize
from contract.evidence import Evidence
from contract.suggestions import Intent


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
    )
    firings = propose(d, deps.tenant, deps.policy, model_score=action_scorer(deps))
    actions, new_evidence = [], []
    for f in firings:
        action = f.action
        if action.name == "handoff_to_human":  # the human taking over gets the conversation so far
            summary = summarize(list(state.get("history", [])))["summary"]
            action = action.model_copy(update={"parameters": {**action.parameters, "summary": summary}})
        actions.append(action.model_dump(mode="json"))
        new_evidence += [
            f.rule_evidence.model_dump(mode="json"),
            *[e.model_dump(mode="json") for e in f.extra_evidence],
        ]
    return {"actions": actions, "evidence": new_evidence}
