"""The conversation endpoints in process (ASGI), on SQLite and PostgreSQL: ownership, feedback, usage."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.deps import mint_token
from api.main import create_app
from api.runtime import Runtime

SECRET = "store-api-secret-0123456789abcdef0123"
FIELDS = ["message", "domain", "vertical", "agent", "sources", "confidence", "refusal"]


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    runtime.settings = runtime.settings.model_copy(update={"auth_jwt_secret": SECRET})
    application = create_app(runtime.settings)
    application.state.runtime = runtime
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[Client]:
    yield Client(app)


def staff(sub: str = "alice", tenant: str = "demo", *perms: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(SECRET, sub, tenant, ['ai_agent', *perms])}"}


def anon(session: str) -> dict[str, str]:
    return {"X-Session-Id": session}


class Client:
    """Synchronous calls into the app through httpx's ASGI transport (no lifespan: the runtime is set)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def _many(self, calls: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await asyncio.gather(*(c.request(m, url, **kw) for m, url, kw in calls))

    def many(self, calls: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
        return asyncio.run(self._many(calls))

    def call(self, method: str, url: str, **kw: Any) -> httpx.Response:
        return self.many([(method, url, kw)])[0]

    def chat(self, session: str, text: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        body = {"session_id": session, "user_message": text, "channel": "web"}
        r = self.call("POST", "/api/chat", json=body, headers=headers or {})
        assert r.status_code == 200, r.text
        return dict(r.json())


def assert_error(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error_code"] == code and body["message"] and body["trace_id"] == r.headers["x-trace-id"]


def test_chat_carries_conversation_and_message_ids_after_the_contract_fields(client: Client) -> None:
    body = client.chat("web-1", "What is Mudaraba?")
    assert list(body)[:7] == FIELDS and body["conversation_id"].startswith("conv_")
    assert body["message_id"].startswith("msg_") and list(body).index("conversation_id") > 6


def test_an_anonymous_session_lists_reads_and_deletes_its_own_conversation(client: Client) -> None:
    first = client.chat("web-1", "What is Mudaraba?")
    client.chat("web-1", "and Musharaka?")
    client.chat("web-2", "What is a DPS?")
    listing = client.call("GET", "/api/conversations", headers=anon("web-1"))
    assert listing.status_code == 200
    assert listing.json()["meta"] == {"total": 1, "limit": 20, "offset": 0}
    item = listing.json()["data"][0]
    assert (
        item["id"] == first["conversation_id"] and item["message_count"] == 4 and item["title"] == "What is Mudaraba?"
    )
    by_query = client.call("GET", "/api/conversations?session_id=web-1&limit=5&offset=0")
    assert by_query.json()["data"] == listing.json()["data"] and by_query.json()["meta"]["limit"] == 5
    detail = client.call("GET", f"/api/conversations/{first['conversation_id']}", headers=anon("web-1")).json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant", "user", "assistant"]
    answer = detail["messages"][1]
    assert answer["id"] == first["message_id"] and answer["content"] == first["message"]
    assert {"timestamp", "tools_used", "confidence", "sources", "agent"} <= set(answer)
    gone = client.call("DELETE", f"/api/conversations/{first['conversation_id']}", headers=anon("web-1"))
    assert gone.status_code == 204 and gone.content == b""
    again = client.call("GET", f"/api/conversations/{first['conversation_id']}", headers=anon("web-1"))
    assert_error(again, 404, "NOT_FOUND")
    assert client.call("GET", "/api/conversations", headers=anon("web-2")).json()["meta"]["total"] == 1


def test_another_owners_conversation_is_404_never_403(client: Client) -> None:
    mine = client.chat("shared", "What is Mudaraba?", staff("alice"))["conversation_id"]
    client.chat("shared", "What is a DPS?", staff("bob"))
    client.chat("shared", "What is an FDR?")
    for headers in (staff("bob"), staff("alice", "other"), anon("shared"), anon("guess")):
        assert_error(client.call("GET", f"/api/conversations/{mine}", headers=headers), 404, "NOT_FOUND")
        assert_error(client.call("DELETE", f"/api/conversations/{mine}", headers=headers), 404, "NOT_FOUND")
        ids = [c["id"] for c in client.call("GET", "/api/conversations", headers=headers).json()["data"]]
        assert mine not in ids
    assert client.call("GET", f"/api/conversations/{mine}", headers=staff("alice")).status_code == 200
    assert_error(client.call("GET", "/api/conversations/conv_nope", headers=staff("alice")), 404, "NOT_FOUND")


def test_listing_needs_a_token_or_a_session_and_valid_paging(client: Client) -> None:
    assert_error(client.call("GET", "/api/conversations"), 401, "UNAUTHORIZED")
    assert_error(client.call("GET", "/api/conversations", headers={"Authorization": "Bearer x"}), 401, "INVALID_TOKEN")
    for query in ("limit=0", "limit=101", "offset=-1", "limit=ten"):
        r = client.call("GET", f"/api/conversations?{query}", headers=anon("s"))
        assert_error(r, 422, "VALIDATION_ERROR")


def test_feedback_rates_your_answer_and_only_yours(client: Client) -> None:
    ans = client.chat("fb-1", "What is Mudaraba?")
    body = {"message_id": ans["message_id"], "rating": 5, "feedback": "Very helpful and accurate response"}
    r = client.call("POST", "/api/feedback", json=body, headers=anon("fb-1"))
    assert r.status_code == 200 and r.json()["success"] is True and r.json()["rating"] == 5
    in_body = client.call("POST", "/api/feedback", json={**body, "rating": 3, "session_id": "fb-1"})
    assert in_body.status_code == 200 and in_body.json()["id"] == r.json()["id"] and in_body.json()["rating"] == 3
    assert_error(client.call("POST", "/api/feedback", json=body, headers=anon("fb-2")), 404, "NOT_FOUND")
    assert_error(client.call("POST", "/api/feedback", json=body, headers=staff()), 404, "NOT_FOUND")
    unknown = {**body, "message_id": "msg_unknown"}
    assert_error(client.call("POST", "/api/feedback", json=unknown, headers=anon("fb-1")), 404, "NOT_FOUND")
    assert_error(client.call("POST", "/api/feedback", json=body), 401, "UNAUTHORIZED")
    for rating in (0, 6, 4.5, "5", True, None):
        bad = client.call("POST", "/api/feedback", json={**body, "rating": rating}, headers=anon("fb-1"))
        assert_error(bad, 422, "VALIDATION_ERROR")
        assert bad.json()["details"]["fields"][0]["field"] == "rating"
    assert_error(
        client.call("POST", "/api/feedback", json={"rating": 4}, headers=anon("fb-1")), 422, "VALIDATION_ERROR"
    )


def test_usage_is_your_own_or_your_tenants_with_insights_read(client: Client) -> None:
    client.chat("u-1", "llm What is a DPS?", staff("alice"))
    client.chat("u-1", "and an FDR?", staff("alice"))
    client.chat("u-2", "llm What is a DPS?", staff("bob"))
    client.chat("u-3", "What is a DPS?")
    own = client.call("GET", "/api/usage", headers=staff("alice")).json()
    assert own["scope"] == "own" and own["total"]["requests"] == 2 and own["total"]["input_tokens"] == 120
    assert {p["provider"] for p in own["by_provider"]} == {"openai", "deterministic"}
    assert own["by_model"][1] == {**own["by_model"][1], "provider": "openai", "model": "gpt-4o-mini"}
    assert own["by_agent"][0]["agent"] == "servicing_graph" and len(own["by_day"]) == 1
    assert_error(client.call("GET", "/api/usage?scope=tenant", headers=staff("alice")), 403, "FORBIDDEN")
    tenant = client.call("GET", "/api/usage?scope=tenant", headers=staff("carol", "demo", "insights:read")).json()
    assert tenant["total"]["requests"] == 3 and tenant["total"]["estimated_cost"] == pytest.approx(0.000072)
    mine = client.call("GET", "/api/usage", headers=anon("u-3")).json()
    assert mine["total"]["requests"] == 1 and mine["by_provider"][0]["provider"] == "deterministic"
    assert_error(client.call("GET", "/api/usage"), 401, "UNAUTHORIZED")
    assert_error(
        client.call("GET", "/api/usage?from=2026-02-01&to=2026-01-01", headers=anon("u-3")), 422, "VALIDATION_ERROR"
    )
    old = client.call("GET", "/api/usage?from=2020-01-01&to=2020-01-31", headers=anon("u-3")).json()
    assert old["total"]["requests"] == 0 and old["from"] == "2020-01-01"


def test_twenty_concurrent_chats_on_one_session_are_all_stored_in_order(client: Client) -> None:
    calls = [
        ("POST", "/api/chat", {"json": {"session_id": "rush", "user_message": f"q{n}", "channel": "web"}})
        for n in range(20)
    ]
    responses = client.many(calls)
    assert [r.status_code for r in responses] == [200] * 20
    conv_id = responses[0].json()["conversation_id"]
    detail = client.call("GET", f"/api/conversations/{conv_id}", headers=anon("rush")).json()
    questions = [m["content"] for m in detail["messages"] if m["role"] == "user"]
    answers = [m["content"] for m in detail["messages"] if m["role"] == "assistant"]
    assert sorted(questions) == sorted(f"q{n}" for n in range(20))
    assert answers == [f"#{i + 1} {q}" for i, q in enumerate(questions)]
