"""Every error leaves as the contract's JSON: error_code, message, trace_id (details optional)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.methods import allowed_methods, options_response
from api.seed_errors import is_seed_path, seed_body
from bank_router.store.outage import StoreUnavailable

log = structlog.get_logger(__name__)

_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


class AppError(Exception):
    """Raised where a problem is detected; rendered here, once."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details, self.headers = status, code, message, details, headers


def unavailable(exc: StoreUnavailable) -> AppError:
    """A store outage as the contract's 503 (Retry-After in the header, and in details for SSE and WebSocket)."""
    seconds = exc.retry_after
    return AppError(
        503, "SERVICE_UNAVAILABLE", str(exc), {"retry_after": seconds}, headers={"Retry-After": str(seconds)}
    )


# A client's X-Trace-Id is kept only when it is short and plain: it is echoed in headers, bodies and logs.
_SAFE_TRACE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def trace_id_for(client_value: str | None) -> str:
    """The client's trace id if safe to echo, else a new one (never the client's text, however long)."""
    if client_value and _SAFE_TRACE_ID.fullmatch(client_value):
        return client_value
    return uuid.uuid4().hex


def trace_id_of(request: Request) -> str:
    """The request's trace id, as the middleware chose it (or, without the middleware, chosen the same way)."""
    chosen = getattr(request.state, "trace_id", "")
    if not chosen:
        chosen = request.state.trace_id = trace_id_for(request.headers.get("x-trace-id"))
    return str(chosen)


def error_body(code: str, message: str, trace_id: str, details: Any = None) -> dict[str, Any]:
    """The contract's error JSON, the one definition: HTTP responses, SSE `error` events and WebSocket errors."""
    body: dict[str, Any] = {"error_code": code, "message": message, "trace_id": trace_id}
    if details is not None:
        body["details"] = details
    return body


def error_response(
    status: int,
    code: str,
    message: str,
    trace_id: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
    path: str | None = None,
) -> JSONResponse:
    """An HTTP error: `error_body` with its status, the trace id echoed as `X-Trace-Id`. On seed 002's
    paths (`path` under /api/ai/) the body is seed 002's instead (api/seed_errors.py)."""
    if is_seed_path(path):
        body = seed_body(status, code, message, trace_id, details)
    else:
        body = error_body(code, message, trace_id, details)
    return JSONResponse(body, status_code=status, headers={**(headers or {}), "X-Trace-Id": trace_id})


def install(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return error_response(
            exc.status, exc.code, exc.message, trace_id_of(request), exc.details, exc.headers, request.url.path
        )

    @app.exception_handler(StoreUnavailable)
    async def _store_down(request: Request, exc: StoreUnavailable) -> JSONResponse:
        # Handled here, not by the catch-all: that one re-raises, and uvicorn then drops the connection.
        log.warning("store_unavailable", path=request.url.path, trace_id=trace_id_of(request))
        err = unavailable(exc)
        trace_id = trace_id_of(request)
        return error_response(err.status, err.code, err.message, trace_id, err.details, err.headers, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            message = "The request body is not valid JSON."
            return error_response(400, "MALFORMED_JSON", message, trace_id_of(request), path=request.url.path)
        fields = [{"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]} for e in errors]
        first = fields[0]
        message = f"Invalid field '{first['field']}': {first['message']}" if first["field"] else first["message"]
        trace_id = trace_id_of(request)
        return error_response(422, "VALIDATION_ERROR", message, trace_id, {"fields": fields}, path=request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405 and (methods := allowed_methods(request)):
            if request.method == "OPTIONS":  # plain OPTIONS or a CORS preflight: say what the path answers
                return options_response(methods)
            headers["Allow"] = ", ".join(methods)
        code = _CODES.get(exc.status_code, "HTTP_ERROR")
        trace_id = trace_id_of(request)
        return error_response(exc.status_code, code, str(exc.detail), trace_id, headers=headers, path=request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled_error", error_type=type(exc).__name__, trace_id=trace_id_of(request))
        message = "An unexpected error occurred."
        return error_response(500, "INTERNAL_ERROR", message, trace_id_of(request), path=request.url.path)
