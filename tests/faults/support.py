"""Processes a fault test can kill: the API, a local OpenAI-compatible model server, a private Redis.

`tests/integration/conftest.py` starts servers that live for a whole module and stop politely; a fault
test needs the opposite: a handle on the process, to SIGKILL it mid-run and start it again on the same
data or port.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bank_router.settings import ROOT
from tests.integration.conftest import free_port, wait_until_up


class Proc:
    """One child process on a loopback port, its output in a log file; stopped (or killed) by its own pid."""

    def __init__(self, cmd: list[str], env: dict[str, str] | None, log_path: Path, port: int) -> None:
        self.cmd, self.env, self.log_path, self.port = cmd, env, log_path, port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed or drained."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class Api(Proc):
    """`uvicorn api.main:app` on a free port (kept across restarts, so clients need not learn a new URL)."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        port = free_port()
        cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
        super().__init__(cmd, env, log_path, port)
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> Api:
        super().start()
        assert self.proc is not None
        wait_until_up(f"{self.url}/healthz", self.proc)
        return self


class ModelServer(Proc):
    """`python -m evals.fake_openai` in its own process, so killing it is a real outage (refused connections)."""

    def __init__(self, log_path: Path, per_call: float = 0.0, port: int | None = None) -> None:
        port = port or free_port()
        cmd = [sys.executable, "-m", "evals.fake_openai", "--script", "grounded", "--port", str(port)]
        super().__init__([*cmd, "--per-call", str(per_call)], None, log_path, port)
        self.base_url = f"http://127.0.0.1:{port}/v1"

    def start(self) -> ModelServer:
        super().start()
        assert self.proc is not None
        wait_until_up(f"{self.base_url}/models", self.proc, timeout=30)
        return self


class RedisServer(Proc):
    """A private redis-server (no persistence): the shared one on 6379 is never touched."""

    def __init__(self, log_path: Path, port: int | None = None) -> None:
        port = port or free_port()
        cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        super().__init__([*cmd, "--daemonize", "no"], None, log_path, port)
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> RedisServer:
        super().start()
        deadline = time.monotonic() + 15
        while self.keys() is None:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
        return self

    def keys(self) -> list[str] | None:
        """Every key, or None while the server does not answer."""
        import redis

        try:
            client = redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)
            found = [k.decode() if isinstance(k, bytes) else str(k) for k in client.keys("*")]
            client.close()
            return found
        except redis.RedisError:
            return None


def copy_data(seed: Path, target: Path) -> Path:
    """A DATA_DIR with the knowledge already indexed: a copy of one ingested once per run (indexing takes ~1 min)."""
    shutil.copytree(seed, target)
    return target


def chat(url: str, session: str, text: str, timeout: float = 60, **headers: str) -> httpx.Response:
    body = {"session_id": session, "user_message": text, "channel": "web"}
    with httpx.Client(timeout=timeout) as client:  # a connection per turn, as separate clients would
        return client.post(f"{url}/api/chat", json=body, headers=headers)


def stored_messages(url: str, session: str) -> list[dict[str, Any]]:
    """The session's stored conversation, read back through the API ([] when nothing is stored)."""
    headers = {"X-Session-Id": session}
    listed = httpx.get(f"{url}/api/conversations", headers=headers, timeout=30).json()
    if listed["meta"]["total"] == 0:
        return []
    conv_id = listed["data"][0]["id"]
    detail = httpx.get(f"{url}/api/conversations/{conv_id}", headers=headers, timeout=30).json()
    return list(detail["messages"])


def sqlite_messages(data_dir: Path) -> dict[str, list[tuple[str, str, str]]]:
    """(message id, role, content) per session in stored order, read from the SQLite file of a dead server."""
    with sqlite3.connect(data_dir / "platform.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = conn.execute(
            "SELECT c.session_id, m.id, m.role, m.content FROM messages m "
            "JOIN conversations c ON c.id = m.conversation_id ORDER BY c.session_id, m.seq"
        ).fetchall()
    out: dict[str, list[tuple[str, str, str]]] = {}
    for session, msg_id, role, content in rows:
        out.setdefault(session, []).append((msg_id, role, content))
    return out


def eventually(check: Callable[[], bool], timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(every)
