"""Fault test: PostgreSQL restarted twice under chat load (issue #12, finding 7).

uvicorn runs the real app on a private PostgreSQL cluster (tests/support/private_pg.py); several sessions
chat while the cluster is stopped (fast, then immediate) and started again. Every response must be 200,
or 503 SERVICE_UNAVAILABLE with Retry-After in the contract's shape (the client then retries with the same
Idempotency-Key); no 500, no reset connection. Afterwards every turn that got 200 is stored with its
question and its answer, and no stored question lacks its answer: turns lost 0.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest

from bank_router.services import Services
from tests.integration.conftest import free_port, serve, server_env
from tests.support.private_pg import PrivateCluster, pg_bin, private_cluster

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(pg_bin() is None, reason="no PostgreSQL server binaries to run a private cluster"),
]

SESSIONS, TURNS, PARALLEL = 24, 12, 8  # 288 turns
QUESTIONS = [
    "What is Mudaraba?",
    "How do I activate my debit card?",
    "What are the charges for a BEFTN transfer?",
    "Can a 16-year-old open Prime First Account?",
    "What documents do I need to open a savings account?",
    "My card was declined at an ATM, what should I do?",
]
DOWN_SECONDS = 2.0


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)  # 500s, other statuses, 503s out of shape, transport errors
    answered: list[tuple[str, str, str]] = field(default_factory=list)  # (question, conversation id, message id)
    unanswered: int = 0  # turns still 503 after every retry
    done: int = 0


@dataclass
class Server:
    url: str
    cluster: PrivateCluster
    log: Path


@pytest.fixture
def server(tmp_path: Path, services: Services) -> Iterator[Server]:
    # The suite's knowledge index, already built: the server starts without indexing it again.
    shutil.copytree(services.settings.chroma_path, tmp_path / "chroma")
    with private_cluster(free_port()) as cluster:
        port = free_port()
        env = server_env(tmp_path, DATABASE_URL=cluster.url, RATE_LIMIT_ENABLED="false", LOG_LEVEL="WARNING")
        url = f"http://127.0.0.1:{port}"
        cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
        log = tmp_path / "server.log"
        with serve(cmd, f"{url}/healthz", env, log):
            yield Server(url, cluster, log)


def _check_503(r: httpx.Response, tally: Tally, where: str) -> None:
    body = r.json()
    if not (r.headers.get("retry-after", "").isdigit() and body.get("error_code") == "SERVICE_UNAVAILABLE"):
        tally.bad.append(f"{where}: 503 out of shape {r.headers} {body}")
    if set(body) - {"error_code", "message", "trace_id", "details"} or not body.get("trace_id"):
        tally.bad.append(f"{where}: 503 body {body}")


async def _turn(client: httpx.AsyncClient, session: str, n: int, tally: Tally) -> None:
    question = f"{QUESTIONS[n % len(QUESTIONS)]} (turn {n})"
    body = {"session_id": session, "user_message": question, "channel": "web"}
    headers = {"Idempotency-Key": f"{session}-{n}"}
    for _ in range(60):
        try:
            r = await client.post("/api/chat", json=body, headers=headers)
        except httpx.TransportError as exc:  # a reset or dropped connection
            tally.bad.append(f"{session}/{n}: {type(exc).__name__}")
            return
        tally.statuses[r.status_code] += 1
        if r.status_code == 200:
            answer = r.json()
            tally.answered.append((question, answer["conversation_id"], answer["message_id"]))
            return
        if r.status_code != 503:
            tally.bad.append(f"{session}/{n}: {r.status_code} {r.text[:200]}")
            return
        _check_503(r, tally, f"{session}/{n}")
        await asyncio.sleep(0.25)  # shorter than Retry-After: the test has a budget
    tally.unanswered += 1


async def _session(client: httpx.AsyncClient, s: int, gate: asyncio.Semaphore, tally: Tally) -> None:
    async with gate:
        for n in range(TURNS):
            await _turn(client, f"fault-{s}", n, tally)
            tally.done += 1


async def _while_down(client: httpx.AsyncClient, tally: Tally) -> None:
    """The other paths, while the server is down: a list is 503, the stream's outcome an error event."""
    r = await client.get("/api/conversations", headers={"X-Session-Id": "fault-0"})
    tally.statuses[r.status_code] += 1
    if r.status_code == 503:
        _check_503(r, tally, "conversations")
    elif r.status_code != 200:
        tally.bad.append(f"conversations: {r.status_code}")
    body = {"session_id": "fault-stream", "user_message": "What is Mudaraba?", "channel": "web"}
    r = await client.post("/api/chat/stream", json=body)
    events = [line for line in r.text.splitlines() if line.startswith("data: ")]
    last = json.loads(events[-1][len("data: ") :]) if events else {}
    if r.status_code != 200 or ("error_code" in last and last["error_code"] != "SERVICE_UNAVAILABLE"):
        tally.bad.append(f"stream: {r.status_code} {last}")


