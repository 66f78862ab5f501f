"""POST /api/chat over real HTTP against uvicorn: the contract's bodies and errors."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

pytestmark = pytest.mark.integration

FIELDS = ["message", "domain", "vertical", "agent", "sources", "confidence", "refusal"]


def chat(url: str, message: str, session: str = "it-1", **extra: object) -> httpx.Response:
    headers = extra.pop("headers", None)
    body = {"session_id": session, "user_message": message, "channel": "web", **extra}
    return httpx.post(f"{url}/api/chat", json=body, headers=headers, timeout=30)  # type: ignore[arg-type]


def test_chat_returns_the_contract_fields_in_order(api_url: str) -> None:
    r = chat(api_url, "Can a 16-year-old with 5,000 taka open Prime First Account?")
    assert r.status_code == 200
    body = r.json()
    assert list(body)[:7] == FIELDS
    assert body["agent"] == "eligibility_graph" and body["message"].startswith("Yes")
    assert r.headers["x-trace-id"] == body["trace_id"]


def test_session_remembers_the_product(api_url: str) -> None:
    chat(api_url, "Can a 16-year-old open Prime First Account?", session="it-follow")
    body = chat(api_url, "and the Youth account?", session="it-follow").json()
    assert body["agent"] == "eligibility_graph" and body["message"].startswith("No")


def test_malformed_json_is_400(api_url: str) -> None:
    r = httpx.post(f"{api_url}/api/chat", content=b'{"session_id": ', headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert set(r.json()) >= {"error_code", "message", "trace_id"} and r.json()["error_code"] == "MALFORMED_JSON"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"session_id": "s", "user_message": "hi", "channel": "fax"}, "channel"),
        ({"session_id": "s", "user_message": "   ", "channel": "web"}, "user_message"),
        ({"session_id": "", "user_message": "hi", "channel": "web"}, "session_id"),
        ({"session_id": "s", "user_message": "hi", "channel": "web", "language": "fr"}, "language"),
        ({"user_message": "hi", "channel": "web"}, "session_id"),
    ],
)
def test_validation_errors_name_the_field(api_url: str, body: dict[str, object], field: str) -> None:
    r = httpx.post(f"{api_url}/api/chat", json=body)
    assert r.status_code == 422
    err = r.json()
    assert err["error_code"] == "VALIDATION_ERROR" and field in err["message"]
    assert "Traceback" not in r.text


def test_message_over_10000_characters_is_422(api_url: str) -> None:
    r = httpx.post(
        f"{api_url}/api/chat", json={"session_id": "s", "user_message": "a" * 10_001, "channel": "web"}, headers={}
    )
    assert r.status_code in (413, 422)


def test_body_over_the_limit_is_413(api_url: str) -> None:
    r = httpx.post(f"{api_url}/api/chat", content=b"x" * 30_000, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error_code"] == "PAYLOAD_TOO_LARGE"


def test_bad_and_expired_tokens_are_401(api_url: str) -> None:
    r = chat(api_url, "hello", headers={"Authorization": "Bearer not-a-jwt"})
    assert r.status_code == 401 and r.json()["error_code"] == "INVALID_TOKEN"
    expired = jwt.encode(
        {"sub": "s1", "tenant": "demo", "permissions": [], "exp": int(time.time()) - 60},
        "integration-secret-0123456789abcdef0123",
        algorithm="HS256",
    )
    r = chat(api_url, "hello", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and r.json()["error_code"] == "TOKEN_EXPIRED"


def test_valid_staff_token_is_accepted(api_url: str) -> None:
    token = jwt.encode(
        {"sub": "s1", "tenant": "demo", "permissions": ["ai_agent"], "exp": int(time.time()) + 600},
        "integration-secret-0123456789abcdef0123",
        algorithm="HS256",
    )
    r = chat(api_url, "What is the KYC status for customer 123?", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["refusal"] is True and "customer:read" in r.json()["message"]


def test_unknown_path_is_json_404(api_url: str) -> None:
    r = httpx.get(f"{api_url}/api/nothing-here")
    assert r.status_code == 404 and r.json()["error_code"] == "NOT_FOUND"


def test_web_page_and_openapi_examples(api_url: str) -> None:
    page = httpx.get(f"{api_url}/")
    assert page.status_code == 200 and "app.js" in page.text
    assert "/api/chat" in httpx.get(f"{api_url}/static/app.js").text
    spec = httpx.get(f"{api_url}/openapi.json").json()
    examples = spec["paths"]["/api/chat"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert set(examples) == {"eligibility", "comparison", "restricted_comparison", "clarification"}


def test_tool_registry_executes_a_tool(api_url: str) -> None:
    token = jwt.encode(
        {"sub": "s1", "tenant": "demo", "permissions": ["ai_agent", "customer:read"], "exp": int(time.time()) + 600},
        "integration-secret-0123456789abcdef0123",
        algorithm="HS256",
    )
    listing = httpx.get(f"{api_url}/api/tools", timeout=30)
    assert listing.status_code == 200 and len(listing.json()["data"]) == 27
    r = httpx.post(
        f"{api_url}/api/tools/get_customer_kyc/execute",
        json={"parameters": {"identity_id": 123}, "context": {}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True and body["result"]["identity_id"] == 123
    assert body["result"]["nid"].startswith("*")
    anonymous = httpx.post(f"{api_url}/api/tools/get_customer_kyc/execute", json={"parameters": {"identity_id": 123}})
    assert anonymous.status_code == 401 and anonymous.json()["error_code"] == "UNAUTHORIZED"
