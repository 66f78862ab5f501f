"""The REST tool registry in process, against the real services and the seeded demo platform."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.deps import mint_token
from api.main import create_app
from bank_router.services import Services
from bank_router.settings import Settings

STAFF = ["ai_agent", "customer:read"]


@dataclass
class _Runtime:
    settings: Settings
    services: Services


@pytest.fixture(scope="module")
def app(settings: Settings, services: Services) -> FastAPI:
    application = create_app(settings)
    application.state.runtime = _Runtime(settings, services)
    return application


def token(settings: Settings, permissions: list[str], tenant: str = "demo") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(settings.auth_jwt_secret, 'staff-1', tenant, permissions)}"}


def call(app: FastAPI, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def run_tool(app: FastAPI, name: str, parameters: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return call(
        app, "POST", f"/api/tools/{name}/execute", json={"parameters": parameters, "context": {}}, headers=headers
    )


def assert_error(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["error_code"] == code and body["message"] and body["trace_id"] == r.headers["x-trace-id"]
    assert "Traceback" not in r.text
    return body


def test_list_has_every_tool(app: FastAPI) -> None:
    r = call(app, "GET", "/api/tools")
    assert r.status_code == 200
    data = r.json()["data"]
    assert len(data) == 27 and len({t["name"] for t in data}) == 27
    for entry in data:
        assert {"name", "parameters", "permission", "requires_auth", "cache_ttl", "version"} <= set(entry)
        assert entry["requires_auth"] is (entry["permission"] is not None)
    guide = next(t for t in data if t["name"] == "customer_onboarding_guide")
    assert guide["requires_auth"] is False and guide["permission"] is None


def test_details_of_get_customer_kyc(app: FastAPI) -> None:
    r = call(app, "GET", "/api/tools/get_customer_kyc")
    assert r.status_code == 200
    tool = r.json()
    assert tool["name"] == "get_customer_kyc" and tool["permission"] == "customer:read"
    assert tool["requires_auth"] is True and tool["version"] == "1.0.0" and tool["cache_ttl"] == 60
    assert tool["parameters"]["identity_id"]["required"] is True
    assert tool["parameters"]["identity_id"]["type"] == "integer"
    assert "nid" in tool["response_schema"]["properties"]


def test_details_of_unknown_tool_is_404(app: FastAPI) -> None:
    assert_error(call(app, "GET", "/api/tools/no_such_tool"), 404, "TOOL_NOT_FOUND")


def test_execute_get_customer_kyc(app: FastAPI, settings: Settings) -> None:
    r = run_tool(app, "get_customer_kyc", {"identity_id": 123}, token(settings, STAFF))
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["success", "result", "execution_time", "cached", "tool_version"]
    assert body["success"] is True and body["cached"] is False and body["tool_version"] == "1.0.0"
    assert body["execution_time"] >= 0
    kyc = body["result"]
    assert kyc["identity_id"] == 123 and kyc["kyc_status"] == "verified"
    assert kyc["nid"].startswith("*") and len(kyc["nid"].lstrip("*")) == 4


def test_execute_without_token_is_401(app: FastAPI) -> None:
    assert_error(run_tool(app, "get_customer_kyc", {"identity_id": 123}), 401, "UNAUTHORIZED")


def test_execute_with_bad_token_is_401(app: FastAPI) -> None:
    r = run_tool(app, "get_customer_kyc", {"identity_id": 123}, {"Authorization": "Bearer not-a-jwt"})
    assert_error(r, 401, "INVALID_TOKEN")


@pytest.mark.parametrize(("permissions", "missing"), [(["ai_agent"], "customer:read"), (["customer:read"], "ai_agent")])
def test_execute_without_permission_is_403(
    app: FastAPI, settings: Settings, permissions: list[str], missing: str
) -> None:
    r = run_tool(app, "get_customer_kyc", {"identity_id": 123}, token(settings, permissions))
    body = assert_error(r, 403, "FORBIDDEN")
    assert missing in body["message"] and body["details"]["missing_permissions"] == [missing]


def test_execute_in_another_tenant_is_404(app: FastAPI, settings: Settings) -> None:
    r = run_tool(app, "get_customer_kyc", {"identity_id": 123}, token(settings, STAFF, tenant="other"))
    body = assert_error(r, 404, "NOT_FOUND")
    assert "demo" not in body["message"] and "other" not in body["message"]


@pytest.mark.parametrize(
    ("parameters", "field"),
    [({"identity_id": "abc"}, "identity_id"), ({}, "identity_id"), ({"identity_id": 1, "tenant": "x"}, "tenant")],
)
def test_execute_with_bad_arguments_is_422(app: FastAPI, settings: Settings, parameters: Any, field: str) -> None:
    body = assert_error(run_tool(app, "get_customer_kyc", parameters, token(settings, STAFF)), 422, "VALIDATION_ERROR")
    assert field in body["message"] and body["details"]["fields"][0]["field"] == field


def test_execute_with_malformed_body_is_422(app: FastAPI, settings: Settings) -> None:
    body = assert_error(run_tool(app, "get_customer_kyc", [1, 2], token(settings, STAFF)), 422, "VALIDATION_ERROR")
    assert "parameters" in body["message"]


def test_execute_unknown_tool_is_404(app: FastAPI, settings: Settings) -> None:
    assert_error(run_tool(app, "no_such_tool", {}, token(settings, STAFF)), 404, "TOOL_NOT_FOUND")


def test_onboarding_guide_runs_anonymously(app: FastAPI) -> None:
    r = run_tool(app, "customer_onboarding_guide", {"language": "en"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True and body["result"]["steps"]


def test_tools_are_in_the_openapi_spec(app: FastAPI) -> None:
    paths = call(app, "GET", "/openapi.json").json()["paths"]
    assert {"/api/tools", "/api/tools/{name}", "/api/tools/{name}/execute"} <= set(paths)
