"""What the sync and async clients share: requests of the contract's paths, parsing, retry policy."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bank_router.client.errors import ApiError, error_from, error_from_event
from bank_router.client.models import StreamEvent

RETRY_STATUSES = frozenset({429, 503})
REPLAYED_HEADER = "idempotent-replayed"


@dataclass(frozen=True)
class Retry:
    """Retries of chat and tool execution: on 503, 429 and connection errors, with the same Idempotency-Key.

    The delay before retry n (1-based) is the server's Retry-After when it sends one, else
    `backoff * 2**(n-1)` with up to 10% jitter; never more than `max_delay` seconds."""

    attempts: int = 3
    backoff: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, error: BaseException) -> float:
        hinted = error.retry_after if isinstance(error, ApiError) else None
        if hinted is not None:
            return min(float(hinted), self.max_delay)
        base = self.backoff * 2.0 ** (attempt - 1)
        return min(base * (1 + random.random() / 10), self.max_delay)  # noqa: S311 - jitter, not security


def retryable(error: BaseException) -> bool:
    if isinstance(error, ApiError):
        return error.status in RETRY_STATUSES
    return isinstance(error, httpx.TransportError)


@dataclass(frozen=True)
class Call:
    """One request: method, path, JSON body, query, headers; `key` when it carries an Idempotency-Key."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    retried: bool = False


def headers(token: str | None, session_id: str | None) -> dict[str, str]:
    out = {"Accept": "application/json"}
    if token:
        out["Authorization"] = f"Bearer {token}"
    if session_id:
        out["X-Session-Id"] = session_id
    return out


def chat_call(
    path: str,
    message: str,
    session_id: str,
    channel: str,
    language: str,
    idempotency_key: str | None,
) -> Call:
    body = {"session_id": session_id, "user_message": message, "channel": channel, "language": language}
    key = idempotency_key or str(uuid.uuid4())
    return Call("POST", path, body, headers={"Idempotency-Key": key}, retried=True)


def tool_call(name: str, parameters: dict[str, Any] | None, idempotency_key: str | None) -> Call:
    key = idempotency_key or str(uuid.uuid4())
    body = {"parameters": parameters or {}}
    return Call("POST", f"/api/tools/{name}/execute", body, headers={"Idempotency-Key": key}, retried=True)


def checked(response: httpx.Response) -> httpx.Response:
    """The response, or the contract's error it carries raised as its ApiError subclass."""
    if response.status_code >= 400:
        raise error_from(response)
    return response


def replayed(response: httpx.Response) -> bool:
    return str(response.headers.get(REPLAYED_HEADER, "")).lower() == "true"


class SseParser:
    """Server-Sent Events from lines; an `error` event is raised as its ApiError."""

    def __init__(self) -> None:
        self.event: str | None = None
        self.data: list[str] = []

    def feed(self, lines: Iterable[str]) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        for line in lines:
            if line == "":
                if (done := self._flush()) is not None:
                    out.append(done)
            elif line.startswith("event:"):
                self.event = line[6:].strip()
            elif line.startswith("data:"):
                self.data.append(line[5:].lstrip())
        return out

    def _flush(self) -> StreamEvent | None:
        event, data = self.event, "\n".join(self.data)
        self.event, self.data = None, []
        if not event or not data:
            return None
        parsed = json.loads(data)
        if event == "error":
            raise error_from_event(parsed)
        return StreamEvent(event, parsed if isinstance(parsed, dict) else {"value": parsed})
