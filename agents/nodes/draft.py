"""draft: a reply in the customer's language and tone citing evidence [n]; the LLM when configured, else extractive.
An abstain gets no draft (no guess)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agents.context import RunContext
from agents.drafting.common import detect_lang, focus_terms
from agents.drafting.extractive import extractive_draft
from agents.drafting.llm_draft import llm_draft
from agents.state import CopilotState
from agents.timing import timed
from contract.evidence import Evidence
from contract.suggestions import Action, DraftSource, Intent


def tone_for(intent: Intent) -> str:
    if intent.sentiment <= -0.3:
        return "apologetic 诚恳致歉、安抚"
    if intent.urgency >= 0.5:
        return "urgent 简短、先给出处理方式"
    return "formal 礼貌、专业，称呼“您”"


@timed("draft")
def draft(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    deps = runtime.context.deps
    intent = Intent.model_validate(state["intent"])
    if intent.abstained:
        return {"draft": None}
    evidence = [Evidence.model_validate(e) for e in state.get("evidence", [])]
    actions = [Action.model_validate(a) for a in state.get("actions", [])]
    lang = detect_lang(state.get("masked_text", ""), state["message"].get("lang", "zh"))
    tone = tone_for(intent)
    focus = focus_terms(intent.entities)
    flags: list[str] = []
    if deps.settings.use_llm and deps.llm is not None:
        result, flags = llm_draft(
            deps.llm,
            state.get("clean_text", ""),
            evidence,
            actions,
            lang=lang,
            tone=tone,
            timeout_s=deps.settings.llm_timeout_s,
            max_tokens=deps.settings.max_draft_tokens,
            focus=focus,
        )
    else:
        polite = "apolog" in tone
        result = extractive_draft(
            evidence, actions, lang=lang, source=DraftSource.EXTRACTIVE, polite=polite, focus=focus
        )
    return {"draft": result.model_dump(mode="json"), "flags": flags}
