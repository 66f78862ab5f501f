"""Seed 002's REST paths (`/api/ai/...`), thin adapters over POST /api/chat's turn, the conversation store,
the tool executor and the webhook registry; errors in seed 002's shape (api/seed_errors.py).

Every path needs a token, staff or customer (seed 002: "All AI endpoints require authentication").
Conversation and message ids are the store's (`conv_…`, `msg_…`). A `conversation_id` the caller has no
stored conversation for names a new conversation, which the same id continues.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from sse_starlette import EventSourceResponse

from api.answers import in_background, response_body
from api.conversation_schemas import FeedbackRequest
from api.deps import CallerDep, RuntimeDep
from api.errors import AppError, trace_id_of
from api.idempotency import IdempotencyKeyHeader, mark_replayed
from api.ratelimit import rate_limited
from api.routes import webhooks
from api.routes.conversations import MAX_OFFSET, call_store
from api.routes.seed_tools import router as tools_router
from api.routes.seed_v1 import new_session, signed_in
from api.routes.seed_ws import HUB, session_of, turn_key, turn_scope
from api.routes.stream import run_turn, stream_events
from api.runtime import REPLAYED, Runtime
from api.schemas import MAX_MESSAGE, ChatRequest
from api.seed_errors import seed_body
from bank_router.store import owner_of
from bank_router.turn.context import Caller

router = APIRouter(prefix="/api/ai", tags=["seed 002"])
router.include_router(tools_router)


def seed_caller(caller: CallerDep) -> Caller:
    return signed_in(caller)


SeedCaller = Annotated[Caller, Depends(seed_caller)]


class AiChatRequest(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "message": "What is my account balance?",
                    "conversation_id": "conv_123abc",
                    "context": {"account_type": "checking", "previous_topic": "transfers"},
                    "model": "gpt-4",
                    "temperature": 0.7,
                    "stream": False,
                }
            ]
        },
    )

    message: str = Field(json_schema_extra={"minLength": 1, "maxLength": MAX_MESSAGE})
    conversation_id: str | None = Field(None, min_length=1, max_length=128)
    context: dict[str, Any] = Field(default_factory=dict, description="Optional context data (informational)")
    model: str | None = Field(None, max_length=64)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    stream: StrictBool = False
    language: Literal["en", "bn"] = "en"

    @field_validator("message")
    @classmethod
    def _trimmed(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("The message field is required")
        if len(v) > MAX_MESSAGE:
            raise ValueError(f"The message may not be greater than {MAX_MESSAGE} characters")
        return v


def _check_model(runtime: Runtime, model: str | None) -> None:
    allowed = {m.strip() for m in runtime.settings.ai_allowed_models.split(",") if m.strip()}
    allowed.add(runtime.settings.openai_model)
    if model is not None and model not in allowed:
        field = [{"field": "model", "message": "The selected model is invalid"}]
        raise AppError(422, "VALIDATION_ERROR", "Invalid field 'model'", {"fields": field})


def ai_reply(ans: dict[str, Any], trace_id: str) -> dict[str, Any]:
    """Seed 002's chat response for a turn's answer."""
    body = response_body(ans, trace_id)
    context = ans.get("context")
    return {
        "conversation_id": body.get("conversation_id"),
        "message_id": body.get("message_id"),
        "response": body["message"],
        "confidence": body["confidence"],
        "tools_used": body.get("tools_used") or [],
        "context": dict(context) if isinstance(context, dict) else {},
    }


def _seed_error(status: int, code: str, message: str, trace_id: str, details: Any) -> dict[str, Any]:
    return seed_body(status, code, message, trace_id, details)


async def _published(
    runtime: Runtime, turn: ChatRequest, caller: Caller, key: str | None
) -> tuple[dict[str, Any], float]:
    """The turn, then its answer streamed to the sockets subscribed to its conversation (`/ai/ws`)."""
    ans, latency_ms = await run_turn(runtime, turn, caller, key)
    HUB.stream(turn_key(caller, turn.session_id), str(ans.get("message") or ""))
    return ans, latency_ms


@router.post("/chat", dependencies=[Depends(rate_limited("chat"))], response_model=None)
async def ai_chat(
    body: AiChatRequest,
    caller: SeedCaller,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> dict[str, Any] | EventSourceResponse:
    """One turn; `stream: true` answers with Server-Sent Events (`token`…, `usage`, `done` = this body)."""
    _check_model(runtime, body.model)
    if body.conversation_id:
        session = await session_of(runtime, caller, body.conversation_id)
    else:
        session = new_session("s2_", idempotency_key)
    turn = ChatRequest(session_id=session, user_message=body.message, channel="web", language=body.language)
    trace_id = trace_id_of(request)
    with turn_scope(turn_key(caller, session)):  # the turn's tool events reach its subscribers
        task = in_background(_published(runtime, turn, caller, idempotency_key))
    if body.stream:
        return stream_events(task, trace_id, done=ai_reply, error=_seed_error)
    ans, _ = await task
    mark_replayed(response, bool(ans.get(REPLAYED)))
    return ai_reply(ans, trace_id)


def _summary(item: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "title", "last_message", "message_count", "created_at", "updated_at")
    return {k: item.get(k) for k in keys}


@router.get("/conversations", dependencies=[Depends(rate_limited("conversations"))])
async def ai_conversations(
    caller: SeedCaller,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=100, description="per page")] = 10,
    page: Annotated[int, Query(ge=1, le=MAX_OFFSET // 100, description="1-based")] = 1,
) -> dict[str, Any]:
    """The caller's conversations, most recently active first: `data` and `meta {total, per_page, current_page}`."""
    owner = owner_of(caller, None)
    total, items = await call_store(runtime, lambda s: s.list(owner, limit, (page - 1) * limit))
    return {"data": [_summary(i) for i in items], "meta": {"total": total, "per_page": limit, "current_page": page}}


