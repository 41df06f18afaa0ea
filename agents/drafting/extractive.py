"""Extractive drafts: sentences lifted verbatim from evidence, each cited, clearly labelled 【摘录草稿】.

Used for --no-llm (DraftSource.EXTRACTIVE) and as the fallback when the LLM times out or returns garbage
(DraftSource.FALLBACK). Nothing is paraphrased, so no number, date or price can appear that the evidence lacks."""

from __future__ import annotations

import re

from agents.drafting.common import (
    EXTRACTIVE_LABEL,
    EXTRACTIVE_LABEL_EN,
    citations_for,
    draft_evidence,
    label,
    numbered,
)
from contract.evidence import Evidence, EvidenceKind
from contract.suggestions import Action, Draft, DraftSource

PROMPT_VERSION = "extractive-v1"


def _excerpt(text: str, focus: list[str], limit: int = 120) -> str:
    """The sentences (or table rows) that mention what the customer asked about (e.g. E-203), else the opening ones;
    verbatim, cut at a sentence or line boundary."""
    parts = [p.strip() for p in re.split(r"(?<=[。！？；.!?])|\n", text) if p.strip()]
    if not parts:
        return text[:limit]
    hits = [p for p in parts if any(f and f in p for f in focus)]
    chosen = hits or parts
    out = ""
    for p in chosen:
        if out and len(out) + len(p) > limit:
            break
        out += ("" if not out or out.endswith(("。", "；", "！", "？")) else " ") + p
    return out[: limit * 2]


def extractive_draft(
    evidence: list[Evidence],
    actions: list[Action],
    *,
    lang: str = "zh",
    source: DraftSource = DraftSource.EXTRACTIVE,
    polite: bool = False,
    focus: list[str] | None = None,
) -> Draft:
    chosen = draft_evidence(evidence, actions, limit=2)
    push_ids = {eid for a in actions if a.name == "push_campaign" for eid in a.evidence_ids}
    pushed = [e for e in chosen if e.id in push_ids and e.kind is EvidenceKind.POLICY_CLAUSE]
    primary = [e for e in chosen if e not in pushed]
    numbering = numbered(primary + pushed)
    marker = {ev.id: m for m, ev in numbering}
    en = lang == "en"
    if en:
        lines = [EXTRACTIVE_LABEL_EN + ("Sorry for the trouble. " if polite else "") + "From our records:"]
    else:
        lines = [f"{EXTRACTIVE_LABEL}{'非常抱歉给您带来不便。' if polite else '您好，'}相关依据如下："]
    for ev in primary:
        sep = ": " if en else "："
        lines.append(
            f"{'-' if en else '·'} {label(ev)}{sep}{_excerpt(ev.content, focus or [])} [{marker[ev.id]}]"
        )
    for ev in pushed:
        m = marker[ev.id]
        if en:
            lines.append(f"We can also send you {label(ev)}: {_excerpt(ev.content, focus or [])} [{m}]")
        else:
            lines.append(
                f"另外，{label(ev)}或许也适合贵司：{_excerpt(ev.content, focus or [])} [{m}] 需要的话我一并发您。"
            )
    if any(ev.kind is EvidenceKind.POLICY_CLAUSE for ev in chosen):
        lines.append(
            "Please refer to the original agreement for the binding terms." if en else "具体以协议原文为准。"
        )
    if not numbering:
        lines.append(
            "(no evidence found — a colleague will follow up)" if en else "暂未找到相关依据，我确认后回复您。"
        )
    text = "\n".join(lines)
    return Draft(
        text=text,
        citations=citations_for(text, numbering),
        source=source,
        prompt_version=PROMPT_VERSION,
        lang=lang,
    )
