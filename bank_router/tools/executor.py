"""Run one tool for one caller: look it up, check permission, validate arguments, run in the caller's tenant."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from pydantic import BaseModel, ValidationError

from bank_router.events.bus import TOOL_EXECUTED
from bank_router.tools.adapter import PlatformError
from bank_router.tools.catalog import TOOLS
from bank_router.tools.spec import (
    RunContext,
    Tool,
    ToolArgumentError,
    ToolDeps,
    ToolError,
    ToolExecutionError,
    ToolForbidden,
    ToolNotFound,
    ToolUnavailable,
)

if TYPE_CHECKING:
    from bank_router.turn.context import Caller

log = structlog.get_logger(__name__)

AGENT_PERMISSION = "ai_agent"
# Tools that need no permission still run in a tenant; anonymous callers get this one (no platform rows).
PUBLIC_TENANT = "public"


@dataclass(frozen=True)
class ToolResult:
    """A successful execution, in seed 002's shape."""

    name: str
    result: BaseModel
    execution_time: float
    tool_version: str
    cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": True,
            "result": self.result.model_dump(mode="json"),
            "execution_time": self.execution_time,
            "cached": self.cached,
            "tool_version": self.tool_version,
        }


def lookup(name: str) -> Tool[Any, Any]:
    tool = TOOLS.get(name) if isinstance(name, str) else None
    if tool is None:
        raise ToolNotFound(str(name))
    return tool


def authorize(tool: Tool[Any, Any], caller: Caller) -> str:
    """The tenant the tool runs in, or ToolForbidden naming the missing permission."""
    if tool.permission is None:
        return caller.tenant or PUBLIC_TENANT
    if not caller.can(tool.permission) or not caller.tenant:
        missing = [p for p in (AGENT_PERMISSION, tool.permission) if p not in caller.permissions]
        raise ToolForbidden(tool.permission, missing)
    return caller.tenant


def validate(tool: Tool[Any, Any], raw_args: Any) -> BaseModel:
    if raw_args is None:
        raw_args = {}
    if not isinstance(raw_args, dict):
        raise ToolArgumentError([{"field": "(arguments)", "message": "arguments must be a JSON object"}])
    try:
        args: BaseModel = tool.args.model_validate(raw_args)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in err["loc"]) or "(arguments)", "message": err["msg"]}
            for err in exc.errors(include_url=False, include_input=False)
        ]
        raise ToolArgumentError(details) from None
    return args


def execute(name: str, raw_args: dict[str, Any], caller: Caller, deps: ToolDeps) -> ToolResult:
    """Run `name` with `raw_args` as `caller`; raises ToolError subclasses only."""
    tool = lookup(name)
    tenant = authorize(tool, caller)
    args = validate(tool, raw_args)
    started = time.perf_counter()
    try:
        result: BaseModel = tool.run(args, RunContext(tenant=tenant, actor=caller.sub, deps=deps))
    except ToolError:
        raise
    except PlatformError as exc:
        # Expected when a core-banking API is down: a warning with the route, not a stack trace.
        log.warning("tool_platform_unavailable", tool=tool.name, tenant=tenant, reason=str(exc), status=exc.status)
        raise ToolUnavailable(tool.name) from exc
    except Exception as exc:
        log.exception("tool_failed", tool=tool.name, tenant=tenant, error_type=type(exc).__name__)
        raise ToolExecutionError(tool.name) from exc
    elapsed = round(time.perf_counter() - started, 4)
    if deps.events is not None:
        deps.events.publish(
            TOOL_EXECUTED,
            {"tool": tool.name, "tool_version": tool.version, "execution_time": elapsed, "actor": caller.sub},
            tenant=tenant,
            sub=caller.sub,
        )
    return ToolResult(name=tool.name, result=result, execution_time=elapsed, tool_version=tool.version)


__all__ = ["ToolDeps", "ToolResult", "execute"]
