"""The REST tool registry (seed 002): list the platform tools, describe one, execute one as the caller."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends

from api.deps import CallerDep, RuntimeDep
from api.errors import AppError
from api.ratelimit import rate_limited
from api.schemas import ErrorResponse, ToolExecuteRequest, ToolExecuteResponse, ToolList
from bank_router.tools import (
    TOOLS,
    RecordNotFound,
    Tool,
    ToolArgumentError,
    ToolDeps,
    ToolError,
    ToolExecutionError,
    ToolForbidden,
    ToolUnavailable,
    execute,
    registry,
)

router = APIRouter(prefix="/api", tags=["tools"])


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorResponse} for code in codes}


def _tool(name: str) -> Tool[Any, Any]:
    tool = TOOLS.get(name)
    if tool is None:
        raise AppError(404, "TOOL_NOT_FOUND", f"Unknown tool: {name[:64]}")
    return tool


@router.get("/tools", response_model=ToolList)
async def list_tools() -> ToolList:
    """Every platform tool with its parameters, permission and whether it needs a staff token."""
    return ToolList(data=registry())


@router.get("/tools/{name}", responses=_errors(404))
async def tool_details(name: str) -> dict[str, Any]:
    """One tool's details: parameters, response schema, permission, version and cache TTL."""
    return _tool(name).registry_entry()


@router.post(
    "/tools/{name}/execute",
    response_model=ToolExecuteResponse,
    responses=_errors(401, 403, 404, 422, 429, 500, 503),
    dependencies=[Depends(rate_limited("tools"))],
)
async def execute_tool(
    name: str, body: ToolExecuteRequest, caller: CallerDep, runtime: RuntimeDep
) -> ToolExecuteResponse:
    """Run one tool as the caller, in the caller's tenant (tools without a permission run anonymously)."""
    tool = _tool(name)
    if tool.permission is not None and not caller.is_staff:
        raise AppError(
            401,
            "UNAUTHORIZED",
            f"The tool '{tool.name}' needs a staff token: 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    deps: ToolDeps = runtime.services.tools
    try:
        # Tools run blocking SQL: keep them off the event loop.
        result = await asyncio.to_thread(execute, tool.name, body.parameters, caller, deps)
    except ToolForbidden as exc:
        raise AppError(403, "FORBIDDEN", exc.message, {"missing_permissions": exc.missing}) from None
    except ToolArgumentError as exc:
        first = exc.details[0] if exc.details else {"field": "parameters", "message": "invalid"}
        message = f"Invalid field '{first['field']}': {first['message']}"
        raise AppError(422, "VALIDATION_ERROR", message, {"fields": exc.details}) from None
    except RecordNotFound as exc:
        raise AppError(404, "NOT_FOUND", exc.message) from None
    except ToolUnavailable as exc:
        raise AppError(503, "SERVICE_UNAVAILABLE", exc.message) from None
    except ToolExecutionError as exc:
        raise AppError(500, "INTERNAL_ERROR", exc.message) from None
    except ToolError as exc:  # any other stable tool failure: the caller's request cannot be served
        raise AppError(400, "BAD_REQUEST", exc.message) from None
    return ToolExecuteResponse.model_validate(result.to_dict())
