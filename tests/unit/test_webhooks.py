"""Webhooks: registrations per tenant, and signed deliveries with retries to a real receiver on loopback."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

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
from bank_router.events.bus import (
    CONVERSATION_STARTED,
    DECISION_MADE,
    HUMAN_INTERVENTION,
    TOOL_EXECUTED,
    Event,
    EventBus,
)
from bank_router.events.targets import Resolver, TargetGuard, UnsafeTarget, is_public
from bank_router.events.visibility import readable
from bank_router.platform.db import make_engine

SECRET = "receiver-secret-123"
# What a loan officer's token holds: enough to read scores (decision.made) and loan tools' events.
OFFICER = frozenset({"webhooks:manage", "ai_agent", "loan:read", "customer:read"})
# The receivers here listen on loopback: development's WEBHOOK_ALLOW_PRIVATE=true.
LOOPBACK_OK = TargetGuard(allow_private=True)


@dataclass
class Receiver:
    """An HTTP server that records what it receives; answers `statuses` in turn, then 200."""

    statuses: list[int] = field(default_factory=list)
    received: list[dict[str, object]] = field(default_factory=list)
    attempts: int = 0
    url: str = ""
    hosts: list[str] = field(default_factory=list)  # the Host header of each request


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.attempts += 1
            state.hosts.append(self.headers["Host"])
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


def deliver_through_bus(
    registry: WebhookRegistry, publish: list[tuple[str, str]], attempts: int = 3, guard: TargetGuard = LOOPBACK_OK
) -> None:
    """Start a dispatcher on a loop, publish (type, tenant) events from a worker thread, wait for delivery."""

    async def run() -> None:
        bus = EventBus()
        policy = RetryPolicy(attempts=attempts, base_delay=0.01, timeout=2)
        dispatcher = WebhookDispatcher(registry, policy, guard=guard)
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
    registry.create("demo", "s1", receiver.url, [TOOL_EXECUTED], SECRET, OFFICER)
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
    registry.create("demo", "s1", receiver.url, [DECISION_MADE], SECRET, OFFICER)
    deliver_through_bus(registry, [(DECISION_MADE, "demo")], attempts=3)
    assert receiver.attempts == 3
    assert [r["attempt"] for r in receiver.received] == ["3"] and receiver.received[0]["signed"]


def test_a_4xx_is_final_and_attempts_are_bounded(registry: WebhookRegistry, receiver: Receiver) -> None:
    receiver.statuses = [410]
    registry.create("demo", "s1", receiver.url, [DECISION_MADE], SECRET, OFFICER)
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
        policy = RetryPolicy(attempts=4, base_delay=0.5, timeout=1)
        dispatcher = WebhookDispatcher(registry, policy, sleep=fake_sleep, guard=LOOPBACK_OK)
        try:
            return await dispatcher.deliver(hook, event)
        finally:
            await dispatcher.stop()

    assert asyncio.run(run()) is False
    assert slept == [0.5, 1.0, 2.0]


def _migration(name: str) -> Any:
    import importlib.util

    from bank_router.settings import ROOT

    spec = importlib.util.spec_from_file_location(f"migration_{name}", ROOT / "migrations" / "versions" / f"{name}.py")
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def test_the_migrations_create_exactly_the_model_table(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import text

    table, permissions = _migration("0003_webhooks"), _migration("0005_webhook_permissions")
    assert table.revision == "0003_webhooks" and table.down_revision == "0002_conversations"
    assert permissions.revision == "0005_webhook_permissions" and permissions.down_revision == "0004_idempotency"
    engine = make_engine(f"sqlite:///{tmp_path}/migrated.sqlite")
    with engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        table.upgrade()
        connection.execute(
            text(
                "INSERT INTO webhooks (id, tenant, created_by, url, events, secret, active, created_at) VALUES"
                " ('wh_old', 'demo', 's1', 'https://hooks.example/x', '[\"decision.made\"]', 'k', 1, '2026-01-01')"
            )
        )
    assert not WebhookRegistry(engine).ready()  # a table without permissions would deliver unfiltered
    with engine.begin() as connection:
        with Operations.context(MigrationContext.configure(connection)):
            permissions.upgrade()
        assert compare_metadata(MigrationContext.configure(connection), WebhookBase.metadata) == []
    registry = WebhookRegistry(engine)
    assert registry.ready()
    # A registration from before: no recorded permissions, so no score reaches it.
    assert [h.permissions for h in registry.for_tenant("demo")] == [frozenset()]
    with engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        permissions.downgrade()
        table.downgrade()
    assert not WebhookRegistry(engine).ready()


# --- who receives what (events/visibility.py) ---------------------------------------------------------


def test_a_registration_receives_only_events_its_token_may_read(registry: WebhookRegistry, receiver: Receiver) -> None:
    """Registered by a token with only webhooks:manage: no score, no customer id, no loan tool's event."""
    registry.create("demo", "s1", receiver.url, [DECISION_MADE, TOOL_EXECUTED], SECRET, {"webhooks:manage", "ai_agent"})
    deliver_through_bus(registry, [(DECISION_MADE, "demo"), (TOOL_EXECUTED, "demo")])
    assert receiver.attempts == 0 and receiver.received == []
    registry.create("demo", "s2", receiver.url, [DECISION_MADE, TOOL_EXECUTED], SECRET, OFFICER)
    deliver_through_bus(registry, [(DECISION_MADE, "demo"), (TOOL_EXECUTED, "demo")])
    assert sorted(str(r["event"]) for r in receiver.received) == [DECISION_MADE, TOOL_EXECUTED]


