"""Hand-overs over the real server: a customer's large transfer raises one; staff with `handover:manage`
see it in their tenant and take it once; nobody else sees or takes it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from api.deps import mint_customer_token, mint_token

pytestmark = pytest.mark.integration

SECRET = "integration-secret-0123456789abcdef0123"  # tests/integration/conftest.py's server_env


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _open(url: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{url}/api/handovers", headers=headers, timeout=30)


def test_a_large_transfer_is_handed_to_staff_who_take_it_once(api_url: str) -> None:
    customer = _bearer(mint_customer_token(SECRET, "789", "demo"))
    body: dict[str, Any] = {
        "session_id": f"s-{uuid.uuid4().hex[:8]}",
        "user_message": "send 2,000,000 taka to my mother",
        "channel": "mobile",
    }
    r = httpx.post(f"{api_url}/api/chat", json=body, headers=customer, timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["handover"]["reason"] == "large_transfer" and not r.json()["refusal"]

    desk = _bearer(mint_token(SECRET, "officer-1", "demo", ["ai_agent", "customer:read", "handover:manage"]))
    listed = _open(api_url, desk)
    assert listed.status_code == 200, listed.text
    mine = [h for h in listed.json()["data"] if h["customer"] == "789" and h["reason"] == "large_transfer"]
    assert mine and mine[0]["status"] == "open" and mine[0]["context"]["amount"] == 2_000_000

    # Without the permission, as a customer, or in another tenant: nothing to see, nothing to take.
    assert (
        _open(api_url, _bearer(mint_token(SECRET, "teller", "demo", ["ai_agent", "customer:read"]))).status_code == 403
    )
    assert _open(api_url, customer).status_code == 403
    assert _open(api_url, {}).status_code == 401
    other = _bearer(mint_token(SECRET, "officer-9", "other", ["ai_agent", "customer:read", "handover:manage"]))
    assert all(h["id"] != mine[0]["id"] for h in _open(api_url, other).json()["data"])
    take = f"{api_url}/api/handovers/{mine[0]['id']}/take"
    assert httpx.post(take, headers=other, timeout=30).status_code == 404

    taken = httpx.post(take, headers=desk, timeout=30)
    assert taken.status_code == 200 and taken.json()["taken_by"] == "officer-1"
    second = _bearer(mint_token(SECRET, "officer-2", "demo", ["ai_agent", "customer:read", "handover:manage"]))
    again = httpx.post(take, headers=second, timeout=30)
    assert again.status_code == 409 and again.json()["error_code"] == "CONFLICT"
    assert all(h["id"] != mine[0]["id"] for h in _open(api_url, desk).json()["data"])  # no longer open
