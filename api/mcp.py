"""The tools over MCP: streamable HTTP at `/mcp`, authorised by the same JWT as the REST API (staff tools for
staff tokens; a signed-in customer's token lists and runs the customer tools, on that customer's rows).

Every tool in the catalog is listed from its one declaration (input schema = the registry's, output
schema = its result model); a call runs through the executor as the token's caller, so permissions
and the tenant are enforced exactly as for `POST /api/tools/{name}/execute`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import cache
from typing import Any, Literal

import anyio
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPError
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from api.deps import caller_from_token, runtime_of
from api.errors import AppError, error_body, error_response, trace_id_of
from api.ratelimit import caller_key, enforce
from api.routes.tools import enforce_tool_limit
from bank_router.tools import (
    ActionRefused,
    Tool,
    ToolArgumentError,
    ToolDeps,
    ToolError,
    ToolForbidden,
    ToolNotFound,
    execute,
    find,
    listed_for,
)
from bank_router.tools.executor import custom_tools_for, customer_id
from bank_router.turn.context import Caller

PATH = "/mcp"
_CALLER = "mcp_caller"  # key in the ASGI scope's state: the caller verified for this HTTP request


def mcp_tool(tool: Tool[Any, Any]) -> types.Tool:
    """The MCP listing of one tool, derived from its declaration."""
    return types.Tool(
        name=tool.name,
        description=tool.description,
        input_schema=tool.json_schema(),
        output_schema=tool.registry_entry()["response_schema"],
    )


def _error_result(exc: ToolError | AppError, trace_id: str) -> types.CallToolResult:
    """A tool error the model can read, in the contract's error JSON: the stable code, the message, the trace
    id, and in `details` which permission or field failed (or the rate limit's figures)."""
    details: Any = exc.details if isinstance(exc, AppError) else None
    if isinstance(exc, ToolForbidden):
        details = {"missing_permissions": exc.missing}
    elif isinstance(exc, ToolArgumentError):
        details = {"fields": exc.details}
    elif isinstance(exc, ActionRefused):
        details = exc.details or None
    text = json.dumps(error_body(exc.code, exc.message, trace_id, details), ensure_ascii=False)
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


@cache
def _listing(audience: Literal["staff", "customer"]) -> types.ListToolsResult:
    # The catalog is fixed for the process, and deriving 27 sets of JSON schemas costs ~50 ms: do it once.
    return types.ListToolsResult(tools=[mcp_tool(t) for t in listed_for(audience).values()])


def _caller_of(ctx: ServerRequestContext[Any, Any]) -> Caller | None:
    request: Request | None = ctx.request
    caller = request.scope.get("state", {}).get(_CALLER) if request is not None else None
    return caller if isinstance(caller, Caller) else None


async def _list_tools(
    ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
) -> types.ListToolsResult:
    """A signed-in customer sees the customer tools; staff see the staff tools and their tenant's registered ones."""
    caller = _caller_of(ctx)
    listing = _listing("customer" if caller is not None and customer_id(caller) is not None else "staff")
    request: Request | None = ctx.request
    if caller is None or request is None:
        return listing
    # Staff also see their tenant's registered tools they may run; never cached (they change at run time).
    custom = await anyio.to_thread.run_sync(custom_tools_for, caller, runtime_of(request).services.tools)
    if not custom:
        return listing
    return types.ListToolsResult(tools=[*listing.tools, *(mcp_tool(t) for t in custom)])


async def _call_tool(ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams) -> types.CallToolResult:
    request: Request | None = ctx.request
    caller = request.scope.get("state", {}).get(_CALLER) if request is not None else None
    if request is None or not isinstance(caller, Caller):
        raise MCPError(types.INVALID_REQUEST, "A staff token is required: 'Authorization: Bearer <token>'.")
    deps: ToolDeps = runtime_of(request).services.tools
    try:
        # The same budget as POST /api/tools/{name}/execute: an MCP client is one more way to run tools.
        limiter = getattr(request.app.state, "limiter", None)
        await enforce(limiter, "tools", caller_key(caller, None, None))
        tool = find(params.name)
        if tool is not None:
            await enforce_tool_limit(limiter, tool, caller)
    except AppError as exc:
        return _error_result(exc, trace_id_of(request))
    try:
        # Tools run blocking SQL or HTTP: keep them off the event loop.
        result = await anyio.to_thread.run_sync(execute, params.name, params.arguments or {}, caller, deps)
    except ToolNotFound as exc:
        raise MCPError(types.INVALID_PARAMS, exc.message) from None
    except ToolError as exc:
        return _error_result(exc, trace_id_of(request))
    payload = result.result.model_dump(mode="json")
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=json.dumps(payload, ensure_ascii=False))],
        structured_content=payload,
    )


def _input_schema(name: str) -> Mapping[str, Any] | None:
    # Not scoped to a caller: a registered tool's arguments are checked by the executor against its schema.
    tool = find(name)
    return tool.json_schema() if tool is not None else None


def build_server() -> Server[Any]:
    return Server(
        "bank-router",
        version="1.0.0",
        instructions="Bank staff platform tools; each call runs with the caller's permissions and tenant.",
        get_tool_input_schema=_input_schema,
        on_list_tools=_list_tools,
        on_call_tool=_call_tool,
    )


class McpEndpoint:
    """The ASGI endpoint at /mcp: a bad or missing staff token is a 401 in the contract's shape."""

    def __init__(self) -> None:
        # Stateless: every HTTP request carries and is checked against its own token; no session holds authority.
        self.manager = StreamableHTTPSessionManager(build_server(), json_response=True, stateless=True)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with self.manager.run():
            yield

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer" or not token.strip():
                raise AppError(
                    401, "UNAUTHORIZED", "The MCP endpoint needs a staff token: 'Authorization: Bearer <token>'."
                )
            settings = runtime_of(request).settings
            # A token without a tenant is refused with a message naming the claim (api/tokens.py).
            caller = caller_from_token(token.strip(), settings.auth_jwt_secret, settings.auth_max_token_lifetime)
        except AppError as exc:
            response = error_response(
                exc.status, exc.code, exc.message, trace_id_of(request), headers={"WWW-Authenticate": "Bearer"}
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})[_CALLER] = caller
        await self.manager.handle_request(scope, receive, send)
