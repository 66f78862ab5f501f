"""Issue #12, findings 1 and 5, against a real `uvicorn api.main:app` on loopback.

Each test speaks from its own loopback address (127.0.0.x), so each starts with empty per-IP budgets,
and uvicorn runs as `make run` starts it, with `--no-proxy-headers`: what is tested is the app's
TRUSTED_PROXIES rule alone (even 127.0.0.1, which uvicorn would believe by default, is not a proxy).
Redis is configured but down for the whole module, so every limit here is also the local fallback's.
"""

from __future__ import annotations

import json
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from api.deps import mint_token
from tests.integration.conftest import free_port, serve, server_env

pytestmark = pytest.mark.integration

SECRET = "integration-secret-0123456789abcdef0123"
PROXY = "127.0.0.2"  # the one trusted proxy
RUN_FLAGS = ["--no-proxy-headers"]  # as `make run` starts uvicorn (test_make_run_leaves_forwarded_for_to_the_app)
# Personal numbers a customer might type: NIDs of 10, 13 and 17 digits, a card, an account.
NUMBERS = ["2851234567", "1990123456789", "19901234567890123", "4532015112830366", "2050123456789"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    port = free_port()
    data_dir = tmp_path_factory.mktemp("limits-data")
    env = server_env(
        data_dir,
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there: Redis is down
        TRUSTED_PROXIES=PROXY,
        RATE_LIMIT_CHAT="4/minute",  # 8/minute per address (RATE_LIMIT_IP_FACTOR=2)
        RATE_LIMIT_CONVERSATIONS="3/minute",  # 6/minute per address
        RATE_LIMIT_REQUESTS="20/minute",  # 40/minute per address, every path and WebSocket message
        RATE_LIMIT_IP_FACTOR="2",
        PYTHONUNBUFFERED="1",  # the log file is read while the server runs
    )
    url = f"http://127.0.0.1:{port}"
    log = data_dir / "server.log"
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port), *RUN_FLAGS]
    with serve(cmd, f"{url}/healthz", env, log):
        yield url, log


def client_from(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


def ws_from(url: str, address: str, query: str = "") -> ClientConnection:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), source_address=(address, 0))
    return connect(url.replace("http://", "ws://") + "/ws" + (f"?{query}" if query else ""), sock=sock)


def chat(session_id: str, text: str = "What is Mudaraba?") -> dict[str, str]:
    return {"session_id": session_id, "user_message": text, "channel": "web"}


def new_id() -> str:
    return uuid.uuid4().hex


def events(ws: ClientConnection, n: int) -> list[dict[str, Any]]:
    """The next `n` final events (one per request), skipping the chunks a chat streams first."""
    seen: list[dict[str, Any]] = []
    while len(seen) < n:
        message = json.loads(ws.recv(timeout=60))
        if message["event_type"] != "message_stream":
            seen.append(message)
    return seen


def test_anonymous_chats_with_a_new_session_each_are_limited_per_address(server: tuple[str, Path]) -> None:
    url, _ = server
    with client_from("127.0.0.3") as http:
        codes = [http.post(f"{url}/api/chat", json=chat(new_id())).status_code for _ in range(10)]
        assert codes == [200] * 8 + [429] * 2
        refused = http.post(f"{url}/api/chat/stream", json=chat(new_id()))  # one budget for both
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert set(refused.json()) >= {"error_code", "message", "trace_id"}
    with client_from("127.0.0.4") as other:
        assert other.post(f"{url}/api/chat", json=chat(new_id())).status_code == 200


@pytest.mark.parametrize(("address", "where"), [("127.0.0.5", "header"), ("127.0.0.6", "query")])
def test_rotating_x_session_id_or_query_session_id_is_limited(
    server: tuple[str, Path], address: str, where: str
) -> None:
    url, _ = server
    with client_from(address) as http:
        codes = []
        for _ in range(8):
            sid = new_id()
            if where == "header":
                codes.append(http.get(f"{url}/api/conversations", headers={"X-Session-Id": sid}).status_code)
            else:
                codes.append(http.get(f"{url}/api/conversations", params={"session_id": sid}).status_code)
    assert codes == [200] * 6 + [429] * 2


