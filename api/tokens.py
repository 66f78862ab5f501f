"""What a signed token must also say before it is believed: who, which tenant, and until when.

PyJWT checks the signature, and `exp` only if it converts to a number: `"exp": "9999999999"` passes,
and so does an `exp` 31 years ahead. A leaked token must not be good for decades, and a caller
without a subject or tenant must not become staff of tenant "" (rate-limit keys, thread ids and
tenant filters all rest on these two strings). So each claim is checked here, once, for every way a
token arrives (REST, MCP, WebSocket), and any failure is the contract's 401.
"""

from __future__ import annotations

import time
from typing import Any

from api.errors import AppError
from api.input_check import text_problem

DEFAULT_MAX_LIFETIME = 7 * 24 * 3600  # seconds; AUTH_MAX_TOKEN_LIFETIME
MAX_IDENTIFIER = 128  # characters of `sub` and `tenant`


def _invalid(message: str) -> AppError:
    return AppError(401, "INVALID_TOKEN", message)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _identifier(claims: dict[str, Any], name: str, meaning: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _invalid(f"The token has no '{name}' claim: it must name the {meaning} as a non-empty string.")
    if len(value) > MAX_IDENTIFIER or text_problem(value):
        raise _invalid(f"The token's '{name}' claim must be at most {MAX_IDENTIFIER} plain characters.")
    return value


def check_claims(claims: dict[str, Any], max_lifetime: float, now: float | None = None) -> tuple[str, str]:
    """Raise a 401 unless exp is a number no further than max_lifetime ahead (and exp - iat within it),
    and sub and tenant are non-empty strings; return (sub, tenant)."""
    now = time.time() if now is None else now
    exp, iat = claims.get("exp"), claims.get("iat")
    if not _number(exp):
        raise _invalid("The token's 'exp' claim must be a number (seconds since the epoch).")
    if iat is not None and not _number(iat):
        raise _invalid("The token's 'iat' claim must be a number (seconds since the epoch).")
    expires = float(exp)  # type: ignore[arg-type]  # a number: checked just above
    if expires - now > max_lifetime or (iat is not None and expires - float(iat) > max_lifetime):
        raise _invalid(f"The token lives too long: at most {int(max_lifetime)} seconds are accepted.")
    return _identifier(claims, "sub", "caller"), _identifier(claims, "tenant", "caller's tenant")
