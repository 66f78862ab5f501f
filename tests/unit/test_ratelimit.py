"""Rate limits: the sliding window in memory and in the real Redis, and the API's 429."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from api import errors
from api.deps import mint_token
from api.ratelimit import rate_limited
from bank_router.ratelimit import (
    Limit,
    MemoryBackend,
    RateLimiter,
    RedisBackend,
    limits_from,
    make_limiter,
    parse_limit,
)
from bank_router.settings import Settings

REDIS = "redis://127.0.0.1:6379/11"
SECRET = "unit-secret-0123456789abcdef0123456789"


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def memory(clock: Clock) -> MemoryBackend:
    return MemoryBackend(clock=clock)


def redis(clock: Clock) -> RedisBackend:
    return RedisBackend(REDIS, prefix=f"test:{uuid.uuid4().hex}:", clock=clock)


BACKENDS: list[Callable[[Clock], MemoryBackend | RedisBackend]] = [memory, redis]


@pytest.mark.parametrize(
    ("text", "limit"),
    [("60/minute", Limit(60, 60.0)), ("100/hour", Limit(100, 3600.0)), ("5/seconds", Limit(5, 1.0))],
)
def test_parse_limit_reads_count_and_window(text: str, limit: Limit) -> None:
    assert parse_limit(text) == limit


@pytest.mark.parametrize("text", ["60", "0/minute", "x/minute", "60/fortnight"])
def test_parse_limit_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        parse_limit(text)


def test_default_limits_are_seed_002s_table() -> None:
    limits = limits_from(Settings())
    assert limits == {"chat": Limit(60, 60.0), "tools": Limit(100, 3600.0), "conversations": Limit(120, 60.0)}


@pytest.mark.parametrize("make", BACKENDS, ids=["memory", "redis"])
def test_window_admits_count_then_refuses_until_the_oldest_hit_leaves(
    make: Callable[[Clock], MemoryBackend | RedisBackend],
) -> None:
    async def run() -> None:
        clock = Clock()
        backend = make(clock)
        limit = Limit(3, 60.0)
        try:
            for i in range(3):
                decision = await backend.hit("k", limit)
                assert decision.allowed and decision.remaining == 2 - i
                clock.now += 10
            refused = await backend.hit("k", limit)
            assert not refused.allowed and refused.remaining == 0
            assert refused.retry_after == pytest.approx(30.0, abs=0.01)  # first hit at t0, now t0+30
            assert refused.retry_after_header == "30"
            assert (await backend.hit("other", limit)).allowed  # keys are independent
            clock.now += 30.5
            assert (await backend.hit("k", limit)).allowed
        finally:
            await backend.close()

    asyncio.run(run())


def test_redis_window_is_atomic_under_concurrent_hits() -> None:
    async def run() -> list[bool]:
        backend = redis(Clock())
        try:
            decisions = await asyncio.gather(*(backend.hit("burst", Limit(10, 60.0)) for _ in range(50)))
        finally:
            await backend.close()
        return [d.allowed for d in decisions]

    assert sum(asyncio.run(run())) == 10


def test_two_redis_limiters_share_one_budget() -> None:
    """Two workers with the same REDIS_URL count together."""

    async def run() -> list[bool]:
        prefix = f"test:{uuid.uuid4().hex}:"
        a, b = RedisBackend(REDIS, prefix=prefix), RedisBackend(REDIS, prefix=prefix)
        try:
            return [(await (a if i % 2 else b).hit("shared", Limit(4, 60.0))).allowed for i in range(6)]
        finally:
            await a.close()
            await b.close()

    assert asyncio.run(run()) == [True, True, True, True, False, False]


def test_disabled_limiter_admits_everything() -> None:
    async def run() -> bool:
        limiter = RateLimiter({"chat": Limit(1, 60.0)}, MemoryBackend(), enabled=False)
        return all([(await limiter.hit("chat", "c")).allowed for _ in range(5)])

    assert asyncio.run(run())


def test_unreachable_redis_admits_rather_than_fails() -> None:
    async def run() -> bool:
        limiter = make_limiter(Settings(redis_url="redis://127.0.0.1:1/0"))
        try:
            return (await limiter.hit("chat", "c")).allowed
        finally:
            await limiter.close()

    assert asyncio.run(run())


def make_app(settings: Settings) -> FastAPI:
    app = FastAPI()
    errors.install(app)
    app.state.runtime = SimpleNamespace(settings=settings)
    app.state.limiter = make_limiter(settings)

    @app.post("/limited", dependencies=[Depends(rate_limited("chat"))])
    async def limited() -> dict[str, bool]:
        return {"ok": True}

    return app


@pytest.mark.parametrize("redis_url", [None, REDIS], ids=["memory", "redis"])
def test_api_answers_429_with_retry_after_per_caller(redis_url: str | None) -> None:
    settings = Settings(auth_jwt_secret=SECRET, rate_limit_chat="2/minute", redis_url=redis_url)
    client = TestClient(make_app(settings))
    session = {"session_id": f"s-{uuid.uuid4().hex}"}
    assert [client.post("/limited", json=session).status_code for _ in range(2)] == [200, 200]
    refused = client.post("/limited", json=session)
    assert refused.status_code == 429
    body = refused.json()
    assert body["error_code"] == "RATE_LIMITED" and set(body) >= {"message", "trace_id"}
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # Another session and a staff token have budgets of their own.
    assert client.post("/limited", json={"session_id": f"s-{uuid.uuid4().hex}"}).status_code == 200
    token = mint_token(SECRET, f"staff-{uuid.uuid4().hex[:8]}", "demo", ["ai_agent"])
    staff = {"Authorization": f"Bearer {token}"}
    assert [client.post("/limited", json=session, headers=staff).status_code for _ in range(3)] == [200, 200, 429]


def test_rate_limit_enabled_false_turns_limits_off() -> None:
    settings = Settings(auth_jwt_secret=SECRET, rate_limit_chat="1/minute", rate_limit_enabled=False)
    client = TestClient(make_app(settings))
    assert {client.post("/limited", json={"session_id": "same"}).status_code for _ in range(5)} == {200}
