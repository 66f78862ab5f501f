"""Shared by the streaming transports (SSE, WebSocket): answer → response body, usage, chunks, background turns."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine
from typing import Any, TypeVar

import structlog

from api.errors import AppError
from api.schemas import ChatResponse

log = structlog.get_logger(__name__)

T = TypeVar("T")

# A chunk is a word with the whitespace after it (the first also keeps any leading whitespace), so the
# chunks concatenate to the message exactly, Bengali included.
_CHUNK_BOUNDARY = re.compile(r"(?<=\s)(?=\S)")
_EXTRAS = ("conversation_id", "message_id")


def chunks(text: str) -> list[str]:
    return [c for c in _CHUNK_BOUNDARY.split(text) if c]


def usage_of(ans: dict[str, Any], latency_ms: float) -> dict[str, Any]:
    """The turn's usage; a turn with no language model reports the deterministic engine and zeros."""
    usage = ans.get("usage")
    if isinstance(usage, dict):
        return dict(usage)
    return {
        "provider": "deterministic",
        "model": "deterministic",
        "input_tokens": 0,
        "output_tokens": 0,
        "estimated_cost": 0.0,
        "latency_ms": round(latency_ms),
    }


def response_body(ans: dict[str, Any], trace_id: str | None) -> dict[str, Any]:
    """The body POST /api/chat returns for this answer, plus conversation_id and message_id when known."""
    fields: dict[str, Any] = {name: ans[name] for name in ChatResponse.model_fields if name in ans}
    fields.update(
        sources=ans.get("sources", []),
        refusal=ans.get("refusal", False),
        trace_id=trace_id,
        tools_used=ans.get("tools_used") or None,
        mode=ans.get("mode") or "deterministic",
    )
    body = ChatResponse.model_validate(fields).model_dump(mode="json")
    for key in _EXTRAS:
        body.setdefault(key, ans.get(key))
    return body


_background: set[asyncio.Task[Any]] = set()


def in_background(coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """Run `coro` as its own task, held until done: a client that goes away does not cancel it."""
    task = asyncio.get_running_loop().create_task(coro)
    _background.add(task)
    task.add_done_callback(_settled)
    return task


def _settled(task: asyncio.Task[Any]) -> None:
    _background.discard(task)
    # Whoever awaited the task has seen its error; one nobody awaited (the client left) is logged here.
    if not task.cancelled() and (exc := task.exception()) is not None and not isinstance(exc, AppError):
        log.warning("background_turn_failed", error_type=type(exc).__name__)
