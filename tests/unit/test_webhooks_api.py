"""The webhook routes in process (ASGI): their own permission, and no target inside the network."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.deps import mint_token
from api.main import create_app
from bank_router.events import WebhookBase, WebhookRegistry
from bank_router.events.targets import TargetGuard
from bank_router.platform.db import make_engine
from bank_router.settings import Settings

SECRET = "webhook-api-secret-0123456789abcdef0123"
PUBLIC = "93.184.216.34"


async def _dns(host: str, port: int) -> list[str]:
    """hooks.example is public; every other name or literal resolves as the system would have it."""
    from bank_router.events.targets import system_resolve

    return [PUBLIC] if host == "hooks.example" else await system_resolve(host, port)


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    settings = Settings(data_dir=tmp_path, auth_jwt_secret=SECRET, environment="development")
    application = create_app(settings)
    application.state.runtime = SimpleNamespace(settings=settings)
    engine = make_engine(f"sqlite:///{tmp_path}/hooks.sqlite")
    WebhookBase.metadata.create_all(engine)
    application.state.webhooks = WebhookRegistry(engine)
    application.state.webhook_guard = TargetGuard(allow_private=settings.webhook_allow_private, resolve=_dns)
    return application


def bearer(*permissions: str, tenant: str = "demo", **claims: Any) -> dict[str, str]:
    token = mint_token(SECRET, "officer-1", tenant, list(permissions))
    if claims:
        import jwt

        token = jwt.encode({**jwt.decode(token, SECRET, algorithms=["HS256"]), **claims}, SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def call(app: FastAPI, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def hook(url: str = "https://hooks.example/ai") -> dict[str, Any]:
    return {"url": url, "events": ["decision.made"], "secret": "receiver-secret"}


MANAGER = ("webhooks:manage", "loan:read", "customer:read")


def test_a_token_with_only_ai_agent_may_not_manage_webhooks(app: FastAPI) -> None:
    agent = bearer("ai_agent", "loan:read", "customer:read")
    for method, path, body in [
        ("POST", "/api/webhooks", hook()),
        ("GET", "/api/webhooks", None),
        ("DELETE", "/api/webhooks/wh_x", None),
    ]:
        r = call(app, method, path, json=body, headers=agent)
        assert r.status_code == 403, (method, r.text)
        assert r.json()["error_code"] == "FORBIDDEN" and "webhooks:manage" in r.json()["message"]
    customer = bearer("webhooks:manage", role="customer")  # a customer token is not staff, whatever it holds
    assert call(app, "POST", "/api/webhooks", json=hook(), headers=customer).status_code == 403


def test_a_manager_registers_lists_and_deletes_with_its_permissions_recorded(app: FastAPI) -> None:
    created = call(app, "POST", "/api/webhooks", json=hook(), headers=bearer(*MANAGER))
    assert created.status_code == 201, created.text
    assert created.json()["permissions"] == sorted(MANAGER) and "secret" not in created.json()
    listed = call(app, "GET", "/api/webhooks", headers=bearer("webhooks:manage")).json()["data"]
    assert [h["id"] for h in listed] == [created.json()["id"]]
    registry: WebhookRegistry = app.state.webhooks
    assert registry.for_tenant("demo")[0].permissions == frozenset(MANAGER)
    gone = call(app, "DELETE", f"/api/webhooks/{created.json()['id']}", headers=bearer("webhooks:manage"))
    assert gone.status_code == 204


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/hook",
        "http://127.0.0.1:8000/hook",
        "http://localhost:5432",
        "http://[::1]:6379/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://10.0.0.7/hook",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]:5432/",
        "http://2130706433/",
        "https://api.localhost/hook",
        "localhost:5432",
        "gopher://hooks.example/x",
        "file:///etc/passwd",
    ],
)
def test_internal_or_non_http_targets_are_422_on_the_url_field(app: FastAPI, url: str) -> None:
    r = call(app, "POST", "/api/webhooks", json=hook(url), headers=bearer(*MANAGER))
    assert r.status_code == 422, r.text
    body = r.json()
    assert set(body) >= {"error_code", "message", "trace_id"} and body["error_code"] == "VALIDATION_ERROR"
    assert body["details"]["fields"][0]["field"] == "url"
    registry: WebhookRegistry = app.state.webhooks
    assert registry.for_tenant("demo") == []


def test_private_targets_are_allowed_only_when_the_deployment_says_so(app: FastAPI) -> None:
    app.state.webhook_guard = TargetGuard(allow_private=True, resolve=_dns)
    r = call(app, "POST", "/api/webhooks", json=hook("http://127.0.0.1:8000/hook"), headers=bearer(*MANAGER))
    assert r.status_code == 201, r.text
