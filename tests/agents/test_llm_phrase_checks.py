"""phrase(): the masking that keeps numbers out of the model's hands, and the checks that reject a phrased draft.
Pure functions on strings (no model); the real-model runs are in test_agent_local_llm.py."""

from __future__ import annotations

import pytest

from agents.drafting.llm_draft import (
    Unmasker,
    mask_template,
    phrase,
    phrase_messages,
    phrase_problem,
    restore_markers,
    unmask,
)
from agents.drafting.plan import DraftPlan, Slot, TenantVoice
from agents.llm.langchain_chat import LangChainChat
from contract.suggestions import Citation, DraftSource

TEMPLATE = (
    "王主任您好，您上季度关节耗材采购 86 万元，适用返点 2.5%[1]（《骨科耗材返点协议V3.2》第四条）。"
    "下一步：我把脊柱试用方案发您，2027-03-14 前有效，共三个月[2]。\n—— 小张"
)
PLAN = DraftPlan(
    lang="zh",
    addressee="王主任",
    voice=TenantVoice(company="某某公司", persona="销售代表", tone="礼貌、简洁", sign_off="—— 小张"),
    answer="",
    next_step="",
    template_text=TEMPLATE,
    slots=(Slot("86 万元", "ev_amount", "1"), Slot("2.5%", "ev_rate", "1")),
    citations=(Citation(marker="1", evidence_id="ev_clause"), Citation(marker="2", evidence_id="ev_plan")),
    customer_text_masked="王工，C形臂又出这个提示了，返点协议能再发一遍吗",
)
GOOD = (
    "王主任，您好！您上季度关节耗材采购{A}，可享返点{B}[1]（{C}）。"
    "我会把脊柱试用方案发给您，{D}前有效，为期{E}[2]。\n—— 小张"
)


def test_every_number_title_and_clause_is_locked_in_reading_order():
    masked = mask_template(PLAN)
    assert masked.values == {
        "A": "86 万元",
        "B": "2.5%",
        "C": "《骨科耗材返点协议V3.2》第四条",
        "D": "2027-03-14",
        "E": "三个月",
    }
    assert not any(ch.isdigit() for ch in masked.text.replace("[1]", "").replace("[2]", ""))
    assert unmask(masked.text, masked.values) == TEMPLATE


def test_clause_numbers_with_dots_stay_whole():
    plan = DraftPlan(
        lang="zh",
        addressee="刘经理",
        voice=TenantVoice(),
        answer="",
        next_step="",
        template_text="刘经理您好，质保还剩 178 天[1]（《整车质保政策》第3.1条），按第五条执行。",
        slots=(Slot("178 天", "e1", "1"),),
    )
    assert set(mask_template(plan).values.values()) == {"178 天", "《整车质保政策》第3.1条", "第五条"}


def test_a_faithful_rephrasing_passes():
    assert phrase_problem(PLAN, mask_template(PLAN), GOOD) == ""


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        (GOOD.replace("{B}", "3%"), "missing_slot"),  # wrong arithmetic / a changed computed fact
        (GOOD.replace("{D}前有效，", ""), "missing_locked_fact"),
        (GOOD.replace("[2]", "[3]"), "unknown_citation"),
        (GOOD.replace("我会把", "已经为您提交了申请，我会把"), "approval_claim"),
        (GOOD.replace("我会把", "另外可以给您打九折，我会把"), "invented_number"),
        (GOOD.replace("为期{E}", "为期{E}，3.5万"), "invented_number"),
        (GOOD.replace("我会把", "我们免费帮您安装，我会把"), "new_promise"),
        (GOOD.replace("王主任，", "尊敬的主管，"), "wrong_addressee"),
        ("请发送最新的返点协议，谢谢。" + GOOD, "as_customer"),
        (GOOD + "王工，C形臂又出这个提示了", "parrots_customer"),
        (GOOD.replace("我会把", "| 产品线 | 适用型号 |\n我会把"), "markup"),
        ("OK", "empty"),
        (GOOD.replace("{A}", "{Z}"), "unknown_placeholder"),
    ],
)
def test_what_the_issue_lists_is_rejected(output, reason):
    assert phrase_problem(PLAN, mask_template(PLAN), output) == reason


def test_a_cut_off_answer_is_rejected():
    assert phrase_problem(PLAN, mask_template(PLAN), GOOD, finish_reason="length") == "truncated"


