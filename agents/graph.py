"""The copilot graph. `build_graph()` returns the uncompiled StateGraph; compile at the edge with a checkpointer
(`agents.checkpoint.make_checkpointer`), as `agents.Copilot` does.

perceive → guard_input → understand → (ground_policy ∥ ground_customer) → reason → decide → draft → guard_output → deliver
→ human_decision (interrupt) → record. A rep's own message ends after perceive (automation pauses)."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from agents.context import RunContext
from agents.nodes.decide import decide
from agents.nodes.deliver import deliver, human_decision, record
from agents.nodes.draft import draft
from agents.nodes.ground import ground_customer, ground_policy
from agents.nodes.guard import guard_input, guard_output
from agents.nodes.perceive import after_perceive, perceive
from agents.nodes.reason import reason
from agents.nodes.understand import understand
from agents.state import CopilotState


def build_graph() -> StateGraph:
    g = StateGraph(CopilotState, context_schema=RunContext)
    g.add_node("perceive", perceive)
    g.add_node("guard_input", guard_input)
    g.add_node("understand", understand)
    g.add_node("ground_policy", ground_policy)
    g.add_node("ground_customer", ground_customer)
    g.add_node("reason", reason)
    g.add_node("decide", decide)
    g.add_node("draft", draft)
    g.add_node("guard_output", guard_output)
    g.add_node("deliver", deliver)
    g.add_node("human_decision", human_decision)
    g.add_node("record", record)

    g.add_edge(START, "perceive")
    g.add_conditional_edges("perceive", after_perceive, {"guard_input": "guard_input", "__end__": END})
    g.add_edge("guard_input", "understand")
    g.add_edge("understand", "ground_policy")  # the two grounding branches run in parallel …
    g.add_edge("understand", "ground_customer")
    g.add_edge(["ground_policy", "ground_customer"], "reason")  # … and reason waits for both
    g.add_edge("reason", "decide")  # computed facts (policy × CRM) are evidence before the playbooks run
    g.add_edge("decide", "draft")
    g.add_edge("draft", "guard_output")
    g.add_edge("guard_output", "deliver")
    g.add_edge("deliver", "human_decision")
    g.add_edge("human_decision", "record")
    g.add_edge("record", END)
    return g
