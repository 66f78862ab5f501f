"""Typed dependencies: the runtime, the caller (from a staff JWT, or anonymous), the owner of conversations."""

from __future__ import annotations

import time
from typing import Annotated, Any

import jwt
from fastapi import Depends, Header, Query, Request
from starlette.applications import Starlette
from starlette.requests import HTTPConnection

from api.errors import AppError
from api.runtime import Runtime
from api.tokens import DEFAULT_MAX_LIFETIME, check_claims
from bank_router.store import Owner, owner_of
from bank_router.turn.context import Caller


def mint_token(secret: str, sub: str, tenant: str, permissions: list[str], ttl_seconds: int = 3600) -> str:
    """A staff token with the contract's claims (used by `bank-router token` and tests)."""
    now = int(time.time())
    claims = {"sub": sub, "tenant": tenant, "permissions": permissions, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, secret, algorithm="HS256")


def mint_customer_token(secret: str, customer_id: str, tenant: str, ttl_seconds: int = 3600) -> str:
    """A signed-in customer's token (CONTRACT.md, "Customer tokens"): role "customer", sub = the customer id."""
    now = int(time.time())
    claims = {"sub": customer_id, "tenant": tenant, "role": "customer", "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, secret, algorithm="HS256")


def caller_from_token(token: str, secret: str, max_lifetime: float = DEFAULT_MAX_LIFETIME) -> Caller:
    """The caller a token names, once its signature and claims hold (api/tokens.py); else a 401."""
    try:
        claims: dict[str, Any] = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "exp"]})
    except jwt.ExpiredSignatureError as exc:
        raise AppError(401, "TOKEN_EXPIRED", "The token has expired.") from exc
    except jwt.PyJWTError as exc:
        raise AppError(401, "INVALID_TOKEN", "The token is invalid.") from exc
    check_claims(claims, max_lifetime)
    perms = claims.get("permissions") or []
    if not isinstance(perms, list) or not all(isinstance(p, str) for p in perms):
        raise AppError(401, "INVALID_TOKEN", "The token's permissions claim must be a list of strings.")
    role = claims.get("role") if isinstance(claims.get("role"), str) else None
    return Caller(
        sub=str(claims["sub"]), tenant=str(claims.get("tenant") or ""), permissions=frozenset(perms), role=role
    )


def attach_runtime(app: Starlette, runtime: Runtime) -> None:
    """Hold the runtime on the app for its lifetime (the lifespan does this; tests may set a stand-in)."""
    app.state.runtime = runtime


def runtime_of(source: Starlette | HTTPConnection) -> Runtime:
    """The app's runtime, typed: from the app itself, or from a request or WebSocket (its app's)."""
    app = source.app if isinstance(source, HTTPConnection) else source
    runtime: Runtime = app.state.runtime
    return runtime


def get_runtime(conn: HTTPConnection) -> Runtime:
    return runtime_of(conn)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_caller(request: Request) -> Caller:
    settings = runtime_of(request).settings
    header = request.headers.get("authorization")
    if not header:
        if settings.require_ai_agent:
            raise AppError(401, "UNAUTHORIZED", "This deployment needs a staff token: 'Authorization: Bearer <token>'.")
        return Caller()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AppError(401, "INVALID_TOKEN", "Use 'Authorization: Bearer <token>'.")
    caller = caller_from_token(token.strip(), settings.auth_jwt_secret, settings.auth_max_token_lifetime)
    if settings.require_ai_agent and "ai_agent" not in caller.permissions:
        raise AppError(403, "FORBIDDEN", "The permission 'ai_agent' is required to use the assistant.")
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def owner_for(caller: Caller, session_id: str | None) -> Owner:
    """Staff own by (tenant, sub); an anonymous caller must name its session (its only proof of ownership)."""
    if not caller.is_staff and not session_id:
        raise AppError(
            401, "UNAUTHORIZED", "Send a staff token, or your session id (X-Session-Id header or ?session_id=)."
        )
    return owner_of(caller, session_id)


def get_owner(
    caller: CallerDep,
    session_id: Annotated[
        str | None, Query(min_length=1, max_length=128, description="Anonymous callers: your session id")
    ] = None,
    x_session_id: Annotated[
        str | None, Header(max_length=128, description="Anonymous callers: your session id")
    ] = None,
) -> Owner:
    return owner_for(caller, x_session_id or session_id)


OwnerDep = Annotated[Owner, Depends(get_owner)]
