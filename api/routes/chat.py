"""POST /api/chat: one conversational turn."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from api.deps import CallerDep
from api.errors import trace_id_of
from api.schemas import SCENARIOS, ChatRequest, ChatResponse, ErrorResponse

router = APIRouter(prefix="/api", tags=["chat"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 409, 413, 422, 429, 500, 503)
}


@router.post("/chat", response_model=ChatResponse, responses=_ERRORS)
async def chat(
    body: Annotated[ChatRequest, Body(openapi_examples=SCENARIOS)],
    caller: CallerDep,
    request: Request,
) -> ChatResponse:
    runtime = request.app.state.runtime
    ans = await runtime.turn(body.session_id, body.user_message, body.language, caller)
    return ChatResponse(
        message=ans["message"],
        domain=ans.get("domain"),
        vertical=ans.get("vertical"),
        agent=ans["agent"],
        sources=ans.get("sources", []),
        confidence=ans["confidence"],
        refusal=ans.get("refusal", False),
        trace_id=trace_id_of(request),
        tools_used=ans.get("tools_used") or None,
        mode="deterministic",
    )
