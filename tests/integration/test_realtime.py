"""SSE, WebSocket and rate limits over a real uvicorn on loopback, with limits counted in the real Redis."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from api.deps import mint_token
from bank_router.events import verify
from tests.integration.conftest import free_port, serve, server_env

pytestmark = pytest.mark.integration

SECRET = "integration-secret-0123456789abcdef0123"
HOOK_SECRET = "receiver-secret-for-tests"
FIELDS = ["message", "domain", "vertical", "agent", "sources", "confidence", "refusal"]
ELIGIBILITY = "Can a 16-year-old with 5,000 taka open Prime First Account?"
KYC = "What is the KYC status for customer 123?"


@pytest.fixture(scope="module")
def rt_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    data_dir = tmp_path_factory.mktemp("realtime-data")
    url = f"http://127.0.0.1:{port}"
    env = server_env(
        data_dir,
        REDIS_URL="redis://127.0.0.1:6379/12",
        RATE_LIMIT_CHAT="6/minute",
        RATE_LIMIT_TOOLS="3/hour",
        RATE_LIMIT_IP_FACTOR="100",  # every test here is one loopback address: limits per session
        WEBHOOK_BACKOFF_SECONDS="0.05",
        WEBHOOK_ALLOW_PRIVATE="true",  # the receivers below listen on loopback
    )
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    with serve(cmd, f"{url}/healthz", env, data_dir / "server.log"):
        yield url


def staff_token(*permissions: str, tenant: str = "demo") -> str:
    return mint_token(SECRET, f"it-{uuid.uuid4().hex[:8]}", tenant, ["ai_agent", *permissions])


def session() -> str:
    return f"rt-{uuid.uuid4().hex}"


def sse_events(response: httpx.Response) -> list[tuple[str, Any]]:
    events, kind = [], None
    for line in response.iter_lines():
        if line.startswith("event:"):
            kind = line.partition(":")[2].strip()
        elif line.startswith("data:") and kind:
            events.append((kind, json.loads(line.partition(":")[2])))
            kind = None
    return events


def stream(url: str, text: str, sid: str, headers: dict[str, str] | None = None) -> list[tuple[str, Any]]:
    body = {"session_id": sid, "user_message": text, "channel": "web"}
    with httpx.stream("POST", f"{url}/api/chat/stream", json=body, headers=headers, timeout=60) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        return sse_events(r)


# --- SSE ---------------------------------------------------------------------------------------


def test_stream_tokens_concatenate_to_the_final_message(rt_url: str) -> None:
    events = stream(rt_url, ELIGIBILITY, session())
    kinds = [k for k, _ in events]
    assert kinds[-2:] == ["usage", "done"] and set(kinds[:-2]) == {"token"} and len(kinds) > 5
    done = events[-1][1]
    assert list(done)[:7] == FIELDS and done["agent"] == "eligibility_graph"
    assert "".join(d["text"] for k, d in events if k == "token") == done["message"]
    assert done["finish_reason"] == "stop" and "conversation_id" in done
    assert events[-2][1]["provider"] and {"input_tokens", "output_tokens", "estimated_cost"} <= set(events[-2][1])
    plain = httpx.post(
        f"{rt_url}/api/chat", json={"session_id": session(), "user_message": ELIGIBILITY, "channel": "web"}, timeout=60
    ).json()
    assert plain["message"] == done["message"]


def test_stream_validation_and_auth_errors_are_plain_json(rt_url: str) -> None:
    r = httpx.post(f"{rt_url}/api/chat/stream", json={"session_id": "s", "user_message": " ", "channel": "web"})
    assert r.status_code == 422 and r.json()["error_code"] == "VALIDATION_ERROR"
    body = {"session_id": "s", "user_message": "hi", "channel": "web"}
    r = httpx.post(f"{rt_url}/api/chat/stream", json=body, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and set(r.json()) >= {"error_code", "message", "trace_id"}


def test_a_client_that_disconnects_does_not_lose_the_turn(rt_url: str) -> None:
    sid = session()
    body = {"session_id": sid, "user_message": "Can a 16-year-old open Prime First Account?", "channel": "web"}
    with httpx.stream("POST", f"{rt_url}/api/chat/stream", json=body, timeout=60) as r:
        assert r.status_code == 200  # headers only: the client leaves before the first token
    # The follow-up only makes sense if the first turn was stored in the session.
    follow = {"session_id": sid, "user_message": "and the Youth account?", "channel": "web"}
    answer = httpx.post(f"{rt_url}/api/chat", json=follow, timeout=60).json()
    assert answer["agent"] == "eligibility_graph" and answer["message"].startswith("No")


def test_chat_is_rate_limited_per_session_with_retry_after(rt_url: str) -> None:
    sid = session()
    body = {"session_id": sid, "user_message": "What is Mudaraba?", "channel": "web"}
    codes = [httpx.post(f"{rt_url}/api/chat", json=body, timeout=60).status_code for _ in range(6)]
    assert codes == [200] * 6
    for path in ("/api/chat", "/api/chat/stream"):  # one budget for both
        r = httpx.post(f"{rt_url}{path}", json=body, timeout=60)
        assert r.status_code == 429 and r.json()["error_code"] == "RATE_LIMITED"
        assert 1 <= int(r.headers["retry-after"]) <= 60
    assert httpx.post(f"{rt_url}/api/chat", json={**body, "session_id": session()}, timeout=60).status_code == 200


def test_tool_execution_is_rate_limited_per_staff(rt_url: str) -> None:
    headers = {"Authorization": f"Bearer {staff_token('customer:read')}"}
    url = f"{rt_url}/api/tools/get_customer_kyc/execute"
    codes = [httpx.post(url, json={"parameters": {"identity_id": 123}}, headers=headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


# --- WebSocket ---------------------------------------------------------------------------------


def ws_url(url: str, query: str = "") -> str:
    return url.replace("http://", "ws://") + "/ws" + (f"?{query}" if query else "")


def send(ws: ClientConnection, event_type: str, data: dict[str, Any]) -> None:
    ws.send(json.dumps({"event_type": event_type, "data": data}))


def until(ws: ClientConnection, *final: str) -> list[dict[str, Any]]:
    """Messages up to and including the first whose event_type is in `final`."""
    seen = []
    while True:
        message = json.loads(ws.recv(timeout=60))
        seen.append(message)
        if message["event_type"] in final:
            return seen


def test_ws_chat_streams_chunks_then_the_response(rt_url: str) -> None:
    with connect(ws_url(rt_url)) as ws:
        send(ws, "chat_message", {"message": ELIGIBILITY, "session_id": session()})
        seen = until(ws, "chat_response", "chat_error")
    chunks = [m["data"] for m in seen if m["event_type"] == "message_stream"]
    final = seen[-1]
    assert final["event_type"] == "chat_response" and final["data"]["agent"] == "eligibility_graph"
    assert "".join(c["content"] for c in chunks) == final["data"]["message"]
    assert [c["complete"] for c in chunks][-1] is True and not any(c["complete"] for c in chunks[:-1])
    assert "conversation_id" in final["data"]


def test_ws_frames_refuse_nul_and_replay_a_resent_turn(rt_url: str) -> None:
    sid, key = session(), f"k-{uuid.uuid4().hex}"
    with connect(ws_url(rt_url)) as ws:
        send(ws, "chat_message", {"message": "What is\u0000 Mudaraba?", "session_id": sid})
        bad = until(ws, "chat_response", "chat_error")[-1]
        assert bad["event_type"] == "chat_error" and bad["data"]["error_code"] == "VALIDATION_ERROR"
        first = {"message": ELIGIBILITY, "session_id": sid, "idempotency_key": key}
        send(ws, "chat_message", first)
        one = until(ws, "chat_response", "chat_error")[-1]
    with connect(ws_url(rt_url)) as again:  # the socket dropped; the client resends the same frame
        send(again, "chat_message", first)
        two = until(again, "chat_response", "chat_error")[-1]
    assert one["event_type"] == two["event_type"] == "chat_response"
    assert two["data"]["message_id"] == one["data"]["message_id"]
    listed = httpx.get(f"{rt_url}/api/conversations", headers={"X-Session-Id": sid}, timeout=30).json()
    assert listed["meta"]["total"] == 1 and listed["data"][0]["message_count"] == 2  # one turn, stored once


def test_ws_staff_turn_reports_its_tool_executions(rt_url: str) -> None:
    with connect(ws_url(rt_url, f"token={staff_token('customer:read')}")) as ws:
        send(ws, "chat_message", {"message": KYC})
        seen = until(ws, "chat_response", "chat_error")
    kinds = [m["event_type"] for m in seen]
    assert kinds[-1] == "chat_response" and seen[-1]["data"]["agent"] == "servicing_graph"
    tools = [m["data"] for m in seen if m["event_type"] == "tool_execution"]
    assert tools and tools[0]["tool"] == "get_customer_kyc" and tools[0]["status"] == "executed"
    assert kinds.index("tool_execution") < kinds.index("message_stream")


def test_ws_anonymous_sockets_do_not_see_other_turns_tools(rt_url: str) -> None:
    with connect(ws_url(rt_url)) as quiet, connect(ws_url(rt_url, f"token={staff_token('customer:read')}")) as busy:
        send(busy, "chat_message", {"message": KYC})
        until(busy, "chat_response")
        send(quiet, "chat_message", {"message": "What is Mudaraba?", "session_id": session()})
        seen = until(quiet, "chat_response", "chat_error")
    assert "tool_execution" not in [m["event_type"] for m in seen]


def test_ws_auth_message_then_a_bad_token_closes_with_1008(rt_url: str) -> None:
    with connect(ws_url(rt_url)) as ws:
        ws.send(json.dumps({"type": "auth", "token": staff_token()}))
        assert json.loads(ws.recv(timeout=10))["event_type"] == "authenticated"
    with connect(ws_url(rt_url)) as ws:
        ws.send(json.dumps({"type": "auth", "token": "not-a-jwt"}))
        error = json.loads(ws.recv(timeout=10))
        assert error["event_type"] == "error" and error["data"]["error_code"] == "INVALID_TOKEN"
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
        assert ws.close_code == 1008
    with connect(ws_url(rt_url, "token=expired.or.bad")) as ws:
        assert json.loads(ws.recv(timeout=10))["data"]["error_code"] == "INVALID_TOKEN"
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
        assert ws.close_code == 1008


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "MALFORMED_JSON"),
        ("[1, 2]", "BAD_REQUEST"),
        ('{"data": {}}', "BAD_REQUEST"),
        ('{"event_type": "launch_rockets", "data": {}}', "UNKNOWN_EVENT"),
        ('{"event_type": "chat_message", "data": "hi"}', "BAD_REQUEST"),
    ],
)
def test_ws_malformed_messages_get_an_error_and_the_socket_lives_on(rt_url: str, frame: str, code: str) -> None:
    with connect(ws_url(rt_url)) as ws:
        ws.send(frame)
        error = json.loads(ws.recv(timeout=10))
        assert error["event_type"] == "error" and error["data"]["error_code"] == code
        assert set(error["data"]) >= {"error_code", "message", "trace_id"}
        send(ws, "chat_message", {"message": " "})
        invalid = until(ws, "chat_error")[-1]
        assert invalid["data"]["error_code"] == "VALIDATION_ERROR" and "message" in invalid["data"]["message"]
        send(ws, "chat_message", {"message": "What is Mudaraba?", "session_id": session()})
        assert until(ws, "chat_response", "chat_error")[-1]["event_type"] == "chat_response"


def test_ws_chat_messages_share_the_chat_rate_limit(rt_url: str) -> None:
    sid = session()
    with connect(ws_url(rt_url)) as ws:
        results = []
        for _ in range(7):
            send(ws, "chat_message", {"message": "What is Mudaraba?", "session_id": sid})
            results.append(until(ws, "chat_response", "chat_error")[-1])
    assert [r["event_type"] for r in results] == ["chat_response"] * 6 + ["chat_error"]
    assert results[-1]["data"]["error_code"] == "RATE_LIMITED" and results[-1]["data"]["retry_after"] >= 1


def test_ws_staff_of_the_tenant_hear_human_interventions(rt_url: str) -> None:
    """Only reviewers (loan:score and customer:read) of the tenant: not another tenant's, not an ai_agent-only token."""
    scorer = staff_token("loan:score", "customer:read", "loan:read")
    reviewer = staff_token("loan:score", "customer:read")
    listen_demo, listen_other = connect(ws_url(rt_url, f"token={reviewer}")), connect(ws_url(rt_url))
    listen_other.send(json.dumps({"type": "auth", "token": staff_token("loan:score", "customer:read", tenant="other")}))
    agent_only = connect(ws_url(rt_url, f"token={staff_token()}"))
    anonymous = connect(ws_url(rt_url))
    try:
        for listener in (listen_demo, listen_other, agent_only):
            assert json.loads(listener.recv(timeout=10))["event_type"] == "authenticated"
        with connect(ws_url(rt_url, f"token={scorer}")) as ws:
            referred = None
            for customer in range(200, 240):
                send(ws, "chat_message", {"message": f"Score customer {customer} for product 5, amount 60000"})
                answer = until(ws, "chat_response", "chat_error")[-1]
                if "human review" in answer["data"].get("message", ""):
                    referred = customer
                    break
        assert referred is not None, "the demo data holds borderline borrowers"
        alert = json.loads(listen_demo.recv(timeout=10))
        assert alert["event_type"] == "human_intervention"
        assert alert["data"]["customer_id"] == referred and "human review" in alert["data"]["reason"]
        for other in (listen_other, agent_only, anonymous):
            with pytest.raises(TimeoutError):
                other.recv(timeout=0.5)
    finally:
        for socket in (listen_demo, listen_other, agent_only, anonymous):
            socket.close()


