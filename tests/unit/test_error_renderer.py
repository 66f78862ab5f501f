"""One error renderer: HTTP responses, the body-size middleware, SSE and WebSocket errors share one body."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from api.deps import attach_runtime, runtime_of
from api.errors import AppError, error_body, error_response
from api.middleware import TraceAndLimit
from api.routes.stream import _events
from api.ws_messages import error_data


def test_body_has_the_contract_keys_in_order_and_details_only_when_given() -> None:
    assert list(error_body("NOT_FOUND", "Gone.", "t1")) == ["error_code", "message", "trace_id"]
    assert error_body("VALIDATION_ERROR", "Bad.", "t2", {"fields": []}) == {
        "error_code": "VALIDATION_ERROR",
        "message": "Bad.",
        "trace_id": "t2",
        "details": {"fields": []},
    }


def test_response_carries_the_body_status_and_trace_header() -> None:
    r = error_response(429, "RATE_LIMITED", "Slow down.", "t3", {"retry_after": 2}, {"Retry-After": "2"})
    assert r.status_code == 429 and r.headers["x-trace-id"] == "t3" and r.headers["retry-after"] == "2"
    assert json.loads(bytes(r.body)) == error_body("RATE_LIMITED", "Slow down.", "t3", {"retry_after": 2})


def test_websocket_error_is_the_body_plus_seed_000_fields() -> None:
    data = error_data("RATE_LIMITED", "Slow down.", "t4", retry_after=3)
    assert list(data) == ["error_code", "message", "trace_id", "error", "retry_after"]
    assert data == {**error_body("RATE_LIMITED", "Slow down.", "t4"), "error": "Slow down.", "retry_after": 3}


def _sse_error(exc: Exception) -> dict[str, Any]:
    async def go() -> list[Any]:
        async def fail() -> tuple[dict[str, Any], float]:
            raise exc

        return [event async for event in _events(asyncio.ensure_future(fail()), "t5")]

    (event,) = asyncio.run(go())
    assert event.event == "error"
    data: dict[str, Any] = json.loads(event.data)  # serialised when the event is made
    return data


def test_sse_error_event_is_the_body() -> None:
    assert _sse_error(AppError(409, "SESSION_BUSY", "Busy.")) == error_body("SESSION_BUSY", "Busy.", "t5")
    unexpected = _sse_error(RuntimeError("secret internals"))
    assert unexpected == error_body("INTERNAL_ERROR", "An unexpected error occurred.", "t5")


def test_middleware_413_is_the_body() -> None:
    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(len(await request.body())))

    app = TraceAndLimit(Starlette(routes=[Route("/", echo, methods=["POST"])]), max_body=10)

    async def go(headers: dict[str, str]) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post("/", content=b"x" * 11, headers=headers)

    r = asyncio.run(go({"x-trace-id": "t6"}))
    assert r.status_code == 413 and r.headers["x-trace-id"] == "t6"
    assert r.headers["content-type"] == "application/json"
    assert r.json() == error_body("PAYLOAD_TOO_LARGE", "The request body exceeds 10 bytes.", "t6")


def test_runtime_of_reads_the_app_or_a_connection() -> None:
    app = Starlette()
    runtime: Any = object()
    attach_runtime(app, runtime)
    request = Request({"type": "http", "app": app, "headers": [], "method": "GET", "path": "/"})
    assert runtime_of(app) is runtime and runtime_of(request) is runtime
