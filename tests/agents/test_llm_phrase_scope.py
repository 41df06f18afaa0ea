"""phrase() spends the model's tokens only where wording helps: the greeting and the answer are re-worded, the tenant's
own lines after the answer (disclaimer, next step, offer details, sign-off) follow verbatim; a draft whose part to
phrase cites nothing (a holding reply, a thank-you) is the template by design and the model is not called; the
budget is tight and a stop sequence ends the reply. A scripted chat model (no stream: phrase reads it as one piece)."""

from __future__ import annotations

from agents.drafting.llm_draft import PhraseOutcome, phrase, phrase_scope, template_by_design
from agents.drafting.plan import DraftPlan, Slot, TenantVoice
from contract.ports import ChatResult
from contract.suggestions import Citation, DraftSource

VOICE = TenantVoice(company="某某公司", persona="销售代表", tone="礼貌、简洁", sign_off="有问题随时找我。")
ANSWER = "您上季度A类产品采购 86 万元，适用返点 2.5%（《返点协议V3.2》第四条）[1]。"
TAIL = "具体以协议原文为准。需要的话我把协议原文发您。另外，《新品试用方案》正在进行：首单九折[2]。有问题随时找我。"
PLAN = DraftPlan(
    lang="zh",
    addressee="王主任",
    voice=VOICE,
    answer=ANSWER,
    next_step="需要的话我把协议原文发您。另外，《新品试用方案》正在进行：首单九折[2]。",
    template_text="王主任您好，" + ANSWER + TAIL,
    slots=(Slot("86 万元", "ev_amount", "1"), Slot("2.5%", "ev_rate", "1")),
    citations=(Citation(marker="1", evidence_id="ev_clause"), Citation(marker="2", evidence_id="ev_plan")),
    customer_text_masked="返点怎么算的",
)


class Recording:
    """A chat model that answers from a script and records what it was asked (messages, max_tokens)."""

    name = "recording"

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.calls: list[dict[str, object]] = []

    def complete(self, messages, *, max_tokens=256, temperature=0.2, timeout_s=30.0) -> ChatResult:
        self.calls.append({"messages": messages, "max_tokens": max_tokens})
        return ChatResult(text=self.reply, model=self.name, finish_reason="stop")


def test_the_scope_is_the_greeting_and_the_answer_and_the_rest_follows_verbatim():
    scope = phrase_scope(PLAN)
    assert scope.plan.template_text == "王主任您好，" + ANSWER and scope.tail == TAIL
    whole = DraftPlan(**{**PLAN.__dict__, "answer": ""})  # nothing marked as the answer: phrased whole
    assert phrase_scope(whole).plan.template_text == PLAN.template_text and phrase_scope(whole).tail == ""


def test_the_model_sees_only_the_greeting_and_answer_and_its_wording_is_followed_by_the_tenant_lines():
    model = Recording("王主任，您好！您上季度A类产品采购{A}，可享返点{B}（{C}）[1]。")
    outcome = PhraseOutcome()
    draft = phrase(PLAN, model, None, timeout_s=10, outcome=outcome, max_tokens=220)
    assert draft is not None and draft.source is DraftSource.LLM, outcome.reason
    assert (
        draft.text
        == "王主任，您好！您上季度A类产品采购86 万元，可享返点2.5%（《返点协议V3.2》第四条）[1]。" + TAIL
    )
    user = model.calls[0]["messages"][-1]["content"]  # type: ignore[index]
    assert "正在进行" not in user and "有问题随时找我" not in user and "{A}" in user
    assert {c.marker for c in draft.citations} == {"1", "2"}  # the tail's citation stays cited
    assert draft.text.count("有问题随时找我。") == 1


def test_the_budget_is_sized_to_the_part_to_phrase_and_a_smaller_cap_wins():
    model = Recording("王主任，您好！您上季度A类产品采购{A}，可享返点{B}（{C}）[1]。")
    phrase(PLAN, model, None, timeout_s=10, max_tokens=500)
    sized = model.calls[0]["max_tokens"]
    assert isinstance(sized, int) and 48 <= sized < 120  # ~1.3 tokens a character of the masked head, not 500
    phrase(PLAN, model, None, timeout_s=10, max_tokens=40)
    assert model.calls[1]["max_tokens"] == 40


def test_a_reply_that_cites_nothing_is_the_template_by_design_and_the_model_is_not_called():
    holding = DraftPlan(
        lang="zh",
        addressee="马经理",
        voice=VOICE,
        answer="关于AB-100，我确认最新情况后尽快回复您。",
        next_step="我整理一份报价发您。",
        template_text="马经理您好，关于AB-100，我确认最新情况后尽快回复您。我整理一份报价发您。有问题随时找我。",
    )
    model = Recording("不该被调用")
    outcome = PhraseOutcome()
    draft = phrase(holding, model, None, timeout_s=10, outcome=outcome)
    assert model.calls == [] and template_by_design(phrase_scope(holding)) == "no_citation"
    assert draft is not None and draft.source is DraftSource.TEMPLATE and draft.text == holding.template_text
    assert outcome.reason == "" and outcome.notes == ["template_by_design:no_citation"]


def test_a_stop_sequence_ends_the_reply_where_the_model_starts_another_example():
    model = Recording("王主任，您好！您上季度A类产品采购{A}，可享返点{B}（{C}）[1]。\n【草稿】李经理您好，…")
    outcome = PhraseOutcome()
    draft = phrase(PLAN, model, None, timeout_s=10, outcome=outcome)
    assert draft is not None and "李经理" not in draft.text and "【" not in draft.text
    assert "stop_sequence" in outcome.notes


def test_a_wording_that_drops_a_fact_falls_back_after_one_attempt():
    model = Recording("王主任，您好！您上季度A类产品采购{A}[1]。")  # the rate {B} and the title {C} are gone
    outcome = PhraseOutcome()
    assert phrase(PLAN, model, None, timeout_s=10, outcome=outcome) is None
    assert outcome.reason in {"missing_slot", "missing_locked_fact"} and len(model.calls) == 1


def test_a_unit_added_after_a_fact_that_carries_one_is_rejected():
    """Seen on the real model: "顺延{A}天" with {A} = "1至2日" read "偏远地区顺延1至2日天"."""
    plan = DraftPlan(
        lang="zh",
        addressee="马经理",
        voice=VOICE,
        answer="按《发货规范》第三条：偏远地区顺延1至2日[1]。",
        next_step="我查一下物流状态。",
        template_text="马经理您好，按《发货规范》第三条：偏远地区顺延1至2日[1]。我查一下物流状态。",
        citations=(Citation(marker="1", evidence_id="ev_clause"),),
    )
    doubled = Recording("马经理，您好！按{A}：偏远地区顺延{B}天[1]。")
    outcome = PhraseOutcome()
    assert phrase(plan, doubled, None, timeout_s=10, outcome=outcome) is None
    assert outcome.reason == "doubled_unit"
    fine = Recording("马经理，您好！按{A}，偏远地区会顺延{B}[1]。")
    draft = phrase(plan, fine, None, timeout_s=10)
    assert draft is not None and "顺延1至2日[1]。我查一下物流状态。" in draft.text
