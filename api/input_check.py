"""Text no store can keep: NUL characters and unpaired UTF-16 surrogates, found in any part of a request.

JSON may spell both (`"\\u0000"`, `"\\ud800"`) and Python's parser accepts them, but neither survives
the way out: a surrogate cannot be encoded as UTF-8 (hashing a session id or writing a row fails) and
PostgreSQL refuses NUL in text. So the middleware checks every string of a request (path, query,
headers, every key and value of a JSON body) before any route, dependency or rate limiter sees it,
and answers 422 naming the field, instead of a 500 halfway through a turn.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import QueryParams
from starlette.types import Scope

MAX_REPORTED = 20  # fields named in one 422; a body full of bad strings needs no longer answer
NUL = "must not contain NUL characters"
SURROGATE = "must not contain unpaired surrogates (not valid Unicode)"


def text_problem(text: str) -> str | None:
    """Why this string cannot be accepted, or None when it is fine."""
    if "\x00" in text:
        return NUL
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE
    return None


def field_name(part: object) -> str:
    """A path segment safe to put in a JSON answer: unsafe keys escaped, long ones cut."""
    name = str(part)
    if text_problem(name):
        name = json.dumps(name)[1:-1]  # ASCII escapes: "\\u0000", "\\ud800"
    return name[:64]


def json_problems(value: Any, prefix: str = "") -> list[dict[str, str]]:
    """Every bad string in a parsed JSON value, as {field, message}; iterative, so depth cannot overflow."""
    found: list[dict[str, str]] = []
    stack: list[tuple[str, Any]] = [(prefix, value)]
    while stack and len(found) < MAX_REPORTED:
        path, item = stack.pop()
        if isinstance(item, str):
            if problem := text_problem(item):
                found.append({"field": path or "body", "message": problem})
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                child_path = f"{path}.{field_name(key)}" if path else field_name(key)
                if problem := text_problem(key):
                    found.append({"field": child_path, "message": f"key {problem}"})
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{path}.{i}" if path else str(i), child) for i, child in reversed(list(enumerate(item))))
    return found[:MAX_REPORTED]


def request_problems(scope: Scope, body: bytes) -> list[dict[str, str]]:
    """Bad strings in the path, query, headers and (JSON) body; an unparsable body is left to the app's 400."""
    found: list[dict[str, str]] = []
    if problem := text_problem(scope.get("path", "")):
        found.append({"field": "path", "message": problem})
    for key, value in QueryParams(scope.get("query_string", b"")).multi_items():
        if problem := text_problem(key) or text_problem(value):
            found.append({"field": f"query.{field_name(key)}", "message": problem})
    content_type = ""
    for raw_key, raw_value in scope.get("headers", []):
        key = raw_key.decode("latin-1").lower()
        if "\x00" in (value := raw_value.decode("latin-1")):
            found.append({"field": f"header.{field_name(key)}", "message": NUL})
        if key == "content-type":
            content_type = value
    if body and "json" in content_type.lower():
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            parsed = None
        found.extend(json_problems(parsed))
    return found[:MAX_REPORTED]
