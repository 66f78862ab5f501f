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
        return self.sub is not None

    def can(self, permission: str) -> bool:
        return "ai_agent" in self.permissions and permission in self.permissions


@dataclass(kw_only=True)
class Context:
    caller: Caller = field(default_factory=Caller)
    # The process's services, built on first use: not part of what Studio describes or sends.
    services: SkipJsonSchema[InstanceOf[Services]] = field(default_factory=get_services)
