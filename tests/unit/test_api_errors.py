"""Error rendering in process: an unexpected failure is a JSON 500 with a trace id and no trace."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from api.deps import mint_token
from api.main import create_app
from bank_router.logging import mask_numbers
from bank_router.settings import Settings


class _Broken:
    settings = Settings()

    async def turn(self, *_: Any, **__: Any) -> dict[str, Any]:
        raise RuntimeError("secret internals: /etc/passwd")


def _post(app: Any, body: dict[str, Any]) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post("/api/chat", json=body)

    return asyncio.run(go())


def test_unexpected_error_is_json_500_without_trace() -> None:
    app = create_app(Settings())
    app.state.runtime = _Broken()
    r = _post(app, {"session_id": "s", "user_message": "hello", "channel": "web"})
    assert r.status_code == 500
    body = r.json()
    assert body["error_code"] == "INTERNAL_ERROR" and body["trace_id"] == r.headers["x-trace-id"]
    assert "secret internals" not in r.text and "Traceback" not in r.text


def test_personal_numbers_are_masked_in_logs() -> None:
    line = mask_numbers("nid 1990123456789 card 4111-1111-1111-1234 acct 0123456789012 customer 123")
    assert "1990123456789" not in line and "4111-1111-1111-1234" not in line and "0123456789012" not in line
    assert line.endswith("customer 123") and "6789" in line and "1234" in line


def test_dates_and_short_ids_are_not_masked() -> None:
    assert mask_numbers("2026-11-22T06:51:00 customer 123 REF-001") == "2026-11-22T06:51:00 customer 123 REF-001"


class _Echo:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def turn(self, session_id: str, text: str, language: str, caller: Any, **_: Any) -> dict[str, Any]:
        return {
            "message": f"hi {caller.sub}",
            "domain": None,
            "vertical": None,
            "agent": "clarification_agent",
            "sources": [],
            "confidence": 0.4,
            "refusal": False,
        }


def _post_with(app: Any, headers: dict[str, str]) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(
                "/api/chat", headers=headers, json={"session_id": "s", "user_message": "hello", "channel": "web"}
            )

    return asyncio.run(go())


def test_ai_agent_can_be_made_mandatory() -> None:
    settings = Settings(require_ai_agent=True, auth_jwt_secret="unit-secret-0123456789abcdef0123456789")
    app = create_app(settings)
    app.state.runtime = _Echo(settings)
    assert _post_with(app, {}).status_code == 401
    no_perm = mint_token(settings.auth_jwt_secret, "s1", "demo", ["customer:read"])
    r = _post_with(app, {"Authorization": f"Bearer {no_perm}"})
    assert r.status_code == 403 and r.json()["error_code"] == "FORBIDDEN" and "ai_agent" in r.json()["message"]
    ok = mint_token(settings.auth_jwt_secret, "s1", "demo", ["ai_agent"])
    r = _post_with(app, {"Authorization": f"Bearer {ok}"})
    assert r.status_code == 200 and r.json()["message"] == "hi s1"


def test_anonymous_chat_is_allowed_by_default() -> None:
    settings = Settings()
    app = create_app(settings)
    app.state.runtime = _Echo(settings)
    assert _post_with(app, {}).status_code == 200
