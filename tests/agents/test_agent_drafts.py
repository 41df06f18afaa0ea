"""Drafts: citations map to evidence; the LLM's garbage or timeout falls back to the extractive draft, recorded."""

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


def test_llm_draft_with_known_markers_is_kept_and_cited(make_deps, zhang):
    deps, llm = llm_deps(make_deps, ["您好，返点按《骨科耗材返点协议V3.2》执行，详见条款[1]。"])
    s = Copilot(deps).handle(msg("返点政策是怎么规定的"), zhang)
    assert s.draft.source is DraftSource.LLM and s.draft.model == "scripted"
    assert [c.marker for c in s.draft.citations] == ["1"]
    assert s.evidence_by_id()[s.draft.citations[0].evidence_id].source_ids["doc_id"] == "rebate-ortho"
    prompt = llm.calls[0][1]["content"]
    assert "[1]" in prompt and "返点" in prompt


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


def test_llm_inventing_a_number_is_caught_by_grounding(make_deps, zhang):
    deps, _ = llm_deps(make_deps, ["您好，返点比例为12%[1]。"])
    s = Copilot(deps).handle(msg("返点政策是怎么规定的"), zhang)
    assert "grounding_blocked" in s.flags
    assert "12%" not in s.draft.text and s.draft.source is DraftSource.FALLBACK


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


def test_llm_answer_from_evidence_without_markers_gets_them_attached(make_deps, zhang):
    deps, _ = llm_deps(make_deps, ["您好，代理商季度回款达到100万元的，按回款额的3%返点。"])
    s = Copilot(deps).handle(msg("返点政策是怎么规定的"), zhang)
    assert s.draft.source is DraftSource.LLM and "citations_attached" in s.flags
    assert s.draft.markers() == ["1"] and "grounding_blocked" not in s.flags


def test_llm_answer_unrelated_to_evidence_still_falls_back(make_deps, zhang):
    deps, _ = llm_deps(make_deps, ["您好，我们下周请您吃饭。"])
    s = Copilot(deps).handle(msg("返点政策是怎么规定的"), zhang)
    assert s.draft.source is DraftSource.FALLBACK and "llm_fallback:no_citation" in s.flags


class QuoteBlockingRails:
    """Blocks any draft that states a return window, quoting it like the real rails do."""

    def check(self, draft, actions, actor):
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
