"""Sessions begun before thread ids were hashed keep their graph memory after `migrate-threads`, on SQLite
and PostgreSQL; an anonymous session id spelling a staff member's old thread never receives that memory.

The echo graph numbers each answer by the questions its thread holds (`#n`), so a session's count after the
migration shows whether its memory came along."""

from __future__ import annotations

from fastapi import FastAPI
from langgraph.checkpoint.base import BaseCheckpointSaver

from api.deps import mint_token
from bank_router.store import owner_of
from bank_router.store.backend import Backend
from bank_router.store.owner import ANONYMOUS, thread_of
from bank_router.store.thread_migration import copy_thread, legacy_thread, migrate_threads
from bank_router.turn.context import Caller
from tests.store.test_thread_ids import SECRET, app, say

__all__ = ["app"]  # the fixture, shared with the thread-id tests


def _as_before_the_upgrade(saver: BaseCheckpointSaver[str], owner_key: str, session: str) -> None:
    """Move a session's thread back to the id it had before thread ids were hashed."""
    new, old = thread_of(owner_key, session), legacy_thread(owner_key, session)
    copy_thread(saver, new, old)
    saver.delete_thread(new)


def test_old_sessions_keep_their_memory_and_a_spoofed_one_gets_none(app: FastAPI, backend: Backend) -> None:
    saver = backend.checkpointer
    staff = {"Authorization": f"Bearer {mint_token(SECRET, 'alice', 'demo', ['ai_agent'])}"}
    staff_key = owner_of(Caller(sub="alice", tenant="demo"), "desk").key
    assert say(app, "desk", "one", staff) == "#1 one" and say(app, "desk", "two", staff) == "#2 two"
    assert say(app, "web-1", "hello", {}) == "#1 hello"
    _as_before_the_upgrade(saver, staff_key, "desk")
    _as_before_the_upgrade(saver, ANONYMOUS, "web-1")
    # Before the migration the sessions have lost their memory: each would start again at #1.
    assert saver.get_tuple({"configurable": {"thread_id": thread_of(staff_key, "desk")}}) is None
    # An anonymous caller whose session id is the staff member's old thread id, stored as its conversation.
    spoof = legacy_thread(staff_key, "desk")
    assert say(app, spoof, "peek", {}) == "#1 peek"

    report = migrate_threads(backend.store.sessions(), saver)
    assert (report.moved, report.refused) == (2, 1) and report.checkpoints >= 3

    assert say(app, "desk", "three", staff) == "#3 three"  # the staff member's memory came along
    assert say(app, "web-1", "again", {}) == "#2 again"
    assert say(app, spoof, "peek again", {}) == "#2 peek again"  # its own thread only, not the staff's
    for old in (legacy_thread(staff_key, "desk"), "web-1"):
        assert not list(saver.list({"configurable": {"thread_id": old}}))  # moved, not copied
    again = migrate_threads(backend.store.sessions(), saver)
    assert (again.moved, again.checkpoints) == (0, 0)
