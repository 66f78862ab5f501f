"""The contract's errors (`{"error_code", "message", "trace_id", "details"?}`) as exceptions, one class per kind."""

from __future__ import annotations

from typing import Any

import httpx


class ApiError(Exception):
    """An error answer of the service: its HTTP status, `error_code`, `message` and `trace_id`."""

    status: int = 0
    error_code: str
    message: str
    trace_id: str | None
    details: Any
    retry_after: float | None

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        trace_id: str | None = None,
        details: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status} {error_code}: {message}")
        self.status, self.error_code, self.message = status, error_code, message
        self.trace_id, self.details, self.retry_after = trace_id, details, retry_after


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class PayloadTooLarge(ApiError):
    status = 413


class ValidationFailed(ApiError):
    status = 422


class RateLimited(ApiError):
    status = 429


class ServerError(ApiError):
    status = 500


class ServiceUnavailable(ApiError):
    status = 503


_BY_STATUS: dict[int, type[ApiError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PayloadTooLarge,
        ValidationFailed,
        RateLimited,
        ServerError,
        ServiceUnavailable,
    )
}
# An SSE `error` event has no HTTP status of its own: its code names the kind.
_BY_CODE = {"RATE_LIMITED": 429, "SERVICE_UNAVAILABLE": 503, "SESSION_BUSY": 409, "INTERNAL_ERROR": 500}


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def error_from_body(status: int, body: Any, retry: float | None = None) -> ApiError:
    """The exception for an error body (the contract's, or anything else a proxy might send)."""
    if not isinstance(body, dict):
        body = {}
    details = body.get("details")
    if retry is None and isinstance(details, dict) and isinstance(details.get("retry_after"), int | float):
        retry = float(details["retry_after"])
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else ApiError)
    code = str(body.get("error_code") or body.get("error") or f"HTTP_{status}")
    message = str(body.get("message") or "The request failed.")
    return cls(status, code, message, body.get("trace_id"), details, retry)


def error_from(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = {"message": response.text[:200]}
    return error_from_body(response.status_code, body, retry_after(response))


def error_from_event(data: Any) -> ApiError:
    """The exception for a stream's `error` event."""
    code = str(data.get("error_code")) if isinstance(data, dict) else ""
    status = _BY_CODE.get(code, 422 if code.endswith("REUSED") else 500)
    return error_from_body(status, data)
