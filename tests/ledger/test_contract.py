"""One contract suite, run against SQLite and the real PostgreSQL (the `ledger` fixture is parametrised)."""

from __future__ import annotations

import threading

import pytest

from contract import AccessDenied, ConflictError, HumanDecision, NotFound
from contract.ports import LedgerSink
from contract.suggestions import SuggestionKind
from copilot.ledger import EntryKind, Ledger, open_ledger

from .conftest import ADMIN, AGENT, EVALUATOR, INPUTS, REP_LI, REP_ZHANG, later, make_suggestion


def accept(suggestion_id: str, actor: str = "rep_zhang", minutes: float = 2) -> HumanDecision:
    return HumanDecision(suggestion_id=suggestion_id, kind="accept", actor=actor, decided_at=later(minutes))


def test_is_a_ledger_sink(ledger: Ledger) -> None:
    assert isinstance(ledger, LedgerSink)


def test_suggestion_round_trips_whole_and_is_durable(ledger: Ledger, ledger_url: str) -> None:
    s = make_suggestion()
    entry_id = ledger.record_suggestion(s, inputs=INPUTS)
    # a second, independent connection sees it at once: committed before record_suggestion returned
    other = open_ledger(ledger_url)
    assert other.get_suggestion(s.id) == s
    entry = other.get_entry(entry_id)
    assert entry.kind is EntryKind.SUGGESTION
    assert entry.payload is not None and entry.payload["inputs"] == INPUTS
    assert (entry.customer_ref, entry.rep_ref, entry.intent, entry.conversation_id) == (
        "C1001",
        "rep_zhang",
        "rebate_policy",
        "conv_C1001",
    )
    assert entry.payload_hash.startswith("sha256:") and entry.entry_hash.startswith("sha256:")
    other.engine.dispose()


@pytest.mark.parametrize("kind", list(SuggestionKind))
def test_every_intervention_kind_is_recorded(ledger: Ledger, kind: SuggestionKind) -> None:
    s = make_suggestion(kind=kind)
    ledger.record_suggestion(s, inputs={})
    assert ledger.find(suggestion=s.id)[0].suggestion_kind == kind.value


def test_same_suggestion_twice_is_a_conflict(ledger: Ledger) -> None:
    s = make_suggestion()
    ledger.record_suggestion(s, inputs=INPUTS)
    with pytest.raises(ConflictError):
        ledger.record_suggestion(s, inputs=INPUTS)
    assert ledger.count() == 1 and ledger.verify().ok


def test_accept_edit_reject_are_recorded_with_their_details(ledger: Ledger) -> None:
    a, e, r = make_suggestion(), make_suggestion(), make_suggestion()
    for s in (a, e, r):
        ledger.record_suggestion(s, inputs=INPUTS)
    ledger.record_decision(accept(a.id, minutes=1.5), actor=REP_ZHANG)
    edited = "您好，按返点协议V3.2，季度采购满50万元返点3%，详情我稍后发您[1]。"
    ledger.record_decision(
        HumanDecision(
            suggestion_id=e.id, kind="edit", actor="rep_zhang", final_text=edited, decided_at=later(3)
        ),
        actor=REP_ZHANG,
    )
    ledger.record_decision(
        HumanDecision(
            suggestion_id=r.id,
            kind="reject",
            actor="rep_zhang",
            reason_code="outdated_policy",
            reason_text="引用了旧版",
        ),
        actor=REP_ZHANG,
    )
    acc, edt, rej = (ledger.find(suggestion=s.id, kind="decision")[0] for s in (a, e, r))
    assert acc.payload["decision"]["final_text"] == a.draft.text  # accept = the draft as sent
    assert acc.time_to_decision_ms == 90_000 and acc.actor == "rep_zhang"
    assert edt.payload["decision"]["final_text"] == edited
    assert edt.payload["diff"].startswith("--- suggested\n+++ sent\n") and "+" + edited in edt.payload["diff"]
    assert edt.payload["suggestion_entry_hash"] == ledger.find(suggestion=e.id)[0].entry_hash
    assert (rej.decision, rej.reason_code, rej.payload["decision"]["reason_text"]) == (
        "reject",
        "outdated_policy",
        "引用了旧版",
    )
    assert ledger.verify().ok


def test_unknown_suggestion_is_not_found_and_writes_nothing(ledger: Ledger) -> None:
    with pytest.raises(NotFound) as err:
        ledger.record_decision(accept("sug_nope"), actor=REP_ZHANG)
    assert err.value.http_status == 404
    assert ledger.count() == 0


def test_second_decision_is_a_409_with_the_reason(ledger: Ledger) -> None:
    s = make_suggestion()
    ledger.record_suggestion(s, inputs=INPUTS)
    ledger.record_decision(accept(s.id), actor=REP_ZHANG)
    with pytest.raises(ConflictError) as err:
        ledger.record_decision(
            HumanDecision(suggestion_id=s.id, kind="reject", actor="rep_zhang", reason_code="tone"),
            actor=REP_ZHANG,
        )
    assert err.value.http_status == 409 and err.value.reason == "already_decided"
    assert "accept" in err.value.message and err.value.details["decided_by"] == "rep_zhang"
    assert ledger.count(EntryKind.DECISION) == 1


def test_rep_who_does_not_own_the_conversation_is_refused_and_the_refusal_recorded(ledger: Ledger) -> None:
    s = make_suggestion()  # rep_zhang's customer C1001
    ledger.record_suggestion(s, inputs=INPUTS)
    with pytest.raises(AccessDenied) as err:
        ledger.record_decision(accept(s.id, actor="rep_li"), actor=REP_LI)
    assert err.value.http_status == 403
    denial = ledger.find(kind="access_denied")
    assert len(denial) == 1 and denial[0].id == err.value.details["ledger_entry"]
    assert (denial[0].actor, denial[0].suggestion_id, denial[0].reason_code) == (
        "rep_li",
        s.id,
        "not_conversation_owner",
    )
    assert denial[0].payload["attempted"] == "decision"
    assert ledger.count(EntryKind.DECISION) == 0
    # the owner can still decide afterwards
    ledger.record_decision(accept(s.id), actor=REP_ZHANG)
    assert ledger.verify().ok


