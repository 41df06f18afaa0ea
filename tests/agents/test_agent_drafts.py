"""Drafts: citations map to evidence; the LLM only re-phrases the template, and its garbage, timeout or a changed slot
falls back to the template text (source FALLBACK, reason in flags)."""

from __future__ import annotations

from agents import Copilot, ModeSettings
from agents.drafting.common import detect_lang
from agents.drafting.llm_draft import garbage_reason
from contract.errors import BackendUnavailable
from contract.suggestions import DraftSource
from tests.agents.agent_helpers import msg
from tests.agents.agent_ports import ScriptedLlm


def llm_deps(make_deps, replies):
    llm = ScriptedLlm(replies)
    return make_deps(llm=llm, settings=ModeSettings(use_llm=True)), llm


class RephrasingLlm(ScriptedLlm):
    """Re-phrases like a well-behaved model: returns the masked draft it was given, changed by `edit`."""

    def __init__(self, edit=lambda t: t) -> None:
        super().__init__([])
        self.edit = edit

    def complete(self, messages, *, max_tokens=256, temperature=0.2, timeout_s=30.0):
        from contract.ports import ChatResult

        self.calls.append(messages)
        user = messages[-1]["content"]
        draft = user.split("【草稿】", 1)[1].split("\n【改写】", 1)[0] if "【草稿】" in user else user
        return ChatResult(text=self.edit(draft), model=self.name)


def test_llm_phrasing_that_keeps_every_slot_and_marker_is_sent(make_deps, zhang):
    llm = RephrasingLlm()
    deps = make_deps(llm=llm, settings=ModeSettings(use_llm=True))
    s = Copilot(deps).handle(msg("返点政策是怎么规定的"), zhang)
    assert s.draft.source is DraftSource.LLM and s.draft.model == "scripted"
    assert s.draft.citations and all(c.evidence_id in s.evidence_by_id() for c in s.draft.citations)
    assert "返点" in llm.calls[0][-1]["content"]


def test_llm_garbage_falls_back_to_extractive_and_is_recorded(make_deps, zhang):
    deps, _ = llm_deps(make_deps, ["as an AI I cannot"])
    s = Copilot(deps).handle(msg("返点政策是怎么规定的"), zhang)
    # the template text is sent instead; where it came from is metadata, never a tag in the text
    assert s.draft.source is DraftSource.FALLBACK and "【摘录草稿】" not in s.draft.text
    assert "llm_fallback:wrong_language" in s.flags
    assert deps.ledger.suggestions[s.id].draft.source is DraftSource.FALLBACK


def test_llm_timeout_falls_back_and_is_recorded(make_deps, zhang):
    deps, _ = llm_deps(make_deps, [BackendUnavailable("timed out", reason="llm_timeout")])
    s = Copilot(deps).handle(msg("返点政策是怎么规定的"), zhang)
    assert s.draft.source is DraftSource.FALLBACK and "llm_fallback:llm_timeout" in s.flags


def test_llm_inventing_a_number_falls_back_to_the_template(make_deps, zhang):
    deps = make_deps(llm=RephrasingLlm(lambda t: t + "返点比例为12%。"), settings=ModeSettings(use_llm=True))
    s = Copilot(deps).handle(msg("返点政策是怎么规定的"), zhang)
    assert "12%" not in s.draft.text and s.draft.source is DraftSource.FALLBACK
    assert any(f.startswith("llm_fallback:") for f in s.flags)


def test_no_llm_gives_a_template_draft_and_english_for_english(make_deps, zhang):
    s = Copilot(make_deps()).handle(msg("What is the return process?", customer="C1001"), zhang)
    assert s.draft.source is DraftSource.TEMPLATE and s.draft.lang == "en"
    assert s.draft.text.startswith("Hello") and "[Extractive draft]" not in s.draft.text
    assert all(m in {c.marker for c in s.draft.citations} for m in s.draft.markers())


def test_garbage_rules_and_language_detection():
    numbering = [("1", None), ("2", None)]
    assert garbage_reason("", numbering, "zh") == "empty"
    assert garbage_reason("好的，详见[3]。", numbering, "zh") == "unknown_citation"
    assert garbage_reason("好的，没有引用。", numbering, "zh") == "no_citation"
    assert (
        garbage_reason(
            "好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的[1]",
            numbering,
            "zh",
        )
        == "repetition"
    )
    assert garbage_reason("按协议执行[1]。", numbering, "zh") == ""
    assert detect_lang("Can you send the invoice?") == "en" and detect_lang("发票") == "zh"


def test_llm_answer_unrelated_to_the_plan_falls_back_to_the_template(make_deps, zhang):
    deps, _ = llm_deps(make_deps, ["您好，我们下周请您吃饭。"])
    s = Copilot(deps).handle(msg("返点政策是怎么规定的"), zhang)
    assert s.draft.source is DraftSource.FALLBACK and any(f.startswith("llm_fallback:") for f in s.flags)
    assert "吃饭" not in s.draft.text


class QuoteBlockingRails:
    """Blocks any draft that states a return window, quoting it like the real rails do."""

    def check(self, draft, actions, actor, *, evidence=None):
        from contract.suggestions import GuardVerdict, VerdictOutcome

        if draft is not None and "15日内" in draft.text:
            return GuardVerdict(
                guard="policy_rails",
                outcome=VerdictOutcome.BLOCK,
                reasons=["promise: 「15日内可申请退换货」"],
            )
        return GuardVerdict(guard="policy_rails", outcome=VerdictOutcome.ALLOW)


def test_a_draft_the_rails_block_for_a_quoted_clause_is_drafted_again_without_it(make_deps, zhang):
    from contract.suggestions import SuggestionKind

    s = Copilot(make_deps(rails=QuoteBlockingRails())).handle(msg("退货流程是怎样的"), zhang)
    assert "rails_redrafted" in s.flags and s.kind is SuggestionKind.SUGGESTION
    assert "15日内" not in s.draft.text
    assert all(
        s.evidence_by_id()[c.evidence_id].source_ids.get("doc_id") != "returns-policy"
        for c in s.draft.citations
    )
