"""Human acceptance / edit / reject rates from ledger entries over a period (the ledger's JSON export: dicts with
kind, suggestion_id, decision, intent, created_at …). Pending suggestions count as shown, not in the rates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _decision_kind(entry: Mapping[str, Any]) -> str:
    if entry.get("decision"):
        return str(entry["decision"])
    payload = entry.get("payload") or {}
    d = payload.get("decision", payload)
    return str(d.get("kind", "")) if isinstance(d, Mapping) else ""


def human_rates(
    entries: Iterable[Mapping[str, Any]],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    by: str | None = None,
) -> dict[str, dict[str, float]]:
    """Rates over suggestions created in [since, until). `by` groups by an entry field (e.g. "intent", "rep_ref");
    the overall numbers are under "all"."""
    suggestions: dict[str, Mapping[str, Any]] = {}
    decisions: dict[str, str] = {}
    for e in entries:
        kind = e.get("kind")
        if kind == "suggestion":
            when = _when(e.get("created_at"))
            if (since and when and when < since) or (until and when and when >= until):
                continue
            suggestions[str(e.get("suggestion_id") or e.get("id"))] = e
        elif kind == "decision":
            decisions[str(e.get("suggestion_id"))] = _decision_kind(e)
    groups: dict[str, list[str]] = {"all": list(suggestions)}
    if by:
        for sid, e in suggestions.items():
            groups.setdefault(f"{by}={e.get(by) or '?'}", []).append(sid)
    out = {}
    for name, ids in groups.items():
        kinds = [decisions[s] for s in ids if s in decisions]
        n = len(kinds)
        out[name] = {
            "shown": float(len(ids)),
            "decided": float(n),
            "acceptance_rate": kinds.count("accept") / n if n else 0.0,
            "edit_rate": kinds.count("edit") / n if n else 0.0,
            "reject_rate": kinds.count("reject") / n if n else 0.0,
        }
    return out
