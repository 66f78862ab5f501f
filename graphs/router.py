"""The router graph: guard, classify, one specialist agent, output guard.

Served to LangGraph Studio as `router` (langgraph.json); the API compiles it with a checkpointer.
"""

from __future__ import annotations

import importlib
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from bank_router.turn.agents import AGENT_TABLE
from bank_router.turn.context import Context
from bank_router.turn.state import RouterInput, RouterOutput, RouterState
from graphs.loan_scoring import await_reply
from nodes.classify import classify_intent
from nodes.entities import extract_entities
from nodes.input_guard import input_guard
from nodes.output_guard import output_guard
from nodes.workflow import waiting


def _load(ref: str) -> Any:
    module, attr = ref.split(":")
    return getattr(importlib.import_module(module), attr)


# One node per row of the agent table: a subgraph or a function, named as the contract names the agent.
AGENT_NODES: dict[str, Any] = {a.name: _load(a.node) for a in AGENT_TABLE}


def build_graph(checkpointer: Any = None) -> Any:
    builder = StateGraph(RouterState, context_schema=Context, input_schema=RouterInput, output_schema=RouterOutput)
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
