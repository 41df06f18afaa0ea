"""One graph run per conversation thread at a time (agents.copilot._ThreadLocks).

Two runs on one thread (two messages, or a message and the rep's decision) would each read the same checkpoint, and
the later write would drop the earlier one's turn. The runs here are forced to overlap: the understand step sleeps
while another run is started on the same thread."""

from __future__ import annotations

import threading
import time

from agents import Copilot
from agents.nodes import understand as understand_node
from contract.decisions import DecisionKind, HumanDecision
from tests.agents.agent_helpers import msg


class _Overlap:
    """Counts how many runs are inside the understand step at once, per conversation."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inside: dict[str, int] = {}
        self.most: dict[str, int] = {}

    def wrap(self, real):
        def spy(state, runtime):
            conv = state["message"]["conversation_id"]
            with self.lock:
                self.inside[conv] = self.inside.get(conv, 0) + 1
                self.most[conv] = max(self.most.get(conv, 0), self.inside[conv])
            time.sleep(0.3)  # long enough for the other run to arrive while this one is inside
            try:
                return real(state, runtime)
            finally:
                with self.lock:
                    self.inside[conv] -= 1

        return spy


def _run_together(*jobs) -> list[object]:
    results: list[object] = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def go(i, job):
        start.wait()
        results[i] = job()

    threads = [threading.Thread(target=go, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_two_messages_on_one_conversation_run_one_after_the_other(make_deps, zhang, monkeypatch):
    overlap = _Overlap()
    monkeypatch.setattr("agents.graph.understand", overlap.wrap(understand_node.understand))
    copilot = Copilot(make_deps())
    first, second = _run_together(
        lambda: copilot.handle(msg("返点政策能再发一遍吗?", conv="conv-a"), zhang),
        lambda: copilot.handle(msg("上次的订单什么时候发货?", conv="conv-a"), zhang),
    )
    assert first is not None and second is not None
    assert overlap.most["conv-a"] == 1  # never two runs inside one thread
    turns = [h["message_id"] for h in copilot.history("conv-a", "demo") if h.get("role") == "customer"]
    assert sorted(turns) == sorted(
        [first.message_id, second.message_id]
    )  # both turns kept, neither overwritten
    assert len(copilot._running) == 0  # no lock left behind


def test_other_conversations_still_run_side_by_side(make_deps, zhang, monkeypatch):
    overlap = _Overlap()
    monkeypatch.setattr("agents.graph.understand", overlap.wrap(understand_node.understand))
    copilot = Copilot(make_deps())
    began = time.perf_counter()
    _run_together(
        lambda: copilot.handle(msg("返点政策能再发一遍吗?", conv="conv-b"), zhang),
        lambda: copilot.handle(msg("返点政策能再发一遍吗?", conv="conv-c"), zhang),
    )
    assert overlap.most == {"conv-b": 1, "conv-c": 1}
    assert len(copilot.history("conv-b", "demo")) == len(copilot.history("conv-c", "demo")) == 1
    assert time.perf_counter() - began < 60


def test_a_decision_waits_for_the_next_message_on_its_thread(make_deps, zhang, monkeypatch):
    copilot = Copilot(make_deps())
    first = copilot.handle(msg("返点政策能再发一遍吗?", conv="conv-d"), zhang)
    assert first is not None
    overlap = _Overlap()
    monkeypatch.setattr("agents.graph.understand", overlap.wrap(understand_node.understand))
    decision = HumanDecision(suggestion_id=first.id, kind=DecisionKind.ACCEPT, actor=zhang.id)
    entry_id, second = _run_together(
        lambda: copilot.decide(decision, zhang, tenant="demo", conversation_id="conv-d"),
        lambda: copilot.handle(msg("那上次的订单呢?", conv="conv-d"), zhang),
    )
    assert entry_id  # recorded either by resuming the thread or in the ledger directly
    assert second is not None
    turns = [h["message_id"] for h in copilot.history("conv-d", "demo") if h.get("role") == "customer"]
    assert turns == [first.message_id, second.message_id]  # the decision's run did not drop the second turn
