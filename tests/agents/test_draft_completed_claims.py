"""The LLM must not report an action as done when nobody took it ("我整理一份报价发您" → "我整理了一份报价发给您"):
phrase_problem() rejects a completed-action claim the template does not make, and phrase() then falls back to the
template. Future and modal forms, the customer's own actions and conditions pass. Pure string checks plus one run
through langchain's scripted chat model (as the other phrase tests)."""

from __future__ import annotations

import pytest

from agents.drafting.llm_draft import (
    PhraseOutcome,
    completed_actions,
    early_problem,
    mask_template,
    phrase,
    phrase_problem,
)
from agents.drafting.plan import DraftPlan, Slot, TenantVoice
from agents.llm.langchain_chat import LangChainChat
from contract.suggestions import Citation

TEMPLATE = (
    "彭队长您好，贵司整车折扣 5%（《大客户采购折扣阶梯V2.0》第三条）[1]。具体以正式合同为准。"
    "我按系统价格整理一份正式报价单发您。有需要随时联系我。"
)
PLAN = DraftPlan(
    lang="zh",
    addressee="彭队长",
    voice=TenantVoice(
        company="某某汽车", persona="销售顾问", tone="专业、简洁", sign_off="有需要随时联系我。"
    ),
    answer="",
    next_step="",
    template_text=TEMPLATE,
    slots=(Slot("5%", "ev_rate", "1"),),
    citations=(Citation(marker="1", evidence_id="ev_clause"),),
    customer_text_masked="[OK] [抱拳]",
)
MASKED = mask_template(PLAN)
# the model's output is masked: {A} = 5%, {B} = the cited title with its clause
GOOD = "彭队长，您好！贵司的整车折扣是{A}（{B}）[1]。具体以正式合同为准。我按系统价格整理一份正式报价单发给您。有需要随时联系我。"


def test_the_good_wording_passes():
    assert MASKED.values == {"A": "5%", "B": "《大客户采购折扣阶梯V2.0》第三条"}
    assert phrase_problem(PLAN, MASKED, GOOD) == ""


@pytest.mark.parametrize(
    ("next_step", "reason"),
    [
        # claims of an action that was not taken: rejected
        ("我按系统价格整理了一份正式报价单发给您。", "completed_action_claim"),  # the demo run's fault
        ("正式报价单已整理好，稍后发您。", "completed_action_claim"),
        ("报价单我已经发给您了。", "completed_action_claim"),
        ("我已安排同事跟进报价。", "approval_claim"),  # already an approval-shaped claim (已…安排)
        ("我刚把报价单发过去，请查收。", "completed_action_claim"),
        ("报价单准备好了，请您查收。", "completed_action_claim"),
        ("我提交了申请，请您放心。", "completed_action_claim"),
        ("我帮您预约好了进店时间。", "completed_action_claim"),
        # near misses that are not claims: pass
        ("我按系统价格整理一份正式报价单发给您。", ""),
        ("我会尽快整理一份正式报价单发给您。", ""),
        ("我这就整理一份正式报价单，整理好后发您。", ""),  # 整理好后 is a future condition
        ("您确认好了告诉我，我再整理报价单。", ""),  # the customer's action
        ("了解了您的需求，我整理一份正式报价单发您。", ""),  # 了解 is not a done action
        ("为了方便您核对，我整理一份正式报价单发您。", ""),
    ],
)
def test_completed_actions_the_template_does_not_state(next_step, reason):
    out = GOOD.replace("我按系统价格整理一份正式报价单发给您。", next_step)
    assert phrase_problem(PLAN, MASKED, out) == reason


@pytest.mark.parametrize(
    ("text", "claims"),
    [
        ("I've sent you the quote.", ["I've sent"]),
        ("The request has been submitted.", ["has been submitted"]),
        ("I will send you the quote.", []),
        ("Once it has been approved I will tell you.", []),
        ("审批通过后，我马上通知您。", []),
        ("等审批好了我通知您。", []),
    ],
)
def test_english_and_conditional_forms(text, claims):
    assert completed_actions(text) == claims


def test_a_claim_the_template_makes_itself_is_backed():
    """A template that reports a step the system did take (a ticket it created) lets the wording say it too."""
    done = TEMPLATE.replace("我按系统价格整理一份正式报价单发您。", "我已为您登记了订单。")
    plan = DraftPlan(**{**PLAN.__dict__, "template_text": done})
    masked = mask_template(plan)
    out = GOOD.replace("我按系统价格整理一份正式报价单发给您。", "订单已为您登记好了。")
    assert phrase_problem(plan, masked, out) == ""
    # … but not a different one
    other = GOOD.replace("我按系统价格整理一份正式报价单发给您。", "订单已为您登记，报价单也整理了发给您。")
    assert phrase_problem(plan, masked, other) == "completed_action_claim"


def test_the_stream_stops_at_the_claim_and_phrase_falls_back():
    partial = "彭队长，您好！贵司的整车折扣是{A}（{B}）[1]。我按系统价格整理了一份"
    assert early_problem(PLAN, MASKED, partial) == "completed_action_claim"
    wording = GOOD.replace("我按系统价格整理一份正式报价单发给您。", "我整理了一份报价发给您。")
    model = LangChainChat(
        "langchain_core.language_models.fake_chat_models.FakeListChatModel", responses=[wording]
    )
    outcome = PhraseOutcome()
    assert phrase(PLAN, model, None, timeout_s=10, outcome=outcome) is None
    assert outcome.reason == "completed_action_claim"
