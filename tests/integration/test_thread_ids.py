"""Graph memory per owner over the real server: no session id a client sends reaches another owner's thread."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from api.deps import mint_token
from bank_router.store import owner_of
from bank_router.store.owner import thread_of
from bank_router.turn.context import Caller

pytestmark = pytest.mark.integration

SECRET = "integration-secret-0123456789abcdef0123"  # tests/integration/conftest.py's server_env
PERMISSIONS = ["ai_agent", "customer:read", "loan:read", "loan:score"]


def chat(url: str, session: str, text: str, headers: dict[str, str]) -> dict[str, Any]:
    body = {"session_id": session, "user_message": text, "channel": "web"}
    r = httpx.post(f"{url}/api/chat", json=body, headers=headers, timeout=60)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_an_anonymous_session_named_after_a_staff_thread_stays_out_of_it(api_url: str) -> None:
    sub, session = f"officer-{uuid.uuid4().hex[:8]}", f"desk-{uuid.uuid4().hex[:8]}"
    staff = {"Authorization": f"Bearer {mint_token(SECRET, sub, 'demo', PERMISSIONS)}"}
    started = chat(api_url, session, "I want to do a loan scoring for customer 123.", staff)
    assert started["agent"] == "loan_scoring_graph" and started["awaiting"]["needs"] == "product"

    # The staff member's checkpoint thread, as the server names it: a string anyone may send as a session id.
    staff_thread = thread_of(owner_of(Caller(sub=sub, tenant="demo"), session).key, session)
    assert len(staff_thread) <= 128
    intruder = {"X-Session-Id": staff_thread}
    # In the staff thread this turn would resume the waiting workflow; in a thread of its own it is a question.
    answer = chat(api_url, staff_thread, "What is Mudaraba?", {})
    assert answer["agent"] == "product_info_graph" and answer.get("awaiting") is None

    listed = httpx.get(f"{api_url}/api/conversations", headers=intruder, timeout=30).json()
    assert listed["meta"]["total"] == 1
    gone = httpx.delete(f"{api_url}/api/conversations/{listed['data'][0]['id']}", headers=intruder, timeout=30)
    assert gone.status_code == 204

    # The staff workflow still waits where it was: the intruder's DELETE forgot only its own thread.
    resumed = chat(api_url, session, "5", staff)
    assert resumed["agent"] == "loan_scoring_graph"
    assert resumed["awaiting"]["needs"] == "amount" and resumed["awaiting"]["product_id"] == 5
