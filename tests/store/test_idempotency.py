"""Idempotency-Key on chat, the chat stream and tool execution, in process, on SQLite and PostgreSQL.

A turn committed but never acknowledged (the client's connection dropped, the worker was killed) is
retried by the client with the same key: the retry gets the stored answer and the conversation still
holds one turn (issue #12, finding 9).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from api.runtime import Runtime
from bank_router.events.bus import TOOL_EXECUTED, Event
from bank_router.knowledge.catalog import Catalog
from bank_router.settings import ROOT
from bank_router.store import Owner, TurnRecord
from bank_router.store.idempotency import idempotency_key
from bank_router.store.retention import parse_age, purge
from bank_router.tools import ToolDeps
from bank_router.turn.context import Caller
from tests.store.test_api import SECRET, Client, anon, assert_error, staff

HOUR = 3600.0


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(ROOT / "knowledge")


@pytest.fixture
def client(runtime: Runtime, catalog: Catalog) -> Client:
    runtime.settings = runtime.settings.model_copy(update={"auth_jwt_secret": SECRET})
    # The onboarding guide reads the knowledge catalog only: the platform is never touched.
    runtime.services.tools = ToolDeps(platform=cast(Any, None), catalog=catalog, events=runtime.services.events)
    application: FastAPI = create_app(runtime.settings)
    application.state.runtime = runtime
    return Client(application)


def chat(
    client: Client, session: str, text: str, key: str | None, headers: dict[str, str] | None = None
) -> httpx.Response:
    body = {"session_id": session, "user_message": text, "channel": "web"}
    extra = {"Idempotency-Key": key} if key else {}
    return client.call("POST", "/api/chat", json=body, headers={**(headers or {}), **extra})


def messages(client: Client, conversation_id: str, headers: dict[str, str]) -> list[tuple[str, str]]:
    r = client.call("GET", f"/api/conversations/{conversation_id}", headers=headers)
    assert r.status_code == 200, r.text
    return [(m["role"], m["content"]) for m in r.json()["messages"]]


def without_trace(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "trace_id"}


def test_a_retried_chat_gets_the_stored_answer_and_the_conversation_holds_one_turn(client: Client) -> None:
    first = chat(client, "idem-1", "What is Mudaraba?", "key-1")
    again = chat(client, "idem-1", "What is Mudaraba?", "key-1")
    assert first.status_code == again.status_code == 200, again.text
    assert without_trace(again.json()) == without_trace(first.json())
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    # This request's trace id, in the body and the header alike.
    assert again.json()["trace_id"] == again.headers["x-trace-id"] != first.json()["trace_id"]
    assert messages(client, first.json()["conversation_id"], anon("idem-1")) == [
        ("user", "What is Mudaraba?"),
        ("assistant", "#1 What is Mudaraba?"),
    ]
    # A new key is a new turn: the graph ran once for the retried one.
    assert chat(client, "idem-1", "What is Mudaraba?", "key-2").json()["message"] == "#2 What is Mudaraba?"


def test_a_turn_committed_but_never_acknowledged_is_not_stored_again(client: Client, runtime: Runtime) -> None:
    """The first attempt ran to the end and was stored, but its client never saw the answer (a crash)."""
    caller, key = Caller(sub="alice", tenant="demo", permissions=frozenset({"ai_agent"})), "lost-ack-1"
    body = {"session_id": "crash-1", "user_message": "Open a DPS?", "channel": "web", "language": "en"}
    stored_key = idempotency_key(Owner("demo", "alice"), key, "chat", body)
    lost = asyncio.run(runtime.turn("crash-1", "Open a DPS?", "en", caller, idempotency=stored_key))
    retry = chat(client, "crash-1", "Open a DPS?", key, staff("alice"))
    assert retry.status_code == 200 and retry.json()["message_id"] == lost["message_id"]
    assert len(messages(client, lost["conversation_id"], staff("alice"))) == 2


def test_the_same_key_with_another_body_is_422_and_stores_nothing(client: Client) -> None:
    first = chat(client, "idem-2", "What is Mudaraba?", "key-1")
    reused = chat(client, "idem-2", "And Musharaka?", "key-1")
    assert_error(reused, 422, "IDEMPOTENCY_KEY_REUSED")
    assert reused.json()["details"]["fields"][0]["field"] == "Idempotency-Key"
    assert len(messages(client, first.json()["conversation_id"], anon("idem-2"))) == 2
    assert_error(chat(client, "idem-2", "hi", "a key with spaces"), 422, "VALIDATION_ERROR")


def test_keys_are_scoped_to_their_owner(client: Client) -> None:
    """Another caller sending the same key (and even the same body) gets its own turn, never the answer."""
    alice = chat(client, "shared-s", "What is my balance?", "guessable", staff("alice"))
    bob = chat(client, "shared-s", "What is my balance?", "guessable", staff("bob"))
    other_tenant = chat(client, "shared-s", "What is my balance?", "guessable", staff("alice", "other"))
    anonymous = chat(client, "shared-s", "What is my balance?", "guessable")
    responses = [alice, bob, other_tenant, anonymous]
    assert all(r.status_code == 200 and "idempotent-replayed" not in r.headers for r in responses)
    assert len({r.json()["message_id"] for r in responses}) == 4
    replayed = chat(client, "shared-s", "What is my balance?", "guessable", staff("bob"))
    assert replayed.json()["message_id"] == bob.json()["message_id"]


def test_the_stream_shares_chats_keys(client: Client) -> None:
    """A turn asked on POST /api/chat and retried on the stream (or the other way) runs once."""
    first = chat(client, "idem-3", "What is Mudaraba?", "key-s").json()
    body = {"session_id": "idem-3", "user_message": "What is Mudaraba?", "channel": "web"}
    r = client.call("POST", "/api/chat/stream", json=body, headers={"Idempotency-Key": "key-s"})
    events = [line.removeprefix("event: ").strip() for line in r.text.splitlines() if line.startswith("event:")]
    data = [json.loads(line.removeprefix("data: ")) for line in r.text.splitlines() if line.startswith("data:")]
    assert events[-1] == "done" and without_trace(data[-1]) == without_trace(first) | {"finish_reason": "stop"}
    assert len(messages(client, first["conversation_id"], anon("idem-3"))) == 2


def test_keys_expire_after_their_ttl_and_are_purged(client: Client, runtime: Runtime) -> None:
    now = time.time()
    runtime.services.clock = runtime.store.clock = lambda: now - 25 * HOUR
    old = chat(client, "idem-4", "What is Mudaraba?", "key-old").json()
    runtime.services.clock = runtime.store.clock = lambda: now
    fresh = chat(client, "idem-4", "What is Mudaraba?", "key-old").json()  # expired: a new turn
    assert fresh["message_id"] != old["message_id"] and fresh["message"] == "#2 What is Mudaraba?"
    chat(client, "idem-5", "What is Musharaka?", "key-kept")
    report = purge(runtime.store, parse_age("30d"), None)
    # The expired one had been replaced by the fresh turn's; keys younger than the TTL stay.
    assert report.conversations == 0 and report.idempotency_keys == 0
    runtime.store.clock = lambda: now + 25 * HOUR
    assert purge(runtime.store, parse_age("30d"), None).idempotency_keys == 2


def test_a_deleted_conversation_takes_its_keys_along(client: Client) -> None:
    first = chat(client, "idem-6", "What is Mudaraba?", "key-d").json()
    assert client.call("DELETE", f"/api/conversations/{first['conversation_id']}", headers=anon("idem-6")).is_success
    again = chat(client, "idem-6", "What is Mudaraba?", "key-d")
    assert "idempotent-replayed" not in again.headers and again.json()["message_id"] != first["message_id"]


def test_a_tool_executed_with_a_key_runs_once(client: Client, runtime: Runtime) -> None:
    executed: list[Event] = []
    runtime.services.events.subscribe(lambda e: executed.append(e) if e.type == TOOL_EXECUTED else None)
    url = "/api/tools/customer_onboarding_guide/execute"
    body = {"parameters": {"language": "en"}, "context": {}}
    headers = {**staff("alice"), "Idempotency-Key": "tool-key-1"}
    # Five concurrent requests with one key (a client retrying a slow call): one execution.
    calls = [("POST", url, {"json": body, "headers": headers}) for _ in range(5)]
    responses = client.many(calls)
    assert [r.status_code for r in responses] == [200] * 5
    assert len({json.dumps(r.json(), sort_keys=True) for r in responses}) == 1 and len(executed) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 4
    other = {"parameters": {"language": "bn"}, "context": {}}
    assert_error(client.call("POST", url, json=other, headers=headers), 422, "IDEMPOTENCY_KEY_REUSED")
    # Without a key each request runs; another owner's same key runs for that owner.
    client.call("POST", url, json=body, headers=staff("alice"))
    client.call("POST", url, json=body, headers={**staff("bob"), "Idempotency-Key": "tool-key-1"})
    assert len(executed) == 3


def test_a_turn_write_retried_after_a_lost_acknowledgement_is_stored_once(runtime: Runtime) -> None:
    owner = Owner(session_id="ack-1")
    answer = {"message": "#1 hi", "agent": "product_info_graph"}
    record = TurnRecord(
        owner=owner, session_id="ack-1", channel="web", question="hi", answer=answer, asked_at=time.time(), latency_ms=5
    )
    first = runtime.store.record_turn(record)
    second = runtime.store.record_turn(record, retried=True)  # the first commit's acknowledgement was lost
    assert (second.conversation_id, second.message_id) == (first.conversation_id, first.message_id)
    conversation = runtime.store.get(owner, first.conversation_id)
    assert conversation is not None and conversation["message_count"] == 2 and len(conversation["messages"]) == 2


def test_key_digests_do_not_depend_on_body_key_order() -> None:
    owner = Owner(session_id="s")
    one = idempotency_key(owner, "k", "chat", {"a": 1, "b": 2})
    two = idempotency_key(owner, "k", "chat", {"b": 2, "a": 1})
    assert one == two and idempotency_key(Owner(session_id="t"), "k", "chat", {"a": 1, "b": 2}).id != one.id
