"""Playbook rules over intent, entities, customer signals (by signal_id) and evidence → candidate actions.

Authority and parameters come from the catalog and from evidence/entities, never from free text, so an injected
instruction cannot raise an action's authority or invent a parameter. Ranking: rule priority first, then model score."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agents.tenant import OUT_OF_SCOPE, Playbook, Rule, TenantConfig
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

    def signal_ids(self) -> dict[str, Evidence]:
        return {e.source_ids.get("signal_id", ""): e for e in self.evidence if e.kind is EvidenceKind.SIGNAL}

    def kinds(self) -> set[str]:
        return {e.kind.value for e in self.evidence}


@dataclass
class RuleFiring:
    rule: Rule
    playbook: str
    action: Action
    rule_evidence: Evidence
    extra_evidence: list[Evidence]


PRECONDITIONS: dict[str, Callable[[DecisionInput], bool]] = {
    "customer_known": lambda d: d.customer_known,
    "policy_evidence": lambda d: EvidenceKind.POLICY_CLAUSE.value in d.kinds(),
    "device_on_file": lambda d: (
        any(e.source_ids.get("table") == "devices" for e in d.evidence)
        or bool(d.intent.entities.get("serial_number"))
    ),
    "not_injection": lambda d: "injection_suspected" not in d.flags,
}


def playbooks_for(tenant: TenantConfig, business_unit: str) -> list[Playbook]:
    bu = business_unit.lower()
    return [
        p
        for p in tenant.playbooks
        if "*" in p.business_units or any(b.lower() in bu for b in p.business_units if bu)
    ]


def rule_matches(rule: Rule, d: DecisionInput) -> bool:
    w, intent = rule.when, d.intent
    if w.intent and intent.name not in w.intent:
        return False
    if not w.intent and (intent.abstained or intent.name == OUT_OF_SCOPE):
        return False
    if intent.confidence < w.min_confidence:
        return False
    signals = d.signal_ids()
    if any(s not in signals for s in w.signals_all) or any(s in signals for s in w.signals_none):
        return False
    if w.entities_any and not any(intent.entities.get(k) for k in w.entities_any):
        return False
    if w.keywords_any and not any(k.lower() in d.text.lower() for k in w.keywords_any):
        return False
    if w.sentiment_below is not None and intent.sentiment >= w.sentiment_below:
        return False
    return all(k in d.kinds() for k in w.evidence_kinds)


def fire(
    rule: Rule, playbook: str, d: DecisionInput, tenant: TenantConfig, policy: PolicyRetriever
) -> RuleFiring | None:
    spec = tenant.action(rule.then.action)
    if not all(PRECONDITIONS.get(p, lambda _d: True)(d) for p in spec.preconditions):
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
    clauses = [e for e in d.evidence if e.kind is EvidenceKind.POLICY_CLAUSE]
    for pname, key in rule.then.parameters_from_policy.items():
        if clauses and clauses[0].source_ids.get(key):
            params[pname] = clauses[0].source_ids[key]
    missing = [n for n, p in spec.parameters.items() if p.required and n not in params]
    if missing:
        return None
    matched_signals = [d.signal_ids()[s] for s in rule.when.signals_all]
    support = matched_signals + (extra or clauses[:1])
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
    action = Action(
        name=spec.name,
        label=spec.label_zh,
        parameters=params,
        rationale=rule.then.rationale_zh or rule.description,
        evidence_ids=[rule_ev.id, *[e.id for e in support]],
        score=rule.then.priority / 100,
        rule_id=rule.id,
        requires_authority=spec.required_authority,
    )
    return RuleFiring(rule, playbook, action, rule_ev, extra)


def propose(
    d: DecisionInput,
    tenant: TenantConfig,
    policy: PolicyRetriever,
    model_score: Callable[[str, str], float] | None = None,
    limit: int = 4,
) -> list[RuleFiring]:
    """All firing rules of the matching playbooks, one per action name (highest priority wins), ranked."""
    best: dict[str, tuple[float, RuleFiring]] = {}
    for pb in playbooks_for(tenant, d.business_unit):
        for rule in pb.rules:
            if not rule_matches(rule, d):
                continue
            firing = fire(rule, pb.id, d, tenant, policy)
            if firing is None:
                continue
            ms = model_score(d.text, tenant.action(rule.then.action).description) if model_score else 0.0
            key = rule.then.priority + ms  # priority dominates (integers), model score breaks ties
            firing.action = firing.action.model_copy(
                update={"score": round(rule.then.priority / 100 + 0.01 * ms, 4)}
            )
            if firing.action.name not in best or key > best[firing.action.name][0]:
                best[firing.action.name] = (key, firing)
    ranked = sorted(best.values(), key=lambda kv: kv[0], reverse=True)
    return [f for _, f in ranked[:limit]]
