"""What the API holds for its lifetime: services, the compiled graph, per-session locks."""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import HumanMessage

from bank_router.services import Services
from bank_router.settings import Settings
from graphs.context import Caller, Context


@dataclass
class Runtime:
    settings: Settings
    services: Services
    graph: Any
    _locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(default_factory=weakref.WeakValueDictionary)

    def lock(self, session_id: str) -> asyncio.Lock:
        """Turns of one session run one at a time, so its history never forks."""
        lock = self._locks.get(session_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[session_id] = lock
        return lock

    async def turn(self, session_id: str, text: str, language: str, caller: Caller) -> dict[str, Any]:
        async with self.lock(session_id):
            state = await self.graph.ainvoke(
                {"messages": [HumanMessage(content=text)], "language": language},
                config={"configurable": {"thread_id": session_id}},
                context=Context(caller=caller, services=self.services),
                # One checkpoint per turn, written when the turn completes: a turn either lands whole or not at all.
                durability="exit",
            )
        return dict(state["answer"])