def test_admin_decides_any_evaluator_none_agent_on_its_call(ledger: Ledger) -> None:
    mine, call, other = (
        make_suggestion(),
        make_suggestion(customer="C1004", rep="rep_wang"),
        make_suggestion(),
    )
    for s in (mine, call, other):
        ledger.record_suggestion(s, inputs=INPUTS)
    ledger.record_decision(accept(mine.id, actor="admin_zhou"), actor=ADMIN)
    on_call = AGENT.model_copy(update={"call_customer_ref": "C1004"})
    ledger.record_decision(accept(call.id, actor="agent_chen"), actor=on_call)
    with pytest.raises(AccessDenied):
        ledger.record_decision(accept(other.id, actor="eval_bot"), actor=EVALUATOR)
    with pytest.raises(AccessDenied):  # deciding in someone else's name
        ledger.record_decision(accept(other.id, actor="rep_li"), actor=REP_ZHANG)
    assert [e.reason_code for e in ledger.find(kind="access_denied")] == [
        "evaluator_cannot_decide",
        "actor_mismatch",
    ]


def test_refused_lookup_is_recorded(ledger: Ledger) -> None:
    s = make_suggestion()
    ledger.record_suggestion(s, inputs=INPUTS)
    assert ledger.get_suggestion(s.id, actor=REP_ZHANG) == s
    with pytest.raises(AccessDenied):
        ledger.get_suggestion(s.id, actor=REP_LI)
    assert ledger.find(kind="access_denied")[0].payload["attempted"] == "lookup"
    with pytest.raises(NotFound):
        ledger.get_suggestion("sug_missing")


def test_queries_by_every_key(ledger: Ledger) -> None:
    spine = make_suggestion(created_at=later(0))
    li = make_suggestion(
        customer="C1003", rep="rep_li", intent="contract_renewal", spine_push=False, created_at=later(60)
    )
    ledger.append_many([(spine, INPUTS), (li, {})])
    ledger.record_decision(accept(spine.id), actor=REP_ZHANG)

    def ids(**f: object) -> set[str]:
        return {e.suggestion_id for e in ledger.find(**f)}

    assert ids(conversation="conv_C1001") == {spine.id} and len(ledger.find(conversation="conv_C1001")) == 2
    assert ids(customer="C1003") == {li.id}
    assert ids(rep="rep_li") == {li.id}
    assert ids(intent="contract_renewal") == {li.id}
    assert ids(action="push_campaign") == {spine.id}
    assert ids(action="send_policy_document") == {spine.id, li.id}
    assert ids(rule="rebate_spine_push") == {spine.id}
    assert ids(doc="spine-trial-incentive") == {spine.id}
    assert ids(doc="rebate-ortho") == {spine.id, li.id}
    assert ids(since=later(30), kind="suggestion") == {li.id}
    assert ids(until=later(30), kind="suggestion") == {spine.id}
    assert [e.kind for e in ledger.trail(spine.id)] == [EntryKind.SUGGESTION, EntryKind.DECISION]


def test_concurrent_appends_never_fork_the_chain(ledger_url: str) -> None:
    """Four threads over two independent Ledger objects (two engines, as two processes would have)."""
    ledgers = [open_ledger(ledger_url), open_ledger(ledger_url)]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            led = ledgers[i % 2]
            for _ in range(15):
                s = make_suggestion()
                led.record_suggestion(s, inputs=INPUTS)
                led.record_decision(accept(s.id), actor=REP_ZHANG)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = ledgers[0].verify()
    assert report.ok and report.entries == 4 * 15 * 2 == report.head_seq
    assert [e.seq for e in ledgers[1].find()] == list(range(1, 121))
    for led in ledgers:
        led.engine.dispose()


def test_append_many_is_all_or_nothing(ledger: Ledger) -> None:
    dup = make_suggestion()
    ledger.record_suggestion(dup, inputs={})
    with pytest.raises(ConflictError):
        ledger.append_many([(make_suggestion(), {}), (dup, {})])
    assert ledger.count() == 1 and ledger.verify().ok
    ids = ledger.append_many(((make_suggestion(), {}) for _ in range(25)), batch_size=10)
    assert len(set(ids)) == 25 and ledger.verify().entries == 26


def test_views_for_the_api(ledger: Ledger) -> None:
    s = make_suggestion()
    ledger.record_suggestion(s, inputs=INPUTS)
    ledger.record_decision(accept(s.id), actor=REP_ZHANG)
    view = ledger.get_suggestion_view(s.id, actor=ADMIN)
    assert view["inputs"] == INPUTS and view["suggestion"]["id"] == s.id
    assert view["decision"]["decision"]["kind"] == "accept" and len(view["trail"]) == 2
    with pytest.raises(AccessDenied):
        ledger.get_suggestion_view(s.id, actor=REP_LI)
    denial_id = ledger.record_denial(actor=REP_LI, reason="not_owner", details={"customer_ref": "C1004"})
    rows = ledger.query(kind="access_denied")
    assert rows[-1]["id"] == denial_id and rows[-1]["payload"]["details"] == {"customer_ref": "C1004"}
    assert ledger.query(customer="C1001", limit=1)[0]["kind"] == "suggestion"
    ledger.ping()
    assert ledger.verify().as_dict()["ok"] is True
