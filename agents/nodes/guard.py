"""guard_input (mask PII, flag injection) and guard_output (grounding check, policy rails). Every verdict is evidence.

Injection never changes actions or authority: sentences the detector flags are removed from what understanding reads,
and a flag turns autopilot off. Authority always comes from the action catalog."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from langgraph.runtime import Runtime

from agents.context import RunContext, state_evidence
from agents.drafting.common import focus_terms
from agents.drafting.extractive import extractive_draft
from agents.perception.masking import TOKEN_RE, mask_text
from agents.state import CopilotState
from agents.timing import timed
from contract.evidence import Evidence, EvidenceKind
from contract.suggestions import CITATION_MARKER, Action, Draft, DraftSource, GuardVerdict, VerdictOutcome

# A sentence ends at its stop; a bracketed aside (【…】, or a [ … ] longer than a WeChat code such as [OK]) is a
# sentence of its own wherever it stands: an instruction wrapped in brackets does not take the customer's own question
# before or after it down with it when the detector flags it.
SENTENCE = re.compile(
    r"【[^【】\n]*】?|\[[^\[\]\n]{9,}\]|(?:[^。！？!?\n；;【】\[]|\[(?![^\[\]\n]{9,}\]))+[。！？!?\n；;】]?"
)


def verdict_evidence(v: GuardVerdict, scope: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The verdict and its evidence record (ids link both ways)."""
    ev = Evidence(
        id=Evidence.make_id(EvidenceKind.GUARDRAIL_VERDICT, scope, v.guard, v.outcome.value, *v.reasons),
        kind=EvidenceKind.GUARDRAIL_VERDICT,
        title=f"{v.guard}: {v.outcome.value}",
        content="; ".join(v.reasons) or v.outcome.value,
        source_ids={"guard": v.guard},
    )
    return v.model_copy(update={"evidence_id": ev.id}).model_dump(mode="json"), ev.model_dump(mode="json")


def unflagged_text(text: str, detector: Any) -> str:
    """The message without the sentences the injection detector flags (what understanding reads of a flagged
    message)."""
    kept = [s for s in SENTENCE.findall(text) if s.strip()]
    return "".join(
        s for s in kept if detector.check(s, source="customer").outcome is VerdictOutcome.ALLOW
    ).strip()


@timed("guard_input")
def guard_input(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """perceive already masked everything with the conversation's vault key; masking again here is the second line
    (a no-op on tokens) and the verdict counts the tokens the turn's texts now carry."""
    deps = runtime.context.deps
    scope = state["message"]["message_id"]
    key = f"{state['message'].get('tenant', '')}:{state['message']['conversation_id']}"
    masked = mask_text(deps.pii, state.get("text", ""), key)
    untrusted = [(src, text) for src, text in state.get("untrusted", [])]
    tokens = {
        m.group(0): m.group(1)
        for t in [masked.text, *(t for _, t in untrusted)]
        for m in TOKEN_RE.finditer(t)
    }
    entities = Counter(tokens.values())
    pii = GuardVerdict(
        guard="pii",
        outcome=VerdictOutcome.WARN if entities else VerdictOutcome.ALLOW,
        reasons=sorted(entities),
        details={"masked": sum(entities.values()), "vault_key": key if entities else ""},
    )
    verdicts, evidence, flags = [], [], []
    if entities:
        flags.append("pii_masked")
    injection = [deps.injection.check(text, source=src) for src, text in untrusted if text.strip()]
    flagged = [v for v in injection if v.outcome is not VerdictOutcome.ALLOW]
    clean = masked.text
    if flagged:
        flags.append("injection_suspected")
        # keep only the sentences the detector does not flag: an instruction hidden in a message cannot steer intent
        clean = unflagged_text(masked.text, deps.injection)
    for v in [pii, *(flagged or injection[:1])]:
        vd, ed = verdict_evidence(v, scope)
        verdicts.append(vd)
        evidence.append(ed)
    return {
        "masked_text": masked.text,
        "clean_text": clean,
        "verdicts": verdicts,
        "evidence": evidence,
        "flags": flags,
    }


def _consistent(draft: Draft) -> Draft:
    """After a guard edits the text, keep only citations whose markers remain and drop markers without a citation."""
    cited = {c.marker for c in draft.citations}
    text = CITATION_MARKER.sub(lambda m: m.group(0) if m.group(1) in cited else "", draft.text)
    left = set(CITATION_MARKER.findall(text))
    return draft.model_copy(
        update={"text": text, "citations": [c for c in draft.citations if c.marker in left]}
    )


@timed("guard_output")
def guard_output(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    deps, actor = runtime.context.deps, runtime.context.actor
    scope = state["message"]["message_id"]
    evidence = state_evidence(runtime.context, state.get("evidence", []))
    actions = [Action.model_validate(a) for a in state.get("actions", [])]
    draft = Draft.model_validate(state["draft"]) if state.get("draft") else None
    verdicts, new_evidence, flags = [], [], []
    if draft is not None:
        checked, gv = deps.grounding.check(draft, evidence)
        if (
            gv.outcome is VerdictOutcome.BLOCK
        ):  # the draft claims what evidence does not hold: lift sentences instead
            flags.append("grounding_blocked")
            lang = draft.lang
            focus = focus_terms((state.get("intent") or {}).get("entities", {}))
            checked = extractive_draft(evidence, actions, lang=lang, source=DraftSource.FALLBACK, focus=focus)
        draft = _consistent(checked)
        vd, ed = verdict_evidence(gv, scope)
        verdicts.append(vd)
        new_evidence.append(ed)
    rv = deps.rails.check(draft, actions, actor, evidence=evidence)  # cited CRM facts may confirm a date
    if rv.outcome is VerdictOutcome.BLOCK and draft is not None:
        # the rails quote what they object to (「…」); when it came from a quoted clause, draft again without it
        redrafted = _without_quoted(rv, draft, evidence, actions, state)
        if redrafted is not None:
            rv2 = deps.rails.check(redrafted, actions, actor, evidence=evidence)
            if rv2.outcome is not VerdictOutcome.BLOCK:
                flags.append("rails_redrafted")
                draft, rv = redrafted, rv2
    vd, ed = verdict_evidence(rv, scope)
    verdicts.append(vd)
    new_evidence.append(ed)
    if rv.outcome is VerdictOutcome.BLOCK:
        flags.append("rails_blocked")
    return {
        "draft": draft.model_dump(mode="json") if draft else None,
        "verdicts": verdicts,
        "evidence": new_evidence,
        "flags": flags,
    }


QUOTED = re.compile(r"「([^」]{2,80})」")


def _without_quoted(
    verdict: GuardVerdict, draft: Draft, evidence: list[Evidence], actions: list[Action], state: CopilotState
) -> Draft | None:
    """An extractive draft without the clauses containing the text the rails objected to; None when nothing to drop."""
    quotes = [q for reason in verdict.reasons for q in QUOTED.findall(reason)]
    cited = {c.evidence_id for c in draft.citations}

    def squash(t: str) -> str:
        return re.sub(r"\s+", "", t)

    drop = {e.id for e in evidence if e.id in cited and any(squash(q) in squash(e.content) for q in quotes)}
    if not drop:
        return None
    kept = [e for e in evidence if e.id not in drop]
    focus = focus_terms((state.get("intent") or {}).get("entities", {}))
    source = draft.source if draft.source is not DraftSource.LLM else DraftSource.FALLBACK
    return _consistent(extractive_draft(kept, actions, lang=draft.lang, source=source, focus=focus))
