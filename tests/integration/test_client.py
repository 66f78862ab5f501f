"""bank_router.client against a real uvicorn on loopback, and through a proxy that fails once with 503."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from api.deps import mint_token
from bank_router.client import (
    AsyncClient,
    ChatResponse,
    Client,
    NotFound,
    Retry,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
)

pytestmark = pytest.mark.integration

SECRET = "integration-secret-0123456789abcdef0123"
KYC = "What is the KYC status for customer 123?"


@pytest.fixture(scope="module")
def url(api_url: str) -> str:
    """The suite's server: the client needs nothing of its own (each test signs in as its own staff member)."""
    return api_url


def token(*permissions: str) -> str:
    return mint_token(SECRET, f"client-{uuid.uuid4().hex[:8]}", "demo", ["ai_agent", *permissions])


class FlakyProxy:
    """Forwards to `target`; the first request to each path in `fail` gets 503 with Retry-After: 0."""

    def __init__(self, target: str, fail: set[str]) -> None:
        self.target, self.fail = target, set(fail)
        self.seen: list[tuple[str, str | None]] = []  # (path, Idempotency-Key)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._forward()

            def do_POST(self) -> None:
                self._forward()

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.seen.append((self.path, self.headers.get("Idempotency-Key")))
                if self.path in proxy.fail:
                    proxy.fail.discard(self.path)
                    payload = {"error_code": "SERVICE_UNAVAILABLE", "message": "down", "trace_id": "t-proxy"}
                    self._reply(503, {"Retry-After": "0", "Content-Type": "application/json"}, json.dumps(payload))
                    return
                skip = {"host", "content-length", "connection"}
                forwarded = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                r = httpx.request(self.command, proxy.target + self.path, content=body, headers=forwarded, timeout=60)
                keep = {k: v for k, v in r.headers.items() if k.lower() in ("content-type", "idempotent-replayed")}
                self._reply(r.status_code, keep, r.content)

            def _reply(self, status: int, headers: dict[str, str], body: str | bytes) -> None:
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_chat_stream_conversations_feedback_and_tools(url: str) -> None:
    with Client(url, token=token("customer:read")) as client:
        answer = client.chat(KYC, session_id="c-1")
        assert isinstance(answer, ChatResponse) and answer.agent == "servicing_graph"
        assert answer.conversation_id and answer.message_id and "tool:get_customer_kyc" in answer.sources
        events = list(client.stream("Is customer 456 blacklisted?", session_id="c-1"))
        kinds = [e.event for e in events]
        assert kinds[-2:] == ["usage", "done"] and set(kinds[:-2]) == {"token"}
        done = events[-1].response
        assert done is not None and "".join(e.text for e in events) == done.message
        page = client.conversations(limit=5)
        assert page.meta.total == 1 and page.data[0].id == answer.conversation_id
        detail = client.conversation(answer.conversation_id)
        assert [m.role for m in detail.messages] == ["user", "assistant", "user", "assistant"]
        rated = client.feedback(answer.message_id, 5, "clear")
        assert rated.success and rated.rating == 5
        names = [t.name for t in client.tools()]
        assert "get_customer_kyc" in names and client.tool("get_customer_kyc").permission == "customer:read"
        result = client.execute_tool("get_customer_kyc", {"identity_id": 123})
        assert result.success and result.tool_version and result.replayed is False
        again = client.execute_tool("get_customer_kyc", {"identity_id": 123}, idempotency_key="k-tool-1")
        replay = client.execute_tool("get_customer_kyc", {"identity_id": 123}, idempotency_key="k-tool-1")
        assert again.replayed is False and replay.replayed is True and replay.result == again.result


def test_errors_are_raised_as_their_kind(url: str) -> None:
    with Client(url) as anonymous, pytest.raises(Unauthorized) as unauthorized:
        anonymous.conversations()
    assert unauthorized.value.status == 401 and unauthorized.value.error_code == "UNAUTHORIZED"
    assert unauthorized.value.trace_id
    with Client(url, token=token()) as client:
        with pytest.raises(NotFound):
            client.conversation("conv_missing")
        with pytest.raises(ValidationFailed) as invalid:
            client.feedback("msg_x", 9)
        assert invalid.value.details["fields"][0]["field"] == "rating"


def test_chat_and_tools_retry_with_the_same_idempotency_key(url: str) -> None:
    proxy = FlakyProxy(url, {"/api/chat", "/api/tools/get_customer_kyc/execute"})
    delays: list[float] = []
    try:
        with Client(proxy.url, token=token("customer:read"), sleep=delays.append) as client:
            answer = client.chat(KYC, session_id="retry-1")
            assert answer.agent == "servicing_graph"
            result = client.execute_tool("get_customer_kyc", {"identity_id": 123})
            assert result.success
        chats = [key for path, key in proxy.seen if path == "/api/chat"]
        tools = [key for path, key in proxy.seen if path.startswith("/api/tools/")]
        assert len(chats) == 2 and chats[0] == chats[1] and chats[0]
        assert len(tools) == 2 and tools[0] == tools[1] and tools[0]
        assert delays == [0.0, 0.0]  # Retry-After: 0 honoured
        proxy.fail = {"/api/chat"}
        with (
            Client(proxy.url, token=token(), retry=Retry(attempts=1)) as once,
            pytest.raises(ServiceUnavailable) as down,
        ):
            once.chat("hello", session_id="retry-2")
        assert down.value.retry_after == 0.0 and down.value.trace_id == "t-proxy"
    finally:
        proxy.close()


def test_async_client(url: str) -> None:
    async def run() -> None:
        async with AsyncClient(url, token=token("customer:read")) as client:
            answer = await client.chat(KYC, session_id="a-1")
            assert answer.agent == "servicing_graph"
            events = [e async for e in client.stream("Is customer 456 blacklisted?", session_id="a-1")]
            assert events[-1].event == "done"
            page = await client.conversations()
            assert page.meta.total == 1
            assert (await client.feedback(str(answer.message_id), 4)).success
            assert any(t.name == "get_customer_kyc" for t in await client.tools())
            assert (await client.execute_tool("get_customer_kyc", {"identity_id": 123})).success

    asyncio.run(run())
