"""agents.graph.turn_body: the public hook that runs another body in the turn step (bench/bench_agent.py replays a real
turn's update through it to measure the graph machinery alone, instead of patching a private function)."""

from __future__ import annotations

from typing import Any

from agents import Copilot
from agents.graph import run_nodes, turn_body
from tests.agents.agent_helpers import msg


def test_a_replayed_update_delivers_the_same_suggestion_without_the_nodes(make_deps, zhang):
    deps = make_deps()
    cp = Copilot(deps)
    captured: dict[str, Any] = {}
    calls: list[str] = []

    def capture(t, runtime):  # type: ignore[no-untyped-def]
        calls.append("real")
        update = run_nodes(t, runtime)
        captured.update(update=update, delivered=dict(runtime.context.delivered))
        return update

    def replay(t, runtime):  # type: ignore[no-untyped-def]
        calls.append("replay")
        runtime.context.delivered.update(captured["delivered"])
        t.apply(dict(captured["update"]))
        return dict(captured["update"])

    with turn_body(capture):
        first = cp.handle(msg("我的订单发货了吗"), zhang)
    appended = len(deps.ledger.suggestions)
    with turn_body(replay):
        again = cp.handle(msg("我的订单发货了吗", conv="conv-2"), zhang)
    assert calls == ["real", "replay"]
    assert (
        again is not None and first is not None and again.id == first.id
    )  # the captured suggestion, replayed
    assert len(deps.ledger.suggestions) == appended  # no node ran: nothing new in the ledger
    state = cp.graph.get_state({"configurable": {"thread_id": "demo:conv-2"}})
    assert state.next == ("human_decision",)  # the routing after the turn read the replayed state


def test_outside_the_block_the_nodes_run(make_deps, zhang):
    deps = make_deps()
    cp = Copilot(deps)
    with turn_body(lambda t, runtime: t.update()):  # a body that does nothing
        cp.handle(msg("我的订单发货了吗"), zhang)
    before = len(deps.ledger.suggestions)
    s = cp.handle(msg("我的订单发货了吗", conv="conv-3"), zhang)
    assert s is not None and len(deps.ledger.suggestions) == before + 1