@pytest.mark.parametrize(
    ("kind", "data", "permissions", "delivered"),
    [
        (DECISION_MADE, {"customer_id": 123, "score": 70}, {"loan:read"}, False),  # customer id needs customer:read
        (DECISION_MADE, {"customer_id": 123, "score": 70}, {"customer:read"}, False),
        (DECISION_MADE, {"customer_id": 123, "score": 70}, {"loan:score", "customer:read"}, True),
        (HUMAN_INTERVENTION, {"customer_id": 123}, {"loan:read", "customer:read"}, False),
        (HUMAN_INTERVENTION, {"customer_id": 123}, {"loan:score", "customer:read"}, True),
        (TOOL_EXECUTED, {"tool": "get_customer_kyc"}, {"loan:read"}, False),
        (TOOL_EXECUTED, {"tool": "get_customer_kyc"}, {"customer:read"}, True),
        (TOOL_EXECUTED, {"tool": "customer_onboarding_guide"}, set(), True),
        (TOOL_EXECUTED, {"tool": "no_such_tool"}, {"customer:read", "loan:read"}, False),
        (CONVERSATION_STARTED, {"conversation_id": "conv_1", "channel": "web"}, set(), True),
        ("something.else", {}, {"loan:score", "customer:read", "loan:read"}, False),
    ],
)
def test_the_visibility_rule(kind: str, data: dict[str, Any], permissions: set[str], delivered: bool) -> None:
    assert readable(Event(type=kind, data=data, tenant="demo"), {"ai_agent", *permissions}) is delivered


# --- where it may go (events/targets.py) --------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
        "64:ff9b::a00:1",
    ],
)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def fixed_dns(*answers: list[str]) -> tuple[Resolver, list[str]]:
    """A resolver answering each lookup with the next answer (the last one repeats); records the hosts asked."""
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[min(len(asked), len(answers)) - 1]

    return resolve, asked


def test_a_host_rebound_to_loopback_after_the_check_is_never_contacted(
    registry: WebhookRegistry, receiver: Receiver
) -> None:
    port = receiver.url.split(":")[2].split("/")[0]
    url = f"http://hooks.example:{port}/hook"
    resolve, asked = fixed_dns(["93.184.216.34"], ["127.0.0.1"])
    guard = TargetGuard(resolve=resolve)
    assert asyncio.run(guard.check(url)).url.host == "93.184.216.34"  # registration: public, accepted
    registry.create("demo", "s1", url, [DECISION_MADE], SECRET, OFFICER)
    deliver_through_bus(registry, [(DECISION_MADE, "demo")], guard=guard)
    assert asked == ["hooks.example", "hooks.example"]  # resolved again at delivery
    assert receiver.attempts == 0  # ...and refused: no retry aims at loopback either


def test_a_delivery_connects_to_the_checked_address_and_keeps_the_host_name(
    registry: WebhookRegistry, receiver: Receiver
) -> None:
    """`hooks.invalid` resolves nowhere but in the guard: the POST reaches the address the guard checked."""
    seen_hosts: list[str] = []
    port = receiver.url.split(":")[2].split("/")[0]
    resolve, _ = fixed_dns(["127.0.0.1"])

    async def recording(host: str, port: int) -> list[str]:
        seen_hosts.append(host)
        return await resolve(host, port)

    registry.create("demo", "s1", f"http://hooks.invalid:{port}/hook", [DECISION_MADE], SECRET, OFFICER)
    deliver_through_bus(registry, [(DECISION_MADE, "demo")], guard=TargetGuard(allow_private=True, resolve=recording))
    assert seen_hosts == ["hooks.invalid"] and len(receiver.received) == 1 and receiver.received[0]["signed"]
    assert receiver.hosts == [f"hooks.invalid:{port}"]


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/x",
        "http://127.0.0.1/x",
        "http://localhost:5432/",
        "http://[::1]:6379/",
        "http://0.0.0.0/",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",  # 127.0.0.1 written as one number
        "http://0x7f.1/",
        "https://app.localhost/x",
        "ftp://93.184.216.34/x",
        "http://93.184.216.34:99999/x",
        "http://no-such-host.invalid/x",
    ],
)
def test_the_guard_refuses_internal_or_odd_targets(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        asyncio.run(TargetGuard().check(url))
