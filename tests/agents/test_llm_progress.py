"""Two-phase push: `Copilot.handle(..., progress=cb)` emits phase 1 (intent, evidence, answer, actions) as soon as
decide has run — before the suggestion is delivered — and the draft's pieces stream through RunContext.on_draft_token."""

from __future__ import annotations

from agents import Copilot
from agents.context import RunContext, RunProgress
from agents.drafting.llm_draft import phrase
from agents.drafting.plan import DraftPlan, Slot, TenantVoice
from agents.llm.langchain_chat import LangChainChat
from contract.suggestions import Citation
from tests.agents.agent_helpers import msg


def test_phase_one_arrives_before_the_suggestion_is_delivered_and_matches_it(make_deps, zhang):
    deps = make_deps()
    events: list[dict] = []
    delivered_at_phase1: list[int] = []

    def on_progress(event: dict) -> None:
        events.append(event)
        if event["type"] == "suggestion_partial":
            delivered_at_phase1.append(len(deps.ledger.suggestions))

    cp = Copilot(deps)
    m = msg("这个型号的代理商返点政策能再发一遍吗?")
    s = cp.handle(m, zhang, progress=on_progress)

    partials = [e for e in events if e["type"] == "suggestion_partial"]
    assert len(partials) == 1 and delivered_at_phase1 == [0]  # out before deliver wrote the ledger entry
    p = partials[0]
    assert (p["tenant"], p["conversation_id"], p["message_id"]) == (m.tenant, m.conversation_id, m.message_id)
    assert p["intent"]["name"] == s.intent.name == "rebate_policy"
    assert [a["name"] for a in p["actions"]] == [a.name for a in s.actions]
    assert {e["id"] for e in p["evidence"]} <= {e.id for e in s.evidence}
    assert p["at_ms"] > 0 and p["phase"] == 1


def test_the_same_message_without_progress_gives_the_same_suggestion(make_deps, zhang):
    with_push = Copilot(make_deps()).handle(msg("返点政策再给我讲一下"), zhang, progress=lambda e: None)
    plain = Copilot(make_deps()).handle(msg("返点政策再给我讲一下"), zhang)
    assert with_push.intent == plain.intent
    assert [a.name for a in with_push.actions] == [a.name for a in plain.actions]
    assert with_push.draft.text == plain.draft.text


def test_a_broken_progress_callback_never_fails_the_run(make_deps, zhang):
    def broken(event: dict) -> None:
        raise ConnectionError("socket closed")

    s = Copilot(make_deps()).handle(msg("返点政策再给我讲一下"), zhang, progress=broken)
    assert s is not None and s.intent.name == "rebate_policy"


def test_draft_tokens_stream_in_order_and_first_token_time_is_kept(make_deps, zhang):
    events: list[dict] = []
    sink = RunProgress(
        events.append, tenant="demo", channel="wecom_app", conversation_id="c1", message_id="m1"
    )
    ctx = RunContext(deps=make_deps(), actor=zhang, tenant="demo", progress=sink)
    plan = DraftPlan(
        lang="zh",
        addressee="王主任",
        voice=TenantVoice(),
        answer="",
        next_step="",
        template_text="王主任您好，适用返点 2.5%[1]。",
        slots=(Slot("2.5%", "ev1", "1"),),
        citations=(Citation(marker="1", evidence_id="ev1"),),
    )
    llm = LangChainChat(
        "langchain_core.language_models.fake_chat_models.FakeListChatModel",
        responses=["王主任，您好！您适用的返点是{A}[1]。"],
    )
    draft = phrase(plan, llm, ctx.on_draft_token, timeout_s=10)
    tokens = [e for e in events if e["type"] == "draft_token"]
    assert draft is not None and "".join(e["text"] for e in tokens) == draft.text
    assert [e["seq"] for e in tokens] == list(range(len(tokens)))
    assert ctx.progress_timings()["first_token_ms"] == tokens[0]["at_ms"]
    assert RunContext(deps=ctx.deps, actor=zhang, tenant="demo").on_draft_token is None


def test_the_service_style_phase_callback_gets_partial_then_the_template_draft_without_an_llm(
    make_deps, zhang
):
    seen: list[tuple[str, dict]] = []
    s = Copilot(make_deps()).handle(
        msg("返点政策再给我讲一下"), zhang, on_progress=lambda phase, data: seen.append((phase, dict(data)))
    )
    # no LLM: the template draft goes out as one provisional piece once the draft node returns (the page shows it
    # before the output guard and the ledger write); the final suggestion replaces it
    assert [phase for phase, _ in seen] == ["partial", "draft_token"]
    assert seen[0][1]["intent"]["name"] == s.intent.name and "type" not in seen[0][1]
    assert s.draft is not None and seen[1][1]["text"] == s.draft.text and seen[1][1]["seq"] == 0
