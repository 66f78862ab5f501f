"""Benchmark: in-process turn latency and HTTP turns per second on one uvicorn worker.

    python -m evals.bench [--turns 400] [--concurrency 16] [--rss-turns 500] [--rss-only]

Every message is asked once per phase, so the embedding cache never serves a repeat.
`--rss-only` prints just one worker's resident memory after `--rss-turns` turns.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from api.runtime import open_runtime
from bank_router.services import build_services
from bank_router.settings import ROOT, Settings, get_settings
from bank_router.turn.context import Caller

DATASETS = Path(__file__).resolve().parent / "datasets"
# A serving worker must never load these: the ONNX export is the only place that needs them.
HEAVY = ("torch", "transformers", "sentence_transformers")


def messages() -> list[tuple[str, str]]:
    """(text, language) of every first turn in both splits: varied, realistic traffic."""
    out: list[tuple[str, str]] = []
    for name in ("test", "train"):
        for line in (DATASETS / f"{name}.jsonl").read_text("utf-8").splitlines():
            row = json.loads(line)
            turn = row["turns"][0] if "turns" in row else {"message": row["text"], "language": row["language"]}
            out.append((turn["message"], turn.get("language", "en")))
    return list(dict.fromkeys(out))


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def rss_mb() -> float:
    """This process's resident memory now (VmRSS), in MB; its peak from getrusage where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def in_process(settings: Settings, msgs: list[tuple[str, str]]) -> dict[str, float]:
    """The API's own turn path (runtime, checkpointer, graph) without HTTP."""
    t0 = time.perf_counter()
    with open_runtime(settings) as runtime:
        startup = time.perf_counter() - t0
        times = []
        for i, (text, lang) in enumerate(msgs):
            t = time.perf_counter()
            await runtime.turn(f"bench-{i % 50}", text, lang, Caller())
            times.append((time.perf_counter() - t) * 1000)
    return {
        "startup_s": startup,
        "turns": len(times),
        "p50_ms": pct(times, 50),
        "p95_ms": pct(times, 95),
        "p99_ms": pct(times, 99),
    }


