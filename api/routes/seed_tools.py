"""Seed 002's tool registry, `/api/ai/mcp/tools`: the tool declarations and executor of `/api/tools`.

Names resolve through the executor's `resolve` (seed 002's aliases such as `CheckBalanceTool` where the
catalogue declares them, then the caller's tenant's registered tools). `POST /register` (staff with `ai_agent`
and `tools:register`, 10 an hour) registers a custom HTTP tool for the caller's tenant (bank_router/tools/
custom.py); `DELETE /{name}` removes one. A registered tool is listed, described and run for staff of its
tenant with `ai_agent` and the permission named at registration (`tools:use` by default); its headers are
never shown. A result is cached per (caller, tool, parameters) for the tool's `cache_ttl`
seconds (`cached: true` on a hit); a tool with `cache_ttl` 0 or `requires_2fa` is never cached. The cache
is this process's own, bounded, and holds only what its caller may read.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import OrderedDict
from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.deps import CallerDep, RuntimeDep
from api.errors import AppError
from api.idempotency import IdempotencyKeyHeader, mark_replayed
from api.ratelimit import rate_limited
from api.routes.seed_v1 import signed_in
from api.routes.tools import enforce_tool_limit, run_tool
from api.runtime import Runtime
from api.schemas import ToolExecuteRequest
from bank_router.store import owner_of
from bank_router.tools import Tool, ToolNotFound, ToolUnavailable
from bank_router.tools.catalog import listed_for
from bank_router.tools.custom import (
    CATEGORY_PATTERN,
    DEFAULT_PERMISSION,
    NAME_PATTERN,
    PERMISSION_PATTERN,
    REGISTER_PERMISSION,
    CustomTool,
    CustomTools,
    Registration,
    RegistrationError,
    check_headers,
    check_name,
    normalise_schema,
)
from bank_router.tools.executor import AGENT_PERMISSION, custom_tools_for, customer_id, resolve
from bank_router.turn.context import Caller

router = APIRouter(prefix="/mcp/tools")
# Registry fields the declarations may not carry yet: seed 002's defaults.
DEFAULTS: dict[str, Any] = {"requires_2fa": False, "rate_limit": "100/hour", "examples": []}
_LISTED = ("name", "category", "description", "parameters", "requires_auth", "requires_2fa", "cache_ttl")
_DETAILED = (
    "name",
    "category",
    "description",
    "version",
    "parameters",
    "response_schema",
    "examples",
    "requires_auth",
    "requires_2fa",
    "rate_limit",
    "cache_ttl",
)


def entry(tool: Tool[Any, Any]) -> dict[str, Any]:
    """The tool's registry entry with seed 002's defaults filled in."""
    found = tool.registry_entry()
    return {**DEFAULTS, **{k: v for k, v in found.items() if v is not None or k not in DEFAULTS}}


async def find(name: str, caller: Caller, runtime: Runtime) -> Tool[Any, Any]:
    """A built-in tool, or one of the caller's tenant's registered tools; 404 otherwise."""
    try:
        return await asyncio.to_thread(resolve, name, caller, runtime.services.tools)
    except ToolNotFound:
        raise AppError(404, "NOT_FOUND", "Tool not found") from None
    except ToolUnavailable:
        raise AppError(503, "SERVICE_UNAVAILABLE", "The tool registry is unavailable; try again later") from None


def _permitted(tool: Tool[Any, Any], caller: Caller) -> None:
    """A registered tool is described only to those who may run it (others learn nothing more than 403)."""
    if isinstance(tool, CustomTool) and tool.permission is not None and not caller.can(tool.permission):
        missing = [p for p in (AGENT_PERMISSION, tool.permission) if p not in caller.permissions]
        raise AppError(
            403, "FORBIDDEN", "You do not have permission to execute this tool", {"missing_permissions": missing}
        )


class ToolCache:
    """Results by (owner, tool, parameters) until their TTL passes; at most `size` entries, oldest out first."""

    def __init__(self, size: int = 10_000, clock: Any = time.monotonic) -> None:
        self.size, self.clock = size, clock
        self._items: OrderedDict[tuple[str, str, str], tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> dict[str, Any] | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            if found[0] <= self.clock():
                del self._items[key]
                return None
            return dict(found[1])

    def put(self, key: tuple[str, str, str], body: dict[str, Any], ttl: float) -> None:
        with self._lock:
            self._items[key] = (self.clock() + ttl, dict(body))
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


CACHE = ToolCache()


@router.get("")
async def seed_tools(caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    """Every tool: name, category, description, parameters, requires_auth, requires_2fa, cache_ttl; staff also
    see their tenant's registered tools they may run."""
    signed_in(caller)
    listed: list[Tool[Any, Any]] = list(listed_for("customer" if customer_id(caller) is not None else "staff").values())
    listed += await asyncio.to_thread(custom_tools_for, caller, runtime.services.tools)
    return {"data": [{k: entry(t)[k] for k in _LISTED} for t in listed]}


