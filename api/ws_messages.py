"""The WebSocket protocol's messages (seeds 000 and 002): client payloads, validated; server envelopes."""

from __future__ import annotations

import json
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from api.errors import error_body
from api.input_check import json_problems

M = TypeVar("M", bound=BaseModel)

CLIENT_EVENTS = ("auth", "chat_message", "get_conversations", "get_conversation")


class ChatMessage(BaseModel):
    """`chat_message` data: the question, and optionally which conversation or session it continues."""

    model_config = ConfigDict(extra="ignore")

    message: str
    conversation_id: str | None = Field(None, max_length=128)
    session_id: str | None = Field(None, min_length=1, max_length=128)
    language: Literal["en", "bn"] = "en"
    # As the REST Idempotency-Key header: a frame resent after a dropped socket is answered, not asked again.
    idempotency_key: str | None = Field(None, pattern=r"^[\x21-\x7e]{1,255}$")

    @field_validator("message")
    @classmethod
    def _trimmed(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be empty")
        if len(v) > 10_000:
            raise ValueError("must be at most 10,000 characters")
        return v

    @field_validator("conversation_id", mode="before")
    @classmethod
    def _id_as_text(cls, v: object) -> object:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


class ListConversations(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)
    session_id: str | None = Field(None, min_length=1, max_length=128)


class GetConversation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    conversation_id: str = Field(min_length=1, max_length=128)
    session_id: str | None = Field(None, min_length=1, max_length=128)

    @field_validator("conversation_id", mode="before")
    @classmethod
    def _id_as_text(cls, v: object) -> object:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


class BadMessage(Exception):
    """A client message the server cannot act on; answered with an error event, never a crash."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def parse(text: str) -> tuple[str, dict[str, Any]]:
    """(event type, data) of a client frame: `{"event_type", "data"}`, or seed 002's `{"type": "auth", "token"}`."""
    try:
        frame = json.loads(text)
    except ValueError:
        raise BadMessage("MALFORMED_JSON", "The message is not valid JSON.") from None
    if not isinstance(frame, dict):
        raise BadMessage("BAD_REQUEST", "A message is a JSON object with 'event_type' and 'data'.")
    kind = frame.get("event_type") or frame.get("type")
    if not isinstance(kind, str) or not kind:
        raise BadMessage("BAD_REQUEST", "The message has no 'event_type'.")
    if kind not in CLIENT_EVENTS:
        expected = ", ".join(CLIENT_EVENTS)
        raise BadMessage("UNKNOWN_EVENT", f"Unknown event_type '{kind[:40]}'; expected one of {expected}.")
    data = frame.get("data")
    if data is None:
        data = {k: v for k, v in frame.items() if k not in ("event_type", "type")}
    if not isinstance(data, dict):
        raise BadMessage("BAD_REQUEST", "'data' must be a JSON object.")
    return kind, data


def validate(model: type[M], data: dict[str, Any]) -> M:
    # NUL and lone surrogates are refused in frames as in request bodies (api/input_check.py).
    problems = json_problems(data)
    if problems:
        raise BadMessage("VALIDATION_ERROR", f"Invalid field '{problems[0]['field']}': {problems[0]['message']}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BadMessage("VALIDATION_ERROR", f"Invalid field '{where}': {first['msg']}") from None


def envelope(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": event_type, "data": data}


def error_data(code: str, message: str, trace_id: str, **extra: Any) -> dict[str, Any]:
    """The contract's error body (`error_body`); `error` repeats the message for seed 000's clients."""
    return {**error_body(code, message, trace_id), "error": message, **extra}
