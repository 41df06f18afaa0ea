"""agents.timing.node_cpu: inside the block (bench_agent's diagnostic) each node's CPU time on its own thread is
collected beside its wall time; outside it (the product) nothing is collected and the suggestion's timings are the
same wall times as before."""

from __future__ import annotations

from agents import Copilot
from agents.timing import node_cpu
from tests.agents.agent_helpers import msg


def test_node_cpu_collects_every_node_that_ran_and_nothing_outside_the_block(make_deps, zhang):
    cp = Copilot(make_deps())
    with node_cpu() as cpu:
        s = cp.handle(msg("这个型号的代理商返点政策能再发一遍吗?"), zhang)
    assert s is not None
    # every node the suggestion timed ran inside the block; deliver (after the timings were taken) too; ground_customer
    # ran on the grounding pool's thread with a copy of this context and reported there
    assert set(s.timings_ms) <= set(cpu) and {"deliver", "ground_customer", "understand"} <= set(cpu)
    assert all(v >= 0.0 for v in cpu.values()) and sum(cpu.values()) > 0.0
    before = dict(cpu)
    again = cp.handle(msg("我的订单发货了吗", conv="conv-2"), zhang)  # after the block: not collected
    assert again is not None and cpu == before
    assert set(again.timings_ms) == set(s.timings_ms)  # the suggestion's own timings unchanged by the block


def test_the_turns_steps_that_are_not_nodes_report_cpu_only(make_deps, zhang):
    """The intent's re-read and the wait for the customer branch (agents.graph.run_nodes, agents.timing.cpu_span) are
    in the block's dict, never in the suggestion's timings_ms."""
    cp = Copilot(make_deps())
    with node_cpu() as cpu:
        s = cp.handle(msg("这个型号的代理商返点政策能再发一遍吗?"), zhang)
    assert s is not None
    assert {"reread", "ground_join"} <= set(cpu)
    assert not {"reread", "ground_join"} & set(s.timings_ms)


def test_cpu_span_outside_a_block_collects_nothing():
    from agents.timing import cpu_span

    with cpu_span("x"):
        pass
    with node_cpu() as cpu:
        with cpu_span("x"):
            sum(range(1000))
        with cpu_span("x"):
            pass
    assert set(cpu) == {"x"} and cpu["x"] >= 0.0