class ToolRegistration(BaseModel):
    """Seed 002's register body; `parameters` is a JSON object schema or seed 002's flat parameter map."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "name": "CustomAnalyticsTool",
                    "description": "Custom analytics for user transactions",
                    "category": "analytics",
                    "endpoint": "https://api.example.com/analytics",
                    "parameters": {"user_id": {"type": "integer", "required": True, "description": "User ID"}},
                    "headers": {"X-API-Key": "your-api-key"},
                    "cache_ttl": 3600,
                }
            ]
        },
    )

    name: str = Field(pattern=NAME_PATTERN, description="letters, digits and _, 3-64, not a built-in tool's name")
    description: str = Field(min_length=1, max_length=1000)
    category: str = Field("custom", pattern=CATEGORY_PATTERN)
    endpoint: str = Field(min_length=1, max_length=2048, description="http(s) URL on a public address")
    method: Literal["POST", "GET"] = Field("POST", description="POST sends the arguments as JSON; GET as the query")
    parameters: dict[str, Any] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict, description="sent on every call; stored encrypted")
    cache_ttl: int = Field(0, ge=0, le=86_400, description="seconds a result is reused; 0: never")
    requires_auth: StrictBool = Field(True, description="always true: a registered tool needs a staff token")
    permission: str = Field(
        DEFAULT_PERMISSION, pattern=PERMISSION_PATTERN, description="what callers need besides ai_agent"
    )
    version: str = Field("1.0.0", pattern=r"^[0-9A-Za-z.+-]{1,32}$")


class ToolRegistered(BaseModel):
    success: bool
    tool_id: str
    message: str


def _registry(runtime: Runtime) -> CustomTools:
    store = runtime.services.tools.custom
    if store is None:
        raise AppError(503, "SERVICE_UNAVAILABLE", "Custom tools are unavailable on this server")
    return store


def _registrar(caller: Caller, permission: str = REGISTER_PERMISSION) -> str:
    """The tenant a registrar acts for: staff with `ai_agent` and `tools:register` (customer tokens never)."""
    signed_in(caller)
    if caller.role is not None or not caller.tenant or not caller.can(permission):
        missing = [p for p in (AGENT_PERMISSION, permission) if p not in caller.permissions]
        raise AppError(
            403, "FORBIDDEN", "You do not have permission to register tools", {"missing_permissions": missing}
        )
    return caller.tenant


def _invalid(exc: RegistrationError) -> AppError:
    if exc.status == 409:
        return AppError(409, "CONFLICT", f"{exc.field} {exc.message}")
    return AppError(
        422,
        "VALIDATION_ERROR",
        f"Invalid field '{exc.field}': {exc.message}",
        {"fields": [{"field": exc.field, "message": exc.message}]},
    )


def registrar(caller: CallerDep) -> str:
    """As a dependency: 401/403 before the body is read, so a caller who may not register learns nothing more."""
    return _registrar(caller)


# Permission first, then the caller's budget: a refused caller does not spend a registrar's budget.
@router.post(
    "/register",
    status_code=201,
    dependencies=[Depends(registrar), Depends(rate_limited("tool_registration"))],
)
async def seed_register_tool(body: ToolRegistration, caller: CallerDep, runtime: RuntimeDep) -> ToolRegistered:
    """Register a custom HTTP tool for the caller's tenant (seed 002): staff with `ai_agent` and `tools:register`.
    The endpoint must be on a public address (or a host of TOOL_ENDPOINT_ALLOWLIST); headers are kept encrypted."""
    tenant = _registrar(caller)
    store = _registry(runtime)
    if not body.requires_auth:
        raise _invalid(RegistrationError("requires_auth", "a registered tool always needs a staff token"))
    try:
        check_name(body.name)
        schema = normalise_schema(body.parameters)
        headers = check_headers(body.headers)
        await store.check_target(body.endpoint)
        reg = Registration(
            name=body.name,
            description=body.description,
            category=body.category,
            permission=body.permission,
            endpoint=body.endpoint.strip(),
            method=body.method,
            schema=schema,
            headers=headers,
            cache_ttl=body.cache_ttl,
            version=body.version,
        )
        tool = await asyncio.to_thread(store.register, tenant, caller.sub, reg)
    except RegistrationError as exc:
        raise _invalid(exc) from None
    return ToolRegistered(success=True, tool_id=tool.tool_id, message="Tool registered successfully")


@router.get("/{name}")
async def seed_tool(name: str, caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    """One tool: version, parameters, response_schema, examples, rate_limit, cache_ttl."""
    signed_in(caller)
    if name == "register":  # POST only; not a tool's name
        raise AppError(405, "METHOD_NOT_ALLOWED", "Method Not Allowed", headers={"Allow": "POST"})
    tool = await find(name, caller, runtime)
    _permitted(tool, caller)
    found = entry(tool)
    return {k: found[k] for k in _DETAILED}


@router.delete("/{name}", status_code=204)
async def seed_delete_tool(name: str, caller: CallerDep, runtime: RuntimeDep) -> Response:
    """Remove one of the tenant's registered tools (staff with `ai_agent` and `tools:register`); built-in tools
    cannot be removed (404, as for a name the tenant has not registered)."""
    tenant = _registrar(caller)
    store = _registry(runtime)
    if not await asyncio.to_thread(store.delete, tenant, name):
        raise AppError(404, "NOT_FOUND", "Tool not found")
    return Response(status_code=204)


@router.post("/{name}/execute", dependencies=[Depends(rate_limited("tools"))])
async def seed_execute(
    name: str,
    request: Request,
    body: ToolExecuteRequest,
    caller: CallerDep,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
    x_session_id: str | None = Header(None, max_length=128),
) -> dict[str, Any]:
    """Run the tool as the caller: `success`, `result`, `execution_time`, `cached`, `tool_version`."""
    signed_in(caller)
    tool = await find(name, caller, runtime)
    declared = entry(tool)
    ttl = float(declared.get("cache_ttl") or 0)
    cacheable = ttl > 0 and not declared.get("requires_2fa")
    await enforce_tool_limit(getattr(request.app.state, "limiter", None), tool, caller)
    # A registered tool's results are keyed by its registration too: a tool registered again starts afresh.
    named = f"{tool.name}#{tool.tool_id}" if isinstance(tool, CustomTool) else tool.name
    key = (owner_of(caller, None).key, named, json.dumps(body.parameters, sort_keys=True, default=str))
    if cacheable and (hit := CACHE.get(key)) is not None:
        return {**hit, "cached": True}
    result, replayed = await run_tool(runtime, tool, body.parameters, caller, x_session_id, idempotency_key)
    mark_replayed(response, replayed)
    if cacheable:
        CACHE.put(key, result, ttl)
    return {**result, "cached": False}
