"""POST /api/chat/stream: one turn as Server-Sent Events (seed 001): token…, usage, done | error."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Body, Depends, Request
from sse_starlette import EventSourceResponse, JSONServerSentEvent

from api.answers import chunks, in_background, response_body, usage_of
from api.deps import CallerDep, RuntimeDep
from api.errors import AppError, error_body, trace_id_of
from api.idempotency import IdempotencyKeyHeader, chat_key
from api.ratelimit import rate_limited
from api.runtime import Runtime
from api.schemas import SCENARIOS, ChatRequest, ErrorResponse
from bank_router.turn.context import Caller, TurnOptions

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/api", tags=["chat"])

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorResponse} for code in (400, 401, 413, 422, 429)}
# A store outage (503), a reused Idempotency-Key (422) or a busy session (409) arrive as the `error` event.
_STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "text/event-stream: `token` {text}… then `usage`, then `done` (the ChatResponse plus "
        "conversation_id and finish_reason); or `error` {error_code, message, trace_id}.",
        "content": {"text/event-stream": {}},
    },
    **_ERRORS,
}


async def run_turn(
    runtime: Runtime, body: ChatRequest, caller: Caller, key: str | None, options: TurnOptions | None = None
) -> tuple[dict[str, Any], float]:
    """(the answer, its latency in ms); shared with the seeds' own streaming paths."""
    started = time.perf_counter()
    idempotency = chat_key(caller, body, key)
    ans = await runtime.turn(
        body.session_id,
        body.user_message,
        body.language,
        caller,
        channel=body.channel,
        idempotency=idempotency,
        options=options,
    )
    return ans, (time.perf_counter() - started) * 1000


def contract_done(ans: dict[str, Any], trace_id: str) -> dict[str, Any]:
    """The `done` event of POST /api/chat/stream: the ChatResponse plus conversation_id and finish_reason."""
    done = response_body(ans, trace_id)
    done["finish_reason"] = "stop"
    return done


Done = Callable[[dict[str, Any], str], dict[str, Any]]
ErrorData = Callable[[int, str, str, str, Any], dict[str, Any]]


def _contract_error(status: int, code: str, message: str, trace_id: str, details: Any) -> dict[str, Any]:
    return error_body(code, message, trace_id, details)


async def _events(
    turn: asyncio.Task[tuple[dict[str, Any], float]],
    trace_id: str,
    done: Done = contract_done,
    error: ErrorData = _contract_error,
) -> AsyncIterator[JSONServerSentEvent]:
    """token…, usage, done; or error. `done` and `error` shape those events (the seeds' own paths reuse this)."""
    try:
        # Shielded: if the client goes away, this generator is cancelled but the turn still completes and is stored.
        ans, latency_ms = await asyncio.shield(turn)
    except AppError as exc:
        yield JSONServerSentEvent(error(exc.status, exc.code, exc.message, trace_id, exc.details), event="error")
        return
    except Exception as exc:
        log.error("stream_turn_failed", error_type=type(exc).__name__, trace_id=trace_id)
        err = error(500, "INTERNAL_ERROR", "An unexpected error occurred.", trace_id, None)
        yield JSONServerSentEvent(err, event="error")
        return
    # The turn is complete, output guard included, before its first token leaves.
    for piece in chunks(ans["message"]):
        yield JSONServerSentEvent({"text": piece}, event="token")
    usage = usage_of(ans, latency_ms)
    yield JSONServerSentEvent(usage, event="usage")
    yield JSONServerSentEvent(done(ans, trace_id), event="done")


def stream_events(
    turn: asyncio.Task[tuple[dict[str, Any], float]],
    trace_id: str,
    done: Done = contract_done,
    error: ErrorData = _contract_error,
) -> EventSourceResponse:
    """The SSE response of a turn running in the background (`in_background(run_turn(...))`)."""
    return EventSourceResponse(_events(turn, trace_id, done, error), ping=15)


@router.post(
    "/chat/stream",
    response_class=EventSourceResponse,
    responses=_STREAM_DOC,
    dependencies=[Depends(rate_limited("chat"))],
)
async def chat_stream(
    body: Annotated[ChatRequest, Body(openapi_examples=SCENARIOS)],
    caller: CallerDep,
    runtime: RuntimeDep,
    request: Request,
    idempotency_key: IdempotencyKeyHeader = None,
) -> EventSourceResponse:
    """The same turn as POST /api/chat, streamed; validation and auth errors are plain JSON errors. With
    `Idempotency-Key` (shared with POST /api/chat), a retry streams the stored answer."""
    turn = in_background(run_turn(runtime, body, caller, idempotency_key))
    return stream_events(turn, trace_id_of(request))