def test_a_dropped_marker_is_put_back_after_the_matching_sentence():
    template = mask_template(PLAN).text
    out, notes = restore_markers(GOOD.replace("[2]", ""), template)
    assert out == GOOD and notes == ["marker_restored:2"]
    unrelated, notes = restore_markers("王主任您好。谢谢。", template)
    assert notes == [] and unrelated == "王主任您好。谢谢。"


def test_streamed_pieces_arrive_with_values_filled_in_and_the_label_dropped():
    masked = mask_template(PLAN)
    seen: list[str] = []
    unmasker = Unmasker(masked.values, seen.append)
    for piece in ["【改", "写】王主任", "，采购{", "A", "}，返点{B", "}[1]"]:
        unmasker.feed(piece)
    unmasker.finish()
    assert "".join(seen) == "王主任，采购86 万元，返点2.5%[1]"
    assert not any("{" in s or "【" in s for s in seen)


def test_the_prompt_prefix_is_the_same_for_every_message_of_a_tenant_and_names_no_industry():
    other = DraftPlan(
        lang="zh",
        addressee="李经理",
        voice=PLAN.voice,
        answer="",
        next_step="",
        template_text="李经理您好，订单已按计划处理[1]。",
    )
    first = phrase_messages(PLAN, mask_template(PLAN))
    second = phrase_messages(other, mask_template(other))
    assert first[0] == second[0] and first[1] != second[1]
    assert "某某公司" in first[0]["content"] and "医疗" not in first[0]["content"]
    assert "C形臂" not in first[1]["content"]  # the customer's words are never shown to the model


def test_phrase_through_a_model_without_native_streaming():
    """langchain's scripted chat model streams character by character: the draft keeps slots and citations."""
    llm = LangChainChat("langchain_core.language_models.fake_chat_models.FakeListChatModel", responses=[GOOD])
    pieces: list[str] = []
    draft = phrase(PLAN, llm, pieces.append, timeout_s=10)
    assert draft is not None and draft.source is DraftSource.LLM
    assert "86 万元" in draft.text and "2.5%" in draft.text and "《骨科耗材返点协议V3.2》第四条" in draft.text
    assert {c.marker for c in draft.citations} == {"1", "2"}
    assert "".join(pieces) == draft.text


def test_phrase_returns_none_when_a_slot_is_changed():
    llm = LangChainChat(
        "langchain_core.language_models.fake_chat_models.FakeListChatModel",
        responses=[GOOD.replace("{B}", "3.5%")],
    )
    assert phrase(PLAN, llm, None, timeout_s=10) is None


def test_warming_the_prefix_sends_the_same_system_prompt_phrase_will_send():
    from agents.drafting.llm_draft import warm_phrase_prefix

    sent: list[list[dict[str, str]]] = []
    llm = LangChainChat("langchain_core.language_models.fake_chat_models.FakeListChatModel", responses=["好"])
    original = llm.stream

    def recording(messages, **kw):
        sent.append(messages)
        return original(messages, **kw)

    llm.stream = recording  # type: ignore[method-assign]
    assert warm_phrase_prefix(llm, PLAN.voice) >= 0
    assert sent[0][0] == phrase_messages(PLAN, mask_template(PLAN))[0]


def test_a_doomed_stream_is_stopped_at_the_first_bad_piece():
    from agents.drafting.llm_draft import PhraseOutcome, early_problem

    masked = mask_template(PLAN)
    assert early_problem(PLAN, masked, "王主任，您好！您上季度采购{") == ""  # placeholder still being written
    assert early_problem(PLAN, masked, "王主任，您好！返点{B}[") == ""  # marker still being written
    assert early_problem(PLAN, masked, "王主任，已经为您提交了申请") == "approval_claim"
    bad = "王主任，已经为您提交了申请。" + GOOD
    llm = LangChainChat("langchain_core.language_models.fake_chat_models.FakeListChatModel", responses=[bad])
    pieces: list[str] = []
    outcome = PhraseOutcome()
    assert phrase(PLAN, llm, pieces.append, timeout_s=10, outcome=outcome) is None
    assert outcome.reason == "approval_claim" and "stopped_early" in outcome.notes
    assert len("".join(pieces)) < len("王主任，已经为您提交了申请。")  # nothing after the claim was read


def test_swapped_facts_are_rejected_even_when_every_value_is_there():
    from agents.drafting.llm_draft import early_problem

    masked = mask_template(PLAN)
    swapped = GOOD.replace("{A}", "{X}").replace("{B}", "{A}").replace("{X}", "{B}")
    assert phrase_problem(PLAN, masked, swapped) == "reordered_facts"
    assert early_problem(PLAN, masked, "王主任，您好！您上季度关节耗材采购{B}，返点{A}") == "reordered_facts"
