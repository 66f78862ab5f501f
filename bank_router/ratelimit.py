"""Sliding-window rate limits (seed 002): in this process by default, in Redis when REDIS_URL is set.

Both backends keep the exact times of the hits inside the window, so they agree: a caller may make
`count` hits in any `window` seconds, and a refused hit is told when the oldest one leaves the window.
When Redis is unreachable, each worker enforces the same limits on its own (never "admit all") and
goes back to Redis once it answers again.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from bank_router.settings import Settings

log = structlog.get_logger(__name__)

_UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}


@dataclass(frozen=True)
class Limit:
    count: int
    window: float


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: float = 0.0

    @property
    def retry_after_header(self) -> str:
        """Whole seconds, never 0 for a refusal (RFC 9110 delay-seconds)."""
        return str(max(1, math.ceil(self.retry_after)))


def parse_limit(text: str) -> Limit:
    """'60/minute' -> Limit(60, 60.0); also '100/hour', '10/second', '5/day'."""
    count, _, unit = text.strip().partition("/")
    unit = unit.strip().lower().removesuffix("s")
    if not count.strip().isdigit() or int(count) < 1 or unit not in _UNITS:
        raise ValueError(f"rate limit must look like '60/minute', not {text!r}")
    return Limit(int(count), _UNITS[unit])


def limits_from(settings: Settings) -> dict[str, Limit]:
    """The named limits the API applies."""
    return {
        "chat": parse_limit(settings.rate_limit_chat),
        "tools": parse_limit(settings.rate_limit_tools),
        "conversations": parse_limit(settings.rate_limit_conversations),
        "tool_registration": parse_limit(settings.rate_limit_tool_registration),
        "requests": parse_limit(settings.rate_limit_requests),
    }


class Backend(Protocol):
    async def hit(self, key: str, limit: Limit) -> Decision: ...

    async def close(self) -> None: ...


class MemoryBackend:
    """Exact sliding window per key, for one process; a bounded LRU, so rotating keys cannot exhaust memory."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = asyncio.Lock()
        self._clock, self._max_keys = clock, max_keys

    async def hit(self, key: str, limit: Limit) -> Decision:
        async with self._lock:
            now = self._clock()
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self._max_keys:
                    self._hits.popitem(last=False)  # the key used longest ago
                hits = self._hits[key] = deque()
            self._hits.move_to_end(key)
            while hits and hits[0] <= now - limit.window:
                hits.popleft()
            if len(hits) >= limit.count:
                return Decision(False, limit.count, 0, hits[0] + limit.window - now)
            hits.append(now)
            return Decision(True, limit.count, limit.count - len(hits))

    def __len__(self) -> int:
        return len(self._hits)

    async def close(self) -> None:
        self._hits.clear()


# One sorted set per key, scored by hit time in milliseconds; the script runs atomically in Redis,
# so workers sharing a Redis never admit more than `count` hits between them.
_SLIDING_WINDOW = """
local key, now, window, count, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local used = redis.call('ZCARD', key)
if used >= count then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, used, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', key, now, member)
redis.call('PEXPIRE', key, window)
return {1, used + 1, 0}
"""


class RedisBackend:
    """The same sliding window in Redis, shared by every worker that uses the same REDIS_URL."""

    def __init__(self, url: str, prefix: str = "bank-router:rl:", clock: Callable[[], float] = time.time) -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script: Any = self._redis.register_script(_SLIDING_WINDOW)
        self._prefix, self._clock = prefix, clock

    async def hit(self, key: str, limit: Limit) -> Decision:
        now_ms = int(self._clock() * 1000)
        window_ms = int(limit.window * 1000)
        member = f"{now_ms}-{uuid.uuid4().hex[:12]}"
        allowed, used, wait_ms = await self._script(
            keys=[self._prefix + key], args=[now_ms, window_ms, limit.count, member]
        )
        return Decision(bool(allowed), limit.count, max(0, limit.count - int(used)), max(0, int(wait_ms)) / 1000)

    async def close(self) -> None:
        await self._redis.aclose()


class FallbackBackend:
    """Redis while it answers, else a local window per worker; Redis is tried again every `retry_after` s.

    Admitting everything during an outage would turn a Redis failure into an open door, and waiting on
    a dead Redis on every request would turn it into an outage: so each worker counts on its own, which
    at worst multiplies a limit by the number of workers for the length of the outage.
    """

    def __init__(
        self,
        primary: Backend,
        local: Backend,
        retry_after: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary, self.local, self._retry_after, self._clock = primary, local, retry_after, clock
        self._down_until: float | None = None

    @property
    def degraded(self) -> bool:
        return self._down_until is not None

    async def hit(self, key: str, limit: Limit) -> Decision:
        if self._down_until is not None and self._clock() < self._down_until:
            return await self.local.hit(key, limit)
        try:
            decision = await self.primary.hit(key, limit)
        except Exception as exc:  # any failure of the shared store: connection, timeout, protocol
            if self._down_until is None:
                log.warning("rate_limit_fallback_local", error_type=type(exc).__name__)
            self._down_until = self._clock() + self._retry_after
            return await self.local.hit(key, limit)
        if self._down_until is not None:
            log.info("rate_limit_backend_recovered")
            self._down_until = None
        return decision

    async def close(self) -> None:
        await self.primary.close()
        await self.local.close()


class RateLimiter:
    """Named limits over one backend; off when RATE_LIMIT_ENABLED=false.

    A `shared` key (all anonymous callers of one client IP) gets `ip_factor` times the limit, so that
    a few people behind one address are not starved while rotating session ids still hits a ceiling.
    """

    def __init__(self, limits: dict[str, Limit], backend: Backend, enabled: bool = True, ip_factor: int = 1) -> None:
        self.limits, self.backend, self.enabled, self.ip_factor = limits, backend, enabled, ip_factor

    async def hit(self, name: str, caller_key: str, shared: bool = False) -> Decision:
        limit = self.limits[name]
        if shared:
            limit = Limit(limit.count * self.ip_factor, limit.window)
        if not self.enabled:
            return Decision(True, limit.count, limit.count)
        return await self.backend.hit(f"{name}:{caller_key}", limit)

    async def close(self) -> None:
        await self.backend.close()


def make_limiter(settings: Settings) -> RateLimiter:
    backend: Backend = MemoryBackend()
    if settings.redis_url:
        backend = FallbackBackend(RedisBackend(settings.redis_url), backend)
    return RateLimiter(limits_from(settings), backend, settings.rate_limit_enabled, settings.rate_limit_ip_factor)
