"""The store's engine: the platform database (SQLite under DATA_DIR, or DATABASE_URL), migrated to head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import URL

from bank_router.platform.db import normalize_url

# A write transaction on SQLite starts with BEGIN IMMEDIATE: it takes the write lock up front and waits
# (busy_timeout) for it, instead of failing with "database is locked" when a read turns into a write.
WRITE = {"sqlite_immediate": True}
BUSY_TIMEOUT_MS = 30_000
# PostgreSQL: how long a statement may wait for a pooled connection, and a new connection for the server.
# Short, so an outage or an exhausted pool is a prompt 503 (bank_router/store/outage.py), not a hung request.
POOL_TIMEOUT_S = 5
CONNECT_TIMEOUT_S = 5


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is off; the "begin" listener below issues BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("sqlite_immediate")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_store_engine(url: str | URL) -> Engine:
    """An engine for the store; PostgreSQL gets a pool sized for turns plus their session locks, and
    pre-ping: a connection the server dropped (restart) is replaced when checked out, not used and failed."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            parsed,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=20,
            pool_timeout=POOL_TIMEOUT_S,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def migrate(engine: Engine) -> None:
    """Run the Alembic migrations unless the store's tables are already there."""
    from bank_router.platform.seed import upgrade
    from bank_router.store.models import StoreBase

    if set(StoreBase.metadata.tables) <= set(inspect(engine).get_table_names()):
        return
    upgrade(engine)
