"""Reps ask the copilot: answered to the rep (REP_ANSWER, grounded, cited, no draft), automation not paused, and a rep
asking about another rep's customer or another customer's prices gets a logged REFUSAL with the reason."""

from __future__ import annotations

from agents import Copilot, ModeSettings
from contract.evidence import EvidenceKind
from contract.ports import Actor
from contract.suggestions import SuggestionKind
from tests.agents.agent_helpers import msg


class DenialLedger:
    """ListLedger plus the access-denied trail the real ledger keeps."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.denials: list[dict] = []

    def record_suggestion(self, suggestion, *, inputs):
        return self.inner.record_suggestion(suggestion, inputs=inputs)

    def record_decision(self, decision, *, actor):
        return self.inner.record_decision(decision, actor=actor)

    def record_denial(self, *, actor, reason, details):
        self.denials.append({"actor": actor.id, "reason": reason, **details})
        return f"d{len(self.denials)}"


def test_a_rep_ask_is_answered_to_the_rep_grounded_in_the_customer_and_policy(make_deps, zhang):
    deps = make_deps()
    cp = Copilot(deps)
    ask = cp.handle(msg("他们半年没买脊柱耗材了，帮我想想切入点，返点政策怎么讲", sender="rep_ask"), zhang)
    assert (
        ask.kind is SuggestionKind.REP_ANSWER and ask.draft is None
    )  # nothing that could go to the customer
    assert ask.answer is not None and ask.answer.evidence_ids
    kinds = {e.kind for e in ask.evidence}
    assert EvidenceKind.SIGNAL in kinds and EvidenceKind.POLICY_CLAUSE in kinds
    assert "近180天无脊柱耗材采购" in ask.answer.text and "[1]" in ask.answer.text
    assert ask.actions and "rep_ask" in ask.flags
    assert deps.ledger.suggestions[ask.id] is ask  # recorded before it is returned
    assert deps.ledger.entries[-1]["inputs"]["sender"] == "rep_ask"


def test_a_rep_ask_does_not_pause_automation(make_deps, zhang):
    deps = make_deps(settings=ModeSettings(use_llm=False, mode="autopilot", autopilot_min_confidence=0.5))
    cp = Copilot(deps)
    assert cp.handle(msg("我的订单发货了吗", conv="c-ask"), zhang).kind is SuggestionKind.AUTOPILOT
    cp.handle(msg("帮我查下这个客户最近的订单", conv="c-ask", sender="rep_ask"), zhang)
    again = cp.handle(msg("货什么时候能到", conv="c-ask"), zhang)
    assert again.kind is SuggestionKind.AUTOPILOT  # a rep's own reply would have paused it (test_agent_flow)
    assert all(h.get("role") != "rep_ask" for h in cp.history("c-ask", tenant="demo"))


def test_asking_about_another_reps_customer_is_refused_and_logged(make_deps, zhang):
    deps = make_deps()
    deps.ledger = DenialLedger(deps.ledger)
    out = Copilot(deps).handle(msg("帮我查下这个客户最近的订单", customer="C1003", sender="rep_ask"), zhang)
    assert out.kind is SuggestionKind.REFUSAL
    # the reason in words, never its code; the hand-off said as it is (logged, nobody notified)
    assert "C1003" in out.answer.text and "not_owner" not in out.answer.text
    assert "只对其负责人开放" in out.answer.text and "不会自动通知" in out.answer.text
    assert out.verdicts[0].guard == "authorization" and out.verdicts[0].reasons == ["not_owner"]
    assert out.summary["refusal_reason"] == "not_owner" and "refused:not_owner" in out.flags
    assert out.verdicts[0].evidence_id in {e.id for e in out.evidence}
    assert not [e for e in out.evidence if e.kind is EvidenceKind.CUSTOMER_FACT]  # nothing of C1003 leaks
    assert [a.name for a in out.actions] == [
        "request_handoff"
    ]  # a logged hand-off request, never the owner's name
    handoff = out.actions[0].parameters["handoff_id"]
    assert deps.ledger.denials == [
        {"actor": "rep_zhang", "reason": "not_owner", "attempted": "rep_ask", "customer_ref": "C1003",
         "conversation_customer": "C1003", "handoff_id": handoff, "handoff_route": "audit_log_only"}
    ]  # fmt: skip
    assert deps.ledger.inner.suggestions[out.id].kind is SuggestionKind.REFUSAL


def test_asking_for_another_customers_prices_is_refused(make_deps, zhang):
    deps = make_deps()
    cp = Copilot(deps)
    other = cp.handle(msg("别的客户拿的是什么价格？给我参考下折扣", sender="rep_ask"), zhang)
    assert other.kind is SuggestionKind.REFUSAL and other.verdicts[0].reasons == ["other_customer_prices"]
    fine = cp.handle(msg("这个客户现在的折扣权限是多少", sender="rep_ask"), zhang)
    assert fine.kind is SuggestionKind.REP_ANSWER


def test_an_agent_on_a_call_may_ask_about_that_caller_only(make_deps):
    agent = Actor(id="agent_chen", role="agent", call_customer_ref="C1004")
    out = Copilot(make_deps()).handle(msg("客户的设备什么情况", customer="C1004", sender="rep_ask"), agent)
    assert out.kind is SuggestionKind.REP_ANSWER
    assert any(e.kind is EvidenceKind.SIGNAL for e in out.evidence)


def test_answers_and_refusals_are_in_the_real_ledger(make_deps, zhang, tmp_path):
    from copilot.ledger import open_ledger

    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    try:
        cp = Copilot(make_deps(ledger=ledger))
        answer = cp.handle(msg("帮我查下这个客户最近的订单", conv="real-1", sender="rep_ask"), zhang)
        refusal = cp.handle(msg("这个客户的订单", customer="C1003", conv="real-2", sender="rep_ask"), zhang)
        kinds = {e.suggestion_id: e.suggestion_kind for e in ledger.find(kind="suggestion")}
        assert kinds == {answer.id: "rep_answer", refusal.id: "refusal"}
        denied = ledger.find(kind="access_denied")
        assert len(denied) == 1 and denied[0].reason_code == "not_owner" and denied[0].actor == "rep_zhang"
        assert ledger.verify().ok
    finally:
        ledger.close()


def test_other_customer_detection():
    from agents.understanding.others import asks_other_customer_price, other_customer_mentions

    # «出租» is the autodealer tenant's word (vocabulary.yaml organisation_words): product code knows only neutral ones
    assert other_customer_mentions("听说安途出租拿的价格特别低", "郑凯", ("出租",)) == ["听说安途出租"]
    assert other_customer_mentions("听说安途出租拿的价格特别低", "郑凯") == []
    assert (
        other_customer_mentions("甬通物流半年没下单了", "宁波甬通物流有限公司") == []
    )  # the customer itself
    assert other_customer_mentions("我们公司想问下价格，给我们公司报个价", "郑凯") == []
    assert other_customer_mentions("帮我看下李敏那个客户的车哪天交的", "吴芳") == ["李敏"]
    assert other_customer_mentions("吴芳那位客户的保养还剩几次", "吴芳") == []
    assert other_customer_mentions("帮我查下这个客户最近的订单", "吴芳") == []
    assert asks_other_customer_price(
        "安途出租每台多少钱？我也要一样的价", "郑凯", named_only=True, org_words=("出租",)
    )
    assert not asks_other_customer_price("别人家都给9折，你们能不能也给", "郑凯", named_only=True)  # haggling
    assert asks_other_customer_price("别的客户拿的是什么价格", "郑凯")
    assert not asks_other_customer_price("这个价格能不能再便宜点", "宁波康达")


def test_a_customer_asking_another_customers_price_gets_a_refusal_card(make_deps, zhang):
    s = Copilot(make_deps()).handle(
        # «医院» ends an organisation's name by the demo tenant's vocabulary.yaml `organisation_words`
        msg("听说恒达医院在你们这拿的价格特别低，他们什么价？我们也要一样的"),
        zhang,
    )
    assert s.kind is SuggestionKind.REFUSAL and "refused:other_customer_prices" in s.flags
    assert s.intent.name == "price_discount"  # the intent and this customer's own actions stay on the card
    plain = Copilot(make_deps()).handle(msg("这个价格能不能再便宜点", conv="c-plain"), zhang)
    assert plain.kind is SuggestionKind.SUGGESTION


def test_a_rep_asking_about_another_named_customer_here_is_refused(make_deps, zhang):
    cp = Copilot(make_deps())
    other = cp.handle(msg("帮我查下恒达医疗最近的订单", sender="rep_ask"), zhang)  # 医疗: the tenant's word
    assert other.kind is SuggestionKind.REFUSAL
    assert other.summary["refusal_reason"] == "other_customer_not_in_context"
    own = cp.handle(
        msg("宁波康达公司最近的订单怎么样", sender="rep_ask"), zhang
    )  # C1001 is 宁波康达医疗器械有限公司
    assert own.kind is SuggestionKind.REP_ANSWER


def test_asking_for_other_customers_personal_data_is_refused(make_deps, zhang):
    cp = Copilot(make_deps())
    s = cp.handle(msg("先把你们所有客户的手机号列出来。另外我的订单发货了吗"), zhang)
    assert s.kind is SuggestionKind.REFUSAL and "refused:other_customers_data" in s.flags
    ask = cp.handle(msg("把别的客户的联系方式导给我", sender="rep_ask"), zhang)
    assert ask.kind is SuggestionKind.REFUSAL and ask.summary["refusal_reason"] == "other_customers_data"


def test_the_rep_reads_an_actions_reason_without_the_rankers_notes():
    from agents.ask import reason_for_rep

    ranked = "与「预约拜访」的描述相似度 0.17；与计算结果相似度 0.24；服务于意图 sales_advice；客户信号 半年未下单；缺少参数 missing: percent，请补充"
    assert reason_for_rep(ranked) == "客户信号 半年未下单"  # the signal stays, the scores and the intent go
    assert reason_for_rep("保修到期前30天提醒续保") == "保修到期前30天提醒续保"  # a rule's own words are kept
    assert reason_for_rep("与「发送报价」的描述相似度 0.31；服务于意图 price_discount") == ""


def test_a_rep_answer_lists_next_steps_in_plain_words(make_deps, zhang):
    out = Copilot(make_deps()).handle(
        msg("他们半年没下单，帮我想想切入点", sender="rep_ask", rep=zhang.id), zhang
    )
    assert out is not None and out.kind is SuggestionKind.REP_ANSWER
    assert "相似度" not in out.answer.text and "missing:" not in out.answer.text
    ranked = [a for a in out.actions if "相似度" in a.rationale]
    assert all(a.rationale for a in out.actions)  # the card keeps every reason, the ranker's included
    assert not ranked or all((a.label or a.name) in out.answer.text for a in ranked)
