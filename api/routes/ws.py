"""WebSocket `/ws` (seeds 000 and 002): chat with streamed chunks, tool events, conversation look-ups, staff alerts.

Authentication: `?token=<JWT>` or a first `{"type": "auth", "token": ...}` message. Without a token the
socket is an anonymous customer, as on POST /api/chat (unless REQUIRE_AI_AGENT, where a token is
needed); staff-only events (`human_intervention`) go only to sockets with a staff token of the same
tenant whose permissions may read the event (events/visibility.py: `loan:score` and `customer:read`),
and a tool event only to the socket whose turn ran the tool, by the same rule. A bad token gets an
`error` event, then close code 1008 (policy violation).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import uuid
from typing import Any

import structlog
from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from api.answers import chunks, in_background, response_body
from api.client_ip import client_ip
from api.deps import caller_from_token, runtime_of
from api.errors import AppError
from api.idempotency import chat_key
from api.ratelimit import caller_key, enforce
from api.runtime import Runtime
from api.schemas import ChatRequest
from api.ws_conversations import ConversationQueries
from api.ws_messages import (
    BadMessage,
    ChatMessage,
    GetConversation,
    ListConversations,
    envelope,
    error_data,
    parse,
    validate,
)
from bank_router.events.bus import HUMAN_INTERVENTION, TOOL_EXECUTED, Event
from bank_router.events.visibility import readable
from bank_router.store.owner import CUSTOMER_ROLE
from bank_router.turn.context import Caller

log = structlog.get_logger(__name__)
router = APIRouter()

POLICY_VIOLATION = 1008
# Requests of all sockets still running; held so that a socket's close does not drop them.
_requests: set[asyncio.Task[None]] = set()
# Set in the task that runs a turn; the graph's worker threads inherit it, so a tool event published
# there names the turn (and so the socket) it belongs to, staff or anonymous alike.
_TURN: contextvars.ContextVar[str | None] = contextvars.ContextVar("ws_turn", default=None)


class Connection:
    """One socket: a reader dispatching client events, one writer draining the outbox."""

    def __init__(self, ws: WebSocket, caller: Caller) -> None:
        self.ws, self.caller = ws, caller
        self.runtime: Runtime = runtime_of(ws)
        self.loop = asyncio.get_running_loop()
        self.outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.session_id: str | None = ws.query_params.get("session_id") or None
        self.turns: set[str] = set()
        self.conversations = ConversationQueries(self.runtime)

    def push(self, event_type: str, data: dict[str, Any]) -> None:
        self.outbox.put_nowait(envelope(event_type, data))

    def on_event(self, event: Event) -> None:
        """Bus handler, called in the publisher's thread: hand matching events to the loop."""
        if event.type == TOOL_EXECUTED and _TURN.get() in self.turns and readable(event, self.caller.permissions):
            data = {"tool": event.data.get("tool"), "status": "executed", **_tool_extras(event.data)}
        elif (
            event.type == HUMAN_INTERVENTION
            and self._staff_of(event.tenant)
            and readable(event, self.caller.permissions)
        ):
            data = {"id": event.id, "timestamp": event.created_at, **event.data}
        else:
            return
        message = envelope("tool_execution" if event.type == TOOL_EXECUTED else "human_intervention", data)
        with contextlib.suppress(RuntimeError):  # the loop has closed: the socket is gone
            self.loop.call_soon_threadsafe(self.outbox.put_nowait, message)

    def _staff_of(self, tenant: str | None) -> bool:
        """A staff token (not a customer's) of the event's tenant."""
        caller = self.caller
        return caller.is_staff and caller.role != CUSTOMER_ROLE and bool(tenant) and tenant == caller.tenant

    async def writer(self) -> None:
        while (message := await self.outbox.get()) is not None:
            try:
                await self.ws.send_json(message)
            except (WebSocketDisconnect, RuntimeError, OSError):
                return

    def authenticate(self, token: object, trace_id: str) -> bool:
        """Verify a token; a bad one is reported with an error event (the caller then closes with 1008)."""
        try:
            if not isinstance(token, str) or not token.strip():
                raise AppError(401, "INVALID_TOKEN", "The auth message needs a 'token'.")
            self.caller = verify(token.strip(), self.runtime.settings)
        except AppError as exc:
            self.push("error", error_data(exc.code, exc.message, trace_id))
            return False
        self.push("authenticated", {"sub": self.caller.sub, "tenant": self.caller.tenant})
        return True

    async def handle(self, kind: str, data: dict[str, Any], trace_id: str) -> None:
        if kind == "chat_message":
            await self.chat(validate(ChatMessage, data), trace_id)
        elif kind == "get_conversations":
            query = validate(ListConversations, data)
            await self.limit("conversations", query.session_id or self.session_id)
            self.push("conversations_list", await self.conversations.page(self.caller, query, self.session_id))
        elif kind == "get_conversation":
            wanted = validate(GetConversation, data)
            self.push("conversation", await self.conversations.one(self.caller, wanted, self.session_id))

    async def limit(self, name: str, session_id: str | None) -> None:
        client = client_ip(self.ws)
        await enforce(getattr(self.ws.app.state, "limiter", None), name, caller_key(self.caller, session_id, client))

    async def chat(self, msg: ChatMessage, trace_id: str) -> None:
        session_id = await self.conversations.session_for(self.caller, msg, self.session_id)
        await self.limit("chat", session_id)
        tag = uuid.uuid4().hex
        self.turns.add(tag)
        _TURN.set(tag)
        try:
            # Its own task: a socket that closes mid-turn does not cancel it, so the turn is still stored.
            turn = ChatRequest(session_id=session_id, user_message=msg.message, channel="web", language=msg.language)
            key = chat_key(self.caller, turn, msg.idempotency_key)
            ans = await asyncio.shield(
                in_background(
                    self.runtime.turn(session_id, msg.message, msg.language, self.caller, channel="ws", idempotency=key)
                )
            )
        finally:
            self.turns.discard(tag)
        body = response_body(ans, trace_id)
        conversation_id = body.get("conversation_id") or msg.conversation_id
        pieces = chunks(ans["message"])
        for i, piece in enumerate(pieces):
            self.push(
                "message_stream",
                {"conversation_id": conversation_id, "content": piece, "complete": i == len(pieces) - 1},
            )
        self.push("chat_response", {**body, "conversation_id": conversation_id, "session_id": session_id})


