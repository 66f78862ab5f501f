"""Who owns a conversation: staff or a signed-in customer by (tenant, sub) of their token, an anonymous
customer by session id; and the graph memory (checkpoint thread) each owner's session runs in."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the store is imported by the CLI, which need not load the graph's services
    from bank_router.turn.context import Caller

ANONYMOUS = "anon"
OwnerKind = Literal["staff", "customer", "anonymous"]
CUSTOMER_ROLE = "customer"  # the `role` claim of a customer token (CONTRACT.md, "Customer tokens")


@dataclass(frozen=True)
class Owner:
    tenant: str | None = None
    sub: str | None = None
    session_id: str | None = None
    # None: staff when there is a sub, else anonymous (how Owner was built before customers had a kind).
    kind: OwnerKind | None = None

    def __post_init__(self) -> None:
        if self.kind is None:
            object.__setattr__(self, "kind", "staff" if self.sub is not None else "anonymous")

    @property
    def is_staff(self) -> bool:
        """Owned by a signed-in identity (staff or customer), whatever the session: not by a session id."""
        return self.kind != "anonymous"

    @property
    def key(self) -> str:
        """The stored owner column: "anon" (then the session id owns), or one digest per (kind, tenant, sub).

        Staff keep the digest they always had, so existing conversations stay theirs; a customer's is
        prefixed and salted with its kind, so staff "123" and customer "123" of one tenant never share."""
        if self.kind == "anonymous":
            return ANONYMOUS
        parts = (
            [self.tenant or "", self.sub or ""] if self.kind == "staff" else [self.kind, self.tenant or "", self.sub]
        )
        raw = json.dumps(parts, separators=(",", ":"))
        return f"{self.kind}:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def thread_of(owner_key: str, session_id: str) -> str:
    """The checkpoint thread of one owner's session: a SHA-256 over the JSON [owner key, session id].

    Every owner kind is hashed, anonymous included, so a thread id is never a string a client chose: an
    anonymous caller who sends another owner's thread id as its session id gets a thread of its own, and
    its DELETE forgets only that. JSON keeps the two parts apart (no separator a session id could forge)."""
    raw = json.dumps([owner_key, session_id], separators=(",", ":"), ensure_ascii=True)
    return "t-" + hashlib.sha256(raw.encode()).hexdigest()


def owner_of(caller: Caller, session_id: str | None) -> Owner:
    """Staff and customers own by (tenant, sub) whatever the session; an anonymous caller owns only its session id."""
    if caller.is_staff:
        kind: OwnerKind = "customer" if caller.role == CUSTOMER_ROLE else "staff"
        return Owner(tenant=caller.tenant or "", sub=caller.sub, kind=kind)
    return Owner(session_id=session_id or "")
