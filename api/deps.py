"""Typed dependencies: the caller (from a staff JWT, or anonymous) and the runtime."""

from __future__ import annotations

from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from api.errors import AppError
from graphs.context import Caller


def caller_from_token(token: str, secret: str) -> Caller:
    try:
        claims: dict[str, Any] = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "exp"]})
    except jwt.ExpiredSignatureError as exc:
        raise AppError(401, "TOKEN_EXPIRED", "The token has expired.") from exc
    except jwt.PyJWTError as exc:
        raise AppError(401, "INVALID_TOKEN", "The token is invalid.") from exc
    perms = claims.get("permissions") or []
    if not isinstance(perms, list) or not all(isinstance(p, str) for p in perms):
        raise AppError(401, "INVALID_TOKEN", "The token's permissions claim must be a list of strings.")
    return Caller(sub=str(claims["sub"]), tenant=str(claims.get("tenant") or ""), permissions=frozenset(perms))


def get_caller(request: Request) -> Caller:
    header = request.headers.get("authorization")
    if not header:
        return Caller()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AppError(401, "INVALID_TOKEN", "Use 'Authorization: Bearer <token>'.")
    return caller_from_token(token.strip(), request.app.state.runtime.settings.auth_jwt_secret)


CallerDep = Annotated[Caller, Depends(get_caller)]
