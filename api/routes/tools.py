"""The REST tool registry (seed 002): list the platform tools, describe one, execute one as the caller."""

from __future__ import annotations

import asyncio
from contextlib import nullcontext
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Header, Request, Response

from api.deps import CallerDep, RuntimeDep, caller_from_token, runtime_of
from api.errors import AppError
from api.idempotency import IdempotencyKeyHeader, key_in_use, key_reused, mark_replayed, tool_key
from api.ratelimit import caller_key, enforce, rate_limited
from api.runtime import Runtime
from api.schemas import ErrorResponse, ToolExecuteRequest, ToolExecuteResponse, ToolList
from bank_router.ratelimit import RateLimiter, parse_limit
from bank_router.store.idempotency import IdempotencyConflict, IdempotencyKey, IdempotencyMismatch
from bank_router.store.locks import SessionBusy
from bank_router.tools import (
    ActionRefused,
    RecordNotFound,
    Tool,
    ToolArgumentError,
    ToolDeps,
    ToolError,
    ToolExecutionError,
    ToolForbidden,
    ToolNotFound,
    ToolUnavailable,
    execute,
    find,
    registry,
)
from bank_router.tools.executor import custom_tools_for, customer_id, resolve
from bank_router.turn.context import Caller

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/api", tags=["tools"])


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorResponse} for code in codes}


def _tool(name: str) -> Tool[Any, Any]:
    tool = find(name)
    if tool is None:
        raise AppError(404, "TOOL_NOT_FOUND", f"Unknown tool: {name[:64]}")
    return tool


def _listing_caller(request: Request) -> Caller:
    """The caller a valid token names, else anonymous (the listing never fails on a token)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return Caller()
    settings = runtime_of(request).settings
    try:
        return caller_from_token(token.strip(), settings.auth_jwt_secret, settings.auth_max_token_lifetime)
    except AppError:
        return Caller()


async def enforce_tool_limit(limiter: RateLimiter | None, tool: Tool[Any, Any], caller: Caller) -> None:
    """Count one call against the tool's own `rate_limit` (seed 002, per signed-in caller and tool); 429 when
    spent. Anonymous callers have the route's limits only (no tool with a rate_limit runs for them)."""
    if limiter is None or tool.rate_limit is None or not caller.is_staff:
        return
    name = f"tool:{tool.name}"
    if name not in limiter.limits:
        limiter.limits[name] = parse_limit(tool.rate_limit)
    await enforce(limiter, name, caller_key(caller, None, None))


