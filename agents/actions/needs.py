"""Which intents the message's own needs and the computed answer point to, whatever intent the message was read as.

The intent model can misread a message («保修到哪天» filed as an order question) or abstain; the message
still names what it needs (tools.yaml `needs` words → tool ids) and the reason step still computed an answer with some
tool. Each tool belongs to the intents tools.yaml lists it under, so the tools a message asks for and the tools that
answered it vote for intents: a tool only one intent runs says more than one that four intents share (1 / owners,
summed over the tools, at most 1).
Actions then rank by the intents they serve in the catalog — the read intent and these — so a misread or abstained
message still gets the actions its needs fit. Nothing here is tenant-specific: the tenant's tools.yaml is the map."""

from __future__ import annotations

from collections.abc import Iterable

from agents.reasoning.config import ToolsConfig
from contract.evidence import Evidence, EvidenceKind

# lineage key of a policy clause retrieved for a message the intent abstained on (agents/nodes/ground.py): what the
# message's words found, not an answer to an asked intent
UNASKED = "retrieved_without_intent"

FALLBACK_WEIGHT = (
    0.5  # a fact another intent's tool computed from a retrieved document: weaker than a need's word
)


def tool_owners(tools: ToolsConfig) -> dict[str, list[str]]:
    """Tool id → the intents tools.yaml lists it under (any-intent tools belong to no intent in particular)."""
    owners: dict[str, list[str]] = {}
    for intent, specs in tools.intents.items():
        for spec in specs:
            if intent not in owners.setdefault(spec.id, []):
                owners[spec.id].append(intent)
    return owners


def answering_tools(evidence: Iterable[Evidence]) -> dict[str, float]:
    """Tool id → weight of the computed facts told to the customer (a fact kept for the rep only — a misread intent's
    own tools, a tool whose say-words the message lacks — is not what the message asked)."""
    out: dict[str, float] = {}
    for e in evidence:
        if e.kind is not EvidenceKind.COMPUTED_FACT or e.lineage.get("to_customer") is False:
            continue
        tool = str(e.source_ids.get("tool_id", ""))
        if tool:
            weight = FALLBACK_WEIGHT if e.lineage.get("fallback") else 1.0
            out[tool] = max(out.get(tool, 0.0), weight)
    return out


def _votes(weights: dict[str, float], owners: dict[str, list[str]]) -> dict[str, float]:
    votes: dict[str, float] = {}
    for tool, weight in weights.items():
        intents = owners.get(tool, [])
        for intent in intents:
            votes[intent] = votes.get(intent, 0.0) + weight / len(intents)
    # not scaled to the best: a question only tools three intents share backs each of them a third, never fully
    return {k: round(min(v, 1.0), 4) for k, v in sorted(votes.items(), key=lambda kv: -kv[1]) if v > 0}


def asked_intents(tools: ToolsConfig, text: str) -> dict[str, float]:
    """Intent → how strongly the message's own words (tools.yaml `needs`) ask for it (0 … 1)."""
    return _votes({tool: 1.0 for tool in tools.asked(text)[0]}, tool_owners(tools))


def answered_intents(tools: ToolsConfig, evidence: Iterable[Evidence]) -> dict[str, float]:
    """Intent → how strongly the computed answer (the tools that answered) points to it (0 … 1)."""
    return _votes(answering_tools(evidence), tool_owners(tools))
