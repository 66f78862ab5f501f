"""The synchronous client of the contract's paths: `Client("http://127.0.0.1:8000", token=...)`."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from bank_router.client._base import (
    Call,
    Retry,
    SseParser,
    chat_call,
    checked,
    headers,
    replayed,
    retryable,
    tool_call,
)
from bank_router.client.models import (
    ChatResponse,
    ConversationDetail,
    ConversationPage,
    FeedbackResult,
    StreamEvent,
    ToolInfo,
    ToolResult,
)


class Client:
    """Chat, stream, conversations, feedback and tools as the caller of `token` (staff or customer JWT), or
    as an anonymous customer whose conversations are those of `session_id` (sent as X-Session-Id).

    `chat`, `stream` and `execute_tool` send an Idempotency-Key (yours, or a new UUID) and retry on 503,
    429 and connection errors with the same key, so a retried turn or tool runs once. Errors are raised as
    `bank_router.client.errors` classes (status, error_code, message, trace_id)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        session_id: str | None = None,
        *,
        timeout: float = 60.0,
        retry: Retry | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session_id, self.retry, self._sleep = session_id, retry or Retry(), sleep
        self._http = httpx.Client(
            base_url=base_url, headers=headers(token, session_id), timeout=timeout, transport=transport
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, call: Call) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            try:
                return checked(
                    self._http.request(call.method, call.path, json=call.body, params=call.params, headers=call.headers)
                )
            except Exception as exc:
                if not call.retried or attempt >= self.retry.attempts or not retryable(exc):
                    raise
                self._sleep(self.retry.delay(attempt, exc))

    def chat(
        self,
        message: str,
        session_id: str | None = None,
        *,
        channel: str = "web",
        language: str = "en",
        idempotency_key: str | None = None,
    ) -> ChatResponse:
        """One turn (POST /api/chat)."""
        call = chat_call("/api/chat", message, self._session(session_id), channel, language, idempotency_key)
        return ChatResponse.model_validate(self._send(call).json())

    def stream(
        self,
        message: str,
        session_id: str | None = None,
        *,
        channel: str = "web",
        language: str = "en",
        idempotency_key: str | None = None,
    ) -> Iterator[StreamEvent]:
        """One turn as events (POST /api/chat/stream): `token`…, `usage`, `done`; an `error` event raises."""
        call = chat_call("/api/chat/stream", message, self._session(session_id), channel, language, idempotency_key)
        attempt, started = 0, False
        while True:
            attempt += 1
            try:
                with self._http.stream("POST", call.path, json=call.body, headers=call.headers) as response:
                    if response.status_code >= 400:
                        response.read()
                    checked(response)
                    parser = SseParser()
                    for line in itertools.chain(response.iter_lines(), [""]):
                        for event in parser.feed([line]):
                            started = True
                            yield event
                return
            except Exception as exc:
                # Once an event is out, a retry would repeat it: only a stream that never started is retried.
                if started or attempt >= self.retry.attempts or not retryable(exc):
                    raise
                self._sleep(self.retry.delay(attempt, exc))

    def conversations(self, limit: int = 20, offset: int = 0) -> ConversationPage:
        response = self._send(Call("GET", "/api/conversations", params={"limit": limit, "offset": offset}))
        return ConversationPage.model_validate(response.json())

    def conversation(self, conversation_id: str) -> ConversationDetail:
        response = self._send(Call("GET", f"/api/conversations/{conversation_id}"))
        return ConversationDetail.model_validate(response.json())

    def delete_conversation(self, conversation_id: str) -> None:
        self._send(Call("DELETE", f"/api/conversations/{conversation_id}"))

    def feedback(self, message_id: str, rating: int, feedback: str | None = None) -> FeedbackResult:
        body: dict[str, Any] = {"message_id": message_id, "rating": rating, "feedback": feedback}
        if self.session_id:
            body["session_id"] = self.session_id
        return FeedbackResult.model_validate(self._send(Call("POST", "/api/feedback", body)).json())

    def tools(self) -> list[ToolInfo]:
        return [ToolInfo.model_validate(t) for t in self._send(Call("GET", "/api/tools")).json()["data"]]

    def tool(self, name: str) -> ToolInfo:
        return ToolInfo.model_validate(self._send(Call("GET", f"/api/tools/{name}")).json())

    def execute_tool(
        self, name: str, parameters: dict[str, Any] | None = None, *, idempotency_key: str | None = None
    ) -> ToolResult:
        """Run one tool as the caller (POST /api/tools/{name}/execute)."""
        response = self._send(tool_call(name, parameters, idempotency_key))
        return ToolResult.model_validate({**response.json(), "replayed": replayed(response)})

    def _session(self, session_id: str | None) -> str:
        chosen = session_id or self.session_id
        if not chosen:
            raise ValueError("chat needs a session_id (here or in Client(session_id=...))")
        return chosen
