"""Staff platform tools: declarations, the platform data they read, and the executor that runs them."""

from bank_router.tools.catalog import TOOLS, openai_tools, registry
from bank_router.tools.executor import ToolResult, execute
from bank_router.tools.platform import PlatformAdapter, SqlPlatform
from bank_router.tools.spec import (
    RecordNotFound,
    Tool,
    ToolArgumentError,
    ToolDeps,
    ToolError,
    ToolExecutionError,
    ToolForbidden,
    ToolNotFound,
)

__all__ = [
    "TOOLS",
    "PlatformAdapter",
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
    "execute",
    "openai_tools",
    "registry",
]
