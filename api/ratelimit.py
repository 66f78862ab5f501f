"""Rate limits as FastAPI dependencies (`dependencies=[Depends(rate_limited("chat"))]`) and as middleware.

Who is counted: a signed-in caller (staff, or a customer token) by tenant and sub, wherever they
connect from; an anonymous caller by client IP, and by session within that IP. The session id is the
client's own choice, so it only ever narrows a budget: rotating it still meets the IP's ceiling.
Every key is hashed, since a session id is a secret and a key must not grow with what a client sends.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from api.client_ip import client_ip
from api.deps import CallerDep, caller_from_token
from api.errors import AppError, error_response
from bank_router.ratelimit import RateLimiter
from bank_router.settings import Settings
from bank_router.turn.context import Caller

# Probes of a load balancer or Prometheus come often from one address and carry no user data.
EXEMPT_PATHS = frozenset({"/healthz", "/metrics", "/favicon.ico"})
# The page's own files: a page load fetches several, and they cost the server nothing to send.
EXEMPT_PREFIXES = ("/static/",)


@dataclass(frozen=True)
class Bucket:
    key: str
    shared: bool = False  # one anonymous client IP: the limiter scales its limit by RATE_LIMIT_IP_FACTOR


CallerKey = tuple[Bucket, ...]


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def caller_key(caller: Caller, session_id: str | None, client: str | None) -> CallerKey:
    """The buckets a hit counts in: the identity when signed in, else the client IP and then its session."""
    if caller.is_staff:
        role = caller.role or "staff"
        return (Bucket(_hash(f"id:{role}:{caller.tenant or ''}:{caller.sub}")),)
    ip = client or "unknown"
    buckets = (Bucket(_hash(f"ip:{ip}"), shared=True),)
    return (*buckets, Bucket(_hash(f"ip:{ip}:session:{session_id}"))) if session_id else buckets


async def enforce(limiter: RateLimiter | None, name: str, key: CallerKey) -> None:
    """Count one hit in each bucket, widest first; raise the contract's 429 with Retry-After at the first refusal."""
    if limiter is None:
        return
    for bucket in key:
        decision = await limiter.hit(name, bucket.key, bucket.shared)
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
        key = caller_key(caller, session_id, client_ip(request))
        await enforce(getattr(request.app.state, "limiter", None), name, key)

    return dependency


def _token_caller(conn: HTTPConnection, settings: Settings) -> Caller:
    """The caller a request's token names; a bad or missing token counts as anonymous (its route answers 401)."""
    scheme, _, token = conn.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        token = conn.query_params.get("token", "") if conn.scope["type"] == "websocket" else ""
    try:
        if not token.strip():
            return Caller()
        return caller_from_token(token.strip(), settings.auth_jwt_secret, settings.auth_max_token_lifetime)
    except AppError:
        return Caller()


class RequestLimit:
    """Pure ASGI middleware: every HTTP request and WebSocket handshake counts against the `requests` limit."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limiter: RateLimiter | None = getattr(getattr(scope.get("app"), "state", None), "limiter", None)
        if scope["type"] not in ("http", "websocket") or limiter is None or not limiter.enabled:
            await self.app(scope, receive, send)
            return
        if scope["path"] in EXEMPT_PATHS or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        caller = _token_caller(conn, self.settings)
        try:
            await enforce(limiter, "requests", caller_key(caller, None, client_ip(conn, self.settings.trusted_proxies)))
        except AppError as exc:
            trace_id = str(scope.get("state", {}).get("trace_id") or uuid.uuid4().hex)
            response = error_response(
                exc.status, exc.code, exc.message, trace_id, exc.details, exc.headers, scope["path"]
            )
            if scope["type"] == "http" or "websocket.http.response" in scope.get("extensions", {}):
                await response(scope, receive, send)  # a WebSocket handshake refused with the same 429
            else:
                await send({"type": "websocket.close", "code": 1013})  # "try again later"
            return
        await self.app(scope, receive, send)
