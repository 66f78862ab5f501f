"""A local OpenAI-compatible chat server with scripted behaviours, for tests, evals and benchmarks.

    with FakeOpenAIServer("grounded", Latency(per_call=0.05, per_token=0.002)) as server:
        ...  # OPENAI_BASE_URL=server.base_url, any OPENAI_API_KEY

`POST /v1/chat/completions` answers JSON or (`stream: true`) SSE chunks, with tool calls and usage
(`stream_options.include_usage` honoured). A script is a function from the request body to a `Reply`;
the built-in ones (`SCRIPTS`) cover a well-behaved model and the faults: 500s, 429s, hangs, malformed
JSON, invented figures, unknown tools, nonsense. A request whose model is `script:<name>` uses that
script, so one server can serve several behaviours. Every request body is kept in `requests`.

    python -m evals.fake_openai --script invent --port 8099 --per-call 0.05
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from evals import fake_scripts
from evals.fake_scripts import SCRIPTS, Body, Reply, Script


@dataclass
class Latency:
    """Fixed cost of a call: before the first byte, and per completion token."""

    per_call: float = 0.0
    per_token: float = 0.0


def tokens(text: str) -> list[str]:
    """Rough tokens: words with their trailing space (streamed one per chunk)."""
    out, word = [], ""
    for ch in text:
        word += ch
        if ch == " ":
            out.append(word)
            word = ""
    return [*out, word] if word else out


def count_prompt_tokens(body: Body) -> int:
    size = sum(len(json.dumps(m.get("content") or "", ensure_ascii=False)) for m in body.get("messages", []))
    size += len(json.dumps(body.get("tools") or [], ensure_ascii=False))
    return max(1, size // 4)


@dataclass
class FakeOpenAI:
    """The app and its scripted state; `app` is the ASGI application."""

    script: Script | str = "grounded"
    latency: Latency = field(default_factory=Latency)
    requests: list[Body] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.app = FastAPI(title="fake-openai")
        self.app.post("/v1/chat/completions")(self._completions)
        self.app.get("/v1/models")(self._models)

    def resolve(self, body: Body) -> Script:
        model = str(body.get("model", ""))
        chosen = model.removeprefix("script:") if model.startswith("script:") else self.script
        return SCRIPTS[chosen] if isinstance(chosen, str) else chosen

    async def _models(self) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": name, "object": "model"} for name in SCRIPTS]}

    async def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stopping.is_set() and (left := end - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 0.1))

    async def _completions(self, request: Request) -> Response:
        body: Body = await request.json()
        self.requests.append(body)
        reply = self.resolve(body)(body)
        await self._sleep(self.latency.per_call + reply.hang)
        if reply.raw is not None:
            return Response(reply.raw, status_code=reply.status, media_type="application/json")
        if reply.status != 200:
            error = {"error": {"message": reply.content or "scripted failure", "type": "server_error"}}
            return JSONResponse(error, status_code=reply.status, headers=reply.headers)
        if body.get("stream"):
            return StreamingResponse(self._stream(body, reply), media_type="text/event-stream")
        usage = self._usage(body, reply)
        await self._sleep(self.latency.per_token * usage["completion_tokens"])
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if reply.tool_calls:
            message["tool_calls"] = [self._tool_call(i, c) for i, c in enumerate(reply.tool_calls)]
        choice = {"index": 0, "message": message, "finish_reason": "tool_calls" if reply.tool_calls else "stop"}
        return JSONResponse({**self._envelope(body, "chat.completion"), "choices": [choice], "usage": usage})

    @staticmethod
    def _envelope(body: Body, kind: str) -> dict[str, Any]:
        return {"id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": kind, "created": int(time.time()),
                "model": str(body.get("model", "fake"))}  # fmt: skip

    @staticmethod
    def _tool_call(index: int, call: dict[str, Any]) -> dict[str, Any]:
        args = call.get("arguments", {})
        return {
            "id": f"call_{index}_{uuid.uuid4().hex[:8]}",
            "type": "function",
            "function": {"name": call["name"], "arguments": args if isinstance(args, str) else json.dumps(args)},
        }

    @staticmethod
    def _usage(body: Body, reply: Reply) -> dict[str, int]:
        completion = len(tokens(reply.content or "")) + sum(
            len(json.dumps(c.get("arguments", {}))) // 4 + 1 for c in reply.tool_calls
        )
        prompt = count_prompt_tokens(body)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    async def _stream(self, body: Body, reply: Reply) -> AsyncIterator[bytes]:
        head = self._envelope(body, "chat.completion.chunk")

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            data = {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            return f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()

        yield chunk({"role": "assistant", "content": ""})
        for tok in tokens(reply.content or ""):
            await self._sleep(self.latency.per_token)
            yield chunk({"content": tok})
        for i, call in enumerate(reply.tool_calls):
            yield chunk({"tool_calls": [{"index": i, **self._tool_call(i, call)}]})
        yield chunk({}, "tool_calls" if reply.tool_calls else "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {**head, "choices": [], "usage": self._usage(body, reply)}
            yield f"data: {json.dumps(usage)}\n\n".encode()
        yield b"data: [DONE]\n\n"


class FakeOpenAIServer:
    """The fake served by uvicorn on loopback in a background thread (real HTTP)."""

    def __init__(self, script: Script | str = "grounded", latency: Latency | None = None, port: int = 0) -> None:
        self.fake = FakeOpenAI(script, latency or Latency())
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", port))
        self.port = int(self._sock.getsockname()[1])
        config = uvicorn.Config(self.fake.app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[Body]:
        return self.fake.requests

    def set_script(self, script: Script | str) -> None:
        self.fake.script = script
        self.fake.requests.clear()

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("fake OpenAI server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.fake.stopping.set()
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._sock.close()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Serve a scripted OpenAI-compatible chat API on loopback.")
    ap.add_argument("--script", default="grounded", choices=sorted(SCRIPTS))
    ap.add_argument("--port", type=int, default=8099)
    ap.add_argument("--per-call", type=float, default=0.0, help="seconds before each reply")
    ap.add_argument("--per-token", type=float, default=0.0, help="seconds per completion token")
    args = ap.parse_args(argv)
    fake = FakeOpenAI(args.script, Latency(args.per_call, args.per_token))
    uvicorn.run(fake.app, host="127.0.0.1", port=args.port, log_level="warning")


__all__ = ["SCRIPTS", "FakeOpenAI", "FakeOpenAIServer", "Latency", "Reply", "Script", "fake_scripts"]

if __name__ == "__main__":
    main()
