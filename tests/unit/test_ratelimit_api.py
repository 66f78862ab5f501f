"""Rate limits at the API: who is counted (identity, client IP, session), X-Forwarded-For, every path, the 429."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import Depends, FastAPI, WebSocket
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

from api import errors
from api.client_ip import resolve
from api.deps import mint_token
from api.ratelimit import RequestLimit, caller_key, rate_limited
from bank_router.ratelimit import make_limiter
from bank_router.settings import Settings
from bank_router.turn.context import Caller

REDIS = "redis://127.0.0.1:6379/11"
SECRET = "unit-secret-0123456789abcdef0123456789"


def make_app(settings: Settings) -> FastAPI:
    app = FastAPI()
    errors.install(app)
    app.state.runtime = SimpleNamespace(settings=settings)
    app.state.limiter = make_limiter(settings)

    @app.post("/limited", dependencies=[Depends(rate_limited("chat"))])
    async def limited() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/listed", dependencies=[Depends(rate_limited("conversations"))])
    async def listed() -> dict[str, bool]:
        return {"ok": True}

    return app


def fresh_ip() -> str:
    """An address no earlier run used, so Redis counters left from it (60 s) never interfere."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def statuses(
    client: TestClient, n: int, method: str = "POST", path: str = "/limited", **each: Callable[[], dict[str, str]]
) -> list[int]:
    """`n` requests, each with fresh keyword arguments (`json=new_session` -> a new body every time)."""
    kwargs: Callable[[], dict[str, Any]] = lambda: {k: f() for k, f in each.items()}  # noqa: E731
    return [client.request(method, path, **kwargs()).status_code for _ in range(n)]


def new_session() -> dict[str, str]:
    return {"session_id": f"s-{uuid.uuid4().hex}"}


@pytest.mark.parametrize("redis_url", [None, REDIS], ids=["memory", "redis"])
def test_api_answers_429_with_retry_after_per_caller(redis_url: str | None) -> None:
    settings = Settings(auth_jwt_secret=SECRET, rate_limit_chat="2/minute", redis_url=redis_url)
    with TestClient(make_app(settings), client=(fresh_ip(), 5000)) as client:
        session = new_session()
        assert [client.post("/limited", json=session).status_code for _ in range(2)] == [200, 200]
        refused = client.post("/limited", json=session)
        assert refused.status_code == 429
        body = refused.json()
        assert body["error_code"] == "RATE_LIMITED" and set(body) >= {"message", "trace_id"}
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        # Another session of the same address has a budget of its own, within the address's.
        assert client.post("/limited", json=new_session()).status_code == 200
        token = mint_token(SECRET, f"staff-{uuid.uuid4().hex[:8]}", "demo", ["ai_agent"])
        staff = {"Authorization": f"Bearer {token}"}
        assert [client.post("/limited", json=session, headers=staff).status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.parametrize("redis_url", [None, REDIS], ids=["memory", "redis"])
def test_150_anonymous_chats_with_a_new_session_each_meet_the_ip_limit(redis_url: str | None) -> None:
    """The probe's attack, with the default limits: 60/min per session, twice that per address."""
    with TestClient(make_app(Settings(auth_jwt_secret=SECRET, redis_url=redis_url)), client=(fresh_ip(), 1)) as client:
        codes = statuses(client, 150, json=new_session)
        assert codes == [200] * 120 + [429] * 30
    with TestClient(make_app(Settings(auth_jwt_secret=SECRET)), client=(fresh_ip(), 1)) as other:
        assert other.post("/limited", json=new_session()).status_code == 200  # another address is not affected


def test_rotating_x_session_id_or_query_session_id_meets_the_ip_limit() -> None:
    settings = Settings(auth_jwt_secret=SECRET, rate_limit_conversations="3/minute")
    app = make_app(settings)
    header = lambda: {"X-Session-Id": uuid.uuid4().hex}  # noqa: E731
    query = lambda: {"session_id": uuid.uuid4().hex}  # noqa: E731
    with TestClient(app, client=(fresh_ip(), 1)) as client:
        assert statuses(client, 8, "GET", "/listed", headers=header) == [200] * 6 + [429] * 2
    with TestClient(app, client=(fresh_ip(), 1)) as client:
        assert statuses(client, 8, "GET", "/listed", params=query) == [200] * 6 + [429] * 2
    with TestClient(app, client=(fresh_ip(), 1)) as client:
        # One session stops at its own 3, and leaves the rest of the address's 6 to the others.
        same = {"X-Session-Id": "one"}
        assert [client.get("/listed", headers=same).status_code for _ in range(4)] == [200, 200, 200, 429]
        assert statuses(client, 4, "GET", "/listed", headers=header) == [200, 200, 429, 429]


def test_spoofed_forwarded_for_from_an_untrusted_peer_makes_no_new_bucket() -> None:
    settings = Settings(auth_jwt_secret=SECRET, rate_limit_chat="2/minute", trusted_proxies=["10.9.9.9"])
    spoof = lambda: {"X-Forwarded-For": fresh_ip()}  # noqa: E731
    with TestClient(make_app(settings), client=(fresh_ip(), 1)) as client:
        assert statuses(client, 6, json=new_session, headers=spoof) == [200] * 4 + [429] * 2


def test_forwarded_for_from_a_trusted_proxy_names_the_client() -> None:
    proxy = fresh_ip()
    settings = Settings(auth_jwt_secret=SECRET, rate_limit_chat="2/minute", trusted_proxies=[proxy])
    with TestClient(make_app(settings), client=(proxy, 1)) as client:
        # Each client behind the proxy has its own budget...
        assert statuses(client, 6, json=new_session, headers=lambda: {"X-Forwarded-For": fresh_ip()}) == [200] * 6
        # ...one client is limited, and what it writes left of the proxy's own hop does not help it.
        real = fresh_ip()
        forged = lambda: {"X-Forwarded-For": f"{fresh_ip()}, {real}"}  # noqa: E731
        assert statuses(client, 6, json=new_session, headers=forged) == [200] * 4 + [429] * 2


@pytest.mark.parametrize(
    ("peer", "xff", "client"),
    [
        ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),  # untrusted peer: its header is ignored
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["1.1.1.1, 198.51.100.1, 10.0.0.7"], "198.51.100.1"),  # right-most untrusted hop
        ("10.0.0.2", ["1.1.1.1", "198.51.100.1:4711"], "198.51.100.1"),  # several headers; a port
        ("10.0.0.2", ["[2001:db8::5]:443"], "2001:db8::5"),
        ("10.0.0.2", ["1.1.1.1, not-an-ip"], "10.0.0.2"),  # nothing believable: the proxy itself
        ("10.0.0.2", ["10.0.0.3"], "10.0.0.3"),  # only proxies: the left-most
        ("10.0.0.2", [], "10.0.0.2"),
        ("::ffff:203.0.113.9", [], "203.0.113.9"),
    ],
)
def test_resolve_takes_the_right_most_untrusted_hop(peer: str, xff: list[str], client: str) -> None:
    assert resolve(peer, xff, ["10.0.0.0/8"]) == client


