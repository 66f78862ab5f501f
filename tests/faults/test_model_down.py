"""The model server dies mid-run: turns in flight and after it fall back to the deterministic path.

The model is a real process (`evals.fake_openai`) killed with SIGKILL while several sessions talk to
the API, so the API sees what a crashed provider looks like: reset and refused connections, not a
scripted 500. No chat may fail, every turn must be stored, and the model is used again once it is back.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.faults.support import Api, ModelServer, chat, copy_data, eventually, stored_messages
from tests.integration.conftest import server_env

pytestmark = pytest.mark.integration

SESSIONS = 4
TIMEOUT = 2.0  # OPENAI_TIMEOUT: the turn's whole budget for model calls
COOLDOWN = 2.0  # LLM_BREAKER_COOLDOWN
QUESTIONS = [
    "What is Mudaraba?",
    "Can a 16-year-old with 5,000 taka open Prime First Account?",
    "How do I open a savings account?",
    "What is a DPS?",
    "What's the difference between Prime First Account and Prime Youth Account?",
]


@dataclass
class Turn:
    session: str
    question: str
    sent: float
    done: float = 0.0
    status: int = 0
    mode: str | None = None
    message_id: str | None = None
    error: str | None = None


def talk(url: str, session: str, stop: threading.Event, turns: list[Turn]) -> None:
    """One session's turns, one after another, until told to stop; each appended to `turns` when done."""
    n = 0
    while not stop.is_set():
        turn = Turn(session, f"{QUESTIONS[n % len(QUESTIONS)]} ({n})", time.monotonic())
        try:
            resp = chat(url, session, turn.question, timeout=30)
            turn.status = resp.status_code
            if resp.status_code == 200:
                body = resp.json()
                turn.mode, turn.message_id = body.get("mode"), body.get("message_id")
        except httpx.HTTPError as exc:
            turn.error = type(exc).__name__
        turn.done = time.monotonic()
        turns.append(turn)
        n += 1


def test_chats_answer_and_are_stored_while_the_model_server_is_killed(seeded_data: Path, tmp_path: Path) -> None:
    model = ModelServer(tmp_path / "model.log", per_call=0.3).start()
    env = server_env(
        copy_data(seeded_data, tmp_path / "data"),
        OPENAI_API_KEY="sk-fake-faults",
        OPENAI_BASE_URL=model.base_url,
        OPENAI_TIMEOUT=str(TIMEOUT),
        LLM_PHRASING="all",
        LLM_BREAKER_COOLDOWN=str(COOLDOWN),
        RATE_LIMIT_ENABLED="false",
    )
    api = Api(env, tmp_path / "api.log").start()
    sessions = [f"model-down-{uuid.uuid4().hex[:8]}" for _ in range(SESSIONS)]
    stop, turns = threading.Event(), list[Turn]()
    again: ModelServer | None = None
    try:
        with ThreadPoolExecutor(SESSIONS) as pool:
            runs = [pool.submit(talk, api.url, s, stop, turns) for s in sessions]
            # The model really answers first, then dies while turns are waiting on it.
            eventually(lambda: sum(t.mode == "llm" for t in turns) >= SESSIONS, 60, "the model never answered")
            killed_at = time.monotonic()
            model.kill()
            time.sleep(3.0)  # turns go on against a dead model
            stop.set()
            for run in runs:
                run.result()
        assert [t for t in turns if t.error or t.status != 200] == []  # no 5xx, no dropped connection
        assert any(t.mode == "llm" for t in turns if t.done < killed_at)
        assert any(t.sent < killed_at < t.done for t in turns), "no turn was in flight when the model died"
        after = [t for t in turns if t.sent > killed_at]
        assert len(after) >= SESSIONS and all(t.mode == "deterministic" for t in after)
        assert all(t.done - t.sent < 20 for t in turns)  # bounded by the model budget (plus a slow CPU), not hung
        assert httpx.get(f"{api.url}/healthz", timeout=10).json()["llm"]["breaker"] == "open"
        assert "Traceback" not in api.log()  # a dead model is an expected condition, not a crash
        for session in sessions:
            mine = [t for t in turns if t.session == session]
            messages = stored_messages(api.url, session)
            assert [m["role"] for m in messages] == ["user", "assistant"] * len(mine)
            assert [m["content"] for m in messages[::2]] == [t.question for t in mine]
            assert [m["id"] for m in messages[1::2]] == [t.message_id for t in mine]
            assert all(m["content"] for m in messages[1::2])
        # The model comes back on the same address: after the cooldown the breaker lets it in again.
        again = ModelServer(tmp_path / "model-again.log", port=model.port).start()
        eventually(lambda: chat(api.url, sessions[0], QUESTIONS[0]).json()["mode"] == "llm", 20, "model not used again")
    finally:
        stop.set()
        api.stop()
        model.stop()
        if again is not None:
            again.stop()
