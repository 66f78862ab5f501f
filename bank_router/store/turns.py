"""Writing one turn: the question, the answer and its usage row, and the conversation's counters.

Core statements on a connection rather than ORM objects: this runs inside every chat turn, and the unit of work
would cost more than the SQL itself (see evals/bench_store.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from bank_router.store.models import Conversation, Message, UsageLog, json_list
from bank_router.store.records import EXCERPT_CHARS, TITLE_CHARS, StoredTurn, TurnRecord, excerpt


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


_CONVERSATIONS: Table = Conversation.__table__  # type: ignore[assignment]
_MESSAGES: Table = Message.__table__  # type: ignore[assignment]
_USAGE: Table = UsageLog.__table__  # type: ignore[assignment]
# Built once: statements with bound parameters hit SQLAlchemy's compiled cache on every turn.
_FIND = (
    select(Conversation.id, Conversation.message_count, Conversation.tenant)
    .where(Conversation.owner_key == bindparam("owner_key"), Conversation.session_id == bindparam("session_id"))
    .with_for_update()
)
_STORED = select(Message.conversation_id).where(Message.id == bindparam("message_id"))
_ASKED = (
    update(Conversation)
    .where(Conversation.id == bindparam("conv_id"))
    .values(message_count=Conversation.message_count + 1, updated_at=bindparam("now"))
)
_ANSWERED = (
    update(Conversation)
    .where(Conversation.id == bindparam("conv_id"))
    .values(
        message_count=Conversation.message_count + 2,
        input_tokens=Conversation.input_tokens + bindparam("tokens_in"),
        output_tokens=Conversation.output_tokens + bindparam("tokens_out"),
        cost=Conversation.cost + bindparam("added_cost"),
        last_message=bindparam("last"),
        updated_at=bindparam("now"),
    )
)


def write_turn(s: Session, turn: TurnRecord, asked: datetime, now: datetime, retried: bool = False) -> StoredTurn:
    """Inside the caller's write transaction; the conversation row is locked (FOR UPDATE) on PostgreSQL.
    `retried`: an earlier attempt may have committed unacknowledged; a turn found stored is not stored again."""
    owner = turn.owner
    conn = s.connection()  # Core, below the ORM: no unit of work for rows nobody reads back
    if retried and (done := conn.execute(_STORED, {"message_id": turn.question_id}).first()) is not None:
        answered = conn.execute(_STORED, {"message_id": turn.answer_id}).first() is not None
        return StoredTurn(done[0], turn.answer_id if answered else None, turn.question_id, False)
    found = conn.execute(_FIND, {"owner_key": owner.key, "session_id": turn.session_id}).first()
    started = found is None
    if found is None:
        conv_id, count, tenant = new_id("conv"), 0, owner.tenant if owner.is_staff else None
        conversation = {
            "id": conv_id,
            "owner_key": owner.key,
            "tenant": tenant,
            "sub": owner.sub,
            "session_id": turn.session_id,
            "channel": turn.channel,
            "title": excerpt(turn.question, TITLE_CHARS),
            "last_message": "",
            "message_count": 0,
            "input_tokens": 0,
            "output_tokens": 0,
            "cost": 0.0,
            "created_at": asked,
            "updated_at": asked,
        }
        conn.execute(_CONVERSATIONS.insert(), conversation)
    else:
        conv_id, count, tenant = found
    question_id = turn.question_id
    question = _message(question_id, conv_id, count + 1, "user", turn.question, asked)
    question.update(input_tokens=0, output_tokens=0, cost=0.0)
    if turn.answer is None:
        conn.execute(_MESSAGES.insert(), question)
        conn.execute(_ASKED, {"conv_id": conv_id, "now": now})
        return StoredTurn(conv_id, None, question_id, started)
    answer_id = turn.answer_id
    answer, usage = _answer(answer_id, conv_id, count + 2, turn, turn.answer, tenant, now)
    conn.execute(_MESSAGES.insert(), [question, answer])
    conn.execute(_USAGE.insert(), usage)
    changes = {
        "conv_id": conv_id,
        "tokens_in": answer["input_tokens"],
        "tokens_out": answer["output_tokens"],
        "added_cost": answer["cost"],
        "last": excerpt(answer["content"], EXCERPT_CHARS),
        "now": now,
    }
    conn.execute(_ANSWERED, changes)
    return StoredTurn(conv_id, answer_id, question_id, started)


def _message(msg_id: str, conv_id: str, seq: int, role: str, content: str, at: datetime) -> dict[str, Any]:
    empty: dict[str, Any] = dict.fromkeys(
        ("agent", "domain", "vertical", "sources", "confidence", "refusal", "tools_used", "latency_ms")
    )
    return {
        **empty,
        "id": msg_id,
        "conversation_id": conv_id,
        "seq": seq,
        "role": role,
        "content": content,
        "created_at": at,
    }


def _answer(
    msg_id: str, conv_id: str, seq: int, turn: TurnRecord, ans: Mapping[str, Any], tenant: str | None, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answer's message row and its usage row (seed 001's figures when a model was called, else zeros)."""
    usage = ans.get("usage") if isinstance(ans.get("usage"), Mapping) else None
    tokens_in = int(usage.get("input_tokens") or 0) if usage else 0
    tokens_out = int(usage.get("output_tokens") or 0) if usage else 0
    cost = float(usage.get("estimated_cost") or 0.0) if usage else 0.0
    message = _message(msg_id, conv_id, seq, "assistant", str(ans.get("message") or ""), now) | {
        "agent": ans.get("agent"),
        "domain": ans.get("domain"),
        "vertical": ans.get("vertical"),
        "sources": json_list(ans.get("sources")),
        "confidence": ans.get("confidence"),
        "refusal": ans.get("refusal"),
        "tools_used": json_list(ans.get("tools_used")),
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "cost": cost,
        "latency_ms": turn.latency_ms,
    }
    usage_row = {
        "owner_key": turn.owner.key,
        "tenant": tenant,
        "sub": turn.owner.sub,
        "session_id": turn.session_id,
        "conversation_id": conv_id,
        "message_id": msg_id,
        "operation": f"chat:{turn.channel}",
        "provider": str(usage.get("provider") or "unknown") if usage else "deterministic",
        "model": str(usage.get("model") or "unknown") if usage else "deterministic",
        "agent": ans.get("agent"),
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "cost": cost,
        "latency_ms": int(usage.get("latency_ms") or 0) if usage else turn.latency_ms,
        "day": now.date(),
        "created_at": now,
    }
    return message, usage_row
