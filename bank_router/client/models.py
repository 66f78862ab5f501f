"""Typed responses of the contract's paths (CONTRACT.md): unknown fields are kept, missing optional ones None."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow")


class Usage(_Body):
    provider: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    estimated_cost: float = 0.0
    latency_ms: float = 0


class ChatResponse(_Body):
    """POST /api/chat's body (and a stream's `done` event)."""

    message: str
    domain: str | None = None
    vertical: str | None = None
    agent: str
    sources: list[str] = []
    confidence: float
    refusal: bool = False
    trace_id: str | None = None
    tools_used: list[str] | None = None
    mode: str | None = None
    usage: Usage | None = None
    awaiting: dict[str, Any] | None = None
    decision: dict[str, Any] | None = None
    conversation_id: str | None = None
    message_id: str | None = None
    finish_reason: str | None = None


@dataclass(frozen=True)
class StreamEvent:
    """One Server-Sent Event of POST /api/chat/stream: `token` {text}, `usage`, `done` (then `response`)."""

    event: str
    data: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.data.get("text", "")) if self.event == "token" else ""

    @property
    def response(self) -> ChatResponse | None:
        return ChatResponse.model_validate(self.data) if self.event == "done" else None


class ConversationSummary(_Body):
    id: str
    title: str | None = None
    last_message: str | None = None
    message_count: int = 0
    session_id: str | None = None
    channel: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class PageMeta(_Body):
    total: int
    limit: int
    offset: int


class ConversationPage(_Body):
    data: list[ConversationSummary]
    meta: PageMeta


class StoredMessage(_Body):
    id: str
    role: str
    content: str
    timestamp: str | None = None
    agent: str | None = None
    tools_used: list[str] | None = None
    confidence: float | None = None
    sources: list[str] | None = None


class ConversationDetail(ConversationSummary):
    messages: list[StoredMessage] = []


class FeedbackResult(_Body):
    success: bool
    message: str
    message_id: str | None = None
    rating: int | None = None


class ToolInfo(_Body):
    name: str
    category: str | None = None
    description: str = ""
    parameters: dict[str, Any] = {}
    requires_auth: bool = False
    permission: str | None = None
    cache_ttl: int = 0
    version: str | None = None


class ToolResult(_Body):
    success: bool
    result: Any = None
    execution_time: float = 0.0
    cached: bool = False
    tool_version: str | None = None
    replayed: bool = False  # the server answered from the Idempotency-Key (`Idempotent-Replayed: true`)
