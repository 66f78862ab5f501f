"""Seeds 000 and 001's own endpoints, thin adapters over the turn, store and limits of POST /api/chat.

- `POST /api/v1/ai-agent/chat` (seed 000): `{"messages": [...]}`; the last user message is the turn. A
  history that ends a stored conversation of the caller continues its session (the graph's memory);
  any other history is put before the question in the graph's messages for that turn, and not stored.
- `POST /api/v1/ai/agent/chat` and `.../chat/stream` (seed 001): `message`, `conversation_id`, `role`
  (policy/roles/*.yaml), `include_rag`; header `X-Tenant` must be the token's tenant.
- `GET /api/v1/ai/usage` (seed 001): the same report as GET /api/usage.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request, Response
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sse_starlette import EventSourceResponse

from api.answers import in_background, response_body, usage_of
from api.conversation_schemas import UsageReport
from api.deps import CallerDep, RuntimeDep
from api.errors import AppError, trace_id_of
from api.idempotency import IdempotencyKeyHeader, chat_key, mark_replayed
from api.ratelimit import rate_limited
from api.routes import conversations
from api.routes.conversations import call_store
from api.routes.stream import run_turn, stream_events
from api.runtime import REPLAYED, Runtime
from api.schemas import MAX_MESSAGE, ChatRequest, ErrorResponse
from api.seed_roles import DEFAULT_ROLE, roles
from bank_router.store import ConversationStore, Owner, owner_of
from bank_router.tools.executor import AGENT_PERMISSION
from bank_router.turn.context import Caller, TurnOptions

router = APIRouter(prefix="/api/v1", tags=["seed 000 and 001"])
_ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": ErrorResponse} for c in (400, 401, 403, 404, 409, 422, 429)}
_CHAT = [Depends(rate_limited("chat"))]
# A seed 000 history is matched against this many of the caller's most recent conversations.
RECENT_CONVERSATIONS = 10


def _text(v: str) -> str:
    v = v.strip()
    if not v:
        raise ValueError("must not be empty or only whitespace")
    if len(v) > MAX_MESSAGE:
        raise ValueError(f"must be at most {MAX_MESSAGE:,} characters")
    return v


def new_session(prefix: str, idempotency_key: str | None) -> str:
    """A new conversation's session id; one derived from the Idempotency-Key, so a retry names the same turn."""
    if idempotency_key is None:
        return f"{prefix}{uuid.uuid4().hex}"
    return prefix + hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


def signed_in(caller: Caller) -> Caller:
    """These paths need a token (staff or customer): anonymous callers have no conversation to continue."""
    if not caller.is_staff:
        raise AppError(401, "UNAUTHORIZED", "Send a token: 'Authorization: Bearer <token>'.")
    return caller


# ---- seed 000 ----------------------------------------------------------------------------------------------


class AgentChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["user", "assistant", "system"]
    content: str = Field(max_length=MAX_MESSAGE)


class AgentChatRequest(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "messages": [
                        {"role": "user", "content": "List customers named John"},
                        {"role": "assistant", "content": "Here are the customers..."},
                        {"role": "user", "content": "Show me full details for the first one"},
                    ]
                }
            ]
        },
    )

    messages: list[AgentChatMessage] = Field(min_length=1, max_length=100)
    language: Literal["en", "bn"] = "en"

    @field_validator("messages")
    @classmethod
    def _ends_with_a_question(cls, v: list[AgentChatMessage]) -> list[AgentChatMessage]:
        if v[-1].role != "user":
            raise ValueError("the last message must be the user's")
        _text(v[-1].content)
        return v


def _as_message(m: AgentChatMessage) -> BaseMessage:
    if m.role == "user":
        return HumanMessage(content=m.content)
    if m.role == "assistant":
        return AIMessage(content=m.content)
    return SystemMessage(content=m.content)


def _continued(store: ConversationStore, owner: Owner, prior: list[tuple[str, str]]) -> str | None:
    """The session of the caller's recent conversation whose stored messages end with `prior`, if any."""
    _, items = store.list(owner, RECENT_CONVERSATIONS, 0)
    for item in items:
        found = store.get(owner, item["id"])
        stored = [(m["role"], m["content"]) for m in (found or {}).get("messages", [])]
        if len(stored) >= len(prior) and stored[len(stored) - len(prior) :] == prior:
            return str(item["session_id"])
    return None


