"""WebSocket `/ai/ws` (seed 002): `{"type": "auth", "token"}`, then `{"type": "subscribe", "conversation_id"}`.

A socket subscribed to one of its owner's conversations receives that conversation's turns (from POST
/api/ai/chat) as `message_stream` {conversation_id, content, complete}, the tools they ran as
`tool_execution` {conversation_id, tool, status}, and `human_intervention` {conversation_id, reason,
context} when a workflow of it asks for review; all `{"type": ...}` messages, as in seed 002. The token
checks, event bus and rate limits are /ws's (api/routes/ws.py). Subscriptions are per owner and per
session: another caller naming the same conversation id subscribes to nothing of this one's.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from api.answers import chunks
from api.client_ip import client_ip
from api.deps import runtime_of
from api.errors import AppError
from api.ratelimit import caller_key, enforce
from api.routes.conversations import call_store
from api.routes.ws import POLICY_VIOLATION, verify
from api.runtime import Runtime
from api.seed_errors import seed_body
from api.ws_messages import BadMessage
from bank_router.events.bus import HUMAN_INTERVENTION, TOOL_EXECUTED, Event
from bank_router.events.visibility import readable
from bank_router.store import owner_of
from bank_router.turn.context import Caller

router = APIRouter()
Key = tuple[str, str]  # (owner key, session id): what a subscription and a turn are matched on
# Set around a seed 002 turn; the turn's worker thread inherits it, so its tool events name the conversation.
_TURN: contextvars.ContextVar[Key | None] = contextvars.ContextVar("seed_ai_turn", default=None)


async def session_of(runtime: Runtime, caller: Caller, conversation_id: str) -> str:
    """The session behind a conversation id: a stored conversation of the caller's, else the id itself
    (a client-chosen id names a new conversation, and the same id later continues it)."""
    owner = owner_of(caller, None)
    found = await call_store(runtime, lambda s: s.get(owner, conversation_id))
    return str(found["session_id"]) if found else conversation_id


def turn_key(caller: Caller, session_id: str) -> Key:
    return owner_of(caller, None).key, session_id


@contextlib.contextmanager
def turn_scope(key: Key) -> Iterator[None]:
    """Tool events published by a turn started inside this block go to the sockets subscribed to `key`."""
    token = _TURN.set(key)
    try:
        yield
    finally:
        _TURN.reset(token)


class SeedSocket:
    def __init__(self, ws: WebSocket) -> None:
        self.ws, self.caller = ws, Caller()
        self.loop = asyncio.get_running_loop()
        self.outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.subscribed: dict[Key, str] = {}  # key -> the conversation id the client named

    def push(self, message: dict[str, Any]) -> None:
        self.outbox.put_nowait(message)

    def error(self, status: int, code: str, message: str, details: Any = None) -> None:
        self.push({"type": "error", **seed_body(status, code, message, uuid.uuid4().hex, details)})

    def on_event(self, event: Event) -> None:
        """Bus handler, in the publisher's thread: the subscribed conversation's tool and review events."""
        message = self._message_for(event)
        if message is None or not readable(event, self.caller.permissions):
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: the socket is gone
            self.loop.call_soon_threadsafe(self.outbox.put_nowait, message)

    def _message_for(self, event: Event) -> dict[str, Any] | None:
        if event.type == TOOL_EXECUTED:
            key = _TURN.get()
            if key is None or key not in self.subscribed:
                return None
            tool = event.data.get("tool")
            return {
                "type": "tool_execution",
                "conversation_id": self.subscribed[key],
                "tool": tool,
                "status": "completed",
            }
        if event.type == HUMAN_INTERVENTION and event.session_id and self.caller.is_staff:
            key = turn_key(self.caller, event.session_id)
            if key not in self.subscribed or event.sub != self.caller.sub:
                return None
            context = {k: v for k, v in event.data.items() if k != "reason"}
            reason = event.data.get("reason")
            return {
                "type": "human_intervention",
                "conversation_id": self.subscribed[key],
                "reason": reason,
                "context": context,
            }
        return None

    async def writer(self) -> None:
        while (message := await self.outbox.get()) is not None:
            try:
                await self.ws.send_json(message)
            except (WebSocketDisconnect, RuntimeError, OSError):
                return


class Hub:
    """The open seed 002 sockets of this process, by subscription."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: set[SeedSocket] = set()

    def add(self, sock: SeedSocket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def remove(self, sock: SeedSocket) -> None:
        with self._lock:
            self._sockets.discard(sock)

    def stream(self, key: Key, text: str) -> None:
        """A finished answer to every socket subscribed to its conversation, in chunks (on the event loop)."""
        with self._lock:
            targets = [s for s in self._sockets if key in s.subscribed]
        pieces = chunks(text) or [""]
        for sock in targets:
            conversation_id = sock.subscribed[key]
            for i, piece in enumerate(pieces):
                sock.push(
                    {
                        "type": "message_stream",
                        "conversation_id": conversation_id,
                        "content": piece,
                        "complete": i == len(pieces) - 1,
                    }
                )


HUB = Hub()


async def _handle(sock: SeedSocket, runtime: Runtime, kind: str, data: dict[str, Any]) -> bool:
    """One client message; False when the socket must close (a bad token)."""
    if kind == "auth":
        token = data.get("token")
        try:
            if not isinstance(token, str) or not token.strip():
                raise AppError(401, "UNAUTHORIZED", "Unauthenticated")
            sock.caller = verify(token.strip(), runtime.settings)
        except AppError as exc:
            sock.error(exc.status, exc.code, exc.message)
            return False
        sock.push({"type": "authenticated", "user_id": sock.caller.sub})
        return True
    if not sock.caller.is_staff:
        sock.error(401, "UNAUTHORIZED", "Unauthenticated")
        return True
    if kind == "subscribe":
        conversation_id = data.get("conversation_id")
        if not isinstance(conversation_id, str) or not 1 <= len(conversation_id) <= 128:
            field = [{"field": "conversation_id", "message": "The conversation_id field is required"}]
            sock.error(422, "VALIDATION_ERROR", "Invalid field 'conversation_id'", {"fields": field})
            return True
        session = await session_of(runtime, sock.caller, conversation_id)
        sock.subscribed[turn_key(sock.caller, session)] = conversation_id
        sock.push({"type": "subscribed", "conversation_id": conversation_id})
    elif kind == "unsubscribe":
        sock.subscribed = {k: v for k, v in sock.subscribed.items() if v != data.get("conversation_id")}
        sock.push({"type": "unsubscribed", "conversation_id": data.get("conversation_id")})
    else:
        field = [{"field": "type", "message": "must be auth, subscribe or unsubscribe"}]
        sock.error(422, "VALIDATION_ERROR", "Unknown message type", {"fields": field})
    return True


def _message(text: str) -> tuple[str, dict[str, Any]]:
    """Seed 002's flat `{"type": ..., ...}` message: (its type, its other keys)."""
    try:
        frame = json.loads(text)
    except ValueError:
        raise BadMessage("MALFORMED_JSON", "The message is not valid JSON.") from None
    kind = frame.get("type") if isinstance(frame, dict) else None
    if not isinstance(kind, str) or not kind:
        raise BadMessage("BAD_REQUEST", "A message is a JSON object with a 'type'.")
    return kind, {k: v for k, v in frame.items() if k != "type"}


@router.websocket("/ai/ws")
async def seed_websocket(ws: WebSocket) -> None:
    await ws.accept()
    runtime = runtime_of(ws)
    sock = SeedSocket(ws)
    writer = asyncio.create_task(sock.writer())
    unsubscribe = runtime.services.events.subscribe(sock.on_event)
    HUB.add(sock)
    close_code: int | None = None
    try:
        if (token := ws.query_params.get("token")) is not None and not await _handle(
            sock, runtime, "auth", {"token": token}
        ):
            close_code = POLICY_VIOLATION
            return
        while True:
            frame = await ws.receive()
            if frame["type"] == "websocket.disconnect":
                break
            limiter = getattr(ws.app.state, "limiter", None)
            try:  # every message counts, as on /ws
                await enforce(limiter, "requests", caller_key(sock.caller, None, client_ip(ws)))
            except AppError as exc:
                sock.error(exc.status, exc.code, exc.message, exc.details)
                continue
            text = frame.get("text") or (frame.get("bytes") or b"").decode("utf-8", "replace")
            try:
                if len(text) > runtime.settings.max_body_bytes:
                    raise BadMessage("PAYLOAD_TOO_LARGE", "The message is too large.")
                kind, data = _message(text)
            except BadMessage as exc:
                sock.error(
                    422, "VALIDATION_ERROR", exc.message, {"fields": [{"field": "type", "message": exc.message}]}
                )
                continue
            if not await _handle(sock, runtime, kind, data):
                close_code = POLICY_VIOLATION
                return
    except WebSocketDisconnect:
        pass
    finally:
        HUB.remove(sock)
        unsubscribe()
        sock.outbox.put_nowait(None)
        await asyncio.wait({writer}, timeout=5)
        writer.cancel()
        if close_code is not None and ws.client_state == WebSocketState.CONNECTED:
            await ws.close(close_code)
