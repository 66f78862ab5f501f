"""Checkpoint threads per owner, through the API on SQLite and PostgreSQL: no client string names another's.

The echo graph numbers each answer by the questions its thread holds (`#n`): an anonymous session that
reached the staff member's thread would answer `#3`, and its DELETE would reset the staff's count.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.deps import mint_token
from api.main import create_app
from api.runtime import Runtime
from bank_router.store import Owner, owner_of
from bank_router.store.owner import thread_of
from bank_router.turn.context import Caller

SECRET = "thread-ids-secret-0123456789abcdef0123"


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    runtime.settings = runtime.settings.model_copy(update={"auth_jwt_secret": SECRET})
    application = create_app(runtime.settings)
    application.state.runtime = runtime
    return application


def call(app: FastAPI, method: str, url: str, **kw: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, url, **kw)

    return asyncio.run(go())


def say(app: FastAPI, session: str, text: str, headers: dict[str, str]) -> str:
    body = {"session_id": session, "user_message": text, "channel": "web"}
    r = call(app, "POST", "/api/chat", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return str(r.json()["message"])


def test_an_anonymous_session_id_equal_to_a_staff_thread_gets_its_own_memory(app: FastAPI) -> None:
    staff = {"Authorization": f"Bearer {mint_token(SECRET, 'alice', 'demo', ['ai_agent'])}"}
    assert say(app, "desk", "one", staff) == "#1 one" and say(app, "desk", "two", staff) == "#2 two"
    staff_thread = thread_of(owner_of(Caller(sub="alice", tenant="demo"), "desk").key, "desk")
    intruder = {"X-Session-Id": staff_thread}
    assert say(app, staff_thread, "peek", {}) == "#1 peek"  # a thread of its own, not the staff's third turn
    listed = call(app, "GET", "/api/conversations", headers=intruder).json()
    assert [c["session_id"] for c in listed["data"]] == [staff_thread]
    assert call(app, "DELETE", f"/api/conversations/{listed['data'][0]['id']}", headers=intruder).status_code == 204
    assert say(app, "desk", "three", staff) == "#3 three"  # the staff member's memory is whole


def test_owner_kinds_and_threads_never_coincide() -> None:
    staff = owner_of(Caller(sub="123", tenant="demo"), "s")
    customer = owner_of(Caller(sub="123", tenant="demo", role="customer"), "s")
    anonymous = owner_of(Caller(), "s")
    assert (staff.kind, customer.kind, anonymous.kind) == ("staff", "customer", "anonymous")
    assert len({staff.key, customer.key, anonymous.key}) == 3
    assert staff.key == Owner(tenant="demo", sub="123").key  # stored staff conversations stay theirs
    threads = {thread_of(o.key, "s") for o in (staff, customer, anonymous)}
    assert len(threads) == 3 and "s" not in threads
    # A session id that looks like another owner's key or thread is still only the anonymous caller's.
    for forged in (f"{staff.key}:s", thread_of(staff.key, "s")):
        assert thread_of(anonymous.key, forged) not in threads | {forged}
