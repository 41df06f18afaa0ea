"""Snapshot of the graph's mermaid drawing: a topology change shows up in review. Regenerate deliberately with
UPDATE_SNAPSHOTS=1. One turn is one graph step (agents/graph.py says why); the rep's decision is the only pause."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from agents import Copilot, build_graph
from agents.nodes import ground
from tests.agents.agent_helpers import msg

SNAPSHOT = Path(__file__).parent / "snapshots" / "agent_graph.mmd"
TURN_NODES = ["perceive", "guard_input", "understand", "ground_customer", "ground_policy", "reason", "decide",
              "draft", "guard_output"]  # fmt: skip


def test_graph_topology_matches_snapshot():
    drawing = build_graph().compile().get_graph().draw_mermaid()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(drawing, encoding="utf-8")
    assert drawing == SNAPSHOT.read_text(encoding="utf-8")


def test_a_turn_is_one_step_then_the_rep_decides():
    graph = build_graph().compile().get_graph()
    edges = {(e.source, e.target) for e in graph.edges}
    assert {("__start__", "turn"), ("turn", "human_decision"), ("human_decision", "record")} <= edges
    assert ("turn", "__end__") in edges  # a rep's own message: nothing to decide


def test_every_node_runs_once_per_turn_and_grounding_branches_overlap(make_deps, zhang, monkeypatch):
    """Both grounding branches see the state after understand and run at the same time (customer on a pool thread)."""
    threads: dict[str, str] = {}
    for name in ("ground_customer", "ground_policy"):
        real = getattr(ground, name)

        def spy(state, runtime, _real=real, _name=name):
            threads[_name] = threading.current_thread().name
            return _real(state, runtime)

        monkeypatch.setattr(f"agents.graph.{name}", spy)
    s = Copilot(make_deps()).handle(msg("这个型号的代理商返点政策能再发一遍吗?", tenant="demo"), zhang)
    assert s is not None
    assert list(s.timings_ms)[: len(TURN_NODES)] == TURN_NODES  # in order, each once
    assert threads["ground_customer"] != threads["ground_policy"]
