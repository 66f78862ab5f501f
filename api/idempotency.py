"""The `Idempotency-Key` header of POST /api/chat, /api/chat/stream and /api/tools/{name}/execute.

A retry with the same key (same owner, same body) gets the first response back, with the header
`Idempotent-Replayed: true`, and nothing runs or is stored again; the same key with another body is
422 IDEMPOTENCY_KEY_REUSED (following the IETF httpapi idempotency-key draft). Keys are scoped to their
owner (bank_router/store/idempotency.py) and kept IDEMPOTENCY_TTL_HOURS.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Response

from api.errors import AppError
from api.schemas import ChatRequest
from bank_router.store import owner_of
from bank_router.store.idempotency import IdempotencyKey, idempotency_key
from bank_router.turn.context import Caller

REPLAYED_HEADER = "Idempotent-Replayed"

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="A client-chosen key (1-255 visible ASCII characters, e.g. a UUID): a retry with the same "
        "key and body gets the first response back and runs nothing again",
    ),
]


def chat_key(caller: Caller, body: ChatRequest, key: str | None) -> IdempotencyKey | None:
    """One key for /api/chat and /api/chat/stream: a turn asked on one may be retried on the other."""
    if key is None:
        return None
    return idempotency_key(owner_of(caller, body.session_id), key, "chat", body.model_dump(mode="json"))


def tool_key(
    caller: Caller, session_id: str | None, tool: str, parameters: dict[str, Any], key: str | None
) -> IdempotencyKey | None:
    """An anonymous caller's key is scoped by its X-Session-Id (anonymous tools read no one's data)."""
    if key is None:
        return None
    return idempotency_key(owner_of(caller, session_id), key, f"tool:{tool}", {"parameters": parameters})


def mark_replayed(response: Response, replayed: bool) -> None:
    if replayed:
        response.headers[REPLAYED_HEADER] = "true"


def key_reused() -> AppError:
    field = [{"field": "Idempotency-Key", "message": "already used for a different request"}]
    message = "This Idempotency-Key was already used for a different request; use a new key."
    return AppError(422, "IDEMPOTENCY_KEY_REUSED", message, {"fields": field})


def key_in_use() -> AppError:
    return AppError(409, "IDEMPOTENCY_KEY_IN_USE", "Another request with this Idempotency-Key finished first.")
