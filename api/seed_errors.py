"""Seed 002's error bodies, on seed 002's paths only (`/api/ai/...`): `{"error": "validation_error", ...}`.

The contract's own paths keep `{"error_code", "message", "trace_id"}` (api/errors.py); the one renderer
there asks `is_seed_path` and, for these paths, builds the body here from the same status, code and details.
"""

from __future__ import annotations

from typing import Any

SEED_PREFIX = "/api/ai/"

# Seed 002's `error` values; statuses it does not list get the contract's code in lower case.
_KINDS = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    422: "validation_error",
    429: "rate_limit_exceeded",
    500: "internal_error",
}
_MESSAGES = {
    401: "Unauthenticated",
    429: "Too many requests",
    500: "An unexpected error occurred",
}
_INVALID = "The given data was invalid"


def is_seed_path(path: str | None) -> bool:
    return bool(path) and (path == SEED_PREFIX.rstrip("/") or str(path).startswith(SEED_PREFIX))


def field_errors(details: Any, message: str) -> dict[str, list[str]]:
    """The contract's `details.fields` [{field, message}] as seed 002's {field: [messages]}."""
    out: dict[str, list[str]] = {}
    fields = details.get("fields") if isinstance(details, dict) else None
    for item in fields or []:
        name = str(item.get("field") or "body")
        for prefix in ("body.", "query.", "path.", "header."):
            name = name.removeprefix(prefix)
        out.setdefault(name, []).append(str(item.get("message") or "is invalid"))
    return out or {"body": [message]}


def seed_body(status: int, code: str, message: str, trace_id: str, details: Any = None) -> dict[str, Any]:
    """Seed 002's body for an error the contract would render as `error_body(code, message, trace_id, details)`."""
    kind = _KINDS.get(status, code.lower())
    if status in (400, 422):
        # A semantic 422 of our own (a reused Idempotency-Key) keeps its message; field errors read as the seed.
        text = _INVALID if code in ("VALIDATION_ERROR", "MALFORMED_JSON") else message
        return {"error": kind, "message": text, "errors": field_errors(details, message)}
    body: dict[str, Any] = {"error": kind, "message": _MESSAGES.get(status, message)}
    if status == 429 or (isinstance(details, dict) and "retry_after" in details):
        retry = details.get("retry_after") if isinstance(details, dict) else None
        body["retry_after"] = int(retry) if isinstance(retry, int | float) else 60
    if status >= 500:
        body["trace_id"] = trace_id
    return body
