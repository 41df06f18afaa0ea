"""Score one suggestion against one turn's expectations: named pass/fail checks (shown per case in the report) and
the raw facts the run-level metrics aggregate."""

from __future__ import annotations

from typing import Any

from evals.metrics import suggestion_view as sv
from evals.metrics import text_checks as tc
from evals.metrics.retrieval import hit_at_k, reciprocal_rank
from evals.suite.models import ActionExpectation, DocRef, Expectations


def _doc_matches(ref: DocRef, e: dict[str, Any]) -> bool:
    doc_id, version, clause = sv.doc_of(e)
    if doc_id != ref.doc_id:
        return False
    if ref.version is not None and version.lstrip("vV") != ref.version.lstrip("vV"):
        return False
    return ref.clause is None or clause.startswith(ref.clause)


def _ref_text(ref: DocRef) -> str:
    return ref.doc_id + (f"@{ref.version}" if ref.version else "") + (f"#{ref.clause}" if ref.clause else "")


def _action_matches(exp: ActionExpectation, a: dict[str, Any]) -> bool:
    if a.get("name") != exp.name:
        return False
    params = a.get("parameters") or {}
    return all(str(params.get(k)) == str(v) for k, v in exp.parameters.items())


def _rank_of(exp: ActionExpectation, acts: list[dict[str, Any]]) -> int | None:
    return next((i for i, a in enumerate(acts, start=1) if _action_matches(exp, a)), None)


def score_turn(
    s: dict[str, Any], exp: Expectations, inputs: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    facts: dict[str, Any] = {"timings": dict(s.get("timings_ms") or {})}

    def check(name: str, passed: bool, detail: str = "") -> None:
        checks.append({"name": name, "passed": bool(passed), "detail": detail})

    pred = sv.intent_name(s)
    if exp.intent is not None:
        facts["intent"] = (exp.intent, pred)
        check("intent", pred == exp.intent, f"expected {exp.intent}, got {pred}")
    if exp.abstain is not None:
        if exp.abstain and exp.intent is None:
            facts["intent"] = ("out_of_scope", pred)
        check(
            "abstain", (pred == "out_of_scope") == exp.abstain, f"expected abstain={exp.abstain}, got {pred}"
        )

    cited = sv.cited_policy(s)
    if exp.documents:
        gold_docs = {d.doc_id for d in exp.documents}
        ranked = sv.ranked_doc_ids(s)
        facts["retrieval"] = (ranked, gold_docs)
        facts["retrieval_rr"] = reciprocal_rank(ranked, gold_docs)
        facts["retrieval_hit@3"] = hit_at_k(ranked, gold_docs, 3)
        for ref in exp.documents:
            found = any(_doc_matches(ref, e) for e in cited)
            got = sorted({"@".join(sv.doc_of(e)[:2]) for e in cited})
            check(f"cites {_ref_text(ref)}", found, f"cited: {', '.join(got) or 'nothing'}")
    for ref in exp.forbidden_documents:
        bad = [e for e in cited if _doc_matches(ref, e)]
        facts["forbidden_doc_violations"] = facts.get("forbidden_doc_violations", 0) + len(bad)
        check(f"never cites {_ref_text(ref)}", not bad, f"{len(bad)} citation(s)")

    d = s.get("draft") or {}
    if d.get("citations"):
        markers = {c["marker"]: c["evidence_id"] for c in d["citations"]}
        texts = {e["id"]: f"{e.get('title', '')}\n{e.get('content', '')}" for e in sv.evidence(s)}
        support = tc.citation_support(sv.draft_text(s), markers, texts)
        facts["citations"] = (sum(support), len(support))

    acts = sv.actions(s)
    if exp.actions:
        rank = _rank_of(exp.actions[0], acts)
        facts["action_top1"] = 1.0 if rank == 1 else 0.0
        facts["action_top2"] = 1.0 if rank is not None and rank <= 2 else 0.0
        facts["action_top3"] = 1.0 if rank is not None and rank <= 3 else 0.0
        names = [a.get("name") for a in acts]
        for a in exp.actions:
            params = ", ".join(f"{k}={v}" for k, v in a.parameters.items())
            check(f"action {a.name}({params})", _rank_of(a, acts) is not None, f"suggested: {names}")
    for name in exp.forbidden_actions:
        check(f"no action {name}", all(a.get("name") != name for a in acts))

    text = sv.shown_text(s)  # the draft, or the answer a rep's ask got
    if exp.must_mention:
        hits = tc.mention_hits(text, exp.must_mention)
        facts["mentions"] = (sum(hits), len(hits))
        missing = [
            m if isinstance(m, str) else "|".join(m)
            for m, h in zip(exp.must_mention, hits, strict=True)
            if not h
        ]
        check("must mention", all(hits), f"missing: {missing}" if missing else "")
    if exp.must_not_claim:
        claims = tc.violations(text, exp.must_not_claim)
        facts["must_not_violations"] = len(claims)
        check("must not claim", not claims, f"found: {claims}" if claims else "")
    if exp.signals:
        found_signals = sv.signal_ids(s)
        hit = [x for x in exp.signals if x in found_signals]
        facts["signals"] = (len(hit), len(exp.signals))
        check("customer signals", len(hit) == len(exp.signals), f"found {sorted(found_signals)}")
    if exp.pii_must_not_leak:
        leaks = tc.pii_leaks(sv.searchable_text(s, inputs), exp.pii_must_not_leak)
        facts["pii_leaks"] = len(leaks)
        check("no PII leak", not leaks, f"leaked: {leaks}" if leaks else "")
    if exp.refusal is not None:
        refused = sv.is_refusal(s)
        reason = sv.refusal_reason(s)
        ok = refused == exp.refusal
        if ok and exp.refusal and exp.refusal_reason:
            ok = reason == exp.refusal_reason
        facts["refusal"] = (bool(exp.refusal), ok)
        if (
            exp.refusal
        ):  # a trap refused whatever the logged reason: tells a wrong reason from no refusal at all
            facts["trap_refused"] = refused
        detail = f"expected refusal={exp.refusal}" + (
            f" ({exp.refusal_reason})" if exp.refusal_reason else ""
        )
        check(
            "refusal",
            ok,
            f"{detail}, got {'refusal (' + reason + ')' if refused else s.get('kind', 'suggestion')}",
        )
    worst = sv.worst_verdict(s, "grounding")
    if worst is not None:
        facts["grounding"] = worst
    if exp.grounding is not None:
        ok = sv.VERDICT_ORDER.get(worst or "allow", 0) <= sv.VERDICT_ORDER[exp.grounding]
        check("grounding", ok, f"worst verdict {worst or 'none'}, allowed up to {exp.grounding}")
    return checks, facts
