"""Platform tools for staff and for signed-in customers: declarations, the data they read, and the executor."""

from bank_router.tools.adapter import PlatformAdapter, PlatformError
from bank_router.tools.catalog import ALL_TOOLS, BANKING_TOOLS, TOOLS, find, listed_for, openai_tools, registry
from bank_router.tools.executor import ToolResult, execute
from bank_router.tools.spec import (
    ActionRefused,
    CodeExpired,
    CodeLocked,
    CodeRejected,
    CodeUsed,
    CustomerOnly,
    InsufficientFunds,
    RecordNotFound,
    Tool,
    ToolArgumentError,
    ToolDeps,
    ToolError,
    ToolExecutionError,
    ToolForbidden,
    ToolNotFound,
    ToolUnavailable,
    TransferRefused,
)
from bank_router.tools.sql_banking import SqlBanking
from bank_router.tools.sql_platform import SqlPlatform

__all__ = [
    "ALL_TOOLS",
    "BANKING_TOOLS",
    "TOOLS",
    "ActionRefused",
    "CodeExpired",
    "CodeLocked",
    "CodeRejected",
    "CodeUsed",
    "CustomerOnly",
    "InsufficientFunds",
    "PlatformAdapter",
    "PlatformError",
    "RecordNotFound",
    "SqlBanking",
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
    "TransferRefused",
    "execute",
    "find",
    "listed_for",
    "openai_tools",
    "registry",
]
