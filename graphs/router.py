"""The router graph: guard, classify, one specialist agent, output guard.

Served to LangGraph Studio as `router` (langgraph.json); the API compiles it with a checkpointer.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from graphs.clarification import clarification_agent
from graphs.comparison import comparison_graph
from graphs.context import Context
from graphs.eligibility import eligibility_graph
from graphs.loan_scoring import await_reply, loan_scoring_graph, waiting
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
    "loan_scoring_graph": loan_scoring_graph,
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
    # A workflow that needs input pauses here (interrupt); the user's next message resumes it as a new turn.
    builder.add_node("await_reply", await_reply)
    builder.add_edge(START, "extract_entities")
    builder.add_edge("extract_entities", "input_guard")
    builder.add_conditional_edges("output_guard", lambda s: "await_reply" if waiting(s) else END, ["await_reply", END])
    builder.add_edge("await_reply", "extract_entities")
    return builder.compile(checkpointer=checkpointer, name="router")


def turn_input(graph: Any, config: dict[str, Any], text: str, language: str) -> Any:
    """A new turn's input: it resumes the thread when a workflow waits for an answer, else starts a turn."""
    if graph.checkpointer is not None and graph.get_state(config).interrupts:
        return Command(resume={"text": text, "language": language})
    return {"messages": [HumanMessage(content=text)], "language": language}


graph = build_graph()
