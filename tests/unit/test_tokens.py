"""Token claims (issue #12, finding 8): each of these tokens was accepted before, and is a 401 now.

The tokens are signed with the right secret, so only the claim checks of api/tokens.py stand between
them and a staff caller: through POST /api/chat (REST) and POST /mcp (MCP).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import jwt
import pytest

from api.deps import caller_from_token, mint_token
from api.main import create_app
from api.tokens import DEFAULT_MAX_LIFETIME
from bank_router.settings import Settings
from tests.unit.test_api_errors import _Echo

SECRET = "token-test-secret-0123456789abcdef0123"
NOW = int(time.time())
DAY = 86_400
LIFETIME = 6 * 3600  # a token alive for the whole suite, however long it runs before this module
_DROP = object()  # a claim left out of the token
BASE = {"sub": "staff-1", "tenant": "demo", "permissions": ["ai_agent"], "iat": NOW, "exp": NOW + LIFETIME}


def _token(**claims: Any) -> str:
    body = {**BASE, **claims}
    return jwt.encode({k: v for k, v in body.items() if v is not _DROP}, SECRET, algorithm="HS256")


REFUSED = {
    "exp 31 years ahead": _token(exp=NOW + 31 * 365 * DAY, iat=_DROP),
    "exp as a numeric string": _token(exp=str(NOW + LIFETIME)),
    "exp as a boolean": _token(exp=True),
    "exp missing": _token(exp=_DROP),
    "exp - iat over the maximum": _token(iat=NOW - 8 * DAY, exp=NOW + LIFETIME),
    "iat as a string": _token(iat="yesterday"),
    "sub empty": _token(sub=""),
    "sub blank": _token(sub="   "),
    "sub missing": _token(sub=_DROP),
    "sub not a string": _token(sub=123),
    "sub with a surrogate": _token(sub="a\ud800"),
    "tenant missing": _token(tenant=_DROP),
    "tenant empty": _token(tenant=""),
    "tenant not a string": _token(tenant=["demo"]),
    "tenant too long": _token(tenant="t" * 129),
}


@pytest.fixture(scope="module")
def app() -> Any:
    settings = Settings(auth_jwt_secret=SECRET)
    application = create_app(settings)
    application.state.runtime = _Echo(settings)
    return application


def _post(app: Any, path: str, token: str, body: dict[str, Any]) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"}
            return await client.post(path, json=body, headers=headers)

    return asyncio.run(go())


def _chat(app: Any, token: str) -> httpx.Response:
    return _post(app, "/api/chat", token, {"session_id": "s", "user_message": "hello", "channel": "web"})


@pytest.mark.parametrize("case", list(REFUSED))
def test_token_is_refused_over_rest(app: Any, case: str) -> None:
    r = _chat(app, REFUSED[case])
    assert r.status_code == 401, (case, r.text)
    assert r.json()["error_code"] in {"INVALID_TOKEN", "TOKEN_EXPIRED"} and r.json()["trace_id"]


def test_a_valid_token_and_the_minted_ones_are_accepted(app: Any) -> None:
    assert _chat(app, _token()).json()["message"] == "hi staff-1"
    minted = mint_token(SECRET, "staff-2", "demo", ["ai_agent"], ttl_seconds=DEFAULT_MAX_LIFETIME)
    assert _chat(app, minted).json()["message"] == "hi staff-2"
    assert _chat(app, _token(iat=_DROP)).status_code == 200  # iat is optional; exp alone is bounded


def test_the_maximum_lifetime_is_a_setting() -> None:
    week = mint_token(SECRET, "s", "demo", [], ttl_seconds=7 * DAY)
    assert caller_from_token(week, SECRET).sub == "s"
    with pytest.raises(Exception, match="lives too long"):
        caller_from_token(week, SECRET, max_lifetime=DAY)
    settings = Settings(auth_jwt_secret=SECRET, auth_max_token_lifetime=DAY)
    short = create_app(settings)
    short.state.runtime = _Echo(settings)
    r = _chat(short, week)
    assert r.status_code == 401 and "86400 seconds" in r.json()["message"]


def test_messages_name_the_claim(app: Any) -> None:
    assert "'exp'" in _chat(app, REFUSED["exp as a numeric string"]).json()["message"]
    assert "'sub'" in _chat(app, REFUSED["sub empty"]).json()["message"]
    assert "'tenant'" in _chat(app, REFUSED["tenant missing"]).json()["message"]


def test_mcp_says_a_token_without_tenant_lacks_its_tenant(app: Any) -> None:
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
    r = _post(app, "/mcp", REFUSED["tenant missing"], initialize)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    body = r.json()
    assert body["error_code"] == "INVALID_TOKEN" and "tenant" in body["message"]
    assert _post(app, "/mcp", REFUSED["exp 31 years ahead"], initialize).status_code == 401
