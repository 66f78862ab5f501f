"""Pure ASGI middleware: a trace id on every response, a cap on body size, and no unstorable text.

The body is read here, whole, before the app runs: so a chunked body (no Content-Length) over the
limit is a 413 like a declared one, and every string of the request can be checked (api/input_check)
before any dependency, rate limiter or store sees it. Bodies are small (MAX_BODY_BYTES), so holding
one in memory costs nothing the app would not spend anyway.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response, trace_id_for
from api.input_check import request_problems


class TraceAndLimit:
    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        trace_id = trace_id_for(headers.get("x-trace-id"))
        scope.setdefault("state", {})["trace_id"] = trace_id
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body:
            await _too_large(scope, receive, send, trace_id, self.max_body)
            return
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before its body arrived: nobody to answer
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_body:
                await _too_large(scope, receive, send, trace_id, self.max_body)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if problems := request_problems(scope, body):
            first = problems[0]
            message_text = f"Invalid field '{first['field']}': {first['message']}"
            details = {"fields": problems}
            response = error_response(422, "VALIDATION_ERROR", message_text, trace_id, details, path=scope["path"])
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: disconnect notices, as the app expects
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send_with_trace(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                if not any(k.lower() == b"x-trace-id" for k, _ in raw):
                    raw.append((b"x-trace-id", trace_id.encode()))
                message["headers"] = raw
            await send(message)

        await self.app(scope, replay, send_with_trace)


async def _too_large(scope: Scope, receive: Receive, send: Send, trace_id: str, limit: int) -> None:
    message = f"The request body exceeds {limit} bytes."
    response = error_response(413, "PAYLOAD_TOO_LARGE", message, trace_id, path=scope["path"])
    await response(scope, receive, send)
