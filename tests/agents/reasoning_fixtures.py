"""Scaffolding the reasoning table tests share (review duplicates, session 11): a real policy store over made-up policy
documents, a made-up equipment tenant's CRM record, and one call of a tool on a message."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from agents.reasoning.config import ToolSpec
from agents.reasoning.crm import CrmRecord
from agents.reasoning.tools import ToolContext, run_tool
from knowledge.embeddings import CachedEmbedder, Usem3Embedder
from knowledge.policy import PolicyStore


def policy_store(d: Path, *texts: str) -> PolicyStore:
    """A policy store in `d` holding these policy documents (markdown with front matter)."""
    s = PolicyStore(d / "chroma", CachedEmbedder(Usem3Embedder(), d / "emb.sqlite"), d / "catalog.sqlite")
    for text in texts:
        s.add_text(text, {})
    return s


def devices_crm(devices: list[dict[str, Any]], today: date, customer_id: str = "C1") -> CrmRecord:
    """The made-up equipment tenant's customer record: their installed devices."""
    return CrmRecord({"customer_id": customer_id, "devices": devices}, [], today=today)


def run_on(
    spec: ToolSpec, store: PolicyStore, crm: CrmRecord, text: str, today: date, **ctx: Any
) -> list[Any]:
    """One tool run on a message, as the reason step runs it (no entities)."""
    return run_tool(spec, ToolContext(store.facts(), crm, {}, text, today, **ctx))


# the made-up equipment tenant's warranty term (whole unit 24 months from installation, to the day before)
WARRANTY_TERM = """---
doc_id: wty
title: 设备质量保证政策V1.0
version: "1.0"
effective_date: 2020-01-01
---
# 设备质量保证政策V1.0

第二条 整机保修24个月，自安装日起算，至满约定月数之日的前一日止。
"""


def device(installed: str, i: int = 1, evidence: str = "customer_fact:d", **fields: Any) -> dict[str, Any]:
    """One installed device of the made-up equipment tenant (an analyser), its CRM fields."""
    return {
        "id": f"SN-{i}",
        "name": "分析仪",
        "installed_at": installed,
        **fields,
        "evidence_ids": [evidence],
    }
