"""In-process domain events (seed 002): what happened, for webhooks and WebSocket subscribers.

Publishers run in worker threads (a graph turn) or on the event loop (an API route); handlers must
not block: a webhook dispatcher enqueues, a WebSocket hands the event to its loop. A failing handler
is logged and never breaks the turn that published the event.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog

log = structlog.get_logger(__name__)

CONVERSATION_STARTED = "conversation.started"
DECISION_MADE = "decision.made"
TOOL_EXECUTED = "tool.executed"
HUMAN_INTERVENTION = "human.intervention.requested"
EVENT_TYPES = (CONVERSATION_STARTED, DECISION_MADE, TOOL_EXECUTED, HUMAN_INTERVENTION)


@dataclass(frozen=True, kw_only=True)
class Event:
    type: str
    data: dict[str, Any]
    tenant: str | None = None
    sub: str | None = None
    session_id: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_at: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.type,
            "timestamp": self.created_at,
            "tenant": self.tenant,
            "session_id": self.session_id,
            "data": self.data,
        }


Handler = Callable[[Event], None]


class EventBus:
    """Synchronous fan-out to subscribers; thread-safe."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []
        self._lock = threading.Lock()

    def subscribe(self, handler: Handler) -> Callable[[], None]:
        """Add a handler; the returned function removes it."""
        with self._lock:
            self._handlers.append(handler)

        def unsubscribe() -> None:
            with self._lock:
                if handler in self._handlers:
                    self._handlers.remove(handler)

        return unsubscribe

    def publish(
        self,
        type: str,
        data: dict[str, Any],
        *,
        tenant: str | None = None,
        sub: str | None = None,
        session_id: str | None = None,
    ) -> Event:
        event = Event(type=type, data=data, tenant=tenant, sub=sub, session_id=session_id)
        with self._lock:
            handlers = list(self._handlers)
        for handler in handlers:
            try:
                handler(event)
            except Exception:
                log.exception("event_handler_failed", event_type=type)
        return event
