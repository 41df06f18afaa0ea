"""Acceptance / edit / reject rates per intent, action, playbook rule, document and rep; top reject reasons;
time to decision; and the (suggestion, decision) feed for the eval suites.

Rates are over decided suggestions (accepted + edited + rejected = 1); `shown` also counts the pending ones.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from contract.decisions import HumanDecision
from contract.suggestions import Suggestion
from copilot.ledger.models import EntryKind, LedgerMetrics, Rates
from copilot.ledger.query import filtered
from copilot.ledger.schema import entries, refs

_VERB = {"accept": "accepted", "edit": "edited", "reject": "rejected"}


def _tally(rates: Rates, outcome: str | None) -> None:
    rates.shown += 1
    if outcome:
        rates.decided += 1
        setattr(rates, _VERB[outcome], getattr(rates, _VERB[outcome]) + 1)


def _finish(rates: Rates) -> Rates:
    if rates.decided:
        rates.acceptance_rate = round(rates.accepted / rates.decided, 4)
        rates.edit_rate = round(rates.edited / rates.decided, 4)
        rates.reject_rate = round(rates.rejected / rates.decided, 4)
    return rates


def _percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))])


def compute(
    engine: Engine, *, since: datetime | None = None, until: datetime | None = None, tenant: str = ""
) -> LedgerMetrics:
    """Over one tenant's entries (`tenant`), or every tenant's with tenant ''."""
    cols = (entries.c.kind, entries.c.suggestion_id, entries.c.intent, entries.c.rep_ref, entries.c.decision,
            entries.c.reason_code, entries.c.time_to_decision_ms)  # fmt: skip
    with engine.connect() as conn:
        rows = conn.execute(filtered(select(*cols), since=since, until=until, tenant=tenant)).all()
        ref_rows = conn.execute(select(refs)).all()
    shown: dict[str, Any] = {}
    outcome: dict[str, str] = {}
    reasons: Counter[str] = Counter()
    waits: list[int] = []
    denied = 0
    for r in rows:
        if r.kind == EntryKind.SUGGESTION.value:
            shown[r.suggestion_id] = r
        elif r.kind == EntryKind.DECISION.value:
            outcome[r.suggestion_id] = r.decision
            if r.reason_code:
                reasons[r.reason_code] += 1
            if r.time_to_decision_ms is not None:
                waits.append(int(r.time_to_decision_ms))
        elif r.kind == EntryKind.ACCESS_DENIED.value:
            denied += 1
    by_ref: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for ref in ref_rows:
        if ref.suggestion_id in shown:
            by_ref[ref.ref_kind][ref.ref_value].append(ref.suggestion_id)
    overall = Rates()
    groups: dict[str, dict[str, Rates]] = {
        k: defaultdict(Rates) for k in ("intent", "rep", "action", "rule", "doc")
    }
    for sid, row in shown.items():
        _tally(overall, outcome.get(sid))
        _tally(groups["intent"][row.intent], outcome.get(sid))
        _tally(groups["rep"][row.rep_ref or "(none)"], outcome.get(sid))
    for kind in ("action", "rule", "doc"):
        for value, sids in by_ref[kind].items():
            for sid in sids:
                _tally(groups[kind][value], outcome.get(sid))
    ttd: dict[str, float] = {"count": float(len(waits))}
    if waits:
        ttd.update(mean=round(statistics.fmean(waits), 1), p50=_percentile(waits, 0.5),
                   p90=_percentile(waits, 0.9), max=float(max(waits)))  # fmt: skip
    done = {k: {name: _finish(r) for name, r in sorted(g.items())} for k, g in groups.items()}
    return LedgerMetrics(
        overall=_finish(overall),
        by_intent=done["intent"],
        by_rep=done["rep"],
        by_action=done["action"],
        by_rule=done["rule"],
        by_doc=done["doc"],
        top_reject_reasons=reasons.most_common(10),
        time_to_decision_ms=ttd,
        access_denied=denied,
    )


def feed(engine: Engine, *, since: datetime | None = None, decided_only: bool = True, tenant: str = ""
         ) -> Iterator[tuple[Suggestion, HumanDecision | None]]:  # fmt: skip
    """(suggestion, decision) pairs in chain order, for the eval suites; redacted suggestions are skipped. One
    tenant's with `tenant`, every tenant's with ''."""
    kinds = (EntryKind.SUGGESTION.value, EntryKind.DECISION.value)
    stmt = filtered(
        select(entries.c.kind, entries.c.suggestion_id, entries.c.payload), since=since, tenant=tenant
    )
    stmt = stmt.where(entries.c.kind.in_(kinds)).order_by(entries.c.seq)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    decisions = {r.suggestion_id: r.payload for r in rows if r.kind == kinds[1] and r.payload is not None}
    for r in rows:
        if r.kind != kinds[0] or r.payload is None:
            continue
        raw = decisions.get(r.suggestion_id)
        if raw is None and decided_only:
            continue
        suggestion = Suggestion.model_validate(json.loads(r.payload)["suggestion"])
        decision = HumanDecision.model_validate(json.loads(raw)["decision"]) if raw else None
        yield suggestion, decision
