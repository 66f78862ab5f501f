"""What the store takes and gives: turn records, results, and rows rendered as JSON-ready dicts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bank_router.store.models import Conversation, Message, json_list
from bank_router.store.owner import Owner

if TYPE_CHECKING:
    from bank_router.store.idempotency import IdempotencyKey

TITLE_CHARS = 80
EXCERPT_CHARS = 200


@dataclass(frozen=True, kw_only=True)
class TurnRecord:
    """One ended turn: the question, the answer dict the graph returned (None: the graph failed), when, how long."""

    owner: Owner
    session_id: str
    channel: str
    question: str
    answer: Mapping[str, Any] | None
    asked_at: float
    latency_ms: int
    # Chosen before the first write, so a write retried after a lost commit acknowledgement finds its turn
    # stored instead of storing it twice.
    question_id: str = field(default_factory=lambda: f"msg_{uuid.uuid4().hex}")
    answer_id: str = field(default_factory=lambda: f"msg_{uuid.uuid4().hex}")
    # Stored with the turn, in its transaction: the key, and the response its retries get back.
    idempotency: IdempotencyKey | None = None
    response: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class StoredTurn:
    conversation_id: str
    message_id: str | None  # the answer's; None when the graph failed
    user_message_id: str
    started: bool  # this turn created the conversation


@dataclass(frozen=True)
class PurgeResult:
    conversations: int
    messages: int
    feedback: int
    threads: frozenset[str]  # the purged conversations' checkpoint threads


def iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def excerpt(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def summary(conv: Conversation) -> dict[str, Any]:
    return {
        "id": conv.id,
        "title": conv.title,
        "last_message": conv.last_message,
        "message_count": conv.message_count,
        "session_id": conv.session_id,
        "channel": conv.channel,
        "created_at": iso(conv.created_at),
        "updated_at": iso(conv.updated_at),
    }


def message_dict(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "role": m.role,
        "content": m.content,
        "timestamp": iso(m.created_at),
        "agent": m.agent,
        "domain": m.domain,
        "vertical": m.vertical,
        "tools_used": json_list(m.tools_used),
        "confidence": m.confidence,
        "refusal": m.refusal,
        "sources": json_list(m.sources),
    }
