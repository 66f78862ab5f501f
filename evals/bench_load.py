"""Load benchmark: 1,000 sessions × 5 turns over HTTP on 2 uvicorn workers and PostgreSQL, then a count.

    python -m evals.bench_load [--sessions 1000] [--turns 5] [--concurrency 32] [--workers 2]

A scratch PostgreSQL database (dropped afterwards) on the local server, rate limits off
(RATE_LIMIT_ENABLED=false: this measures the service, not the limiter). Each session asks its turns one
after another, `--concurrency` sessions at a time, with first turns from the eval datasets (test and
train splits). Prints turns, errors by status, throughput and latency percentiles; then reads the
database: every acknowledged turn must be stored with its question and its answer (turns lost: 0),
in the order it was asked. Exits 1 if any turn was lost or half-stored. A benchmark, not a test: the
figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from bank_router.settings import ROOT, get_settings
from evals.bench import messages, pct
from tests.store.support import scratch_database


@dataclass
class Sent:
    """What the client saw: per session the (question, message id) of each acknowledged turn, in order."""

    acked: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(data_dir: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "MODEL_CACHE": str(get_settings().model_cache_dir),
        "RATE_LIMIT_ENABLED": "false",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "LANGSMITH_TRACING": "false",
        "LOG_LEVEL": "WARNING",
    }


def start_workers(env: dict[str, str], port: int, workers: int, log_path: Path) -> subprocess.Popen[bytes]:
    """uvicorn with `workers` processes on one socket; returns once every worker has started."""
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(workers), "--no-access-log"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while log_path.read_text(errors="replace").count("Application startup complete") < workers:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.terminate()
            raise RuntimeError(f"the workers did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)
    return proc


def worker_cpu(parent: int) -> dict[int, float]:
    """CPU seconds (user + system) of each child of the uvicorn supervisor: proof that every worker took turns."""
    out: dict[int, float] = {}
    try:
        children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        for pid in map(int, children):
            if b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue  # multiprocessing's helper, not a worker
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        pass  # not Linux, or a worker just exited: the figure is left out
    return out


async def run_load(url: str, run: str, sessions: int, turns: int, concurrency: int) -> tuple[Sent, float]:
    msgs = messages()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(sessions):
        queue.put_nowait(i)
    sent = Sent()

    async def session_runner(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            session = f"{run}-{i}"
            acked = sent.acked.setdefault(session, [])
            for j in range(turns):
                text, lang = msgs[(i * turns + j) % len(msgs)]
                body = {"session_id": session, "user_message": text, "channel": "web", "language": lang}
                t = time.perf_counter()
                try:
                    resp = await client.post("/api/chat", json=body)
                except httpx.HTTPError as exc:
                    sent.statuses[type(exc).__name__] += 1
                    continue
                sent.latencies.append((time.perf_counter() - t) * 1000)
                sent.statuses[str(resp.status_code)] += 1
                if resp.status_code == 200:
                    acked.append((text, resp.json()["message_id"]))

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(session_runner(client) for _ in range(concurrency)))
        return sent, time.perf_counter() - t0


def verify(database_url: str, run: str, sent: Sent) -> dict[str, int]:
    """Read every message of this run back from PostgreSQL and hold it against what the client was told."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT c.session_id, m.id, m.role, m.content FROM messages m "
            "JOIN conversations c ON c.id = m.conversation_id WHERE c.session_id LIKE %s ORDER BY c.session_id, m.seq",
            (f"{run}-%",),
        ).fetchall()
    stored: dict[str, list[tuple[str, str, str]]] = {}
    for session, msg_id, role, content in rows:
        stored.setdefault(session, []).append((msg_id, role, content))
    answers = {msg_id for msg_id, role, content in (r[1:] for r in rows) if role == "assistant" and content}
    half = disordered = 0
    for session, acked in sent.acked.items():
        mine = stored.get(session, [])
        roles = [role for _, role, _ in mine]
        half += roles != ["user", "assistant"] * (len(mine) // 2)
        disordered += [content for _, role, content in mine if role == "user"] != [q for q, _ in acked]
    acked_ids = {msg_id for acked in sent.acked.values() for _, msg_id in acked}
    return {
        "conversations": len(stored),
        "questions": sum(r[2] == "user" for r in rows),
        "answers": len(answers),
        "lost": len(acked_ids - answers),
        "half_stored": half,
        "out_of_order": disordered,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--turns", type=int, default=5, help="turns per session, asked one after another")
    ap.add_argument("--concurrency", type=int, default=32, help="sessions talking at once")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = ap.parse_args(argv)
    run = f"load-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp, scratch_database("bank_router_load") as db_url:
        data_dir = Path(tmp) / "data"
        if (ROOT / "data" / "chroma").is_dir():  # start from the working index when there is one
            shutil.copytree(ROOT / "data" / "chroma", data_dir / "chroma")
        env = server_env(data_dir, db_url)
        # Index, train and seed the platform once, so the workers start as deployed ones do.
        subprocess.run([sys.executable, "-m", "bank_router.cli", "ingest"], cwd=ROOT, env=env, check=True,
                       capture_output=True)  # fmt: skip
        port = free_port()
        server = start_workers(env, port, args.workers, Path(tmp) / "server.log")
        try:
            before = worker_cpu(server.pid)
            sent, elapsed = asyncio.run(
                run_load(f"http://127.0.0.1:{port}", run, args.sessions, args.turns, args.concurrency)
            )
            spent = {pid: cpu - before.get(pid, 0.0) for pid, cpu in worker_cpu(server.pid).items()}
        finally:
            server.terminate()
            server.wait(timeout=60)
        checked = verify(db_url, run, sent)
    report(args, sent, elapsed, checked)
    print(f"      CPU seconds per worker during the load: {', '.join(f'{v:.0f}' for v in spent.values()) or 'n/a'}")
    return 1 if checked["lost"] or checked["half_stored"] else 0


def report(args: argparse.Namespace, sent: Sent, elapsed: float, checked: dict[str, int]) -> None:
    total = sum(sent.statuses.values())
    ok = sent.statuses.get("200", 0)
    errors = {k: v for k, v in sorted(sent.statuses.items()) if k != "200"}
    print(
        f"load: {args.sessions} sessions x {args.turns} turns, {args.concurrency} at once, {args.workers} uvicorn "
        f"workers, PostgreSQL: {total} turns in {elapsed:.1f} s, {total / elapsed:.1f} turns/s; "
        f"200: {ok}, errors by status: {errors or 'none'}"
    )
    if sent.latencies:
        print(
            f"      latency p50 {pct(sent.latencies, 50):.0f} ms, p95 {pct(sent.latencies, 95):.0f} ms, "
            f"p99 {pct(sent.latencies, 99):.0f} ms"
        )
    print(
        f"      stored: {checked['conversations']} conversations, {checked['questions']} questions, "
        f"{checked['answers']} answers; turns lost: {checked['lost']}, question without answer: "
        f"{checked['half_stored']} sessions, out of order: {checked['out_of_order']} sessions"
    )


if __name__ == "__main__":
    sys.exit(main())
