"""The OpenAPI schema names the errors every operation can return, not only those its route raises.

Some answers come from layers no route declares: the body-size and text checks of the middleware
(400 malformed JSON, 413, 422 for NUL or surrogates in any part of a request) and the rate limit in
front of every path (429 with Retry-After). Each is added here to every operation it can reach, so a
client generated from the schema, or schemathesis, meets no undocumented status.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from fastapi import FastAPI

from api.schemas import ErrorResponse

_REF = {"$ref": "#/components/schemas/ErrorResponse"}
_DESCRIPTIONS = {
    "400": "Malformed JSON",
    "413": "Body larger than MAX_BODY_BYTES (declared or chunked)",
    "422": "Validation error; also any string holding NUL or an unpaired surrogate (details name the field)",
    "429": "Rate limited; Retry-After says when to try again",
}
_RETRY_AFTER = {"description": "Seconds until a retry may succeed", "schema": {"type": "string"}}


def _error(code: str) -> dict[str, Any]:
    return {"description": _DESCRIPTIONS[code], "content": {"application/json": {"schema": _REF}}}


def add_common_errors(schema: dict[str, Any], unlimited: Collection[str] = ()) -> dict[str, Any]:
    """Add 400/413 (operations with a body), 422 (all) and 429 (all but `unlimited` paths), in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorResponse", ErrorResponse.model_json_schema())
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            codes = ["422"]
            if "requestBody" in operation:
                codes += ["400", "413"]
            if path not in unlimited:
                codes.append("429")
            for code in codes:
                responses.setdefault(code, _error(code))
            if "429" in responses:
                responses["429"].setdefault("headers", {})["Retry-After"] = _RETRY_AFTER
    return schema


def document_errors(app: FastAPI, unlimited: Collection[str] = ()) -> None:
    """Wrap `app.openapi` so the schema it builds (once, then cached) carries the common errors."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_common_errors(build(), unlimited)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
