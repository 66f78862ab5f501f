"""Webhook delivery: signed JSON POSTs of bus events, retried with exponential backoff, off the turn's path.

The bus calls `on_event` in the publisher's thread; it only hands the event to the event loop. A
consumer task there finds the tenant's matching registrations whose recorded permissions may read the
event (events/visibility.py) and delivers each in its own task, to an address checked just before each
attempt (events/targets.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog

from bank_router.events.bus import EVENT_TYPES, Event, EventBus
from bank_router.events.registry import Registration, WebhookRegistry
from bank_router.events.targets import TargetGuard, Unresolvable, UnsafeTarget
from bank_router.events.visibility import readable

log = structlog.get_logger(__name__)

SIGNATURE_HEADER = "X-Webhook-Signature"


def sign(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of the raw body>`, the value of X-Webhook-Signature."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), signature)


def payload(event: Event) -> bytes:
    """Seed 002's payload: event, timestamp, data (plus the event id and tenant); the signature is a header."""
    body = {
        "id": event.id,
        "event": event.type,
        "timestamp": datetime.fromtimestamp(event.created_at, UTC).isoformat().replace("+00:00", "Z"),
        "tenant": event.tenant,
        "data": event.data,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str).encode()


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 1.0
    timeout: float = 5.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt `attempt` (1-based): base, 2·base, 4·base…"""
        return float(self.base_delay * 2 ** (attempt - 1))


def _retryable(status: int) -> bool:
    return status >= 500 or status in (408, 429)


class WebhookDispatcher:
    """Subscribed to the bus for the app's lifetime; delivers in background tasks on the app's loop."""

    def __init__(
        self,
        registry: WebhookRegistry,
        policy: RetryPolicy,
        client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_concurrent: int = 32,
        guard: TargetGuard | None = None,
    ) -> None:
        self.registry, self.policy, self._sleep = registry, policy, sleep
        self.guard = guard or TargetGuard()
        self._client = client or httpx.AsyncClient(timeout=policy.timeout, follow_redirects=False)
        self._slots = asyncio.Semaphore(max_concurrent)
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=10_000)
        self._deliveries: set[asyncio.Task[bool]] = set()
        self._pending = 0  # events queued or being matched, not yet handed to delivery tasks
        self._loop: asyncio.AbstractEventLoop | None = None
        self._consumer: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def start(self, bus: EventBus) -> None:
        self._loop = asyncio.get_running_loop()
        self._consumer = self._loop.create_task(self._consume())
        self._unsubscribe = bus.subscribe(self.on_event)

    def on_event(self, event: Event) -> None:
        """Bus handler: never blocks the publisher (often a turn's worker thread)."""
        if self._loop is None or not event.tenant or event.type not in EVENT_TYPES:
            return
        with contextlib.suppress(RuntimeError):  # a closed loop: the app is shutting down
            self._loop.call_soon_threadsafe(self._enqueue, event)

    def _enqueue(self, event: Event) -> None:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            log.warning("webhook_queue_full", event_type=event.type)
            return
        self._pending += 1

    async def _consume(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                hooks = await asyncio.to_thread(self.registry.matching, event.tenant or "", event.type)
            except Exception as exc:
                log.error("webhook_lookup_failed", event_type=event.type, error_type=type(exc).__name__)
                hooks = []
            for hook in hooks:
                if not readable(event, hook.permissions):
                    continue  # its registering token could not read this event's data
                task = asyncio.get_running_loop().create_task(self.deliver(hook, event))
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)
            self._pending -= 1

    async def deliver(self, hook: Registration, event: Event) -> bool:
        """POST the event to one registration until it answers 2xx, a final 4xx, or the attempts run out."""
        body = payload(event)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "bank-router-webhooks/1",
            SIGNATURE_HEADER: sign(hook.secret, body),
            "X-Webhook-Id": event.id,
            "X-Webhook-Event": event.type,
            "X-Webhook-Timestamp": str(int(event.created_at)),
        }
        where = {"webhook_id": hook.id, "event_type": event.type, "host": urlsplit(hook.url).hostname}
        async with self._slots:
            for attempt in range(1, self.policy.attempts + 1):
                try:
                    status = await self._post(hook.url, body, {**headers, "X-Webhook-Attempt": str(attempt)})
                except UnsafeTarget as exc:
                    log.warning("webhook_target_refused", attempt=attempt, reason=str(exc), **where)
                    return False
                if status is not None and 200 <= status < 300:
                    log.info("webhook_delivered", attempt=attempt, status=status, **where)
                    return True
                if status is not None and not _retryable(status):
                    log.warning("webhook_rejected", attempt=attempt, status=status, **where)
                    return False
                if attempt < self.policy.attempts:
                    await self._sleep(self.policy.delay(attempt))
        log.warning("webhook_gave_up", attempts=self.policy.attempts, **where)
        return False

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> int | None:
        """The response status, or None for a network error (retried like a 5xx); UnsafeTarget when the
        host now resolves to an address it may not reach. The POST connects to the address just checked."""
        try:
            target = await self.guard.check(url)
        except Unresolvable:
            log.info("webhook_network_error", error_type="NameResolutionError")
            return None  # DNS may come back: retried like a network error
        extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else None
        try:
            response = await self._client.post(
                target.url, content=body, headers={**headers, "Host": target.host_header}, extensions=extensions
            )
        except httpx.HTTPError as exc:
            log.info("webhook_network_error", error_type=type(exc).__name__)
            return None
        return response.status_code

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait until queued events are delivered (or given up); for tests and shutdown."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._pending or self._deliveries:
            if asyncio.get_running_loop().time() > deadline:
                return
            await asyncio.sleep(0.02)

    async def stop(self, timeout: float = 5.0) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        await self.drain(timeout)
        tasks: list[asyncio.Task[Any]] = [*self._deliveries]
        if self._consumer is not None:
            tasks.append(self._consumer)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._client.aclose()
