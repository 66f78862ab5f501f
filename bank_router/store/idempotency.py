"""Idempotency keys: a retried request (same key, same owner) gets the stored response and runs nothing.

A key is scoped by its owner: staff and customers by their identity, an anonymous caller by its session id,
so a key guessed by someone else finds nothing. The request's fingerprint (operation and body) is stored
with it: the same key with another body is the client's mistake (422), never a replay of a different
request. Statements here run inside the caller's transaction, so a chat's key is stored with its turn.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from bank_router.store.models import IdempotencyRecord
from bank_router.store.owner import Owner

_TABLE: Table = IdempotencyRecord.__table__  # type: ignore[assignment]


class IdempotencyMismatch(Exception):
    """The key was used before, by the same owner, for a different request."""


class IdempotencyConflict(Exception):
    """Another request with the same key stored its response first (concurrent use of one key)."""


@dataclass(frozen=True)
class IdempotencyKey:
    id: str  # digest of the owner's scope and the client's key
    operation: str  # "chat" or "tool:<name>"
    fingerprint: str  # digest of the operation and the request body


def _digest(value: Any) -> str:
    raw = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def idempotency_key(owner: Owner, key: str, operation: str, request: Mapping[str, Any]) -> IdempotencyKey:
    """The stored form of a client's key: an anonymous owner's scope is its session id."""
    scope = [owner.key, "" if owner.is_staff else (owner.session_id or "")]
    return IdempotencyKey(
        id=_digest(["idempotency", *scope, key]),
        operation=operation,
        fingerprint=_digest([operation, dict(request)]),
    )


@dataclass(frozen=True)
class Replay:
    response: dict[str, Any]
    conversation_id: str | None
    message_id: str | None


def find(s: Session, key: IdempotencyKey, since: datetime) -> Replay | None:
    """The live (created at or after `since`) response stored under the key; IdempotencyMismatch when the
    key was stored for a different request."""
    row = s.execute(
        select(
            IdempotencyRecord.fingerprint,
            IdempotencyRecord.response,
            IdempotencyRecord.conversation_id,
            IdempotencyRecord.message_id,
        ).where(IdempotencyRecord.id == key.id, IdempotencyRecord.created_at >= since)
    ).first()
    if row is None:
        return None
    if row.fingerprint != key.fingerprint:
        raise IdempotencyMismatch
    return Replay(dict(row.response), row.conversation_id, row.message_id)


def store(
    s: Session,
    key: IdempotencyKey,
    response: Mapping[str, Any],
    since: datetime,
    now: datetime,
    conversation_id: str | None = None,
    message_id: str | None = None,
) -> None:
    """Store the response under the key, replacing an expired one; IdempotencyConflict if a live one is there."""
    live = s.scalar(
        select(IdempotencyRecord.id).where(IdempotencyRecord.id == key.id, IdempotencyRecord.created_at >= since)
    )
    if live is not None:
        raise IdempotencyConflict
    s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == key.id))  # an expired one, if any
    row = {
        "id": key.id,
        "operation": key.operation,
        "fingerprint": key.fingerprint,
        "conversation_id": conversation_id,
        "message_id": message_id,
        "response": dict(response),
        "created_at": now,
    }
    s.connection().execute(_TABLE.insert(), row)


def purge(s: Session, before: datetime) -> int:
    """Delete keys stored before `before`; how many."""
    result = s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
