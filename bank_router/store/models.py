"""Conversation tables: conversations, their messages, feedback on answers, per-turn usage, idempotency keys."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bank_router.platform.models import NAMING_CONVENTION

ROLES = ("user", "assistant")


class StoreBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Conversation(StoreBase):
    """One session's conversation for one owner; times are naive UTC."""

    __tablename__ = "conversations"
    __table_args__ = (
        # One conversation per (owner, session id): the contract's "one conversation per session id", per owner.
        UniqueConstraint("owner_key", "session_id", name="uq_conversations_owner_session"),
        Index("ix_conversations_owner_key_updated_at", "owner_key", "updated_at"),
        Index("ix_conversations_updated_at", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # "anon" for anonymous customers (then session_id is the owner), else a digest of (tenant, sub).
    owner_key: Mapped[str] = mapped_column(String(64))
    tenant: Mapped[str | None] = mapped_column(String(64))
    sub: Mapped[str | None] = mapped_column(String(128))
    session_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(120))
    last_message: Mapped[str] = mapped_column(String(200))
    message_count: Mapped[int] = mapped_column(Integer)
    input_tokens: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int] = mapped_column(Integer)
    cost: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Message(StoreBase):
    __tablename__ = "messages"
    __table_args__ = (
        # seq orders a conversation; unique, so two writers can never interleave one history.
        UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
        CheckConstraint("role IN ('user', 'assistant')", name="role"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    agent: Mapped[str | None] = mapped_column(String(64))
    domain: Mapped[str | None] = mapped_column(String(32))
    vertical: Mapped[str | None] = mapped_column(String(32))
    sources: Mapped[list[str] | None] = mapped_column(JSON)
    confidence: Mapped[float | None] = mapped_column(Float)
    refusal: Mapped[bool | None] = mapped_column(Boolean)
    tools_used: Mapped[list[str] | None] = mapped_column(JSON)
    input_tokens: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int] = mapped_column(Integer)
    cost: Mapped[float] = mapped_column(Float)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Feedback(StoreBase):
    """A rating of one answer by its conversation's owner; a second rating replaces the first."""

    __tablename__ = "feedback"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    owner_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class UsageLog(StoreBase):
    """What one turn cost (seed 001's ai_usage_logs); holds no content, so retention keeps it."""

    __tablename__ = "usage_logs"
    __table_args__ = (
        Index("ix_usage_logs_owner_key_day", "owner_key", "day"),
        Index("ix_usage_logs_tenant_day", "tenant", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_key: Mapped[str] = mapped_column(String(64))
    tenant: Mapped[str | None] = mapped_column(String(64))
    sub: Mapped[str | None] = mapped_column(String(128))
    session_id: Mapped[str] = mapped_column(String(128))
    conversation_id: Mapped[str | None] = mapped_column(String(40))
    message_id: Mapped[str | None] = mapped_column(String(40))
    operation: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(128))
    agent: Mapped[str | None] = mapped_column(String(64))
    input_tokens: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int] = mapped_column(Integer)
    cost: Mapped[float] = mapped_column(Float)
    latency_ms: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class IdempotencyRecord(StoreBase):
    """The response a request with an Idempotency-Key got, replayed to its retries (api/idempotency.py).

    Neither the client's key nor its owner is stored as sent: `id` is a digest of both, so a key means
    nothing outside its owner's scope. A chat's key goes with its conversation (deleted or purged with it);
    every key expires after IDEMPOTENCY_TTL_HOURS (ignored, then purged by `bank-router purge`)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    operation: Mapped[str] = mapped_column(String(80))
    fingerprint: Mapped[str] = mapped_column(String(64))  # digest of the operation and the request body
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    message_id: Mapped[str | None] = mapped_column(String(40))
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


def json_list(value: Any) -> list[str]:
    """A JSON column's list of strings, or [] for NULL."""
    return [str(v) for v in value] if isinstance(value, list) else []
