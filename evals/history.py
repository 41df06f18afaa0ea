"""Build a suite from real history: the ledger's JSON export (one dict per entry) and the humans' decisions.

Each decided suggestion becomes a case whose turns are the conversation up to that message (masked text, as the
ledger keeps it). What the human did becomes the expectation: an accepted suggestion's intent, actions and cited
documents are expected again; an edit keeps those and turns the human's changes into must-mention facts (key terms they
added) and must-not claims (key terms they removed); a rejection turns its reason into a prohibition (outdated policy
→ that document version is forbidden, not needed → those actions are forbidden, wrong intent → the intent is not kept)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from evals.metrics import suggestion_view as sv
from evals.metrics.human import _when
from evals.metrics.text_checks import key_terms
from evals.suite.models import ActionExpectation, ActorSpec, Case, DocRef, Expectations, Suite, TurnSpec

SAFE_ID = re.compile(r"[^A-Za-z0-9_.:-]+")


def _decision(entry: Mapping[str, Any]) -> dict[str, Any]:
    payload = entry.get("payload") or {}
    d = dict(payload.get("decision") or {})
    d.setdefault("kind", entry.get("decision", ""))
    d.setdefault("reason_code", entry.get("reason_code", ""))
    return d


def expectations_from(suggestion: dict[str, Any], decision: dict[str, Any]) -> tuple[Expectations, list[str]]:
    kind, reason = decision.get("kind"), decision.get("reason_code") or ""
    cited = sorted({sv.doc_of(e)[:2] for e in sv.cited_policy(suggestion)})
    acts = sv.actions(suggestion)
    exp: dict[str, Any] = {}
    tags = [f"human:{kind}"]
    draft = sv.draft_text(suggestion)
    if kind in ("accept", "edit"):
        exp["intent"] = sv.intent_name(suggestion)
        exp["documents"] = [DocRef(doc_id=d, version=v or None) for d, v in cited]
        exp["actions"] = [
            ActionExpectation(
                name=a["name"],
                parameters={k: v for k, v in (a.get("parameters") or {}).items() if k == "doc_id"},
            )
            for a in acts
        ]
        if kind == "edit":
            final = decision.get("final_text") or ""
            exp["reference_draft"] = final
            exp["must_mention"] = [t for t in key_terms(final) if t not in key_terms(draft)]
            exp["must_not_claim"] = [t for t in key_terms(draft) if t not in key_terms(final) and len(t) > 1]
        elif draft:
            exp["reference_draft"] = draft
    elif kind == "reject":
        tags.append(f"reject:{reason}")
        if reason in ("outdated_policy", "wrong_evidence"):
            exp["forbidden_documents"] = [DocRef(doc_id=d, version=v or None) for d, v in cited]
        elif reason == "not_needed":
            exp["forbidden_actions"] = sorted({a["name"] for a in acts})
        elif reason != "wrong_intent":
            exp["intent"] = sv.intent_name(suggestion)
    return Expectations.model_validate(exp), tags


def suite_from_ledger(
    entries: Iterable[Mapping[str, Any]],
    *,
    name: str = "from-ledger",
    since: datetime | None = None,
    until: datetime | None = None,
    max_context_turns: int = 6,
) -> Suite:
    """A suite from ledger export entries. Suggestions nobody decided are skipped; so are wrap-up summaries."""
    suggestions: list[Mapping[str, Any]] = []
    decisions: dict[str, dict[str, Any]] = {}
    for e in entries:
        if e.get("kind") == "suggestion" and (e.get("payload") or {}).get("suggestion"):
            when = _when(e.get("created_at"))
            if (since and when and when < since) or (until and when and when >= until):
                continue
            suggestions.append(e)
        elif e.get("kind") == "decision":
            decisions[str(e.get("suggestion_id"))] = _decision(e)
    suggestions.sort(key=lambda e: (str(e.get("conversation_id")), str(e.get("created_at"))))
    by_conv: dict[str, list[Mapping[str, Any]]] = {}
    cases: list[Case] = []
    for e in suggestions:
        conv = str(e.get("conversation_id") or "conversation")
        history = by_conv.setdefault(conv, [])
        history.append(e)
        s = e["payload"]["suggestion"]
        d = decisions.get(str(s.get("id") or e.get("suggestion_id")))
        if d is None or s.get("kind") == "summary":
            continue
        turns = []
        for prior in history[-max_context_turns:]:
            inputs = prior["payload"].get("inputs") or {}
            text = str(inputs.get("masked_text") or inputs.get("text") or "").strip()
            if text:
                turns.append(TurnSpec(text=text))
        if not turns:
            continue
        exp, tags = expectations_from(s, d)
        inputs = e["payload"].get("inputs") or {}
        cases.append(
            Case(
                id=SAFE_ID.sub("-", f"{conv}-{len(history)}")[:80].strip("-.:") or f"case-{len(cases)}",
                title=f"{s.get('customer_ref', '')} · {sv.intent_name(s)} · {d.get('kind')}",
                tags=tags,
                customer_ref=str(s.get("customer_ref") or e.get("customer_ref") or "unknown"),
                rep_ref=str(s.get("rep_ref") or ""),
                actor=ActorSpec(id=str(inputs.get("actor") or s.get("rep_ref") or "")),
                turns=turns,
                expect=exp,
                metadata={
                    "suggestion_id": s.get("id"),
                    "ledger_entry": e.get("id"),
                    "decided": d.get("kind"),
                },
            )
        )
    if not cases:
        from evals.suite.loader import SuiteError, SuiteProblem

        raise SuiteError([SuiteProblem("<ledger>", 1, 1, "", "no decided suggestions in the entries/period")])
    return Suite(name=name, description="Built from ledger entries and human decisions", cases=cases)


def suite_to_yaml(suite: Suite) -> str:
    import yaml

    data = suite.model_dump(mode="json", exclude_defaults=True)
    for case in data.get("cases", []):
        for turn in case.get("turns", []):
            if turn.get("text"):
                turn.pop("parts", None)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
