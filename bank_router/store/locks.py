"""One turn per session across processes: a PostgreSQL advisory lock, or a lock file beside SQLite.

The API also keeps an in-process lock per session; these hold the session across workers, for the
whole turn (graph, checkpoint and store write), so two workers never fork a session's history.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

import structlog
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

log = structlog.get_logger(__name__)

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's lock_timeout
FILE_BUCKETS = 4096


class SessionBusy(Exception):
    """Another turn of the session held it for longer than the wait allowed."""


class SessionLocks(Protocol):
    def hold(self, session_id: str, timeout: float) -> AbstractContextManager[None]: ...


def lock_key(session_id: str) -> int:
    """A signed 64-bit key for pg_advisory_lock, namespaced so other advisory locks never collide."""
    digest = hashlib.sha256(b"bank-router:session:" + session_id.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PgSessionLocks:
    """pg_advisory_lock on a connection of its own (autocommit), held for the turn; waits at most `timeout`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    @contextmanager
    def hold(self, session_id: str, timeout: float) -> Iterator[None]:
        key = lock_key(session_id)
        with self.engine.connect() as conn:
            try:
                conn.execute(text("SELECT set_config('lock_timeout', :ms, false)"), {"ms": f"{int(timeout * 1000)}ms"})
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
                    raise SessionBusy from None
                raise
            finally:
                conn.execute(text("RESET lock_timeout"))
            try:
                yield
            finally:
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                except Exception:
                    # A connection that may still hold the lock must never go back to the pool.
                    conn.invalidate()
                    log.warning("session_unlock_failed")


class FileSessionLocks:
    """flock on one of FILE_BUCKETS files under `directory`; polled so the wait is bounded."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def hold(self, session_id: str, timeout: float) -> Iterator[None]:
        bucket = int.from_bytes(hashlib.sha256(session_id.encode()).digest()[:4], "big") % FILE_BUCKETS
        fd = os.open(self.directory / f"{bucket:04d}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + timeout
            delay = 0.002
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise SessionBusy from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
