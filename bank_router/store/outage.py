"""Telling a database outage from a bug, so the API can answer 503 (retry later) instead of 500.

An outage is anything a retry a moment later may cure: the server restarting or refusing connections, a
connection reset mid-statement, a pool with no free connection, SQLite's write lock held too long. A
missing table or a constraint violation is not: retrying would fail the same way.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

import psycopg
import structlog
from sqlalchemy import exc as sa_exc

log = structlog.get_logger(__name__)
T = TypeVar("T")

# SQLite errors that are contention or I/O, not a broken schema ("no such table" is a bug, not an outage).
_SQLITE_TRANSIENT = ("database is locked", "database table is locked", "unable to open", "disk i/o")


class StoreUnavailable(Exception):
    """The database behind the conversation store, the checkpointer or the session locks is unreachable."""

    def __init__(self, retry_after: int = 2) -> None:
        super().__init__("The conversation store is unavailable; retry shortly.")
        self.retry_after = retry_after


def _is_transient(error: BaseException) -> bool:
    if isinstance(error, StoreUnavailable | sa_exc.TimeoutError):  # sa TimeoutError: the pool had no connection
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.orig is not None and error.orig is not error:
        return _is_transient(error.orig)
    # psycopg's OperationalError covers refused and reset connections, admin shutdown (57P01), "starting
    # up" (57P03), too many connections (53300) and psycopg_pool's PoolTimeout; InterfaceError a closed one.
    if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        return True
    if isinstance(error, sqlite3.OperationalError):
        return any(marker in str(error).lower() for marker in _SQLITE_TRANSIENT)
    return False


def is_outage(error: BaseException) -> bool:
    """True when `error`, or an error it was raised from or while handling, is a database outage."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if _is_transient(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def retry_outage(work: Callable[[int], T], within: float, first_delay: float = 0.1) -> T:
    """Run `work(attempt)` (attempt counts from 1), again after an outage, with backoff, for up to `within`
    seconds; the last outage is raised as StoreUnavailable. Any other error is raised at once."""
    deadline = time.monotonic() + within
    delay, attempt = first_delay, 1
    while True:
        try:
            return work(attempt)
        except Exception as exc:
            if not is_outage(exc):
                raise
            if time.monotonic() + delay > deadline:
                raise StoreUnavailable() from exc
            log.warning("store_write_retried", attempt=attempt, error_type=type(exc).__name__)
        time.sleep(delay)
        delay, attempt = min(delay * 2, 1.0), attempt + 1
