"""Real servers on loopback, started by the suite and stopped after it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bank_router.services import Services
from bank_router.settings import ROOT
from tests.conftest import MODEL_CACHE, PREBUILT_INDEX


@pytest.fixture(scope="session", autouse=True)
def _models_ready(services: Services) -> None:
    """Train the classifiers once, into the shared model cache, before any server starts on it."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(url)


def server_env(data_dir: Path, *, seed_index: bool = True, **extra: str) -> dict[str, str]:
    """A server's environment on `data_dir`; with `seed_index`, the session's built knowledge index is copied
    in first (when there is one and the directory has none), so the server starts without re-embedding."""
    target = data_dir / "chroma"
    if seed_index and PREBUILT_INDEX and not target.exists():
        shutil.copytree(PREBUILT_INDEX[0], target)
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "MODEL_CACHE": str(MODEL_CACHE),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "LANGSMITH_TRACING": "false",
        "AUTH_JWT_SECRET": "integration-secret-0123456789abcdef0123",
        "MAX_BODY_BYTES": "20000",
    }
    env.update(extra)
    return env


@contextmanager
def serve(cmd: list[str], health: str, env: dict[str, str], log_path: Path) -> Iterator[None]:
    """Start a server process, wait until `health` answers 200, stop it afterwards."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(health, proc)
            yield
        finally:
            proc.terminate()
            proc.wait(timeout=30)


@pytest.fixture(scope="session")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    data_dir = tmp_path_factory.mktemp("api-data")
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    with serve(cmd, f"{url}/healthz", server_env(data_dir), data_dir / "server.log"):
        yield url