def customer_gate(tool: Tool[Any, Any], caller: Caller) -> None:
    """Customer tools need a signed-in customer's token: 401 without a token, 403 for staff."""
    if tool.audience != "customer":
        return
    if caller.sub is None:
        raise AppError(
            401,
            "UNAUTHORIZED",
            f"The tool '{tool.name}' needs a signed-in customer's token: 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if customer_id(caller) is None:
        raise AppError(403, "FORBIDDEN", f"The tool '{tool.name}' runs only for a signed-in customer.")


def refused(exc: ActionRefused) -> AppError:
    """A customer action that cannot be done as asked: 422 with the stable code (INVALID_CODE, CODE_EXPIRED,
    CODE_LOCKED, CODE_USED, INSUFFICIENT_FUNDS, TRANSFER_REFUSED, ACTION_REFUSED) and its details."""
    return AppError(422, exc.code.upper(), exc.message, exc.details or None)


@router.get("/tools", response_model=ToolList)
async def list_tools(request: Request) -> ToolList:
    """Every platform tool with its parameters, permission and whether it needs a token; a signed-in customer's
    token lists the customer tools (balance, accounts, statement, cards, payees, transfers) instead."""
    caller = _listing_caller(request)
    listed = registry("customer" if customer_id(caller) is not None else "staff")
    # Staff also see their tenant's registered tools they may run (bank_router/tools/custom.py).
    custom = await asyncio.to_thread(custom_tools_for, caller, runtime_of(request).services.tools)
    return ToolList(data=[*listed, *(t.registry_entry() for t in custom)])


@router.get("/tools/{name}", responses=_errors(404))
async def tool_details(name: str) -> dict[str, Any]:
    """One tool's details: parameters, response schema, permission, version and cache TTL."""
    return _tool(name).registry_entry()


@router.post(
    "/tools/{name}/execute",
    response_model=ToolExecuteResponse,
    responses=_errors(401, 403, 404, 409, 422, 429, 500, 503),
    dependencies=[Depends(rate_limited("tools"))],
)
async def execute_tool(
    name: str,
    request: Request,
    body: ToolExecuteRequest,
    caller: CallerDep,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
    x_session_id: Annotated[
        str | None, Header(max_length=128, description="Anonymous callers: scopes their Idempotency-Key")
    ] = None,
) -> ToolExecuteResponse:
    """Run one tool as the caller, in the caller's tenant (tools without a permission run anonymously).
    `parameters` must fit the tool's own parameter schema (GET /api/tools/{name}): otherwise 422 naming the fields.
    With `Idempotency-Key`, the tool runs once: a retry gets the first result back (`Idempotent-Replayed`)."""
    try:
        # A built-in tool (no database read), else one of the caller's tenant's registered tools.
        found = find(name)
        tool = found if found is not None else await asyncio.to_thread(resolve, name, caller, runtime.services.tools)
    except ToolNotFound:
        raise AppError(404, "TOOL_NOT_FOUND", f"Unknown tool: {name[:64]}") from None
    except ToolUnavailable as exc:
        raise AppError(503, "SERVICE_UNAVAILABLE", exc.message) from None
    customer_gate(tool, caller)
    await enforce_tool_limit(getattr(request.app.state, "limiter", None), tool, caller)
    result, replayed = await run_tool(runtime, tool, body.parameters, caller, x_session_id, idempotency_key)
    mark_replayed(response, replayed)
    return ToolExecuteResponse.model_validate(result)


async def run_tool(
    runtime: Runtime,
    tool: Tool[Any, Any],
    parameters: dict[str, Any],
    caller: Caller,
    session_id: str | None = None,
    idempotency_key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """(the execute body, whether it was replayed): one tool run as the caller, its failures as AppErrors.
    Shared by this registry and seed 002's (`/api/ai/mcp/tools/{name}/execute`)."""
    customer_gate(tool, caller)
    if tool.permission is not None and not caller.is_staff:
        raise AppError(
            401,
            "UNAUTHORIZED",
            f"The tool '{tool.name}' needs a staff token: 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key = tool_key(caller, session_id, tool.name, parameters, idempotency_key)
    try:
        # Tools run blocking SQL: keep them off the event loop.
        result, replayed = await asyncio.to_thread(_execute_once, runtime, tool.name, parameters, caller, key)
    except IdempotencyMismatch:
        raise key_reused() from None
    except (IdempotencyConflict, SessionBusy):
        raise key_in_use() from None
    except ToolForbidden as exc:
        raise AppError(403, "FORBIDDEN", exc.message, {"missing_permissions": exc.missing}) from None
    except ToolArgumentError as exc:
        first = exc.details[0] if exc.details else {"field": "parameters", "message": "invalid"}
        message = f"Invalid field '{first['field']}': {first['message']}"
        raise AppError(422, "VALIDATION_ERROR", message, {"fields": exc.details}) from None
    except RecordNotFound as exc:
        raise AppError(404, "NOT_FOUND", exc.message) from None
    except ActionRefused as exc:
        raise refused(exc) from None
    except ToolUnavailable as exc:
        raise AppError(503, "SERVICE_UNAVAILABLE", exc.message) from None
    except ToolExecutionError as exc:
        raise AppError(500, "INTERNAL_ERROR", exc.message) from None
    except ToolError as exc:  # any other stable tool failure: the caller's request cannot be served
        raise AppError(400, "BAD_REQUEST", exc.message) from None
    return result, replayed


def _execute_once(
    runtime: Runtime, name: str, parameters: dict[str, Any], caller: Caller, key: IdempotencyKey | None
) -> tuple[dict[str, Any], bool]:
    """(the result body, whether it was replayed). With a key: under a lock on the key (across workers),
    the stored result if there is one, else the tool runs and its result is stored."""
    if key is None:
        return _body(execute(name, parameters, caller, _deps(runtime))), False
    locks, wait = runtime.session_locks, runtime.settings.session_lock_timeout
    with locks.hold(f"idempotency:{key.id}", wait) if locks is not None else nullcontext():
        found = runtime.store.replay(key)
        if found is not None:
            return found.response, True
        body = _body(execute(name, parameters, caller, _deps(runtime)))
        try:
            runtime.store.remember(key, body)
        except Exception as exc:
            # The tool has run: its result goes out. A 503 would invite a retry that runs it again.
            log.error("idempotency_key_not_stored", tool=name, error_type=type(exc).__name__)
        return body, False


def _deps(runtime: Runtime) -> ToolDeps:
    deps: ToolDeps = runtime.services.tools
    return deps


def _body(result: Any) -> dict[str, Any]:
    return ToolExecuteResponse.model_validate(result.to_dict()).model_dump(mode="json")
