"""The tools over MCP at /mcp of the real server, driven by the official SDK's streamable HTTP client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from api.deps import mint_token
from bank_router.tools import TOOLS

pytestmark = pytest.mark.integration
SECRET = "integration-secret-0123456789abcdef0123"  # AUTH_JWT_SECRET of server_env
READER = ["ai_agent", "customer:read", "loan:read", "transaction:read"]
T = TypeVar("T")


def bearer(permissions: list[str], tenant: str = "demo", ttl: int = 600) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(SECRET, 'staff-mcp', tenant, permissions, ttl)}"}


def with_session(api_url: str, headers: dict[str, str], fn: Callable[[ClientSession], Awaitable[T]]) -> T:
    async def go() -> T:
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            streamable_http_client(f"{api_url}/mcp", http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await fn(session)

    try:
        return asyncio.run(go())
    except BaseExceptionGroup as group:  # the SDK's task groups wrap what went wrong; raise the one error
        leaf: BaseException = group
        while isinstance(leaf, BaseExceptionGroup) and len(leaf.exceptions) == 1:
            leaf = leaf.exceptions[0]
        raise leaf from None


def call(api_url: str, headers: dict[str, str], name: str, args: dict[str, Any]) -> Any:
    async def run(session: ClientSession) -> Any:
        return await session.call_tool(name, args)

    return with_session(api_url, headers, run)


def error_of(result: Any) -> dict[str, Any]:
    assert result.is_error is True
    body: dict[str, Any] = json.loads(result.content[0].text)
    return body


def test_list_tools_has_every_tool_with_its_schema(api_url: str) -> None:
    async def run(session: ClientSession) -> Any:
        return await session.list_tools()

    listed = {t.name: t for t in with_session(api_url, bearer(READER), run).tools}
    assert set(listed) == set(TOOLS) and len(listed) == 27
    for name, tool in TOOLS.items():
        assert listed[name].description == tool.description
        assert listed[name].input_schema == tool.json_schema()
        assert listed[name].output_schema is not None and listed[name].output_schema["type"] == "object"


def test_call_get_customer_kyc_returns_the_record(api_url: str) -> None:
    result = call(api_url, bearer(READER), "get_customer_kyc", {"identity_id": 123})
    assert result.is_error is False
    kyc = result.structured_content
    assert kyc["identity_id"] == 123 and kyc["kyc_status"] and kyc["nid"].startswith("*")
    assert json.loads(result.content[0].text) == kyc


def test_call_through_one_session_serves_several_tools(api_url: str) -> None:
    async def run(session: ClientSession) -> list[Any]:
        return [
            await session.call_tool("get_loan_repayments", {"loan_id": 456}),
            await session.call_tool("get_transaction_by_id", {"reference_id": "REF-001"}),
            await session.call_tool("get_loan_product", {"product_id": 5}),
        ]

    repayments, txn, product = with_session(api_url, bearer(READER), run)
    assert {r["loan_id"] for r in repayments.structured_content["items"]} == {456}
    assert txn.structured_content["reference_id"] == "REF-001"
    assert product.structured_content["id"] == 5


@pytest.mark.parametrize(("permissions", "missing"), [(["ai_agent"], "customer:read"), (["customer:read"], "ai_agent")])
def test_missing_permission_is_an_error_naming_it(api_url: str, permissions: list[str], missing: str) -> None:
    body = error_of(call(api_url, bearer(permissions), "get_customer_kyc", {"identity_id": 123}))
    assert body["error_code"] == "permission_denied" and missing in body["message"]
    assert body["details"]["missing_permissions"] == [missing] and body["trace_id"]


def test_other_tenant_gets_not_found(api_url: str) -> None:
    body = error_of(call(api_url, bearer(READER, tenant="other"), "get_customer_kyc", {"identity_id": 123}))
    assert body["error_code"] == "not_found" and "demo" not in body["message"]


def test_bad_arguments_name_the_field(api_url: str) -> None:
    body = error_of(call(api_url, bearer(READER), "get_customer_kyc", {"identity_id": "abc", "x": 1}))
    assert body["error_code"] == "validation_error"
    assert {f["field"] for f in body["details"]["fields"]} >= {"identity_id", "x"}


def test_unknown_tool_is_a_protocol_error(api_url: str) -> None:
    with pytest.raises(MCPError, match="Unknown tool"):
        call(api_url, bearer(READER), "no_such_tool", {})


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "UNAUTHORIZED"),
        ({"Authorization": "Bearer not-a-jwt"}, "INVALID_TOKEN"),
        (bearer(READER, ttl=-10), "TOKEN_EXPIRED"),
    ],
)
def test_without_a_valid_token_the_endpoint_answers_401(api_url: str, headers: dict[str, str], code: str) -> None:
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    accept = {"Accept": "application/json, text/event-stream"}
    r = httpx.post(f"{api_url}/mcp", json=initialize, headers={**headers, **accept}, timeout=10)
    assert r.status_code == 401
    body = r.json()
    assert body["error_code"] == code and body["message"] and body["trace_id"] == r.headers["x-trace-id"]
    assert r.headers["www-authenticate"] == "Bearer"


def test_the_sdk_client_without_a_token_is_refused(api_url: str) -> None:
    async def run(session: ClientSession) -> Any:
        return await session.list_tools()

    # The SDK reports the HTTP 401 (asserted above) as an MCP error; no tool list reaches it.
    with pytest.raises(MCPError):
        with_session(api_url, {}, run)
