"""The graph's checkpointer on the store's backend: SQLite under DATA_DIR, or PostgreSQL with DATABASE_URL."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from sqlalchemy.engine import URL

from bank_router.platform.db import normalize_url, platform_url
from bank_router.settings import Settings

SETUP_LOCK = 0x62616E6B5F636B70  # advisory lock id: only one worker runs the checkpointer's migrations at a time
SETUP_WAIT = 120.0  # seconds a worker waits for another to finish the checkpointer's migrations
POOL_WAIT = 5.0  # seconds a checkpoint read or write waits for a connection, then PoolTimeout (the API's 503)


def is_postgres(url: URL) -> bool:
    return url.get_backend_name() == "postgresql"


def libpq_url(url: URL) -> str:
    """The SQLAlchemy URL as a libpq connection string (psycopg's own)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def open_checkpointer(settings: Settings, pool_size: int = 20) -> Iterator[BaseCheckpointSaver[str]]:
    url = normalize_url(platform_url(settings))
    if is_postgres(url):
        with _postgres(libpq_url(url), pool_size) as saver:
            yield saver
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(settings.checkpoint_path, check_same_thread=False, timeout=30)
    try:
        # WAL with synchronous=NORMAL: a process crash loses no commit, and a commit does not
        # wait for the disk (SQLite's recommended setting for WAL).
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        saver = SqliteSaver(conn)
        saver.setup()
        yield saver
    finally:
        conn.close()


def _try_setup_lock(conn: Any) -> bool:
    row = conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (SETUP_LOCK,)).fetchone()
    return bool(row and row["ok"])


@contextmanager
def _postgres(conninfo: str, pool_size: int) -> Iterator[BaseCheckpointSaver[str]]:
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    kwargs = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row, "connect_timeout": 5}
    # check: each connection is tested when handed out, so one the server dropped (a restart) is replaced
    # instead of failing a turn; the pool reconnects in the background once the server is back.
    pool = ConnectionPool(
        conninfo,
        min_size=1,
        max_size=pool_size,
        kwargs=kwargs,
        timeout=POOL_WAIT,
        check=ConnectionPool.check_connection,
        open=True,
    )
    with pool:
        saver = PostgresSaver(pool)  # type: ignore[arg-type]
        with pool.connection(timeout=SETUP_WAIT) as conn:  # at start the server may still be coming up
            # Workers starting together would race on the migrations table; one at a time. Polled, not a
            # blocking pg_advisory_lock: a statement waiting on the lock holds a snapshot, and the setup's
            # CREATE INDEX CONCURRENTLY in the worker holding it waits for every such snapshot: a deadlock
            # PostgreSQL does not see (seen with two uvicorn workers starting together).
            deadline = time.monotonic() + SETUP_WAIT
            while not _try_setup_lock(conn):
                if time.monotonic() > deadline:
                    raise TimeoutError("another worker held the checkpoint setup lock too long")
                time.sleep(0.05)
            try:
                saver.setup()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))
        yield saver


def thread_questions(saver: BaseCheckpointSaver[str], thread_id: str) -> list[str]:
    """Each turn's question along a thread's checkpoint chain, oldest first (one checkpoint per turn, as
    the API writes them). ValueError when two checkpoints continue the same parent: a forked history."""
    saved = list(saver.list({"configurable": {"thread_id": thread_id}}))
    by_parent: dict[str | None, Any] = {}
    for item in saved:
        parent = item.parent_config["configurable"]["checkpoint_id"] if item.parent_config else None
        if parent in by_parent:
            raise ValueError(f"thread forked at checkpoint {parent}")
        by_parent[parent] = item
    questions: list[str] = []
    node = by_parent.get(None)
    while node is not None:
        humans = [m for m in node.checkpoint["channel_values"].get("messages", []) if m.type == "human"]
        questions.append(str(humans[-1].content) if humans else "")
        node = by_parent.get(node.checkpoint["id"])
    if len(questions) != len(saved):
        raise ValueError("thread's checkpoints do not form one chain")
    return questions
