"""Every platform tool, by name."""

from __future__ import annotations

from typing import Any

from bank_router.tools.customers import CUSTOMER_TOOLS
from bank_router.tools.insights import INSIGHT_TOOLS
from bank_router.tools.loans import LOAN_TOOLS
from bank_router.tools.onboarding import ONBOARDING_TOOLS
from bank_router.tools.scoring import SCORING_TOOLS
from bank_router.tools.spec import Tool
from bank_router.tools.staff import STAFF_TOOLS
from bank_router.tools.transactions import TRANSACTION_TOOLS

_ALL = [
    *CUSTOMER_TOOLS,
    *TRANSACTION_TOOLS,
    *LOAN_TOOLS,
    *STAFF_TOOLS,
    *INSIGHT_TOOLS,
    *ONBOARDING_TOOLS,
    *SCORING_TOOLS,
]
TOOLS: dict[str, Tool[Any, Any]] = {t.name: t for t in _ALL}
assert len(TOOLS) == len(_ALL), "tool names must be unique"


def registry() -> list[dict[str, Any]]:
    """The registry listing (seed 002's tool details), one entry per tool."""
    return [t.registry_entry() for t in TOOLS.values()]


def openai_tools(names: list[str] | None = None) -> list[dict[str, Any]]:
    """Function-calling declarations, for all tools or the named ones."""
    return [TOOLS[n].openai_tool() for n in (names if names is not None else list(TOOLS))]
