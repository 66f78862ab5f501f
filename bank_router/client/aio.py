"""The asynchronous client: `AsyncClient` has `Client`'s methods, as coroutines (and `stream` an async iterator)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
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


class AsyncClient:
    """See `bank_router.client.Client`: the same calls, retries and errors, over `httpx.AsyncClient`."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        session_id: str | None = None,
        *,
        timeout: float = 60.0,
        retry: Retry | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.session_id, self.retry, self._sleep = session_id, retry or Retry(), sleep
        self._http = httpx.AsyncClient(
            base_url=base_url, headers=headers(token, session_id), timeout=timeout, transport=transport
        )

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(self, call: Call) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._http.request(
                    call.method, call.path, json=call.body, params=call.params, headers=call.headers
                )
                return checked(response)
            except Exception as exc:
                if not call.retried or attempt >= self.retry.attempts or not retryable(exc):
                    raise
                await self._sleep(self.retry.delay(attempt, exc))

    async def chat(
        self,
        message: str,
        session_id: str | None = None,
        *,
        channel: str = "web",
        language: str = "en",
        idempotency_key: str | None = None,
    ) -> ChatResponse:
        call = chat_call("/api/chat", message, self._session(session_id), channel, language, idempotency_key)
        return ChatResponse.model_validate((await self._send(call)).json())

    async def stream(
        self,
        message: str,
        session_id: str | None = None,
        *,
        channel: str = "web",
        language: str = "en",
        idempotency_key: str | None = None,
    ) -> AsyncIterator[StreamEvent]:
        call = chat_call("/api/chat/stream", message, self._session(session_id), channel, language, idempotency_key)
        attempt, started = 0, False
        while True:
            attempt += 1
            try:
                async with self._http.stream("POST", call.path, json=call.body, headers=call.headers) as response:
                    if response.status_code >= 400:
                        await response.aread()
                    checked(response)
                    parser = SseParser()
                    async for line in response.aiter_lines():
                        for event in parser.feed([line]):
                            started = True
                            yield event
                    for event in parser.feed([""]):
                        yield event
                return
            except Exception as exc:
                if started or attempt >= self.retry.attempts or not retryable(exc):
                    raise
                await self._sleep(self.retry.delay(attempt, exc))

    async def conversations(self, limit: int = 20, offset: int = 0) -> ConversationPage:
        response = await self._send(Call("GET", "/api/conversations", params={"limit": limit, "offset": offset}))
        return ConversationPage.model_validate(response.json())

    async def conversation(self, conversation_id: str) -> ConversationDetail:
        response = await self._send(Call("GET", f"/api/conversations/{conversation_id}"))
        return ConversationDetail.model_validate(response.json())

    async def delete_conversation(self, conversation_id: str) -> None:
        await self._send(Call("DELETE", f"/api/conversations/{conversation_id}"))

    async def feedback(self, message_id: str, rating: int, feedback: str | None = None) -> FeedbackResult:
        body: dict[str, Any] = {"message_id": message_id, "rating": rating, "feedback": feedback}
        if self.session_id:
            body["session_id"] = self.session_id
        return FeedbackResult.model_validate((await self._send(Call("POST", "/api/feedback", body))).json())

    async def tools(self) -> list[ToolInfo]:
        response = await self._send(Call("GET", "/api/tools"))
        return [ToolInfo.model_validate(t) for t in response.json()["data"]]

    async def tool(self, name: str) -> ToolInfo:
        return ToolInfo.model_validate((await self._send(Call("GET", f"/api/tools/{name}"))).json())

    async def execute_tool(
        self, name: str, parameters: dict[str, Any] | None = None, *, idempotency_key: str | None = None
    ) -> ToolResult:
        response = await self._send(tool_call(name, parameters, idempotency_key))
        return ToolResult.model_validate({**response.json(), "replayed": replayed(response)})

    def _session(self, session_id: str | None) -> str:
        chosen = session_id or self.session_id
        if not chosen:
            raise ValueError("chat needs a session_id (here or in AsyncClient(session_id=...))")
        return chosen
