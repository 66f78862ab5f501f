"""Benchmark: concurrent SSE streams (POST /api/chat/stream) held by one uvicorn worker.

    python -m evals.bench_stream [--streams 1000] [--port 8766]

Every stream opens at once; each is checked whole: its tokens concatenate to the `done` message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

from bank_router.settings import ROOT, get_settings
from evals.bench import messages


@dataclass
class Tally:
    completed: int = 0
    errors: int = 0
    open: int = 0
    peak_open: int = 0
    ttft: list[float] = field(default_factory=list)
    opened: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1


def raise_fd_limit() -> int:
    """Each stream is a socket on both ends: lift the soft limit to the hard one (the server inherits it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def one_stream(client: httpx.AsyncClient, n: int, text: str, lang: str, tally: Tally) -> None:
    body = {"session_id": f"sse-bench-{n}", "user_message": text, "channel": "web", "language": lang}
    t0 = time.perf_counter()
    first: float | None = None
    tokens: list[str] = []
    done: dict[str, object] | None = None
    kind = ""
    try:
        async with client.stream("POST", "/api/chat/stream", json=body) as r:
            if r.status_code != 200:
                tally.error(f"http_{r.status_code}")
                return
            tally.opened.append(time.perf_counter() - t0)
            tally.open += 1
            tally.peak_open = max(tally.peak_open, tally.open)
            try:
                async for line in r.aiter_lines():
                    if line.startswith("event:"):
                        kind = line[6:].strip()
                    elif line.startswith("data:"):
                        data = json.loads(line[5:])
                        if kind == "token":
                            first = first or time.perf_counter() - t0
                            tokens.append(data["text"])
                        elif kind == "done":
                            done = data
                        elif kind == "error":
                            tally.error(str(data.get("error_code")))
                            return
            finally:
                tally.open -= 1
    except httpx.HTTPError as exc:
        tally.error(type(exc).__name__)
        return
    if done is None or first is None or "".join(tokens) != done.get("message"):
        tally.error("incomplete_stream")
        return
    tally.completed += 1
    tally.ttft.append(first)
    tally.total.append(time.perf_counter() - t0)


async def run_streams(port: int, count: int) -> tuple[Tally, float]:
    msgs = messages()
    tally = Tally()
    limits = httpx.Limits(max_connections=count + 10, max_keepalive_connections=0)
    timeout = httpx.Timeout(connect=60, read=300, write=60, pool=60)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=timeout) as client:
        t0 = time.perf_counter()
        await asyncio.gather(
            *(one_stream(client, n, *msgs[n % len(msgs)], tally) for n in range(count)),
        )
        return tally, time.perf_counter() - t0


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "MODEL_CACHE": str(get_settings().model_cache_dir),
        "RATE_LIMIT_ENABLED": "false",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "LOG_LEVEL": "WARNING",
    }
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", "1", "--backlog", "4096", "--log-level", "warning", "--no-access-log"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError("server did not become healthy")


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--streams", type=int, default=1000)
    ap.add_argument("--port", type=int, default=8766)
    args = ap.parse_args(argv)
    fds = raise_fd_limit()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp), args.port)
        try:
            wait_healthy(args.port, server)
            tally, wall = asyncio.run(asyncio.wait_for(run_streams(args.port, args.streams), timeout=900))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"SSE, 1 uvicorn worker, {args.streams} concurrent streams (open files limit {fds}): "
        f"{tally.completed} completed whole, {tally.errors} errors (target 0), {tally.peak_open} open at once"
    )
    if tally.kinds:
        print(f"  errors by kind: {tally.kinds}")
    print(
        f"  time to first token p50 {pct(tally.ttft, 50) * 1000:.0f} ms, p95 {pct(tally.ttft, 95) * 1000:.0f} ms; "
        f"stream total p95 {pct(tally.total, 95) * 1000:.0f} ms; wall time for all streams {wall:.1f} s"
    )
    print(
        f"  stream accepted (200 + headers) p50 {pct(tally.opened, 50) * 1000:.0f} ms, "
        f"p95 {pct(tally.opened, 95) * 1000:.0f} ms, last {max(tally.opened, default=0) * 1000:.0f} ms"
    )
    return 0 if tally.errors == 0 and tally.completed == args.streams else 1


if __name__ == "__main__":
    sys.exit(main())
