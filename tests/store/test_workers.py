"""Two uvicorn workers on one PostgreSQL database: one session's concurrent turns never fork its history.

The real proof of the session advisory lock: without it, two workers would each start a turn from the
same checkpoint, and the thread's history would lose one of them.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from bank_router.store import Owner
from bank_router.store.checkpoints import open_checkpointer, thread_questions
from bank_router.store.owner import thread_of
from tests.integration.conftest import free_port, serve, server_env
from tests.store.support import scratch_database, settings_for

pytestmark = pytest.mark.integration

TURNS = 24
QUESTIONS = ["What is Mudaraba?", "What is a DPS?", "Can a 16-year-old open Prime First Account?"]


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    data_dir = tmp_path_factory.mktemp("two-workers")
    with scratch_database("bank_router_workers") as db_url:
        env = server_env(data_dir, DATABASE_URL=db_url, RATE_LIMIT_ENABLED="false")
        # Index, train and seed once, so the workers start on a ready DATA_DIR and database.
        subprocess.run([sys.executable, "-m", "bank_router.cli", "ingest"], env=env, check=True, capture_output=True)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--workers", "2", "--port", str(port)]
        with serve(cmd, f"{url}/healthz", env, data_dir / "server.log"):
            # Both workers must be up: /healthz answered by one is not enough.
            deadline = time.monotonic() + 120
            while (data_dir / "server.log").read_text().count("Application startup complete") < 2:
                assert time.monotonic() < deadline, "the second worker did not start"
                time.sleep(0.5)
            yield url, db_url, data_dir


def post(url: str, session: str, text: str, **kw: Any) -> httpx.Response:
    body = {"session_id": session, "user_message": text, "channel": "web"}
    # A client per request: a new connection each time, so the kernel spreads them over both workers.
    with httpx.Client(timeout=kw.pop("timeout", 120)) as client:
        return client.post(f"{url}/api/chat", json=body)


def conversation(url: str, session: str) -> dict[str, Any]:
    listed = httpx.get(f"{url}/api/conversations", headers={"X-Session-Id": session}, timeout=30).json()
    assert listed["meta"]["total"] == 1
    conv_id = listed["data"][0]["id"]
    return dict(httpx.get(f"{url}/api/conversations/{conv_id}", headers={"X-Session-Id": session}, timeout=30).json())


def checkpointed_questions(db_url: str, data_dir: Path, session: str) -> list[str]:
    """Each turn's question along the thread's checkpoint chain; raises if two turns continued one checkpoint."""
    with open_checkpointer(settings_for(data_dir, db_url), pool_size=2) as saver:
        return thread_questions(saver, thread_of(Owner(session_id=session).key, session))


def test_concurrent_turns_of_one_session_over_two_workers_are_all_stored_in_order(
    workers: tuple[str, str, Path],
) -> None:
    url, db_url, data_dir = workers
    sessions = [f"two-workers-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    jobs = [(s, f"{QUESTIONS[n % 3]} (turn {n})") for n in range(TURNS) for s in sessions]
    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(lambda job: post(url, *job).status_code, jobs))
    assert codes == [200] * len(jobs)
    for session in sessions:
        messages = conversation(url, session)["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant"] * TURNS
        questions = [m["content"] for m in messages if m["role"] == "user"]
        assert sorted(questions) == sorted(text for s, text in jobs if s == session)
        # The graph's own memory holds every turn, in the order the store recorded them: no fork.
        assert checkpointed_questions(db_url, data_dir, session) == questions


def test_a_client_that_disconnects_does_not_lose_its_turn(workers: tuple[str, str, Path]) -> None:
    url, _, _ = workers
    session = f"leaver-{uuid.uuid4().hex[:8]}"
    with pytest.raises(httpx.TimeoutException):
        post(url, session, "Can a 16-year-old open Prime First Account?", timeout=httpx.Timeout(30, read=0.005))
    deadline = time.monotonic() + 30
    while True:
        listed = httpx.get(f"{url}/api/conversations", headers={"X-Session-Id": session}, timeout=30).json()
        if listed["meta"]["total"] == 1 and listed["data"][0]["message_count"] == 2:
            break
        assert time.monotonic() < deadline, "the abandoned turn was never stored"
        time.sleep(0.2)
    messages = conversation(url, session)["messages"]
    assert messages[0]["content"] == "Can a 16-year-old open Prime First Account?"
    assert messages[1]["agent"] == "eligibility_graph"
