"""Who owns a conversation: staff by (tenant, sub) of their token, an anonymous customer by session id."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the store is imported by the CLI, which need not load the graph's services
    from bank_router.turn.context import Caller

ANONYMOUS = "anon"


@dataclass(frozen=True)
class Owner:
    tenant: str | None = None
    sub: str | None = None
    session_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.sub is not None

    @property
    def key(self) -> str:
        """The stored owner column: one digest per (tenant, sub), or "anon" (then the session id owns)."""
        if not self.is_staff:
            return ANONYMOUS
        raw = json.dumps([self.tenant or "", self.sub], separators=(",", ":"))
        return "staff:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def thread_of(owner_key: str, session_id: str) -> str:
    """The graph's memory (checkpoint thread) of one owner's session. An anonymous session is its own thread;
    a staff member's is prefixed with the owner key, so a session id two owners happen to share (or one
    guesses) never carries one's facts or workflow into the other's turns."""
    return session_id if owner_key == ANONYMOUS else f"{owner_key}:{session_id}"


def owner_of(caller: Caller, session_id: str | None) -> Owner:
    """Staff own by (tenant, sub) whatever the session; an anonymous caller owns only its session id."""
    if caller.is_staff:
        return Owner(tenant=caller.tenant or "", sub=caller.sub)
    return Owner(session_id=session_id or "")
