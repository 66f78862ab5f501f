"""Rate limits as FastAPI dependencies: `dependencies=[Depends(rate_limited("chat"))]`."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from fastapi import Request

from api.deps import CallerDep
from api.errors import AppError
from bank_router.ratelimit import RateLimiter
from bank_router.turn.context import Caller


def caller_key(caller: Caller, session_id: str | None, client_ip: str | None) -> str:
    """Staff by tenant and sub, else the session, else the client address; hashed, since a session id is a secret."""
    if caller.is_staff:
        raw = f"staff:{caller.tenant or ''}:{caller.sub}"
    elif session_id:
        raw = f"session:{session_id}"
    else:
        raw = f"ip:{client_ip or 'unknown'}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


async def enforce(limiter: RateLimiter | None, name: str, key: str) -> None:
    """Count one hit; raise the contract's 429 with Retry-After when over the limit."""
    if limiter is None:
        return
    decision = await limiter.hit(name, key)
    if not decision.allowed:
        retry = decision.retry_after_header
        raise AppError(
            429,
            "RATE_LIMITED",
            f"Too many requests: at most {decision.limit} per {_window_text(limiter, name)}. Retry in {retry} s.",
            {"limit": decision.limit, "retry_after": int(retry)},
            headers={"Retry-After": retry},
        )


def _window_text(limiter: RateLimiter, name: str) -> str:
    seconds = limiter.limits[name].window
    return {1.0: "second", 60.0: "minute", 3600.0: "hour", 86400.0: "day"}.get(seconds, f"{seconds:g} s")


async def _session_of(request: Request) -> str | None:
    """The anonymous caller's session: query `session_id`, header `X-Session-Id`, or the JSON body's `session_id`."""
    sid = request.query_params.get("session_id") or request.headers.get("x-session-id")
    if sid:
        return sid
    if request.method in ("POST", "PUT", "PATCH") and "json" in request.headers.get("content-type", ""):
        try:
            # FastAPI has already read and parsed the body; this returns its cached copy.
            body = await request.json()
        except (ValueError, RuntimeError):
            return None
        value = body.get("session_id") if isinstance(body, dict) else None
        return value if isinstance(value, str) else None
    return None


def rate_limited(name: str) -> Callable[[Request, Caller], Awaitable[None]]:
    """A dependency that counts the request against the named limit (chat, tools, conversations)."""

    async def dependency(request: Request, caller: CallerDep) -> None:
        session_id = None if caller.is_staff else await _session_of(request)
        key = caller_key(caller, session_id, request.client.host if request.client else None)
        await enforce(getattr(request.app.state, "limiter", None), name, key)

    return dependency