_ERROR_EVENT = {"chat_message": "chat_error", "get_conversations": "conversations_error"}


def _tool_extras(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in ("tool_version", "execution_time") if k in data}


def verify(token: str, settings: Any) -> Caller:
    """The same checks as the REST API's bearer token."""
    caller = caller_from_token(token, settings.auth_jwt_secret, settings.auth_max_token_lifetime)
    if settings.require_ai_agent and "ai_agent" not in caller.permissions:
        raise AppError(403, "FORBIDDEN", "The permission 'ai_agent' is required to use the assistant.")
    return caller


async def _run(conn: Connection, kind: str, data: dict[str, Any], trace_id: str) -> None:
    """One client request; any failure becomes that request's error event."""
    failed = _ERROR_EVENT.get(kind, "conversation_error" if kind == "get_conversation" else "error")
    try:
        await conn.handle(kind, data, trace_id)
    except BadMessage as exc:
        conn.push(failed, error_data(exc.code, exc.message, trace_id))
    except AppError as exc:
        extra = {"retry_after": exc.details["retry_after"]} if exc.code == "RATE_LIMITED" else {}
        conn.push(failed, error_data(exc.code, exc.message, trace_id, **extra))
    except Exception as exc:
        log.error("ws_request_failed", event_type=kind, error_type=type(exc).__name__, trace_id=trace_id)
        conn.push(failed, error_data("INTERNAL_ERROR", "An unexpected error occurred.", trace_id))


@router.websocket("/ws")
async def websocket_endpoint(ws: WebSocket) -> None:
    await ws.accept()
    runtime = runtime_of(ws)
    settings = runtime.settings
    conn = Connection(ws, Caller())
    writer = asyncio.create_task(conn.writer())
    unsubscribe = runtime.services.events.subscribe(conn.on_event)
    close_code: int | None = None
    try:
        token = ws.query_params.get("token")
        if token is not None and not conn.authenticate(token, uuid.uuid4().hex):
            close_code = POLICY_VIOLATION
            return
        while True:
            frame = await ws.receive()
            if frame["type"] == "websocket.disconnect":
                break
            trace_id = uuid.uuid4().hex
            try:  # every message counts, auth and malformed ones included, before any work is done for it
                await conn.limit("requests", None)
            except AppError as exc:
                conn.push("error", error_data(exc.code, exc.message, trace_id, retry_after=exc.details["retry_after"]))
                continue
            text = frame.get("text") or (frame.get("bytes") or b"").decode("utf-8", "replace")
            try:
                if len(text) > settings.max_body_bytes:
                    raise BadMessage("PAYLOAD_TOO_LARGE", f"A message may be at most {settings.max_body_bytes} bytes.")
                kind, data = parse(text)
            except BadMessage as exc:
                conn.push("error", error_data(exc.code, exc.message, trace_id))
                continue
            if kind == "auth":
                if conn.caller.is_staff:
                    conn.push("error", error_data("ALREADY_AUTHENTICATED", "This socket is authenticated.", trace_id))
                elif not conn.authenticate(data.get("token"), trace_id):
                    close_code = POLICY_VIOLATION
                    return
                continue
            if settings.require_ai_agent and not conn.caller.is_staff:
                conn.push("error", error_data("UNAUTHORIZED", "Send a staff token first.", trace_id))
                close_code = POLICY_VIOLATION
                return
            task = asyncio.create_task(_run(conn, kind, data, trace_id))
            _requests.add(task)
            task.add_done_callback(_requests.discard)
    except WebSocketDisconnect:
        pass
    finally:
        unsubscribe()
        # Let the writer flush what is queued (an error event before a policy close), then stop it.
        conn.outbox.put_nowait(None)
        await asyncio.wait({writer}, timeout=5)
        writer.cancel()
        if close_code is not None and ws.client_state == WebSocketState.CONNECTED:
            await ws.close(close_code)
