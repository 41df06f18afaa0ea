"""Tool results → COMPUTED_FACT evidence and the one-line `Answer` (contract.suggestions.Answer)."""

from __future__ import annotations

from agents.reasoning.results import CannotCompute, Computed, Result
from contract.evidence import Evidence, EvidenceKind
from contract.suggestions import Answer, AnswerStatus


def computed_evidence(c: Computed, customer_id: str) -> Evidence:
    src = c.source
    label = src.label()
    content = c.statement + (f"（{label}）" if label else "")
    if (
        c.statement_en
    ):  # the English wording is backed by the same evidence (the grounding check reads content)
        content += f"\n{c.statement_en}"
    source_ids = {
        k: v
        for k, v in {
            "tool": c.tool,
            "tool_id": c.name,
            "doc_id": src.doc_id,
            "version": src.version,
            "clause": src.clause,
            "row": src.row,
            "customer_id": customer_id,
        }.items()
        if v
    }
    return Evidence(
        id=Evidence.make_id(
            EvidenceKind.COMPUTED_FACT,
            c.tool,
            c.name,
            customer_id,
            src.doc_id,
            src.version,
            src.clause,
            src.row,
            c.subject,
            c.output,
        ),
        kind=EvidenceKind.COMPUTED_FACT,
        title=f"计算 · {c.name}",
        content=content,
        source_ids=source_ids,
        version=src.version,
        lineage={
            "inputs": [i.as_lineage() for i in c.inputs],
            "output": c.output,
            "unit": c.unit,
            "statement_en": c.statement_en,
            "say": (c.say + (f"（{label}）" if label else "")) if c.say else "",
            "say_en": c.say_en,
            "say_head": c.say_head,
            "say_head_en": c.say_head_en,
            "slots": list(c.slots),
            "needs_approval": c.needs_approval,
            "next_step": c.next_step,
            "clause_evidence_id": src.evidence_id,
            "cite_evidence_ids": [i.ref for i in c.inputs if i.kind == "evidence"] if c.cite_inputs else [],
            **({"scope_products": list(c.products)} if c.products is not None else {}),
        },
    )


def build_answer(results: list[Result], evidence: list[Evidence]) -> Answer | None:
    """The answer line: every computed statement with its citation; "can't compute" reasons when a tool failed.
    None when the intent has no tools (nothing to compute)."""
    if not results:
        return None
    computed = [
        (r, e) for r, e in zip([r for r in results if isinstance(r, Computed)], evidence, strict=True)
    ]
    failed = [r for r in results if isinstance(r, CannotCompute)]
    if computed:
        text = "；".join(e.content.split("\n")[0] for _, e in computed)
        ids = [e.id for _, e in computed]
        ids += [
            r.source.evidence_id
            for r, _ in computed
            if r.source.evidence_id and r.source.evidence_id not in ids
        ]
        return Answer(
            text=text, status=AnswerStatus.COMPUTED, evidence_ids=ids, cannot_compute=[f.text for f in failed]
        )
    clauses = [f.source.evidence_id for f in failed if f.source.evidence_id]
    label = next((f.source.label() for f in failed if f.source.label()), "")
    text = f"无法计算，请以{label}原文为准" if label else "无法计算，请以政策原文为准"
    return Answer(
        text=text,
        status=AnswerStatus.CLAUSE_ONLY,
        evidence_ids=list(dict.fromkeys(clauses)),
        cannot_compute=[f.text for f in failed],
    )
