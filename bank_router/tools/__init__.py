"""Staff platform tools: declarations, the platform data they read, and the executor that runs them."""

from bank_router.tools.adapter import PlatformAdapter, PlatformError
from bank_router.tools.catalog import TOOLS, openai_tools, registry
from bank_router.tools.executor import ToolResult, execute
from bank_router.tools.spec import (
    RecordNotFound,
    Tool,
    ToolArgumentError,
    ToolDeps,
    ToolError,
    ToolExecutionError,
    ToolForbidden,
    ToolNotFound,
    ToolUnavailable,
)
from bank_router.tools.sql_platform import SqlPlatform

__all__ = [
    "TOOLS",
    "PlatformAdapter",
    "PlatformError",
    "RecordNotFound",
    "SqlPlatform",
    "Tool",
    "ToolArgumentError",
    "ToolDeps",
    "ToolError",
    "ToolExecutionError",
    "ToolForbidden",
    "ToolNotFound",
    "ToolResult",
    "ToolUnavailable",
    "execute",
    "openai_tools",
    "registry",
]
