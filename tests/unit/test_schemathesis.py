"""Schemathesis over the app's own OpenAPI schema (issue #12, finding 10): what the schema says is what runs.

In process over ASGI, on the real services, graph and an SQLite store (no rate limiter: without the
lifespan none is attached), with a fixed seed and a small example budget per operation. Every default
check runs, among them: no 5xx, status codes documented, response bodies and headers as documented,
schema-valid data accepted and schema-invalid data rejected, 405 with `Allow` for undocumented methods.
Two callers: an anonymous customer (X-Session-Id) and a staff member holding every tool permission
(not `webhooks:manage`: registering a target resolves its host, and the suite stays off the network).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.types import Receive, Scope, Send

from api.deps import mint_token
from api.input_check import json_problems
from api.main import create_app
from api.runtime import Runtime
from bank_router.events import WebhookRegistry
from bank_router.events.handovers import HandoverDesk
from bank_router.events.targets import TargetGuard
from bank_router.platform.db import make_engine, platform_url
from bank_router.services import Services
from bank_router.settings import Settings
from bank_router.store.backend import open_backend
from graphs.router import build_graph

SECRET = "schemathesis-secret-0123456789abcdef0123"
STAFF_PERMISSIONS = [
    "ai_agent",
    "customer:read",
    "transaction:read",
    "loan:read",
    "loan:score",
    "staff:read",
    "insights:read",
]


# Loaded when the module is collected (schemathesis needs the operations then); the runtime, which
# needs the real services, is attached by the fixture before the first case runs.
SETTINGS = Settings(auth_jwt_secret=SECRET)
APP = create_app(SETTINGS)


async def _without_lifespan(scope: Scope, receive: Receive, send: Send) -> None:
    """The app, its lifespan acknowledged but not run: schemathesis opens a test client (and so a lifespan)
    per call, and the app's lifespan builds the whole runtime; the fixture below attaches one instead."""
    if scope["type"] != "lifespan":
        await APP(scope, receive, send)
        return
    while (await receive())["type"] != "lifespan.shutdown":
        await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})


schema = schemathesis.openapi.from_asgi("/openapi.json", _without_lifespan)
# NUL is refused in every string of a request (a 422 the schema's error descriptions name), which JSON
# Schema cannot say of free-form objects (a tool's `parameters`, ignored extra fields). Declared strings
# are generated without it; a body that still holds one is not asserted "valid, so accepted" (see _check).
# tests/unit/test_input_hardening.py covers NUL itself.
schema.config.generation.update(allow_x00=False, max_examples=8, no_shrink=True, deterministic=True)
# The coverage phase (boundary and invalid values of every parameter, drawn when the module is collected)
# tests input validation, which is the same for every caller: the anonymous caller runs it, the staff
# caller runs the examples and fuzzing phases only. It is most of this module's collection time.
staff_schema = schemathesis.openapi.from_asgi("/openapi.json", _without_lifespan)
staff_schema.config.generation.update(allow_x00=False, max_examples=8, no_shrink=True, deterministic=True)
staff_schema.config.phases.update(phases=["examples", "fuzzing"])


@pytest.fixture(scope="module", autouse=True)
def runtime(settings: Settings, services: Services, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    data_dir: Path = tmp_path_factory.mktemp("schemathesis")
    own = SETTINGS.model_copy(update={"data_dir": data_dir, "model_cache": settings.model_cache})
    # The webhook registry the lifespan would attach, on the platform database the services use.
    engine = make_engine(platform_url(settings))
    registry = WebhookRegistry(engine)
    assert registry.ready()
    APP.state.webhooks, APP.state.webhook_guard = registry, TargetGuard(allow_private=False)
    APP.state.handovers = HandoverDesk(engine)
    with open_backend(own, clock=services.clock) as backend:
        graph = build_graph(checkpointer=backend.checkpointer)
        APP.state.runtime = Runtime(own, services, graph, backend.store, backend.session_locks)
        yield APP.state.runtime
    engine.dispose()


BUDGET = settings(
    max_examples=8,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found, in bounded time
    derandomize=True,  # the same cases on every run: CI stays deterministic
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


# Rules no JSON Schema can state, each said in its operation's description and 422: schema-valid input
# they refuse is not a drift, so "valid data is accepted" is not asserted there (every other check is).
# GET /api/usage: `from` on or before `to`, at most 366 days apart (a rule between two parameters).
# POST /api/webhooks: the target's host must resolve, at registration, to public addresses (DNS, now).
# POST /api/tools/{name}/execute: `parameters` must fit the named tool's own schema (GET /api/tools/{name}), a
# rule between the path and the body.
RULES_BEYOND_SCHEMA = {
    "GET /api/usage": [positive_data_acceptance],
    "POST /api/webhooks": [positive_data_acceptance],
    "POST /api/tools/{name}/execute": [positive_data_acceptance],
}


VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")
SENDABLE = re.compile(r"(?:[\x21-\x7e\xa0-\xff](?:[\x20-\x7e\xa0-\xff]*[\x21-\x7e\xa0-\xff])?)?")


def _check(case: Any, headers: dict[str, str]) -> None:
    # A valid Idempotency-Key is made unique per call: schemathesis reuses generated values across bodies,
    # and a key reused for another body is a 422 by design (IDEMPOTENCY_KEY_REUSED). Invalid keys are kept.
    key = case.headers.get("Idempotency-Key") if case.headers else None
    if isinstance(key, str) and VALID_KEY.fullmatch(key):
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
    for name, value in list((case.headers or {}).items()):
        # A value no HTTP client can send (control characters, outside Latin-1, edge whitespace) tests the
        # client library, not the API: it is replaced by one that can be sent.
        if isinstance(value, str) and not SENDABLE.fullmatch(value):
            case.headers[name] = "schemathesis-header"
    excluded = list(RULES_BEYOND_SCHEMA.get(case.operation.label, []))
    if isinstance(case.body, dict | list) and json_problems(case.body):  # NUL somewhere in a free-form part
        excluded.append(positive_data_acceptance)
    case.call_and_validate(headers=headers, excluded_checks=excluded)


@schema.parametrize()
@BUDGET
def test_anonymous_caller_meets_the_schema(case: Any) -> None:
    # The case's own X-Session-Id (a generated one, perhaps invalid on purpose) wins over the default.
    has_session = bool(case.headers) and "X-Session-Id" in case.headers
    _check(case, {} if has_session else {"X-Session-Id": "schemathesis-anonymous"})


@staff_schema.parametrize()
@BUDGET
def test_staff_caller_meets_the_schema(case: Any) -> None:
    token = mint_token(SECRET, "schemathesis-staff", "demo", STAFF_PERMISSIONS)
    _check(case, {"Authorization": f"Bearer {token}"})