async def _post(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes) -> int:
    """One keep-alive HTTP/1.1 POST: a lean client, so the load generator does not eat the server's CPU."""
    writer.write(
        b"POST /api/chat HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    await reader.readexactly(length)
    return status


async def over_http(port: int, msgs: list[tuple[str, str]], concurrency: int) -> dict[str, float]:
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for m in msgs:
        queue.put_nowait(m)
    errors, latencies = 0, []

    async def session(n: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not queue.empty():
            text, lang = queue.get_nowait()
            body = json.dumps(
                {"session_id": f"http-bench-{n}", "user_message": text, "channel": "web", "language": lang}
            ).encode()
            t = time.perf_counter()
            status = await _post(reader, writer, body)
            latencies.append((time.perf_counter() - t) * 1000)
            errors += status != 200
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(session(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - t0
    return {
        "turns": len(latencies),
        "errors": errors,
        "turns_per_s": len(latencies) / elapsed,
        "p50_ms": pct(latencies, 50),
        "p95_ms": pct(latencies, 95),
    }


def rss_worker(data_dir: Path, model_cache: Path, turns: int) -> int:
    """Child of `worker_rss`: a worker's imports (api.main), then `turns` in-process turns; prints JSON."""
    os.environ.update({"DATA_DIR": str(data_dir), "MODEL_CACHE": str(model_cache), "LOG_LEVEL": "WARNING"})
    import api.main  # noqa: F401 - what a uvicorn worker imports

    settings = Settings(data_dir=data_dir, model_cache=model_cache, rate_limit_enabled=False, log_level="WARNING")
    msgs = messages()
    msgs = (msgs * (turns // len(msgs) + 1))[:turns]
    asyncio.run(in_process(settings, msgs))
    print(json.dumps({"rss_mb": rss_mb(), "turns": turns, "heavy": [m for m in HEAVY if m in sys.modules]}))
    return 0


def worker_rss(data_dir: Path, model_cache: Path, turns: int) -> dict[str, Any]:
    """One fresh worker process's resident memory after `turns` turns, over an existing index and model cache.

    A child process: this one may have exported the model (torch) or run other phases.
    """
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "evals.bench",
            "--rss-worker",
            "--rss-turns",
            str(turns),
            "--data-dir",
            str(data_dir),
            "--model-cache",
            str(model_cache),
        ],
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    if out.returncode:
        raise RuntimeError(f"the memory worker failed:\n{out.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def print_rss(rss: dict[str, Any]) -> None:
    heavy = ", ".join(rss["heavy"]) or "none"
    print(
        f"resident memory (VmRSS) of one worker after {rss['turns']} turns: {rss['rss_mb']:.0f} MB "
        f"(target <= 350 MB); torch/transformers/sentence_transformers loaded: {heavy}"
    )


def start_server(data_dir: Path, model_cache: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "MODEL_CACHE": str(model_cache),
        "RATE_LIMIT_ENABLED": "false",
        "HF_HUB_OFFLINE": "1",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--turns", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--rss-turns", type=int, default=500, help="turns before a worker's memory is read")
    ap.add_argument("--rss-only", action="store_true", help="only the worker memory figure")
    ap.add_argument("--rss-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--model-cache", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rss_worker:
        return rss_worker(args.data_dir, args.model_cache, args.rss_turns)
    msgs = messages()
    base = get_settings()
    if args.rss_only:
        with tempfile.TemporaryDirectory() as tmp:
            # Ingest here (ONNX export, classifier, index), so the worker starts as a deployed one does.
            build_services(Settings(data_dir=Path(tmp), model_cache=base.model_cache_dir))
            print_rss(worker_rss(Path(tmp), base.model_cache_dir, args.rss_turns))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), model_cache=base.model_cache_dir)
        proc = asyncio.run(in_process(settings, msgs[: args.turns]))
        print(f"full knowledge re-index (fresh data dir, cached model and classifier): {proc['startup_s']:.1f} s")
        warm = Settings(data_dir=Path(tmp), model_cache=base.model_cache_dir)
        t0 = time.perf_counter()
        build_services(warm)
        print(f"start-up with an existing index: {time.perf_counter() - t0:.1f} s")
        print(
            f"in-process turn latency over {proc['turns']} distinct messages: "
            f"p50 {proc['p50_ms']:.1f} ms, p95 {proc['p95_ms']:.1f} ms, p99 {proc['p99_ms']:.1f} ms "
            f"(budget 15 / 40 ms)"
        )
        # A copy of the index the in-process phase built: the server starts on an existing index.
        shutil.copytree(settings.chroma_path, Path(tmp) / "http" / "chroma")
        started = time.perf_counter()
        server = start_server(Path(tmp) / "http", base.model_cache_dir, args.port)
        url = f"http://127.0.0.1:{args.port}"
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.3)
            print(
                f"uvicorn start-up to first healthy answer, existing index: {time.perf_counter() - started:.1f} s "
                "(budget 10 s)"
            )
            second = msgs[args.turns : args.turns * 2] or msgs
            http: dict[str, Any] = asyncio.run(over_http(args.port, second, args.concurrency))
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(
            f"HTTP, 1 uvicorn worker, {args.concurrency} concurrent sessions, {http['turns']} turns: "
            f"{http['turns_per_s']:.0f} turns/s (budget >= 100), errors {http['errors']}, "
            f"p50 {http['p50_ms']:.1f} ms, p95 {http['p95_ms']:.1f} ms"
        )
        # Its own copy of the index, so its sessions start fresh.
        shutil.copytree(settings.chroma_path, Path(tmp) / "rss" / "chroma")
        print_rss(worker_rss(Path(tmp) / "rss", base.model_cache_dir, args.rss_turns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