def test_websocket_messages_and_connections_are_limited(server: tuple[str, Path]) -> None:
    url, _ = server
    with ws_from(url, "127.0.0.7") as ws:  # the handshake: request 1 of 40
        for _ in range(10):  # requests 2-11
            ws.send(
                json.dumps(
                    {"event_type": "chat_message", "data": {"message": "What is Mudaraba?", "session_id": new_id()}}
                )
            )
        answers = events(ws, 10)  # turns run side by side: refusals may arrive before answers
        assert sorted(a["event_type"] for a in answers) == ["chat_error"] * 2 + ["chat_response"] * 8
        refusals = [a["data"] for a in answers if a["event_type"] == "chat_error"]
        assert all(r["error_code"] == "RATE_LIMITED" and r["retry_after"] >= 1 for r in refusals)
        for _ in range(40):  # requests 12-51: 29 admitted (and malformed), then 11 refused
            ws.send("not json")
        codes = [e["data"]["error_code"] for e in events(ws, 40)]
        assert codes == ["MALFORMED_JSON"] * 29 + ["RATE_LIMITED"] * 11
    with pytest.raises(InvalidStatus) as refused:
        ws_from(url, "127.0.0.7")
    assert refused.value.response.status_code == 429


def test_forwarded_for_counts_only_from_the_trusted_proxy(server: tuple[str, Path]) -> None:
    url, _ = server

    def listing(http: httpx.Client, forwarded_for: str) -> int:
        headers = {"X-Session-Id": new_id(), "X-Forwarded-For": forwarded_for}
        return http.get(f"{url}/api/conversations", headers=headers).status_code

    with client_from("127.0.0.8") as spoofer:  # not a proxy of ours: its header is ignored
        assert [listing(spoofer, f"198.51.100.{i}") for i in range(8)] == [200] * 6 + [429] * 2
    with client_from("127.0.0.1") as local:  # uvicorn's default FORWARDED_ALLOW_IPS: not believed either
        assert [listing(local, f"198.51.101.{i}") for i in range(8)] == [200] * 6 + [429] * 2
    with client_from(PROXY) as proxy:  # each client it names has a budget of its own
        assert [listing(proxy, f"203.0.113.{i}") for i in range(8)] == [200] * 8
        assert [listing(proxy, f"{i}.{i}.{i}.{i}, 192.0.2.1") for i in range(1, 9)] == [200] * 6 + [429] * 2


def test_make_run_leaves_forwarded_for_to_the_app() -> None:
    run = Path(__file__).parents[2].joinpath("Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    uvicorn = next(line for line in run.splitlines() if "uvicorn api.main:app" in line)
    assert all(flag in uvicorn.split() for flag in RUN_FLAGS)


def test_no_token_session_id_or_personal_number_reaches_the_log(server: tuple[str, Path]) -> None:
    url, log = server
    token = mint_token(SECRET, f"log-{new_id()[:8]}", "demo", ["ai_agent", "customer:read"])
    sid = f"secret-session-{new_id()}"
    numbers = " ".join(NUMBERS)
    with client_from("127.0.0.9") as http:
        with ws_from(url, "127.0.0.9", f"token={token}&session_id={sid}") as ws:
            assert json.loads(ws.recv(timeout=10))["event_type"] == "authenticated"
        assert http.get(f"{url}/api/conversations", params={"session_id": sid, "limit": 5}).status_code == 200
        bearer = {"Authorization": f"Bearer {token}", "X-Session-Id": sid}
        assert http.get(f"{url}/api/conversations?token={token}", headers=bearer).status_code == 200
        said = f"My NID is {numbers.split()[0]}, old NID {NUMBERS[1]}, smart card {NUMBERS[2]}; card {NUMBERS[3]}"
        assert http.post(f"{url}/api/chat", json=chat(sid, f"{said}, account {NUMBERS[4]}")).status_code == 200
        staff_turn = chat(sid, f"Show customer 123, NID {NUMBERS[1]}")
        assert http.post(f"{url}/api/chat", json=staff_turn, headers=bearer).status_code == 200
    deadline = time.monotonic() + 10
    while "/api/chat" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text()
    # The requests were logged, with their secrets masked...
    assert "session_id=[redacted]" in text and "token=[redacted]" in text and "WebSocket /ws?" in text
    # ...and nothing of the token, the session id or the numbers is anywhere in the log.
    for secret in [token, token.split(".")[1], token.split(".")[2], sid, *NUMBERS]:
        assert secret not in text, secret
    # Redis was down all along: the switch to the local limiter is logged once, not once per request.
    assert text.count("rate_limit_fallback_local") == 1
