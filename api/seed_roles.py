"""Seed 001's agent roles (`support`, `operations`, `analytics`, or a custom one): `policy/roles/*.yaml`.

A role is instructions plus the tools its turns may use. Files are validated by pydantic when loaded
(unknown keys, a bad name or an empty tool list stop the load with the file's name); a role's tool set
narrows the caller's permissions for its turns, so a tool outside the set needs a permission the turn
does not have, and servicing answers with the contract's `policy_guard` refusal.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import structlog
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bank_router.settings import ROOT
from bank_router.tools import TOOLS
from bank_router.tools.executor import AGENT_PERMISSION
from bank_router.turn.context import Caller

log = structlog.get_logger(__name__)
ROLES_DIR = ROOT / "policy" / "roles"
DEFAULT_ROLE = "support"


class RoleError(ValueError):
    """A role file that cannot be read or does not match the schema."""


class Role(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    description: str = Field("", max_length=200)
    instructions: str = Field(min_length=1, max_length=4000)
    tools: tuple[str, ...] = Field(min_length=1)

    def permissions(self) -> frozenset[str]:
        """What the role's tools need: `ai_agent` and each known tool's own permission."""
        needed = {TOOLS[name].permission for name in self.tools if name in TOOLS}
        return frozenset({AGENT_PERMISSION, *(p for p in needed if p)})

    def narrow(self, caller: Caller) -> Caller:
        """The caller as this role's turns run: its permissions cut down to what the role's tools need."""
        return dataclasses.replace(caller, permissions=caller.permissions & self.permissions())


def load_role(path: Path) -> Role:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        role = Role.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise RoleError(f"{path.name}: {exc}") from exc
    except ValidationError as exc:
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise RoleError(f"{path.name}: {where}") from exc
    unknown = [t for t in role.tools if t not in TOOLS]
    if unknown:  # a tool another deployment has: allowed, but it grants nothing here
        log.warning("role_unknown_tools", role=role.name, tools=unknown)
    return role


@lru_cache(maxsize=4)
def roles(directory: Path = ROLES_DIR) -> dict[str, Role]:
    """Every role of `directory`, by name; a file that fails validation is logged and skipped."""
    found: dict[str, Role] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            role = load_role(path)
        except RoleError as exc:
            log.error("role_file_invalid", problem=str(exc))
            continue
        if role.name in found:
            log.error("role_name_duplicate", role=role.name, file=path.name)
            continue
        found[role.name] = role
    return found
