"""Everything persistent for one process, on one backend: the store, the graph's checkpointer, session locks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from langgraph.checkpoint.base import BaseCheckpointSaver

from bank_router.platform.db import normalize_url, platform_url
from bank_router.settings import Settings
from bank_router.store.checkpoints import is_postgres, open_checkpointer
from bank_router.store.engine import make_store_engine, migrate
from bank_router.store.locks import FileSessionLocks, PgSessionLocks, SessionLocks
from bank_router.store.repo import ConversationStore


@dataclass
class Backend:
    store: ConversationStore
    checkpointer: BaseCheckpointSaver[str]
    session_locks: SessionLocks


@contextmanager
def open_backend(settings: Settings, clock: Callable[[], float] = time.time) -> Iterator[Backend]:
    """SQLite under DATA_DIR (a lock file per session bucket), or PostgreSQL (advisory locks) with DATABASE_URL."""
    url = normalize_url(platform_url(settings))
    engine = make_store_engine(url)
    # Session locks get a pool of their own: each running turn holds one connection for its whole length.
    lock_engine = make_store_engine(url) if is_postgres(url) else None
    try:
        migrate(engine)
        locks: SessionLocks = (
            PgSessionLocks(lock_engine) if lock_engine is not None else FileSessionLocks(settings.data_dir / "locks")
        )
        with open_checkpointer(settings) as saver:
            ttl = timedelta(hours=settings.idempotency_ttl_hours)
            store = ConversationStore(engine, clock=clock, forget_thread=saver.delete_thread, key_ttl=ttl)
            yield Backend(store, saver, locks)
    finally:
        engine.dispose()
        if lock_engine is not None:
            lock_engine.dispose()
