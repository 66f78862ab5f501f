"""Pure ASGI middleware: a trace id on every response, and a cap on body size."""

from __future__ import annotations

import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response


class TraceAndLimit:
    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        trace_id = headers.get("x-trace-id") or uuid.uuid4().hex
        scope.setdefault("state", {})["trace_id"] = trace_id
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body:
            await _too_large(scope, receive, send, trace_id, self.max_body)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _BodyTooLarge
            return message

        async def send_with_trace(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                if not any(k.lower() == b"x-trace-id" for k, _ in raw):
                    raw.append((b"x-trace-id", trace_id.encode()))
                message["headers"] = raw
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_trace)
        except _BodyTooLarge:
            await _too_large(scope, receive, send, trace_id, self.max_body)


class _BodyTooLarge(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send, trace_id: str, limit: int) -> None:
    response = error_response(413, "PAYLOAD_TOO_LARGE", f"The request body exceeds {limit} bytes.", trace_id)
    await response(scope, receive, send)
