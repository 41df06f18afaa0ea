"""The copilot's run pauses BEFORE the decision node (agents.graph.PAUSE_BEFORE), and the decision resumes it through
the graph; a thread paused INSIDE the node (how earlier versions compiled the graph) resumes the same way."""

from __future__ import annotations

from langgraph.checkpoint.memory import InMemorySaver

from agents import Copilot, build_graph
from contract.decisions import DecisionKind, HumanDecision
from tests.agents.agent_helpers import msg


def test_the_run_stops_before_the_decision_node(make_deps, zhang):
    cp = Copilot(make_deps())
    s = cp.handle(msg("我的订单发货了吗"), zhang)
    state = cp.graph.get_state({"configurable": {"thread_id": "demo:conv-1"}})
    assert state.next == ("human_decision",)
    assert [t.name for t in state.tasks] == ["human_decision"] and not state.tasks[0].interrupts
    assert state.values["suggestion"]["id"] == s.id


def test_a_thread_paused_inside_the_node_still_resumes(make_deps, zhang):
    deps, saver = make_deps(), InMemorySaver()
    old = Copilot(deps, saver)
    old.graph = build_graph().compile(checkpointer=saver)  # the earlier compile: interrupt() inside the node
    s = old.handle(msg("我的订单发货了吗"), zhang)
    paused = old.graph.get_state({"configurable": {"thread_id": "demo:conv-1"}})
    assert paused.tasks[0].interrupts  # paused inside human_decision
    new = Copilot(deps, saver)  # same thread store, the current compile
    entry = new.decide(
        HumanDecision(suggestion_id=s.id, kind=DecisionKind.ACCEPT, actor="rep_zhang"),
        zhang,
        tenant="demo",
        conversation_id="conv-1",
    )
    assert entry and deps.ledger.decisions[s.id].kind is DecisionKind.ACCEPT
    assert (
        new.history("conv-1", tenant="demo")[-1]["role"] == "decision"
    )  # recorded by the graph's record node
