"""Admin and evaluator views' data: documents with versions, clause lineage, playbooks, the ledger, tenants. The eval
runs, their reports and comparisons (/v1/evals/*) come from the evaluator plugin (evals/plugin_api.py)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from contract import NotFound
from contract.ports import Actor
from copilot.api.deps import ServicesDep
from copilot.auth import SettingsDep, require
from copilot.settings import REPO_ROOT

log = logging.getLogger("copilot.api.admin")
router = APIRouter(prefix="/v1", tags=["admin"])
Anyone = Annotated[Actor, Depends(require("rep", "agent", "evaluator", "admin"))]
Auditor = Annotated[Actor, Depends(require("evaluator", "admin"))]


@router.get("/kb/documents")
async def kb_documents(actor: Anyone, services: ServicesDep) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = await run_in_threadpool(services.policy_store.list)
    return docs


@router.get("/kb/lineage/{ref:path}")
async def kb_lineage(ref: str, actor: Anyone, services: ServicesDep) -> dict[str, Any]:
    """From a citation (evidence id or chunk id): the chunk text, the document version, page and ingest record."""
    out: dict[str, Any] = await run_in_threadpool(services.policy_store.lineage, ref)
    return out


@router.get("/playbooks")
def playbooks(actor: Auditor, services: ServicesDep) -> dict[str, Any]:
    result: dict[str, Any] = {"playbooks": [p.model_dump(mode="json") for p in services.tenant_playbooks]}
    backtest = REPO_ROOT / "evals" / "results" / "playbook_backtest.json"
    if backtest.is_file():
        result["backtest"] = json.loads(backtest.read_text(encoding="utf-8"))
    else:
        result["backtests"] = _live_backtests(services)
    return result


def _live_backtests(services: Any) -> dict[str, Any]:
    """Each playbook replayed over the decisions in this ledger (`copilot playbook backtest`'s numbers): how often
    each rule fired and what humans did when it did. Per playbook id: {rule_id: {...}}."""
    from agents.actions.backtest import backtest, cases_from_ledger
    from agents.tenant import TenantConfig

    try:
        tenant = TenantConfig.load(Path(services.settings.tenant_dir))
        cases = cases_from_ledger(services.ledger.query(tenant=services.settings.tenant))
        out: dict[str, Any] = {}
        for p in services.tenant_playbooks:
            report = backtest(tenant, p.id, cases)
            out[p.id] = {"cases": report["cases"], "rules": {r["rule_id"]: r for r in report["rules"]}}
        return out
    except Exception as exc:  # a backtest problem must not hide the playbooks themselves
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


# ---- what the pages need to speak the tenant's language and show the ledger ------------------------------------------


def _humanise(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").strip().capitalize()


@router.get("/ui/labels")
def ui_labels(actor: Anyone, settings: SettingsDep) -> dict[str, Any]:
    """Display names from the tenant pack (intents.yaml label_zh / label_en, actions.yaml, parameters'
    descriptions), so pages never show raw ids; English falls back to the id made readable."""
    import yaml

    def load(name: str) -> dict[str, Any]:
        path = Path(settings.tenant_dir) / name
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except (OSError, yaml.YAMLError):
            return {}
        return data if isinstance(data, dict) else {}

    intents = {
        str(i["name"]): {
            "zh": str(i.get("label_zh") or i["name"]),
            "en": str(i.get("label_en") or _humanise(i["name"])),
        }
        for i in load("intents.yaml").get("intents", [])
        if isinstance(i, dict) and i.get("name")
    }
    actions: dict[str, Any] = {}
    params: dict[str, Any] = {}
    for a in load("actions.yaml").get("actions", []):
        if not isinstance(a, dict) or not a.get("name"):
            continue
        actions[str(a["name"])] = {
            "zh": str(a.get("label_zh") or a["name"]),
            "en": str(a.get("label_en") or _humanise(a["name"])),
            "authority": str(a.get("required_authority", "")),
        }
        for pname, spec in (a.get("parameters") or {}).items():
            desc = spec.get("description", "") if isinstance(spec, dict) else ""
            params[str(pname)] = {"zh": str(desc or pname), "en": _humanise(str(pname))}
    intents.setdefault("out_of_scope", {"zh": "超出范围", "en": "Out of scope"})
    computations: dict[str, Any] = {}  # tools.yaml: the computed facts' names (evidence titles carry the id)
    for tools in (load("tools.yaml").get("intents") or {}).values():
        for t in tools if isinstance(tools, list) else []:
            if isinstance(t, dict) and t.get("id"):
                zh = str(t.get("label") or t["id"])
                computations[str(t["id"])] = {"zh": zh, "en": str(t.get("label_en") or _humanise(t["id"]))}
    return {"tenant": settings.tenant, "intents": intents, "actions": actions, "parameters": params,
            "computations": computations}  # fmt: skip


@router.get("/admin/ledger")
def admin_ledger(
    actor: Auditor,
    services: ServicesDep,
    kind: str | None = None,
    actor_id: Annotated[str | None, Query(alias="actor")] = None,
    decision: str | None = None,
    conversation: str | None = None,
    customer: str | None = None,
    rep: str | None = None,
    intent: str | None = None,
    doc: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
) -> dict[str, Any]:
    """The ledger newest first, one page at a time: who, when, what was decided and why (no payloads). This
    service's tenant's entries only (tenants may share the ledger's database)."""
    filters = {"kind": kind, "actor": actor_id, "conversation": conversation, "customer": customer, "rep": rep,
               "intent": intent, "doc": doc, "tenant": services.settings.tenant}  # fmt: skip
    total, page = _ledger_page(
        {k: v for k, v in filters.items() if v}, decision, offset, limit, services.ledger
    )
    return {
        "total": total,
        "offset": offset,
        "limit": limit,
        "items": [
            {
                "seq": e.seq,
                "id": e.id,
                "kind": e.kind.value,
                "created_at": e.created_at,
                "actor": e.actor,
                "decision": e.decision,
                "reason_code": e.reason_code,
                "reason_text": str((e.payload or {}).get("decision", {}).get("reason_text", ""))
                if e.decision
                else "",
                "intent": e.intent,
                "suggestion_kind": e.suggestion_kind,
                "suggestion_id": e.suggestion_id,
                "conversation_id": e.conversation_id,
                "customer_ref": e.customer_ref,
                "rep_ref": e.rep_ref,
                "entry_hash": e.entry_hash,
            }
            for e in page
        ],
    }


def _ledger_page(
    filters: dict[str, Any], decision: str | None, offset: int, limit: int, ledger: Any
) -> tuple[int, list[Any]]:
    """(matching entries, the page newest first), counted and sliced in SQL: one page never loads the ledger. The
    filters are the ledger's own (copilot.ledger.query.filtered), plus the decision column."""
    from sqlalchemy import func, select

    from copilot.ledger.models import LedgerEntry
    from copilot.ledger.query import filtered
    from copilot.ledger.schema import entries

    def where(stmt: Any) -> Any:
        stmt = filtered(stmt, **filters)
        return stmt.where(entries.c.decision == decision) if decision else stmt

    engine = (
        ledger.engine
    )  # the SQL ledger (SQLite or PostgreSQL); LedgerStore is the only ledger the app builds
    with engine.connect() as conn:
        total = int(conn.execute(where(select(func.count()).select_from(entries))).scalar_one())
        rows = conn.execute(where(select(entries)).order_by(entries.c.seq.desc()).offset(offset).limit(limit))
        return total, [LedgerEntry.from_row(row) for row in rows]


class Gone(NotFound):
    """It existed and is no longer here (retention redacted its content): 410, not 404 or a client error."""

    http_status = 410


@router.get("/admin/chain/{suggestion_id}")
def evidence_chain(suggestion_id: str, actor: Auditor, services: ServicesDep) -> dict[str, Any]:
    """One suggestion's whole chain from the ledger: the masked input, the clauses, the computed facts with their
    inputs, the CRM fields with their query, the rules fired, the guardrail verdicts and the human's diff."""
    import difflib

    ledger: Any = services.ledger
    trail: list[Any] = list(
        ledger.find(suggestion=suggestion_id, tenant=services.settings.tenant)
    )  # another tenant's suggestion is not found: 404, as an id that never existed
    sug_entry = next((e for e in trail if e.kind.value == "suggestion"), None)
    if sug_entry is None:
        raise NotFound(f"no suggestion {suggestion_id} in the ledger", reason="unknown_suggestion")
    if sug_entry.payload is None:
        raise Gone("this entry was redacted (retention); only its hashes remain", reason="redacted")
    payload = sug_entry.payload
    sug: dict[str, Any] = payload.get("suggestion", {})
    evidence: list[dict[str, Any]] = sug.get("evidence", [])

    def of(*kinds: str) -> list[dict[str, Any]]:
        return [e for e in evidence if e.get("kind") in kinds]

    decisions = []
    for e in trail:
        if e.kind.value != "decision":
            continue
        d = (e.payload or {}).get("decision", {})
        before = ((sug.get("draft") or {}).get("text")) or ""
        after = d.get("final_text") or ""
        diff = (
            list(difflib.unified_diff(before.splitlines(), after.splitlines(), "draft", "sent", lineterm=""))
            if e.decision == "edit"
            else []
        )
        decisions.append(
            {
                "actor": e.actor,
                "at": e.created_at,
                "decision": e.decision,
                "reason_code": e.reason_code,
                "reason_text": d.get("reason_text", ""),
                "final_text": after,
                "diff": diff,
                "time_to_decision_ms": e.time_to_decision_ms,
            }  # fmt: skip
        )
    return {
        "suggestion_id": suggestion_id,
        "entry": {
            "seq": sug_entry.seq,
            "created_at": sug_entry.created_at,
            "entry_hash": sug_entry.entry_hash,
        },
        "input": payload.get("inputs", {}),
        "intent": sug.get("intent", {}),
        "answer": sug.get("answer"),
        "draft": sug.get("draft"),
        "actions": sug.get("actions", []),
        "clauses": of("policy_clause"),
        "computed_facts": of("computed_fact"),
        "crm_fields": of("customer_fact"),
        "signals": of("signal"),
        "rules": of("rule") or [a for a in sug.get("actions", []) if a.get("rule_id")],
        "verdicts": sug.get("verdicts", []),
        "decisions": decisions,
    }


@router.get("/admin/tenants")
def admin_tenants(actor: Auditor, services: ServicesDep, settings: SettingsDep) -> list[dict[str, Any]]:
    """The tenant packs beside the active one, and what the active one has imported: documents (by status, last
    ingest) against the policy files in its folder. A key issued for a tenant sees its own pack only: the packs beside
    it are other tenants' (their company, industry and folders are not its to read); a key that names no tenant (an
    operator's, development's) sees them all."""
    import yaml

    active = Path(settings.tenant_dir).resolve()
    roots = {active.parent, REPO_ROOT / "copilot" / "tenants"}
    out = []
    for root in sorted(roots):
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and (p / "intents.yaml").is_file()):
            if actor.tenant and folder.resolve() != active:
                continue
            profile: dict[str, Any] = {}
            problem = ""
            path = folder / "profile.yaml"
            if path.is_file():
                try:
                    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
                    if isinstance(loaded, dict):
                        profile = loaded
                    elif loaded is not None:
                        problem = f"expected a mapping of fields, found a {type(loaded).__name__}"
                except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                    problem = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
            policy_files = (
                [p for p in (folder / "policies").rglob("*") if p.is_file()]
                if (folder / "policies").is_dir()
                else []
            )
            row: dict[str, Any] = {
                "id": folder.name,
                "company": str(profile.get("company", "")),
                "industry": str(profile.get("industry", "")),
                "active": folder.resolve() == active,
                "policy_files": len(policy_files),
                "folder": str(folder),
            }
            if problem:  # shown, not skipped: the page says which file and why
                log.warning("tenant %s: %s is unreadable: %s", folder.name, path, problem)
                row["profile_error"] = {"file": str(path), "reason": problem}
            if row["active"]:
                docs: list[dict[str, Any]] = services.policy_store.list()  # type: ignore[attr-defined]
                statuses: dict[str, int] = {}
                for d in docs:
                    statuses[str(d["status"])] = statuses.get(str(d["status"]), 0) + 1
                row.update(
                    documents=len(docs),
                    statuses=statuses,
                    last_ingested_at=max((str(d.get("ingested_at") or "") for d in docs), default=""),
                    chunks=sum(int(d.get("chunks", 0)) for d in docs),
                )
            out.append(row)
    return out
