"""POST /api/chat: one conversational turn."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response

from api.answers import response_body
from api.deps import CallerDep, RuntimeDep
from api.errors import trace_id_of
from api.idempotency import IdempotencyKeyHeader, chat_key, mark_replayed
from api.ratelimit import rate_limited
from api.runtime import REPLAYED
from api.schemas import SCENARIOS, ChatRequest, ChatResponse, ErrorResponse

router = APIRouter(prefix="/api", tags=["chat"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 409, 413, 422, 429, 500, 503)
}


@router.post("/chat", response_model=ChatResponse, responses=_ERRORS, dependencies=[Depends(rate_limited("chat"))])
async def chat(
    body: Annotated[ChatRequest, Body(openapi_examples=SCENARIOS)],
    caller: CallerDep,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ChatResponse:
    """One turn. With `Idempotency-Key`, a retry gets the stored answer back (`Idempotent-Replayed: true`)."""
    key = chat_key(caller, body, idempotency_key)
    ans = await runtime.turn(
        body.session_id, body.user_message, body.language, caller, channel=body.channel, idempotency=key
    )
    mark_replayed(response, bool(ans.get(REPLAYED)))
    return ChatResponse.model_validate(response_body(ans, trace_id_of(request)))
