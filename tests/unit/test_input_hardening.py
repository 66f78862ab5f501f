"""Input the app must refuse cleanly (issue #12, findings 6 and 10), in process over ASGI.

Each case here was a 500, a wrong status or a wrong header before: a lone surrogate or NUL in any
string, a chunked body over the limit (400), a client trace id echoed whatever it held, a date range
that overflowed, and OPTIONS/405 naming only some of a path's methods.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.main import create_app
from api.schemas import MESSAGE_PATTERN, ChatRequest
from bank_router.settings import Settings
from tests.unit.test_api_errors import _Echo

CHAT = "/api/chat"


@pytest.fixture(scope="module")
def app() -> Any:
    settings = Settings(max_body_bytes=4096)
    application = create_app(settings)
    application.state.runtime = _Echo(settings)
    return application


def _call(app: Any, method: str, url: str, **kw: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, url, **kw)

    return asyncio.run(go())


def _raw_chat(app: Any, raw: bytes) -> httpx.Response:
    return _call(app, "POST", CHAT, content=raw, headers={"content-type": "application/json"})


def _fields(r: httpx.Response) -> list[str]:
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error_code"] == "VALIDATION_ERROR" and body["trace_id"] == r.headers["x-trace-id"]
    return [f["field"] for f in body["details"]["fields"]]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (rb'{"session_id": "s", "user_message": "hi \ud800", "channel": "web"}', "user_message"),
        (rb'{"session_id": "s\udfff", "user_message": "hi", "channel": "web"}', "session_id"),
        (rb'{"session_id": "s", "user_message": "hi \u0000 there", "channel": "web"}', "user_message"),
        (rb'{"session_id": "a\u0000", "user_message": "hi", "channel": "web"}', "session_id"),
        (
            rb'{"session_id": "s", "user_message": "hi", "channel": "web", "extra": {"k": ["ok", "\ud83d"]}}',
            "extra.k.1",
        ),
    ],
)
def test_surrogates_and_nul_are_422_naming_the_field(app: Any, raw: bytes, field: str) -> None:
    assert _fields(_raw_chat(app, raw)) == [field]


def test_a_bad_key_is_named_escaped_and_the_answer_is_valid_utf8(app: Any) -> None:
    r = _raw_chat(app, rb'{"session_id": "s", "user_message": "hi", "channel": "web", "\ud800": 1}')
    assert _fields(r) == ["\\ud800"]
    r.content.decode("utf-8")  # strict: no surrogate leaked into the answer


def test_nul_in_a_query_parameter_is_422(app: Any) -> None:
    r = _call(app, "GET", "/api/conversations?session_id=a%00b")
    assert _fields(r) == ["query.session_id"]


def test_a_surrogate_pair_and_ordinary_unicode_pass(app: Any) -> None:
    raw = '{"session_id": "সেশন", "user_message": "hi \\ud83d\\ude00 টাকা", "channel": "web"}'.encode()
    assert _raw_chat(app, raw).status_code == 200


def test_chunked_body_over_the_limit_is_413(app: Any) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 1000  # 10 kB, no Content-Length: the limit is 4 kB

    r = _call(app, "POST", CHAT, content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error_code"] == "PAYLOAD_TOO_LARGE"


def test_chunked_body_under_the_limit_is_served(app: Any) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"session_id": "s", "user_message": '
        yield b'"hello", "channel": "web"}'

    r = _call(app, "POST", CHAT, content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["message"] == "hi None"


@pytest.mark.parametrize("bad", [b"x" * 65, b"a b", b"<script>", b"id;drop", "ü".encode()])
def test_unsafe_client_trace_id_is_replaced(app: Any, bad: bytes) -> None:
    r = _call(app, "GET", "/api/tools/none", headers={"x-trace-id": bad})
    assert r.status_code == 404
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-trace-id"]) and r.json()["trace_id"] == r.headers["x-trace-id"]


def test_safe_client_trace_id_is_kept(app: Any) -> None:
    r = _call(app, "GET", "/api/tools/none", headers={"x-trace-id": "client-1.trace_ID"})
    assert r.headers["x-trace-id"] == "client-1.trace_ID" == r.json()["trace_id"]


@pytest.mark.parametrize("message", ["", " ", "\n\t ", "\u3000"])
def test_empty_or_blank_message_is_422_and_the_schema_says_so(app: Any, message: str) -> None:
    body = {"session_id": "s", "user_message": message, "channel": "web"}
    assert _fields(_call(app, "POST", CHAT, json=body)) == ["user_message"]
    assert not re.search(MESSAGE_PATTERN, message)


@pytest.mark.parametrize("message", ["a", " a ", "x" * 10_000, "\x1c", "\x85x\u2028", "\u3000 \t"])
def test_schema_and_validator_agree_within_the_schema_length(message: str) -> None:
    try:
        ChatRequest(session_id="s", user_message=message, channel="web")
        accepted = True
    except ValueError:
        accepted = False
    assert accepted == bool(re.search(MESSAGE_PATTERN, message))


def test_the_server_is_only_more_lenient_than_the_schema_about_surrounding_whitespace() -> None:
    padded = " " + "y" * 10_000 + "\n"  # over maxLength, 10,000 after trimming: accepted, as the contract says
    assert ChatRequest(session_id="s", user_message=padded, channel="web").user_message == "y" * 10_000
    with pytest.raises(ValueError):
        ChatRequest(session_id="s", user_message="x" * 10_001, channel="web")


def test_openapi_states_the_message_and_usage_limits(app: Any) -> None:
    spec = _call(app, "GET", "/openapi.json").json()
    message = spec["components"]["schemas"]["ChatRequest"]["properties"]["user_message"]
    assert message["minLength"] == 1 and message["maxLength"] == 10_000 and message["pattern"] == MESSAGE_PATTERN
    usage = spec["paths"]["/api/usage"]["get"]
    assert "366 days" in usage["description"] and "366 days" in usage["responses"]["422"]["description"]
    offset = next(p for p in spec["paths"]["/api/conversations"]["get"]["parameters"] if p["name"] == "offset")
    assert offset["schema"]["maximum"] == 1_000_000_000
    documented = {
        (CHAT, "post"): {"400", "413", "422", "429", "503"},
        ("/api/chat/stream", "post"): {"400", "413", "422", "429"},  # a turn's own errors are SSE `error` events
        ("/api/feedback", "post"): {"400", "413", "422", "429", "503"},
        ("/api/tools/{name}/execute", "post"): {"400", "413", "422", "429", "503"},
        ("/api/conversations", "get"): {"422", "429", "503"},
        ("/api/tools", "get"): {"422", "429"},
    }
    for (path, method), codes in documented.items():
        responses = spec["paths"][path][method]["responses"]
        assert codes <= set(responses), (path, method)
        assert "Retry-After" in responses["429"]["headers"]


@pytest.mark.parametrize("offset", ["18446744073709551616", "1000000001", "-1"])
def test_offset_beyond_the_bound_is_422(app: Any, offset: str) -> None:
    r = _call(app, "GET", f"/api/conversations?offset={offset}", headers={"x-session-id": "s"})
    assert _fields(r) == ["query.offset"]


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        (CHAT, "POST, OPTIONS"),
        ("/api/conversations/c1", "DELETE, GET, OPTIONS"),
        ("/api/tools/get_customer_kyc/execute", "POST, OPTIONS"),
        ("/mcp", "DELETE, GET, HEAD, POST, OPTIONS"),
    ],
)
def test_options_and_405_list_every_method_of_the_path(app: Any, path: str, allow: str) -> None:
    preflight = {"origin": "http://elsewhere.example", "access-control-request-method": "POST"}
    for headers in ({}, preflight):
        r = _call(app, "OPTIONS", path, headers=headers)
        assert r.status_code == 204 and r.headers["allow"] == allow
        assert "access-control-allow-origin" not in r.headers  # CORS is not enabled
    wrong = _call(app, "PATCH", path)
    assert wrong.status_code == 405 and wrong.headers["allow"] == allow
    assert wrong.json()["error_code"] == "METHOD_NOT_ALLOWED"


def test_options_on_an_unknown_path_is_404(app: Any) -> None:
    r = _call(app, "OPTIONS", "/api/nothing-here")
    assert r.status_code == 404 and r.json()["error_code"] == "NOT_FOUND"