@router.post("/ai-agent/chat", responses=_ERRORS, dependencies=_CHAT)
async def agent_chat(
    body: AgentChatRequest,
    caller: CallerDep,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> dict[str, Any]:
    """Seed 000: the last user message is the turn, the earlier ones its context. Staff token with `ai_agent`."""
    signed_in(caller)
    if AGENT_PERMISSION not in caller.permissions:
        raise AppError(403, "FORBIDDEN", "The permission 'ai_agent' is required to use the assistant.")
    *earlier, question = body.messages
    prior: list[tuple[str, str]] = [(m.role, m.content) for m in earlier if m.role != "system"]
    owner = owner_of(caller, None)
    session = await call_store(runtime, lambda s: _continued(s, owner, prior)) if prior else None
    history = [] if session else [_as_message(m) for m in earlier]
    turn = ChatRequest(
        session_id=session or new_session("v0_", idempotency_key),
        user_message=question.content,
        channel="web",
        language=body.language,
    )
    ans = await runtime.turn(
        turn.session_id,
        turn.user_message,
        turn.language,
        caller,
        channel=turn.channel,
        idempotency=chat_key(caller, turn, idempotency_key),
        history=history,
    )
    mark_replayed(response, bool(ans.get(REPLAYED)))
    return response_body(ans, trace_id_of(request))


# ---- seed 001 ----------------------------------------------------------------------------------------------


class AgentTurnRequest(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"message": "Where is my order ORD-20260315-A1B2?", "role": "support"}]},
    )

    message: str = Field(description="at most 10,000 characters", json_schema_extra={"maxLength": MAX_MESSAGE})
    conversation_id: str | None = Field(None, max_length=128)
    role: str = Field(DEFAULT_ROLE, max_length=40, description="support, operations, analytics, or a custom role")
    include_rag: bool = True
    language: Literal["en", "bn"] = "en"

    @field_validator("message")
    @classmethod
    def _trimmed(cls, v: str) -> str:
        return _text(v)


TenantHeader = Annotated[str | None, Header(alias="X-Tenant", max_length=128)]


async def _prepared(
    body: AgentTurnRequest, caller: Caller, runtime: Runtime, tenant: str | None, key: str | None
) -> tuple[ChatRequest, Caller, TurnOptions]:
    """The contract's turn for a seed 001 request, the caller narrowed to its role's tools, and how the turn
    runs: with or without the knowledge search, the role's instructions, only the role's tools."""
    signed_in(caller)
    if tenant is not None and tenant != caller.tenant:
        raise AppError(403, "FORBIDDEN", "X-Tenant is not the tenant of your token.")
    role = roles().get(body.role)
    if role is None:
        field = [{"field": "role", "message": f"unknown role; one of {', '.join(sorted(roles()))}"}]
        raise AppError(
            422, "VALIDATION_ERROR", f"Invalid field 'role': unknown role {body.role[:40]!r}", {"fields": field}
        )
    session = new_session("v1_", key)
    if body.conversation_id:
        owner = owner_of(caller, None)
        found = await call_store(runtime, lambda s: s.get(owner, body.conversation_id or ""))
        if found is None:
            raise AppError(404, "NOT_FOUND", "Conversation not found.")
        session = str(found["session_id"])
    turn = ChatRequest(session_id=session, user_message=body.message, channel="web", language=body.language)
    options = TurnOptions(
        include_rag=body.include_rag, instructions=role.instructions, allowed_tools=frozenset(role.tools)
    )
    return turn, role.narrow(caller), options


def agent_reply(ans: dict[str, Any], trace_id: str, latency_ms: float, include_rag: bool = True) -> dict[str, Any]:
    """Seed 001's response body, then the contract's fields."""
    sources = list(ans.get("sources") or [])
    rag = [s for s in sources if not s.startswith("tool:")] if include_rag else []
    body = response_body(ans, trace_id)
    return {
        "conversation_id": body.get("conversation_id"),
        "message": {"role": "assistant", "content": body["message"]},
        "rag_sources": rag,
        "usage": usage_of(ans, latency_ms),
        **{k: v for k, v in body.items() if k not in ("conversation_id", "message", "usage")},
    }


@router.post("/ai/agent/chat", responses=_ERRORS, dependencies=_CHAT)
async def agent_turn(
    body: AgentTurnRequest,
    caller: CallerDep,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
    x_tenant: TenantHeader = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> dict[str, Any]:
    """Seed 001: one turn as `role`; `conversation_id` continues a stored conversation of yours."""
    turn, narrowed, options = await _prepared(body, caller, runtime, x_tenant, idempotency_key)
    ans, latency_ms = await run_turn(runtime, turn, narrowed, idempotency_key, options)
    mark_replayed(response, bool(ans.get(REPLAYED)))
    return agent_reply(ans, trace_id_of(request), latency_ms, body.include_rag)


@router.post(
    "/ai/agent/chat/stream",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **_ERRORS},
    dependencies=_CHAT,
)
async def agent_turn_stream(
    body: AgentTurnRequest,
    caller: CallerDep,
    runtime: RuntimeDep,
    request: Request,
    x_tenant: TenantHeader = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> EventSourceResponse:
    """Seed 001's SSE: `token` {text}…, `usage`, `done` {conversation_id, finish_reason, …} or `error`."""
    turn, narrowed, options = await _prepared(body, caller, runtime, x_tenant, idempotency_key)
    task = in_background(run_turn(runtime, turn, narrowed, idempotency_key, options))
    return stream_events(task, trace_id_of(request))


# The same handler as GET /api/usage, under seed 001's path.
router.add_api_route("/ai/usage", conversations.usage, methods=["GET"], response_model=UsageReport, responses=_ERRORS)
