"""Webhooks: registrations per tenant, and signed deliveries with retries to a real receiver on loopback."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bank_router.events import (
    SIGNATURE_HEADER,
    RetryPolicy,
    WebhookBase,
    WebhookDispatcher,
    WebhookRegistry,
    sign,
    verify,
)
from bank_router.events.bus import DECISION_MADE, TOOL_EXECUTED, EventBus
from bank_router.platform.db import make_engine

SECRET = "receiver-secret-123"


@dataclass
class Receiver:
    """An HTTP server that records what it receives; answers `statuses` in turn, then 200."""

    statuses: list[int] = field(default_factory=list)
    received: list[dict[str, object]] = field(default_factory=list)
    attempts: int = 0
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.attempts += 1
            status = state.statuses.pop(0) if state.statuses else 200
            if status == 200:
                state.received.append(
                    {
                        "body": json.loads(body),
                        "signed": verify(SECRET, body, self.headers[SIGNATURE_HEADER]),
                        "attempt": self.headers["X-Webhook-Attempt"],
                        "id": self.headers["X-Webhook-Id"],
                        "event": self.headers["X-Webhook-Event"],
                    }
                )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def registry(tmp_path: Path) -> WebhookRegistry:
    engine = make_engine(f"sqlite:///{tmp_path}/hooks.sqlite")
    WebhookBase.metadata.create_all(engine)
    return WebhookRegistry(engine)


def deliver_through_bus(registry: WebhookRegistry, publish: list[tuple[str, str]], attempts: int = 3) -> None:
    """Start a dispatcher on a loop, publish (type, tenant) events from a worker thread, wait for delivery."""

    async def run() -> None:
        bus = EventBus()
        dispatcher = WebhookDispatcher(registry, RetryPolicy(attempts=attempts, base_delay=0.01, timeout=2))
        dispatcher.start(bus)
        for kind, tenant in publish:
            await asyncio.to_thread(bus.publish, kind, {"tool": "get_loan", "n": 1}, tenant=tenant, sub="s1")
        await asyncio.sleep(0.05)
        await dispatcher.drain(timeout=10)
        await dispatcher.stop()

    asyncio.run(run())


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    import hashlib
    import hmac

    body = b'{"event":"decision.made"}'
    assert sign("k" * 10, body) == "sha256=" + hmac.new(b"k" * 10, body, hashlib.sha256).hexdigest()
    assert verify("k" * 10, body, sign("k" * 10, body)) and not verify("other-key", body, sign("k" * 10, body))


def test_registrations_belong_to_their_tenant(registry: WebhookRegistry) -> None:
    hook = registry.create("demo", "s1", "http://127.0.0.1:9/x", [TOOL_EXECUTED, DECISION_MADE], SECRET)
    assert "secret" not in hook.public() and hook.public()["events"] == [DECISION_MADE, TOOL_EXECUTED]
    assert [h.id for h in registry.for_tenant("demo")] == [hook.id] and registry.for_tenant("other") == []
    assert registry.matching("demo", TOOL_EXECUTED) and not registry.matching("demo", "conversation.started")
    assert not registry.delete("other", hook.id)
    assert registry.delete("demo", hook.id) and registry.for_tenant("demo") == []


def test_matching_events_of_the_tenant_arrive_signed(registry: WebhookRegistry, receiver: Receiver) -> None:
    registry.create("demo", "s1", receiver.url, [TOOL_EXECUTED], SECRET)
    deliver_through_bus(registry, [(TOOL_EXECUTED, "demo"), (DECISION_MADE, "demo"), (TOOL_EXECUTED, "other")])
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got["signed"] and got["event"] == TOOL_EXECUTED and got["attempt"] == "1"
    body = got["body"]
    assert isinstance(body, dict)
    assert body["event"] == TOOL_EXECUTED and body["tenant"] == "demo" and body["id"] == got["id"]
    assert body["data"] == {"tool": "get_loan", "n": 1} and str(body["timestamp"]).endswith("Z")


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(
    registry: WebhookRegistry, receiver: Receiver
) -> None:
    receiver.statuses = [500, 503]
    registry.create("demo", "s1", receiver.url, [DECISION_MADE], SECRET)
    deliver_through_bus(registry, [(DECISION_MADE, "demo")], attempts=3)
    assert receiver.attempts == 3
    assert [r["attempt"] for r in receiver.received] == ["3"] and receiver.received[0]["signed"]


def test_a_4xx_is_final_and_attempts_are_bounded(registry: WebhookRegistry, receiver: Receiver) -> None:
    receiver.statuses = [410]
    registry.create("demo", "s1", receiver.url, [DECISION_MADE], SECRET)
    deliver_through_bus(registry, [(DECISION_MADE, "demo")])
    assert receiver.attempts == 1 and receiver.received == []
    receiver.statuses, receiver.attempts = [500] * 5, 0
    deliver_through_bus(registry, [(DECISION_MADE, "demo")], attempts=4)
    assert receiver.attempts == 4 and receiver.received == []


def test_network_errors_are_retried_with_doubling_delays(registry: WebhookRegistry) -> None:
    hook = registry.create("demo", "s1", "http://127.0.0.1:1/nothing-listens", [DECISION_MADE], SECRET)
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    async def run() -> bool:
        bus = EventBus()
        event = bus.publish(DECISION_MADE, {}, tenant="demo")
        dispatcher = WebhookDispatcher(registry, RetryPolicy(attempts=4, base_delay=0.5, timeout=1), sleep=fake_sleep)
        try:
            return await dispatcher.deliver(hook, event)
        finally:
            await dispatcher.stop()

    assert asyncio.run(run()) is False
    assert slept == [0.5, 1.0, 2.0]


def test_the_migration_creates_exactly_the_model_table(tmp_path: Path) -> None:
    import importlib.util

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from bank_router.settings import ROOT

    path = ROOT / "migrations" / "versions" / "0003_webhooks.py"
    spec = importlib.util.spec_from_file_location("migration_0003", path)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.revision == "0003_webhooks" and migration.down_revision == "0002_conversations"
    engine = make_engine(f"sqlite:///{tmp_path}/migrated.sqlite")
    with engine.begin() as connection:
        with Operations.context(MigrationContext.configure(connection)):
            migration.upgrade()
        assert compare_metadata(MigrationContext.configure(connection), WebhookBase.metadata) == []
    assert WebhookRegistry(engine).ready()
    with engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        migration.downgrade()
    assert not WebhookRegistry(engine).ready()
