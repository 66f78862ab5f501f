"""A store outage is 503 SERVICE_UNAVAILABLE with Retry-After on every path, never a 500 (issue #12, finding 7).

In process, against a real unreachable PostgreSQL (a port nothing listens on) and a real exhausted pool;
the restart of a live server under load is tests/integration/test_pg_restart.py.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy import exc as sa_exc

from api.errors import AppError
from api.main import create_app
from api.runtime import NOT_STORED, Runtime
from bank_router.store import ConversationStore, Owner
from bank_router.store.engine import make_store_engine
from bank_router.store.outage import StoreUnavailable, is_outage, retry_outage
from bank_router.turn.context import Caller
from tests.integration.conftest import free_port
from tests.store.test_api import Client


@pytest.fixture
def down_url() -> str:
    return f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"  # nothing listens there


@pytest.fixture
def outage(runtime: Runtime, down_url: str) -> Runtime:
    """The graph and its checkpointer work; the conversation store's server is down."""
    runtime.store = ConversationStore(make_store_engine(down_url))
    runtime.settings = runtime.settings.model_copy(update={"store_write_retry_seconds": 0.3})
    return runtime


@pytest.fixture
def app(outage: Runtime) -> FastAPI:
    application = create_app(outage.settings)
    application.state.runtime = outage
    return application


def assert_unavailable(status: int, headers: Any, body: dict[str, Any]) -> None:
    assert status == 503, body
    assert body["error_code"] == "SERVICE_UNAVAILABLE" and body["message"] and body["trace_id"]
    assert headers["retry-after"] == "2" and body["details"] == {"retry_after": 2}


def test_an_answer_that_cannot_be_stored_is_503_not_sent(outage: Runtime) -> None:
    before = NOT_STORED._value.get()
    with pytest.raises(AppError) as raised:
        asyncio.run(outage.turn("o-1", "What is Mudaraba?", "en", Caller()))
    assert raised.value.status == 503 and raised.value.code == "SERVICE_UNAVAILABLE"
    assert raised.value.headers == {"Retry-After": "2"} and NOT_STORED._value.get() == before + 1


def test_every_http_path_answers_503_with_retry_after(app: FastAPI) -> None:
    client = Client(app)
    chat = client.call("POST", "/api/chat", json={"session_id": "o-2", "user_message": "hi", "channel": "web"})
    assert_unavailable(chat.status_code, chat.headers, chat.json())
    for path in ("/api/conversations", "/api/conversations/conv_x"):
        r = client.call("GET", path, headers={"X-Session-Id": "o-2"})
        assert_unavailable(r.status_code, r.headers, r.json())
    keyed = {"X-Session-Id": "o-2", "Idempotency-Key": "k-1"}
    tool = client.call("POST", "/api/tools/customer_onboarding_guide/execute", json={"parameters": {}}, headers=keyed)
    assert_unavailable(tool.status_code, tool.headers, tool.json())


def test_the_stream_and_the_websocket_send_the_contracts_error_event(app: FastAPI) -> None:
    client = Client(app)
    body = {"session_id": "o-3", "user_message": "hi", "channel": "web"}
    r = client.call("POST", "/api/chat/stream", json=body)
    assert r.status_code == 200 and "event: error" in r.text
    data = [json.loads(line[len("data: ") :]) for line in r.text.splitlines() if line.startswith("data: ")]
    assert data[-1]["error_code"] == "SERVICE_UNAVAILABLE" and data[-1]["details"] == {"retry_after": 2}
    with TestClient(app).websocket_connect("/ws?session_id=o-3") as ws:  # no lifespan: the runtime is set
        ws.send_json({"event_type": "chat_message", "data": {"message": "hi"}})
        event = ws.receive_json()
        assert event["event_type"] == "chat_error" and event["data"]["error_code"] == "SERVICE_UNAVAILABLE"
        ws.send_json({"event_type": "get_conversations", "data": {}})
        event = ws.receive_json()
        assert event["event_type"] == "conversations_error" and event["data"]["error_code"] == "SERVICE_UNAVAILABLE"


@pytest.mark.integration
def test_an_exhausted_pool_is_an_outage(pg_url: str) -> None:
    url = pg_url.replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    store = ConversationStore(engine)
    with engine.connect(), pytest.raises(StoreUnavailable):  # the only connection, held
        store.list(Owner(session_id="s"), 10, 0)
    assert store.list(Owner(session_id="s"), 10, 0) == (0, [])  # and back once it is free
    engine.dispose()


def test_a_broken_schema_is_not_an_outage(tmp_path: Path) -> None:
    """A bug stays a bug (500, logged): retrying a missing table would fail the same way."""
    store = ConversationStore(make_store_engine(f"sqlite:///{tmp_path}/unmigrated.sqlite"))
    with pytest.raises(sa_exc.OperationalError) as raised:
        store.list(Owner(session_id="s"), 10, 0)
    assert not is_outage(raised.value)


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (psycopg.OperationalError("connection refused"), True),
        (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), True),
        (psycopg.InterfaceError("the connection is closed"), True),
        (sa_exc.TimeoutError("QueuePool limit reached"), True),
        (sa_exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")), True),
        (sa_exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: messages")), False),
        (sa_exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")), False),
        (ValueError("a bug"), False),
    ],
)
def test_what_counts_as_an_outage(error: Exception, outage: bool) -> None:
    assert is_outage(error) is outage
    try:
        try:
            raise error
        except Exception as inner:
            raise RuntimeError("wrapped by a library") from inner
    except RuntimeError as wrapped:
        assert is_outage(wrapped) is outage


def test_retry_outage_retries_through_an_outage_and_gives_up_in_time() -> None:
    attempts: list[int] = []

    def flaky(attempt: int) -> str:
        attempts.append(attempt)
        if attempt < 3:
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return "stored"

    assert retry_outage(flaky, within=5, first_delay=0.01) == "stored" and attempts == [1, 2, 3]
    with pytest.raises(StoreUnavailable):
        retry_outage(lambda _: flaky(1), within=0.05, first_delay=0.01)
    with pytest.raises(ValueError):
        retry_outage(lambda _: int("x"), within=5)