def _message(m: dict[str, Any]) -> dict[str, Any]:
    out = {"id": m["id"], "role": m["role"], "content": m["content"], "timestamp": m["timestamp"]}
    if m["role"] == "assistant":
        out.update(tools_used=m.get("tools_used") or [], confidence=m.get("confidence"))
    return out


def _not_found() -> AppError:
    return AppError(404, "NOT_FOUND", "Conversation not found")


@router.get("/conversations/{conversation_id}", dependencies=[Depends(rate_limited("conversations"))])
async def ai_conversation(conversation_id: str, caller: SeedCaller, runtime: RuntimeDep) -> dict[str, Any]:
    """One of the caller's conversations with its messages in order."""
    owner = owner_of(caller, None)
    found = await call_store(runtime, lambda s: s.get(owner, conversation_id))
    if found is None:
        raise _not_found()
    return {
        "id": found["id"],
        "messages": [_message(m) for m in found["messages"]],
        "context": {"user_id": caller.sub, "channel": found.get("channel")},
        "created_at": found["created_at"],
    }


@router.delete("/conversations/{conversation_id}")
async def ai_delete_conversation(conversation_id: str, caller: SeedCaller, runtime: RuntimeDep) -> dict[str, Any]:
    """Delete one of the caller's conversations, its messages, feedback and graph memory."""
    owner = owner_of(caller, None)
    if not await call_store(runtime, lambda s: s.delete(owner, conversation_id)):
        raise _not_found()
    return {"success": True, "message": "Conversation deleted successfully"}


@router.post("/feedback")
async def ai_feedback(body: FeedbackRequest, caller: SeedCaller, runtime: RuntimeDep) -> dict[str, Any]:
    """Rate one of the caller's answers (1–5, optional comment); rating again replaces the rating."""
    owner = owner_of(caller, None)
    saved = await call_store(runtime, lambda s: s.feedback(owner, body.message_id, body.rating, body.feedback))
    if saved is None:
        raise AppError(404, "NOT_FOUND", "Message not found")
    return {"success": True, "message": "Feedback recorded successfully"}


@router.post("/webhooks", status_code=201)
async def ai_webhooks(body: webhooks.WebhookCreate, caller: SeedCaller, request: Request) -> webhooks.WebhookOut:
    """POST /api/webhooks under seed 002's path: staff with `webhooks:manage`."""
    return await webhooks.register_webhook(body, caller, request)
