"""Per-run context: who is asking, and the services the nodes use."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import InstanceOf
from pydantic.json_schema import SkipJsonSchema

from bank_router.services import Services, get_services


@dataclass(frozen=True, kw_only=True)
class Caller:
    """An anonymous customer, or staff identified by a verified JWT."""

    sub: str | None = None
    tenant: str | None = None
    permissions: frozenset[str] = frozenset()
    # The token's `role` claim: "customer" for a signed-in customer (CONTRACT.md), None for staff.
    role: str | None = None

    @property
    def is_staff(self) -> bool:
        """Signed in (staff or customer): the caller is named by a verified token."""
        return self.sub is not None

    @property
    def is_customer(self) -> bool:
        """A signed-in customer: reaches only the customer tools, on their own records."""
        return self.sub is not None and self.role == "customer"

    def can(self, permission: str) -> bool:
        return "ai_agent" in self.permissions and permission in self.permissions


@dataclass(frozen=True, kw_only=True)
class TurnOptions:
    """How a client asked this turn to run (seed 001's roles): knowledge search on or off, the role's
    instructions for a model, and the only tools the turn may use (None: any the caller may)."""

    include_rag: bool = True
    instructions: str | None = None
    allowed_tools: frozenset[str] | None = None

    def system(self, prompt: str) -> str:
        """A model's system prompt with the role's instructions after it (never replacing the rules)."""
        if not self.instructions:
            return prompt
        return f"{prompt}\n\nThe deployment's role for this conversation: {self.instructions}"

    def allows(self, tool: str) -> bool:
        return self.allowed_tools is None or tool in self.allowed_tools


@dataclass(kw_only=True)
class Context:
    caller: Caller = field(default_factory=Caller)
    options: TurnOptions = field(default_factory=TurnOptions)
    # The process's services, built on first use: not part of what Studio describes or sends.
    services: SkipJsonSchema[InstanceOf[Services]] = field(default_factory=get_services)
