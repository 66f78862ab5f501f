"""The router graph's shape is locked by a mermaid snapshot; update it on purpose."""

from __future__ import annotations

import os
from pathlib import Path
from typing import get_args

from bank_router.turn.agents import AGENT_NAMES as AGENTS
from graphs.router import graph
from nodes.classify import Next

SNAPSHOT = Path(__file__).resolve().parent.parent / "snapshots" / "router.mmd"


def test_graph_matches_snapshot() -> None:
    mermaid = graph.get_graph(xray=1).draw_mermaid()
    if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(mermaid, "utf-8")
    assert mermaid == SNAPSHOT.read_text("utf-8")


def test_every_answering_node_is_a_contract_agent() -> None:
    nodes = set(graph.get_graph().nodes) - {"__start__", "__end__"}
    helpers = {"extract_entities", "input_guard", "classify_intent", "output_guard", "await_reply"}
    assert nodes - helpers <= set(AGENTS)


def test_every_contract_agent_is_a_node() -> None:
    assert set(AGENTS) <= set(graph.get_graph().nodes)


def test_routing_targets_are_the_agent_table() -> None:
    assert set(get_args(Next)) == set(AGENTS)


def test_studio_form_has_messages_and_language() -> None:
    assert set(graph.get_input_jsonschema()["properties"]) == {"messages", "language"}
    assert "caller" in graph.get_context_jsonschema()["properties"]
