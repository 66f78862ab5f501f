"""Rate limits: the sliding window in memory and in the real Redis, and the fallback when Redis is down."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from bank_router.ratelimit import (
    FallbackBackend,
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
    assert limits == {
        "chat": Limit(60, 60.0),
        "tools": Limit(100, 3600.0),
        "conversations": Limit(120, 60.0),
        "requests": Limit(600, 60.0),
        "tool_registration": Limit(10, 3600.0),
    }


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


def test_unreachable_redis_still_limits_with_the_local_fallback() -> None:
    """Redis down is not "admit all": the worker counts on its own, and says so once."""

    async def run() -> list[bool]:
        limiter = make_limiter(Settings(redis_url="redis://127.0.0.1:1/0", rate_limit_chat="3/minute"))
        try:
            return [(await limiter.hit("chat", "c")).allowed for _ in range(5)]
        finally:
            await limiter.close()

    with capture_logs() as logs:
        assert asyncio.run(run()) == [True, True, True, False, False]
    assert [e["event"] for e in logs] == ["rate_limit_fallback_local"]


def test_memory_backend_is_a_bounded_lru() -> None:
    async def run() -> tuple[int, bool]:
        backend = MemoryBackend(max_keys=3)
        limit = Limit(1, 60.0)
        await backend.hit("kept", limit)
        for i in range(10):
            await backend.hit(f"rotated-{i}", limit)
            await backend.hit("kept", limit)  # used again: stays, and stays refused
        return len(backend), (await backend.hit("kept", limit)).allowed

    assert asyncio.run(run()) == (3, False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """A redis-server of this test's own on a free port, to stop and start (never the shared one)."""
    port = free_port()
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        cmd = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
            time.sleep(0.05)
        raise TimeoutError("redis-server did not start")

    start.url = f"redis://127.0.0.1:{port}/0"  # type: ignore[attr-defined]
    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def test_fallback_limits_while_redis_is_down_and_returns_to_it(
    private_redis: Callable[[], subprocess.Popen[bytes]],
) -> None:
    server = private_redis()
    clock = Clock()
    url: str = private_redis.url  # type: ignore[attr-defined]

    async def run() -> list[bool]:
        backend = FallbackBackend(RedisBackend(url), MemoryBackend(clock=clock), retry_after=5.0, clock=clock)
        limit, seen = Limit(2, 60.0), []
        try:
            seen.append((await backend.hit("k", limit)).allowed)  # Redis counts this one
            server.kill()
            server.wait()
            seen += [(await backend.hit("k", limit)).allowed for _ in range(3)]  # local window: 2 then refused
            assert backend.degraded
            private_redis()  # Redis is back (empty); tried again once the retry interval has passed
            seen.append((await backend.hit("fresh", limit)).allowed)
            clock.now += 6
            seen.append((await backend.hit("fresh", limit)).allowed)
            assert not backend.degraded
        finally:
            await backend.close()
        return seen

    with capture_logs() as logs:
        assert asyncio.run(run()) == [True, True, True, False, True, True]
    assert [e["event"] for e in logs] == ["rate_limit_fallback_local", "rate_limit_backend_recovered"]
