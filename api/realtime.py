"""What the app runs beside its routes for its lifetime: the rate limiter, the webhook dispatcher and
the hand-over desk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from api.deps import runtime_of
from bank_router.events import RetryPolicy, WebhookDispatcher, WebhookRegistry
from bank_router.events.handovers import HandoverDesk
from bank_router.events.targets import TargetGuard
from bank_router.platform.db import make_engine, platform_url
from bank_router.ratelimit import make_limiter
from bank_router.settings import Settings

log = structlog.get_logger(__name__)


@asynccontextmanager
async def realtime(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Start on the app's event loop (after the runtime is up); stop and flush on shutdown."""
    limiter = make_limiter(settings)
    engine = make_engine(platform_url(settings))
    registry = WebhookRegistry(engine)
    policy = RetryPolicy(
        attempts=settings.webhook_max_attempts,
        base_delay=settings.webhook_backoff_seconds,
        timeout=settings.webhook_timeout_seconds,
    )
    # One address rule for registration (the route) and delivery (the dispatcher).
    guard = TargetGuard(allow_private=settings.webhook_allow_private)
    dispatcher: WebhookDispatcher | None = None
    if await asyncio.to_thread(registry.ready):
        dispatcher = WebhookDispatcher(registry, policy, guard=guard)
        dispatcher.start(runtime_of(app).services.events)
    else:
        # An unmigrated database: the rest of the API works; the webhook routes answer 503.
        log.warning("webhooks_disabled", reason="table missing: run the migrations")
    desk = HandoverDesk(engine)
    unsubscribe = None
    if await asyncio.to_thread(desk.ready):
        # Every hand-over request is kept until staff take it, whoever was listening when it was raised.
        unsubscribe = runtime_of(app).services.events.subscribe(desk.on_event)
    app.state.handovers = desk if unsubscribe else None
    app.state.limiter = limiter
    app.state.webhooks = registry if dispatcher else None
    app.state.webhook_dispatcher = dispatcher
    app.state.webhook_guard = guard
    try:
        yield
    finally:
        if unsubscribe is not None:
            unsubscribe()
        if dispatcher is not None:
            await dispatcher.stop()
        await limiter.close()
        engine.dispose()
