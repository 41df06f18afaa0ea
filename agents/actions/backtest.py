"""Playbook backtest: replay a playbook's rules over recorded suggestions (ledger entries) and scripted/historical
conversations, and compare how often each rule would fire with what humans did (accept / edit / reject).

Ledger entries are plain dicts so nothing here depends on the ledger implementation. Accepted shapes:
  suggestion: {"kind": "suggestion", "payload": {"suggestion": {...}}}  (payload may be a JSON string)
              or {"suggestion": {...}} or a bare Suggestion dict (has "intent" and "evidence")
  decision:   {"kind": "decision", "payload": {"decision": {...}}}, {"decision": {...}} or a bare HumanDecision dict
Retrieval is not replayed: a rule with `retrieve` counts as firing when its other conditions hold."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from agents.actions.playbook import DecisionInput, rule_matches
from agents.tenant import Playbook, TenantConfig
from contract.evidence import Evidence
from contract.suggestions import Intent


@dataclass
class Case:
    case_id: str
    intent: Intent
    text: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    shown_rules: list[str] = field(default_factory=list)  # rules whose actions the human actually saw
    decision: str = ""  # accept | edit | reject | "" (undecided)
    reason_code: str = ""


@dataclass
class RuleStats:
    rule_id: str
    action: str
    fired: int = 0
    shown: int = 0
    decisions: dict[str, int] = field(
        default_factory=lambda: {"accept": 0, "edit": 0, "reject": 0, "none": 0}
    )
    reject_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self, total: int) -> dict[str, Any]:
        decided = sum(v for k, v in self.decisions.items() if k != "none")
        ok = self.decisions["accept"] + self.decisions["edit"]
        return {
            "rule_id": self.rule_id,
            "action": self.action,
            "fired": self.fired,
            "fire_rate": round(self.fired / total, 4) if total else 0.0,
            "shown_to_humans": self.shown,
            "human_decisions_when_fired": dict(self.decisions),
            "human_acceptance_when_fired": round(ok / decided, 4) if decided else None,
            "reject_reasons": dict(self.reject_reasons),
        }


def _payload(entry: dict[str, Any]) -> dict[str, Any]:
    payload = entry.get("payload", entry)
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError:
            return {}
    return payload if isinstance(payload, dict) else {}


def cases_from_ledger(entries: Iterable[dict[str, Any]]) -> list[Case]:
    suggestions: dict[str, dict[str, Any]] = {}
    decisions: dict[str, dict[str, Any]] = {}
    for entry in entries:
        body = _payload(entry)
        sug = body.get("suggestion") if isinstance(body.get("suggestion"), dict) else None
        if sug is None and "intent" in body and "evidence" in body:
            sug = body
        dec = body.get("decision") if isinstance(body.get("decision"), dict) else None
        if dec is None and body.get("suggestion_id") and body.get("kind") in ("accept", "edit", "reject"):
            dec = body
        if sug is not None and sug.get("kind", "suggestion") != "summary":
            suggestions[sug["id"]] = sug
        if dec is not None:
            decisions[dec["suggestion_id"]] = dec
    cases = []
    for sid, sug in suggestions.items():
        d = decisions.get(sid, {})
        cases.append(
            Case(
                case_id=sid,
                intent=Intent.model_validate(sug["intent"]),
                evidence=[Evidence.model_validate(e) for e in sug.get("evidence", [])],
                shown_rules=[a.get("rule_id", "") for a in sug.get("actions", []) if a.get("rule_id")],
                decision=d.get("kind", ""),
                reason_code=d.get("reason_code") or "",
            )
        )
    return cases


def backtest(
    tenant: TenantConfig, playbook_id: str, cases: list[Case], *, business_unit: str = ""
) -> dict[str, Any]:
    playbook: Playbook | None = next((p for p in tenant.playbooks if p.id == playbook_id), None)
    if playbook is None:
        from contract.errors import NotFound

        raise NotFound(f"no playbook {playbook_id!r} in tenant {tenant.tenant}", reason="playbook_unknown")
    stats = {r.id: RuleStats(r.id, r.then.action) for r in playbook.rules}
    no_rule = 0
    for case in cases:
        d = DecisionInput(
            intent=case.intent, text=case.text, evidence=case.evidence, business_unit=business_unit
        )
        fired_any = False
        for rule in playbook.rules:
            if not rule_matches(rule, d):
                continue
            fired_any = True
            st = stats[rule.id]
            st.fired += 1
            st.shown += rule.id in case.shown_rules
            st.decisions[case.decision or "none"] += 1
            if case.decision == "reject" and case.reason_code:
                st.reject_reasons[case.reason_code] = st.reject_reasons.get(case.reason_code, 0) + 1
        no_rule += not fired_any
    return {
        "playbook": playbook_id,
        "cases": len(cases),
        "cases_without_rule": no_rule,
        "rules": [s.as_dict(len(cases)) for s in stats.values()],
    }
