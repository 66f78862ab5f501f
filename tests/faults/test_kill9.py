"""SIGKILL mid-turn, then a restart on the same data: no acknowledged turn is lost, none is half-stored.

Several sessions talk to the API while it is killed with turns in flight. Before the restart the store
is read straight from the database the dead process left: every turn answered 200 is there with its
question and its answer (a question and its answer are written in one transaction), no question lacks
its answer, and the file or database is intact. After the restart every conversation goes on where it
stopped. A turn that committed but was never acknowledged may be stored: that is what an idempotency
key (issue #12, item 9) is for, not a loss.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.faults.support import Api, chat, copy_data, eventually, sqlite_messages, stored_messages
from tests.integration.conftest import server_env
from tests.store.support import scratch_database

pytestmark = pytest.mark.integration

SESSIONS = 6
QUESTIONS = ["What is Mudaraba?", "What is a DPS?", "Can a 16-year-old open Prime First Account?"]
Stored = dict[str, list[tuple[str, str, str]]]  # session -> (message id, role, content) in order


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    with scratch_database("bank_router_kill9") as url:
        yield url


def postgres_messages(url: str) -> Stored:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.session_id, m.id, m.role, m.content FROM messages m "
            "JOIN conversations c ON c.id = m.conversation_id ORDER BY c.session_id, m.seq"
        ).fetchall()
    out: Stored = {}
    for session, msg_id, role, content in rows:
        out.setdefault(session, []).append((msg_id, role, content))
    return out


def talk(url: str, session: str, stop: threading.Event) -> tuple[list[tuple[str, str]], int]:
    """Turns until the server dies: the (question, message id) of each acknowledged one, and the failures."""
    acked: list[tuple[str, str]] = []
    n = 0
    while not stop.is_set():
        question = f"{QUESTIONS[n % len(QUESTIONS)]} [{session} {n}]"
        try:
            resp = chat(url, session, question, timeout=30)
        except httpx.ConnectError:
            return acked, 0  # asked after the server died
        except httpx.HTTPError:
            return acked, 1  # in flight when the server died
        assert resp.status_code == 200, resp.text
        acked.append((question, resp.json()["message_id"]))
        n += 1
    return acked, 0


def test_a_kill_9_mid_turn_loses_no_acknowledged_turn(
    seeded_data: Path, tmp_path: Path, database_url: str | None
) -> None:
    data_dir = copy_data(seeded_data, tmp_path / "data")
    extra = {"DATABASE_URL": database_url} if database_url else {}
    env = {**server_env(data_dir, RATE_LIMIT_ENABLED="false"), **extra}
    api = Api(env, tmp_path / "api.log").start()
    sessions = [f"kill9-{uuid.uuid4().hex[:8]}" for _ in range(SESSIONS)]
    stop = threading.Event()
    try:
        with ThreadPoolExecutor(SESSIONS) as pool:
            runs = [pool.submit(talk, api.url, s, stop) for s in sessions]
            eventually(lambda: len(stored_messages(api.url, sessions[0])) >= 4, 90, "no turn was answered")
            api.kill()
            stop.set()
            results = dict(zip(sessions, (r.result() for r in runs), strict=True))
        assert sum(failed for _, failed in results.values()) >= 1, "no turn was in flight at the kill"

        stored = postgres_messages(database_url) if database_url else sqlite_messages(data_dir)
        for session, (acked, _) in results.items():
            rows = stored.get(session, [])
            roles = [role for _, role, _ in rows]
            assert roles == ["user", "assistant"] * (len(rows) // 2), f"a question without its answer: {roles}"
            questions = [content for _, role, content in rows if role == "user"]
            answers = {msg_id for msg_id, role, content in rows if role == "assistant" and content}
            # Acknowledged turns are stored, in the order they were asked; at most the one in flight follows.
            assert questions[: len(acked)] == [q for q, _ in acked]
            assert len(questions) - len(acked) <= 1
            assert {m for _, m in acked} <= answers

        api.start()  # the same data, the same port
        for session in sessions:
            before = len(stored.get(session, []))
            resp = chat(api.url, session, f"And after the restart? [{session}]")
            assert resp.status_code == 200 and resp.json()["message"]
            messages = stored_messages(api.url, session)
            assert len(messages) == before + 2
            assert [m["id"] for m in messages[:before]] == [msg_id for msg_id, _, _ in stored.get(session, [])]
            assert messages[-1]["id"] == resp.json()["message_id"]
        assert "Traceback" not in api.log()  # the restart recovered the killed process's files quietly
    finally:
        stop.set()
        api.stop()
