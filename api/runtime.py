"""What the API holds for its lifetime: services, the compiled graph, per-session locks."""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from langgraph.checkpoint.sqlite import SqliteSaver

from bank_router.services import Services, build_services
from bank_router.settings import Settings
from graphs.context import Caller, Context
from graphs.router import build_graph, turn_input


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
            # A turn is CPU work plus local SQLite: it runs whole in a worker thread (the model
            # releases the GIL), which costs less than hopping between the loop and threads per node.
            config: dict[str, Any] = {"configurable": {"thread_id": session_id}}

            def run() -> Any:
                # A waiting workflow (interrupt) is resumed by the turn; otherwise a new turn starts.
                return self.graph.invoke(
                    turn_input(self.graph, config, text, language),
                    config=config,
                    context=Context(caller=caller, services=self.services),
                    # One checkpoint per turn, written when it completes: a turn lands whole or not at all.
                    durability="exit",
                )

            state = await asyncio.to_thread(run)
        return dict(state["answer"])


@contextmanager
def open_runtime(settings: Settings) -> Iterator[Runtime]:
    """Services, the SQLite checkpointer under DATA_DIR and the compiled graph, for one process."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    services = build_services(settings)
    conn = sqlite3.connect(settings.checkpoint_path, check_same_thread=False)
    try:
        saver = SqliteSaver(conn)
        saver.setup()
        # WAL with synchronous=NORMAL: a process crash loses no commit, and a commit does not
        # wait for the disk (SQLite's recommended setting for WAL).
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        yield Runtime(settings, services, build_graph(checkpointer=saver))
    finally:
        conn.close()
