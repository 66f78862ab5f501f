"""Run turns through the compiled router graph, in process."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from bank_router.services import Services
from bank_router.turn.context import Caller, Context
from graphs.router import build_graph, turn_input


class Chat:
    """One conversation (a LangGraph thread) against the real graph and services."""

    def __init__(self, services: Services, caller: Caller | None = None, session: str = "t") -> None:
        self.graph = build_graph(checkpointer=InMemorySaver())
        self.context = Context(caller=caller or Caller(), services=services)
        self.config = {"configurable": {"thread_id": session}}
        self.state: dict[str, Any] = {}

    def say(self, text: str, language: str = "en") -> dict[str, Any]:
        self.state = asyncio.run(
            self.graph.ainvoke(
                turn_input(self.graph, self.config, text, language),
                config=self.config,
                context=self.context,
            )
        )
        return dict(self.state["answer"])


def ask(services: Services, text: str, language: str = "en", caller: Caller | None = None) -> dict[str, Any]:
    return Chat(services, caller).say(text, language)
