"""Stored conversations, feedback on answers, and usage: always the caller's own (404 otherwise, never 403).

Staff are identified by their token's (tenant, sub); an anonymous customer by the session id it chats
with, sent as the `X-Session-Id` header (preferred: headers stay out of access logs) or `?session_id=`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import WithJsonSchema
from sqlalchemy.exc import OperationalError

from api.conversation_schemas import (
    ConversationDetail,
    ConversationList,
    FeedbackRequest,
    FeedbackResponse,
    UsageReport,
)
from api.deps import CallerDep, OwnerDep, RuntimeDep, owner_for
from api.errors import AppError
from api.ratelimit import rate_limited
from api.runtime import Runtime
from api.schemas import ErrorResponse
from bank_router.store import ConversationStore

T = TypeVar("T")
router = APIRouter(prefix="/api", tags=["conversations"])

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorResponse} for code in (401, 404, 422, 429, 503)}
_LISTED = [Depends(rate_limited("conversations"))]
MAX_USAGE_DAYS = 366
# Far beyond any real list, far below 64 bits: SQLite and PostgreSQL both take it as an OFFSET.
MAX_OFFSET = 1_000_000_000


async def call_store(runtime: Runtime, fn: Callable[[ConversationStore], T]) -> T:
    """Run blocking store work off the event loop; a store that is down is a 503, not a 500."""
    store: ConversationStore | None = getattr(runtime, "store", None)
    if store is None:
        raise AppError(503, "SERVICE_UNAVAILABLE", "The conversation store is not available.")
    try:
        return await asyncio.to_thread(fn, store)
    except OperationalError as exc:
        raise AppError(503, "SERVICE_UNAVAILABLE", "The conversation store is not available.") from exc


def _not_found() -> AppError:
    return AppError(404, "NOT_FOUND", "Conversation not found.")


@router.get("/conversations", response_model=ConversationList, responses=_ERRORS, dependencies=_LISTED)
async def list_conversations(
    owner: OwnerDep,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=100, description="rows per page, 1 to 100")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")] = 0,
) -> dict[str, Any]:
    """The caller's conversations, most recently active first."""
    total, items = await call_store(runtime, lambda s: s.list(owner, limit, offset))
    return {"data": items, "meta": {"total": total, "limit": limit, "offset": offset}}


@router.get(
    "/conversations/{conversation_id}", response_model=ConversationDetail, responses=_ERRORS, dependencies=_LISTED
)
async def get_conversation(owner: OwnerDep, runtime: RuntimeDep, conversation_id: str) -> dict[str, Any]:
    """One of the caller's conversations with its messages in order."""
    found = await call_store(runtime, lambda s: s.get(owner, conversation_id))
    if found is None:
        raise _not_found()
    return found


@router.delete("/conversations/{conversation_id}", status_code=204, responses=_ERRORS)
async def delete_conversation(owner: OwnerDep, runtime: RuntimeDep, conversation_id: str) -> Response:
    """Delete one of the caller's conversations: messages, feedback and the session's graph memory."""
    if not await call_store(runtime, lambda s: s.delete(owner, conversation_id)):
        raise _not_found()
    return Response(status_code=204)


@router.post("/feedback", response_model=FeedbackResponse, responses=_ERRORS)
async def submit_feedback(
    request: Request,
    body: FeedbackRequest,
    caller: CallerDep,
    runtime: RuntimeDep,
    x_session_id: Annotated[str | None, Header(max_length=128)] = None,
) -> dict[str, Any]:
    """Rate one of the caller's answers (1–5, optional comment); rating it again replaces the rating."""
    owner = owner_for(caller, x_session_id or body.session_id or request.query_params.get("session_id"))
    saved = await call_store(runtime, lambda s: s.feedback(owner, body.message_id, body.rating, body.feedback))
    if saved is None:
        raise AppError(404, "NOT_FOUND", "Message not found.")
    return {"success": True, "message": "Feedback recorded successfully", **saved}


# A query parameter is absent or a date, never JSON null: the schema says `string/date` alone.
_Day = Annotated[date | None, WithJsonSchema({"type": "string", "format": "date"})]
_RANGE = f"`from` on or before `to`, at most {MAX_USAGE_DAYS} days in all (else 422)"


@router.get(
    "/usage",
    response_model=UsageReport,
    responses={
        **_ERRORS,
        403: {"model": ErrorResponse},
        422: {"model": ErrorResponse, "description": f"Invalid parameter, or not {_RANGE}"},
    },
)
async def usage(
    owner: OwnerDep,
    caller: CallerDep,
    runtime: RuntimeDep,
    scope: Annotated[Literal["own", "tenant"], Query(description="tenant: all staff of your tenant")] = "own",
    from_: Annotated[
        _Day, Query(alias="from", description=f"first UTC day (default: 29 days before to); {_RANGE}")
    ] = None,
    to: Annotated[_Day, Query(description=f"last UTC day (default: today); {_RANGE}")] = None,
) -> dict[str, Any]:
    """Requests, tokens, cost and latency by provider, model, agent and day: your own turns, or with
    `scope=tenant` (staff with `insights:read`) every staff turn of your tenant. The range: `from` on or
    before `to`, at most 366 days in all (else 422)."""
    if scope == "tenant" and not caller.can("insights:read"):
        raise AppError(403, "FORBIDDEN", "The permissions 'ai_agent' and 'insights:read' are needed for tenant usage.")
    last = to or datetime.fromtimestamp(runtime.services.clock(), UTC).date()
    try:
        first = from_ or last - timedelta(days=29)
    except OverflowError:  # `to` within 29 days of year 1
        first = date.min
    if first > last or (last - first).days >= MAX_USAGE_DAYS:
        raise AppError(
            422,
            "VALIDATION_ERROR",
            f"'from' must be on or before 'to', at most {MAX_USAGE_DAYS} days.",
            {
                "fields": [
                    {"field": "query.from", "message": f"must be on or before 'to', at most {MAX_USAGE_DAYS} days"}
                ]
            },
        )
    if scope == "tenant":
        report = await call_store(runtime, lambda s: s.usage(None, caller.tenant, first, last))
    else:
        report = await call_store(runtime, lambda s: s.usage(owner, None, first, last))
    return {"scope": scope, **report}
