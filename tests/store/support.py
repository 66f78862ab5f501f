"""Test support for the conversation store: scratch PostgreSQL databases, and a tiny real LangGraph graph.

The echo graph numbers each answer by how many questions its checkpointed thread holds (`#n`), so a
forked or reordered session history shows up as a repeated or missing number.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Annotated, Any, TypedDict

import psycopg
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime as GraphRuntime
from psycopg import sql

from bank_router.events.bus import EventBus
from bank_router.settings import Settings
from bank_router.turn.context import Context

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
STORE_TABLES = ("idempotency_keys", "feedback", "messages", "conversations", "usage_logs")
CHECKPOINT_TABLES = ("checkpoint_writes", "checkpoint_blobs", "checkpoints")


@contextmanager
def scratch_database(prefix: str = "bank_router_store") -> Iterator[str]:
    """A new, empty PostgreSQL database on the local server, dropped afterwards; yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def empty_postgres(url: str) -> None:
    """Truncate the store's and the checkpointer's tables (those that exist)."""
    with psycopg.connect(url, autocommit=True) as conn:
        present = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        tables = [t for t in (*STORE_TABLES, *CHECKPOINT_TABLES) if t in present]
        if tables:
            conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, tables))))


class EchoState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    language: str
    answer: dict[str, Any]


USAGE = {
    "provider": "openai",
    "model": "gpt-4o-mini",
    "input_tokens": 120,
    "output_tokens": 30,
    "estimated_cost": 0.000036,
    "latency_ms": 250,
}


def _respond(state: EchoState, runtime: GraphRuntime[Context]) -> dict[str, Any]:
    text = str(state["messages"][-1].content)
    if text == "boom":
        raise RuntimeError("the graph failed")
    if text.startswith("slow"):
        time.sleep(0.3)
    n = sum(isinstance(m, HumanMessage) for m in state["messages"])
    answer: dict[str, Any] = {
        "message": f"#{n} {text}",
        "domain": "conventional",
        "vertical": "save",
        "agent": "servicing_graph" if runtime.context.caller.is_staff else "product_info_graph",
        "sources": ["knowledge/products/conventional/save/deposit_accounts/prime_first_account.md"],
        "confidence": 0.9,
        "refusal": False,
        "tools_used": ["get_customer_kyc"] if runtime.context.caller.is_staff else [],
    }
    if text.startswith("llm"):
        answer["usage"] = dict(USAGE)
    return {"answer": answer, "messages": [AIMessage(content=answer["message"])]}


def echo_graph(checkpointer: Any) -> Any:
    builder = StateGraph(EchoState, context_schema=Context)
    builder.add_node("respond", _respond)
    builder.add_edge(START, "respond")
    return builder.compile(checkpointer=checkpointer, name="echo")


def stand_in_services() -> Any:
    """What Runtime uses of Services (clock, events): the echo graph needs no real services."""
    return SimpleNamespace(clock=time.time, events=EventBus())


def settings_for(data_dir: Any, database_url: str | None, **extra: Any) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, environment="development", **extra)