# --- Webhooks ----------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[dict[str, Any]]:
    """A webhook receiver on loopback: answers 503 twice, then 200, and records what it accepted."""
    state: dict[str, Any] = {"attempts": 0, "failures_left": 2, "accepted": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state["attempts"] += 1
            status = 503 if state["failures_left"] else 200
            if status == 200:
                signed = verify(HOOK_SECRET, body, self.headers["X-Webhook-Signature"])
                state["accepted"].append((json.loads(body), signed, self.headers["X-Webhook-Attempt"]))
            else:
                state["failures_left"] -= 1
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


def wait_for(predicate: Any, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_webhooks_are_registered_per_tenant_and_delivered_signed(rt_url: str, receiver: dict[str, Any]) -> None:
    staff = {"Authorization": f"Bearer {staff_token('customer:read', 'webhooks:manage')}"}
    other = {"Authorization": f"Bearer {staff_token('webhooks:manage', tenant='other')}"}
    body = {"url": receiver["url"], "events": ["tool.executed", "decision.made"], "secret": HOOK_SECRET}
    assert httpx.post(f"{rt_url}/api/webhooks", json=body).status_code == 401
    for perms in ([], ["ai_agent", "customer:read", "loan:read"]):  # webhooks need a permission of their own
        no_perm = {"Authorization": f"Bearer {mint_token(SECRET, 'x', 'demo', perms)}"}
        assert httpx.post(f"{rt_url}/api/webhooks", json=body, headers=no_perm).status_code == 403
        assert httpx.get(f"{rt_url}/api/webhooks", headers=no_perm).status_code == 403
    bad = httpx.post(f"{rt_url}/api/webhooks", json={**body, "events": ["everything"]}, headers=staff)
    assert bad.status_code == 422 and bad.json()["error_code"] == "VALIDATION_ERROR"
    created = httpx.post(f"{rt_url}/api/webhooks", json=body, headers=staff)
    assert created.status_code == 201 and "secret" not in created.json()
    hook_id = created.json()["id"]
    assert hook_id in [h["id"] for h in httpx.get(f"{rt_url}/api/webhooks", headers=staff).json()["data"]]
    assert hook_id not in [h["id"] for h in httpx.get(f"{rt_url}/api/webhooks", headers=other).json()["data"]]
    assert httpx.delete(f"{rt_url}/api/webhooks/{hook_id}", headers=other).status_code == 404

    run = httpx.post(
        f"{rt_url}/api/tools/get_customer_kyc/execute", json={"parameters": {"identity_id": 123}}, headers=staff
    )
    assert run.status_code == 200
    wait_for(lambda: receiver["accepted"])
    payload, signed, attempt = receiver["accepted"][0]
    assert signed and attempt == "3" and receiver["attempts"] == 3
    assert payload["event"] == "tool.executed" and payload["tenant"] == "demo"
    assert payload["data"]["tool"] == "get_customer_kyc"

    assert httpx.delete(f"{rt_url}/api/webhooks/{hook_id}", headers=staff).status_code == 204
    httpx.post(f"{rt_url}/api/tools/get_customer_kyc/execute", json={"parameters": {"identity_id": 123}}, headers=staff)
    time.sleep(0.5)
    assert receiver["attempts"] == 3


@pytest.fixture
def paths() -> Iterator[dict[str, Any]]:
    """A receiver on loopback that accepts everything and records (path, event) of each delivery."""
    state: dict[str, Any] = {"got": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state["got"].append((self.path, body["event"], body["data"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["base"] = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


def test_a_webhook_registered_without_loan_permissions_gets_no_decision(rt_url: str, paths: dict[str, Any]) -> None:
    body = {"events": ["decision.made"], "secret": HOOK_SECRET}
    blind = {"Authorization": f"Bearer {staff_token('webhooks:manage')}"}
    officer = {"Authorization": f"Bearer {staff_token('webhooks:manage', 'loan:read', 'customer:read')}"}
    for who, path in ((blind, "/blind"), (officer, "/officer")):
        r = httpx.post(f"{rt_url}/api/webhooks", json={**body, "url": paths["base"] + path}, headers=who)
        assert r.status_code == 201, r.text
    scorer = {"Authorization": f"Bearer {staff_token('loan:score', 'customer:read', 'loan:read')}"}
    text = "Start a loan scoring process for customer 789 with product 5 and amount 50000."
    answer = httpx.post(
        f"{rt_url}/api/chat", json={"session_id": session(), "user_message": text, "channel": "web"}, headers=scorer
    )
    assert answer.status_code == 200 and answer.json()["agent"] == "loan_scoring_graph"
    wait_for(lambda: paths["got"])
    time.sleep(0.5)  # time enough for a delivery to the other registration, were there one
    assert [(p, e) for p, e, _ in paths["got"]] == [("/officer", "decision.made")]
    assert paths["got"][0][2]["customer_id"] == 789
    for who in (blind, officer):
        for hook in httpx.get(f"{rt_url}/api/webhooks", headers=who).json()["data"]:
            httpx.delete(f"{rt_url}/api/webhooks/{hook['id']}", headers=who)


def test_mcp_tool_calls_share_the_tool_execution_limit(rt_url: str) -> None:
    import httpx2
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {staff_token('customer:read', tenant='other')}"}

    async def go() -> list[Any]:
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            streamable_http_client(f"{rt_url}/mcp", http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return [await session.call_tool("get_blacklist_status", {"customer_id": 1}) for _ in range(4)]

    codes = [json.loads(r.content[0].text).get("error_code") if r.is_error else None for r in asyncio.run(go())]
    # The first three run (a record or not_found, by tenant); the fourth is over the 3/hour test limit.
    assert "RATE_LIMITED" not in codes[:3] and codes[3] == "RATE_LIMITED"
