"""Extractive drafts: clause sentences lifted verbatim from evidence, each cited — the last-resort fallback when a
drafted text fails a check (the grounding guard, the rails) and no computed answer can be stated.

Nothing is paraphrased, so no number, date or price appears that the evidence lacks. The text carries no internal tag
(where it came from is `Draft.source`), no table markup (a focused row becomes "列：值" pairs), no repeated clause
heading, and never breaks a clause number ("3.1" stays "3.1")."""

from __future__ import annotations

from agents.drafting.common import citations_for, draft_evidence, numbered
from agents.drafting.template import address, clean_clause, doc_label
from agents.reasoning.crm import CrmRecord
from contract import clock
from contract.evidence import Evidence, EvidenceKind
from contract.suggestions import Action, Draft, DraftSource

PROMPT_VERSION = "extractive-v2"


def extractive_draft(
    evidence: list[Evidence],
    actions: list[Action],
    *,
    lang: str = "zh",
    source: DraftSource = DraftSource.EXTRACTIVE,
    polite: bool = False,
    focus: list[str] | None = None,
    said: str = "",
) -> Draft:
    chosen = [
        e
        for e in draft_evidence(evidence, actions, limit=2)
        if not (e.kind is EvidenceKind.POLICY_CLAUSE and e.source_ids.get("clause", "") in ("前言", ""))
    ]
    numbering = numbered(chosen)
    en = lang == "en"
    # the customer is still addressed by the CRM contact (the facts are in the evidence), in a sentence of its own so a
    # guard that drops a sentence never drops the greeting
    # the message as written picks among the CRM's contacts (its writer, not a colleague it speaks of)
    contacts = CrmRecord({}, evidence, today=clock.today()).contacts(said)
    who = address(contacts[0]) if contacts else ""
    if en:
        parts = [f"Hello {who}. " if who else "Hello. ", "Sorry for the trouble. " if polite else ""]
    else:
        parts = [f"{who}您好！" if who else "您好！", "非常抱歉给您带来不便。" if polite else ""]
    for m, ev in numbering:
        if ev.kind is EvidenceKind.POLICY_CLAUSE:
            body = clean_clause(ev.content, focus or []).rstrip("。.；;，,：: ")
            parts.append(
                f"Under {doc_label(ev)}: {body}[{m}]. " if en else f"按{doc_label(ev)}：{body}[{m}]。"
            )
        else:
            parts.append(f"{ev.content}[{m}]. " if en else f"{ev.content}[{m}]。")
    if any(ev.kind is EvidenceKind.POLICY_CLAUSE for ev in chosen):
        parts.append("The signed agreement prevails." if en else "具体以协议原文为准。")
    if not numbering:
        parts.append("I will check and get back to you." if en else "我确认后回复您。")
    text = "".join(parts).strip()
    return Draft(
        text=text,
        citations=citations_for(text, numbering),
        source=source,
        prompt_version=PROMPT_VERSION,
        lang=lang,
    )
