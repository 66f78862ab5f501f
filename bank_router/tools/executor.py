"""Run one tool for one caller: look it up, check permission, validate arguments, run in the caller's tenant."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from pydantic import BaseModel, ValidationError

from bank_router.events.bus import TOOL_EXECUTED
from bank_router.tools.adapter import PlatformError
from bank_router.tools.catalog import find
from bank_router.tools.custom import CustomTool
from bank_router.tools.spec import (
    CustomerOnly,
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


CUSTOMER_ROLE = "customer"


def lookup(name: str) -> Tool[Any, Any]:
    """The tool by its name or one of its aliases (seed 002's CheckBalanceTool...)."""
    tool = find(name)
    if tool is None:
        raise ToolNotFound(str(name))
    return tool


def resolve(name: str, caller: Caller, deps: ToolDeps | None) -> Tool[Any, Any]:
    """A built-in tool (or alias), else the caller's tenant's registered tool of that name: staff only, so a
    customer token or another tenant never learns that one exists (ToolNotFound)."""
    tool = find(name)
    staff_tenant = caller.tenant if caller.is_staff and caller.role != CUSTOMER_ROLE else None
    if tool is None and isinstance(name, str) and staff_tenant and deps is not None and deps.custom is not None:
        tool = deps.custom.get(staff_tenant, name)
    if tool is None:
        raise ToolNotFound(str(name))
    return tool


def custom_tools_for(caller: Caller, deps: ToolDeps | None) -> list[CustomTool]:
    """The registered tools of the caller's tenant that the caller may run (`ai_agent` + each tool's permission)."""
    if deps is None or deps.custom is None or not caller.tenant or not caller.is_staff or caller.role == CUSTOMER_ROLE:
        return []
    return [t for t in deps.custom.listed(caller.tenant) if t.permission is None or caller.can(t.permission)]


def customer_id(caller: Caller) -> int | None:
    """The platform id of a signed-in customer (role "customer", a tenant, a numeric sub); else None."""
    sub = caller.sub or ""
    if caller.role != CUSTOMER_ROLE or not caller.tenant or not sub.isdigit() or len(sub) > 10:
        return None
    return int(sub)


def authorize(tool: Tool[Any, Any], caller: Caller) -> str:
    """The tenant the tool runs in, or ToolForbidden naming the missing permission.

    Customer tools run only for a signed-in customer (CustomerOnly for staff and anonymous callers alike);
    a customer token never runs a permissioned staff tool, whatever permissions it carries."""
    if tool.audience == "customer":
        if customer_id(caller) is None:
            raise CustomerOnly(tool.name)
        return str(caller.tenant)
    if tool.permission is None:
        return caller.tenant or PUBLIC_TENANT
    if caller.role == CUSTOMER_ROLE:
        raise ToolForbidden(tool.permission, [AGENT_PERMISSION, tool.permission])
    if not caller.can(tool.permission) or not caller.tenant:
        missing = [p for p in (AGENT_PERMISSION, tool.permission) if p not in caller.permissions]
        raise ToolForbidden(tool.permission, missing)
    return caller.tenant


def validate(tool: Tool[Any, Any], raw_args: Any) -> BaseModel:
    if isinstance(tool, CustomTool):
        return tool.check_arguments(raw_args)  # its registered JSON schema
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
    tool = resolve(name, caller, deps)
    tenant = authorize(tool, caller)
    args = validate(tool, raw_args)
    started = time.perf_counter()
    try:
        customer = customer_id(caller) if tool.audience == "customer" else None
        result: BaseModel = tool.run(args, RunContext(tenant=tenant, actor=caller.sub, deps=deps, customer_id=customer))
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
