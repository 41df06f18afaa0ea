"""Snapshot of the graph's mermaid drawing: a topology change shows up in review. Regenerate deliberately with
UPDATE_SNAPSHOTS=1."""

from __future__ import annotations

import os
from pathlib import Path

from agents import build_graph

SNAPSHOT = Path(__file__).parent / "snapshots" / "agent_graph.mmd"


def test_graph_topology_matches_snapshot():
    drawing = build_graph().compile().get_graph().draw_mermaid()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(drawing, encoding="utf-8")
    assert drawing == SNAPSHOT.read_text(encoding="utf-8")


def test_grounding_runs_in_two_parallel_branches_that_join_at_reason_before_decide():
    graph = build_graph().compile().get_graph()
    edges = {(e.source, e.target) for e in graph.edges}
    assert {("understand", "ground_policy"), ("understand", "ground_customer")} <= edges
    assert {("ground_policy", "reason"), ("ground_customer", "reason"), ("reason", "decide")} <= edges
    assert ("deliver", "human_decision") in edges and ("human_decision", "record") in edges
