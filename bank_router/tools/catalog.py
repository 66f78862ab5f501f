"""Every platform tool, by name: the staff tools (`TOOLS`) and the signed-in customers' own (`BANKING_TOOLS`)."""

from __future__ import annotations

from typing import Any, Literal

from bank_router.tools.accounts import ACCOUNT_TOOLS
from bank_router.tools.customers import CUSTOMER_TOOLS
from bank_router.tools.insights import INSIGHT_TOOLS
from bank_router.tools.loans import LOAN_TOOLS
from bank_router.tools.onboarding import ONBOARDING_TOOLS
from bank_router.tools.scoring import SCORING_TOOLS
from bank_router.tools.spec import Tool
from bank_router.tools.staff import STAFF_TOOLS
from bank_router.tools.transactions import TRANSACTION_TOOLS
from bank_router.tools.transfers import TRANSFER_TOOLS

_ALL = [
    *CUSTOMER_TOOLS,
    *TRANSACTION_TOOLS,
    *LOAN_TOOLS,
    *STAFF_TOOLS,
    *INSIGHT_TOOLS,
    *ONBOARDING_TOOLS,
    *SCORING_TOOLS,
]
_BANKING = [*ACCOUNT_TOOLS, *TRANSFER_TOOLS]
# Staff tools (seed 000's permissions), and tools without a permission anyone may run.
TOOLS: dict[str, Tool[Any, Any]] = {t.name: t for t in _ALL}
# Customer tools (seed 002): only a customer token runs them, only on that customer's own rows.
BANKING_TOOLS: dict[str, Tool[Any, Any]] = {t.name: t for t in _BANKING}
ALL_TOOLS: dict[str, Tool[Any, Any]] = {**TOOLS, **BANKING_TOOLS}
# Seed 002's names (CheckBalanceTool...) for the same tools.
ALIASES: dict[str, str] = {alias: t.name for t in ALL_TOOLS.values() for alias in t.aliases}
assert len(TOOLS) == len(_ALL) and len(ALL_TOOLS) == len(_ALL) + len(_BANKING), "tool names must be unique"
assert not set(ALIASES) & set(ALL_TOOLS), "an alias must not be another tool's name"
assert all(t.audience == "customer" and t.permission is None for t in _BANKING)


def find(name: str) -> Tool[Any, Any] | None:
    """The tool called `name` or one of its aliases; None when there is none."""
    if not isinstance(name, str):
        return None
    canonical = ALIASES.get(name, name)
    return TOOLS.get(canonical) or BANKING_TOOLS.get(canonical)


def listed_for(audience: Literal["staff", "customer"]) -> dict[str, Tool[Any, Any]]:
    """What a caller sees: a customer the customer tools and the tools anyone may run; everyone else the rest."""
    if audience == "customer":
        return {**BANKING_TOOLS, **{n: t for n, t in TOOLS.items() if t.permission is None}}
    return TOOLS


def registry(audience: Literal["staff", "customer"] = "staff") -> list[dict[str, Any]]:
    """The registry listing (seed 002's tool details), one entry per tool the audience may see."""
    return [t.registry_entry() for t in listed_for(audience).values()]


def openai_tools(names: list[str] | None = None) -> list[dict[str, Any]]:
    """Function-calling declarations, for all staff tools or the named ones (customer tools by name too)."""
    return [ALL_TOOLS[n].openai_tool() for n in (names if names is not None else list(TOOLS))]
