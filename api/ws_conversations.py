"""The WebSocket's conversation look-ups, through the runtime's conversation store and its ownership rules."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from typing import Any

from api.errors import AppError, unavailable
from api.ws_messages import ChatMessage, GetConversation, ListConversations
from bank_router.store.outage import StoreUnavailable
from bank_router.turn.context import Caller


class ConversationQueries:
    """What one socket may see: a staff token's conversations, or an anonymous session's."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def _owner(self, caller: Caller, session_id: str | None) -> Any:
        from bank_router.store import owner_of

        if not caller.is_staff and not session_id:
            raise AppError(401, "UNAUTHORIZED", "Send a staff token, or a session_id, to see conversations.")
        return owner_of(caller, session_id or "")

    async def _store(self, method: str, *args: Any) -> Any:
        store = getattr(self.runtime, "store", None)
        if store is None:
            raise AppError(503, "SERVICE_UNAVAILABLE", "The conversation store is not available.")
        call = getattr(store, method)
        try:
            if inspect.iscoroutinefunction(call):
                return await call(*args)
            return await asyncio.to_thread(call, *args)  # blocking SQL stays off the event loop
        except StoreUnavailable as exc:
            raise unavailable(exc) from exc  # the socket's error event, 503 SERVICE_UNAVAILABLE

    async def session_for(self, caller: Caller, msg: ChatMessage, socket_session: str | None) -> str:
        """Which session the turn continues: the conversation's, the named one, or a new one (seed 000)."""
        if msg.conversation_id:
            wanted = GetConversation(conversation_id=msg.conversation_id, session_id=msg.session_id)
            conversation = await self.one(caller, wanted, socket_session)
            session = conversation.get("session_id")
            if isinstance(session, str) and session:
                return session
        return msg.session_id or socket_session or f"ws-{uuid.uuid4().hex}"

    async def page(self, caller: Caller, query: ListConversations, socket_session: str | None) -> dict[str, Any]:
        owner = self._owner(caller, query.session_id or socket_session)
        total, items = await self._store("list", owner, query.limit, query.offset)
        return {"total": total, "conversations": items, "offset": query.offset, "limit": query.limit}

    async def one(self, caller: Caller, wanted: GetConversation, socket_session: str | None) -> dict[str, Any]:
        owner = self._owner(caller, wanted.session_id or socket_session)
        conversation = await self._store("get", owner, wanted.conversation_id)
        if conversation is None:
            raise AppError(404, "NOT_FOUND", "No such conversation.")
        return dict(conversation)