async def _restarts(cluster: PrivateCluster, client: httpx.AsyncClient, tally: Tally) -> list[float]:
    outages: list[float] = []
    for mode, after in (("fast", SESSIONS * TURNS // 5), ("immediate", SESSIONS * TURNS // 2)):
        while tally.done < after:
            await asyncio.sleep(0.05)
        started = time.monotonic()
        await asyncio.to_thread(cluster.stop, mode)
        await _while_down(client, tally)
        await asyncio.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - started)))
        await asyncio.to_thread(cluster.start)
        outages.append(round(time.monotonic() - started, 2))
    return outages


async def _load(server: Server) -> tuple[Tally, list[float], float]:
    tally = Tally()
    limits = httpx.Limits(max_connections=PARALLEL + 2, max_keepalive_connections=PARALLEL + 2)
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
        gate = asyncio.Semaphore(PARALLEL)
        started = time.monotonic()
        restarts = asyncio.create_task(_restarts(server.cluster, client, tally))
        await asyncio.gather(*(_session(client, s, gate, tally) for s in range(SESSIONS)))
        outages = await restarts
        return tally, outages, time.monotonic() - started


def _stored(url: str) -> tuple[dict[str, tuple[str, int]], dict[tuple[str, int], tuple[str, str]]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT m.id, m.conversation_id, m.seq, m.role, m.content FROM messages m "
            "JOIN conversations c ON c.id = m.conversation_id WHERE c.session_id LIKE 'fault-%%' "
            "AND c.session_id <> 'fault-stream'"
        ).fetchall()
    by_id = {r[0]: (r[1], r[2]) for r in rows}
    by_seq = {(r[1], r[2]): (r[3], r[4]) for r in rows}
    return by_id, by_seq


def test_postgres_restarted_mid_load_loses_no_turn_and_answers_only_200_or_503(server: Server) -> None:
    tally, outages, seconds = asyncio.run(_load(server))
    by_id, by_seq = _stored(server.cluster.url)
    lost = []
    for question, conversation_id, message_id in tally.answered:
        where = by_id.get(message_id)
        if where is None or where[0] != conversation_id or by_seq.get((where[0], where[1] - 1)) != ("user", question):
            lost.append(message_id)
    questions = [(key, content) for key, (role, content) in by_seq.items() if role == "user"]
    unanswered = [key for key, _ in questions if by_seq.get((key[0], key[1] + 1), ("", ""))[0] != "assistant"]
    duplicated = [q for q, n in Counter((k[0], c) for k, c in questions).items() if n > 1]
    figures = {
        "requests": sum(tally.statuses.values()),
        "200": tally.statuses[200],
        "503": tally.statuses[503],
        "other": {s: n for s, n in tally.statuses.items() if s not in (200, 503)},
        "turns_answered": len(tally.answered),
        "turns_given_up": tally.unanswered,
        "turns_stored": sum(1 for _, (role, _c) in by_seq.items() if role == "assistant"),
        "lost": len(lost),
        "questions_without_answer": len(unanswered),
        "duplicated_questions": len(duplicated),
        "outage_seconds": outages,
        "load_seconds": round(seconds, 1),
    }
    print("pg restart fault test:", json.dumps(figures))
    log = server.log.read_text(errors="replace")
    assert tally.bad == [], tally.bad[:10]
    assert figures["other"] == {} and tally.statuses[503] > 0  # the outages were felt, and only as 503
    assert lost == [] and unanswered == [] and duplicated == []
    assert len(tally.answered) + tally.unanswered == SESSIONS * TURNS and tally.unanswered == 0
    assert figures["turns_stored"] == len(tally.answered)  # every stored answer is one a client got
    assert "Exception in ASGI application" not in log and "Traceback" not in log
