"""The router graph: guard, classify, one specialist agent, output guard.

Served to LangGraph Studio as `router` (langgraph.json); the API compiles it with a checkpointer.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph

from graphs.clarification import clarification_agent
from graphs.comparison import comparison_graph
from graphs.context import Context
from graphs.eligibility import eligibility_graph
from graphs.onboarding import onboarding_graph
from graphs.policy_guard import policy_guard
from graphs.product_info import product_info_graph
from graphs.servicing import servicing_graph
from graphs.state import RouterState
from nodes.classify import classify_intent
from nodes.entities import extract_entities
from nodes.input_guard import input_guard
from nodes.output_guard import output_guard

AGENT_NODES = {
    "eligibility_graph": eligibility_graph,
    "comparison_graph": comparison_graph,
    "product_info_graph": product_info_graph,
    "onboarding_graph": onboarding_graph,
    "servicing_graph": servicing_graph,
    "clarification_agent": clarification_agent,
    "policy_guard": policy_guard,
}


def build_graph(checkpointer: Any = None) -> Any:
    builder = StateGraph(RouterState, context_schema=Context)
    builder.add_node("extract_entities", extract_entities)
    builder.add_node("input_guard", input_guard, destinations=("policy_guard", "classify_intent"))
    builder.add_node("classify_intent", classify_intent, destinations=tuple(AGENT_NODES))
    for name, node in AGENT_NODES.items():
        builder.add_node(name, node)
        builder.add_edge(name, "output_guard")
    builder.add_node("output_guard", output_guard)
    builder.add_edge(START, "extract_entities")
    builder.add_edge("extract_entities", "input_guard")
    builder.add_edge("output_guard", END)
    return builder.compile(checkpointer=checkpointer, name="router")


graph = build_graph()