def test_signed_in_callers_are_counted_by_identity_from_any_address() -> None:
    settings = Settings(auth_jwt_secret=SECRET, rate_limit_chat="2/minute")
    app = make_app(settings)
    token = mint_token(SECRET, "42", "demo", ["ai_agent"])
    staff = {"Authorization": f"Bearer {token}"}
    codes = []
    for _ in range(3):
        with TestClient(app, client=(fresh_ip(), 1)) as client:
            codes.append(client.post("/limited", json=new_session(), headers=staff).status_code)
    assert codes == [200, 200, 429]
    customer, same_staff = Caller(sub="42", tenant="demo", role="customer"), Caller(sub="42", tenant="demo")
    assert caller_key(customer, None, None) != caller_key(same_staff, None, None)
    keys = caller_key(Caller(), "my-secret-session", "198.51.100.7")
    assert [len(b.key) for b in keys] == [32, 32] and not any("secret" in b.key for b in keys)


def middleware_app(settings: Settings) -> FastAPI:
    app = make_app(settings)

    @app.get("/healthz")
    async def healthz() -> dict[str, bool]:
        return {"ok": True}

    @app.websocket("/ws")
    async def ws(socket: WebSocket) -> None:
        await socket.accept()
        await socket.close()

    app.add_middleware(RequestLimit, settings=settings)
    return app


def test_every_path_and_websocket_handshake_count_against_the_requests_limit() -> None:
    settings = Settings(auth_jwt_secret=SECRET, rate_limit_requests="3/minute", rate_limit_ip_factor=1)
    with TestClient(middleware_app(settings), client=(fresh_ip(), 1)) as client:
        bad_token = {"Authorization": "Bearer forged"}  # counted as the address, like no token
        assert [client.get("/nowhere", headers=bad_token).status_code for _ in range(3)] == [404] * 3
        refused = client.get("/api/usage")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert set(refused.json()) >= {"error_code", "message", "trace_id"}
        assert {client.get("/healthz").status_code for _ in range(5)} == {200}  # probes are exempt
        with pytest.raises(WebSocketDenialResponse) as denied:
            client.websocket_connect("/ws").__enter__()
        assert denied.value.status_code == 429
    with TestClient(middleware_app(settings), client=(fresh_ip(), 1)) as client:
        token = mint_token(SECRET, "ws-staff", "demo", [])
        for _ in range(3):
            with client.websocket_connect(f"/ws?token={token}"):
                pass
        with pytest.raises(WebSocketDenialResponse):
            client.websocket_connect(f"/ws?token={token}").__enter__()


def test_rate_limit_enabled_false_turns_limits_off() -> None:
    settings = Settings(
        auth_jwt_secret=SECRET, rate_limit_chat="1/minute", rate_limit_requests="1/minute", rate_limit_enabled=False
    )
    with TestClient(middleware_app(settings)) as client:
        assert {client.post("/limited", json={"session_id": "same"}).status_code for _ in range(5)} == {200}
        assert {client.post("/limited", json=new_session()).status_code for _ in range(5)} == {200}
