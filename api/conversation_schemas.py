"""Bodies of the conversation, feedback and usage endpoints (seed 002's shapes)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class ConversationSummary(BaseModel):
    id: str
    title: str = Field(description="The first question, shortened")
    last_message: str = Field(description="The latest answer, shortened")
    message_count: int
    session_id: str
    channel: str
    created_at: str
    updated_at: str


class PageMeta(BaseModel):
    total: int
    limit: int
    offset: int


class ConversationList(BaseModel):
    data: list[ConversationSummary]
    meta: PageMeta


class StoredMessage(BaseModel):
    id: str
    role: Literal["user", "assistant"]
    content: str
    timestamp: str
    agent: str | None
    domain: str | None
    vertical: str | None
    tools_used: list[str]
    confidence: float | None
    refusal: bool | None
    sources: list[str]


class ConversationDetail(ConversationSummary):
    messages: list[StoredMessage]


def _whole_number(value: object) -> object:
    """A JSON integer, as JSON Schema means it: 4 and 4.0, not "4" or true (the schema says `integer`)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"message_id": "msg_…", "rating": 5, "feedback": "Very helpful"}]},
    )

    message_id: str = Field(min_length=1, max_length=64, description="An answer's message_id from POST /api/chat")
    rating: Annotated[int, BeforeValidator(_whole_number)] = Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")
    feedback: str | None = Field(None, max_length=2000, description="Optional comment")
    session_id: str | None = Field(
        None, min_length=1, max_length=128, description="Anonymous callers: the session the answer belongs to"
    )


class FeedbackResponse(BaseModel):
    success: bool
    message: str
    id: str
    message_id: str
    rating: int
    feedback: str | None


class UsageFigures(BaseModel):
    requests: int
    input_tokens: int
    output_tokens: int
    estimated_cost: float = Field(description="USD")
    avg_latency_ms: float


class ProviderUsage(UsageFigures):
    provider: str


class ModelUsage(UsageFigures):
    provider: str
    model: str


class AgentUsage(UsageFigures):
    agent: str | None


class DayUsage(UsageFigures):
    day: str


class UsageReport(BaseModel):
    scope: Literal["own", "tenant"]
    from_: str = Field(alias="from")
    to: str
    total: UsageFigures
    by_provider: list[ProviderUsage]
    by_model: list[ModelUsage]
    by_agent: list[AgentUsage]
    by_day: list[DayUsage]
