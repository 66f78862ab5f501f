"""`bank-router purge --older-than 30d` on SQLite and PostgreSQL: counts printed, idle data gone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from api.runtime import Runtime
from bank_router.cli import app
from bank_router.settings import Settings, get_settings
from bank_router.store import Owner
from bank_router.store.owner import thread_of
from bank_router.turn.context import Caller

DAY = 86_400.0


@pytest.fixture
def env(backend_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATA_DIR", str(backend_settings.data_dir))
    if backend_settings.database_url:
        monkeypatch.setenv("DATABASE_URL", backend_settings.database_url)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_purge_prints_what_it_deleted(runtime: Runtime, env: None) -> None:
    now = time.time()
    runtime.services.clock = runtime.store.clock = lambda: now - 45 * DAY
    old = asyncio.run(runtime.turn("old", "What is Mudaraba?", "en", Caller()))
    assert runtime.store.feedback(Owner(session_id="old"), old["message_id"], 4, None) is not None
    asyncio.run(runtime.turn("old", "and Musharaka?", "en", Caller()))
    runtime.services.clock = runtime.store.clock = lambda: now
    asyncio.run(runtime.turn("new", "What is a DPS?", "en", Caller()))
    result = CliRunner().invoke(app, ["purge", "--older-than", "30d"])
    assert result.exit_code == 0, result.output
    assert "conversations=1 messages=4 feedback=1 checkpoint_threads=1" in result.output
    assert runtime.store.list(Owner(session_id="old"), 10, 0)[0] == 0
    assert runtime.store.list(Owner(session_id="new"), 10, 0)[0] == 1
    old_thread = thread_of(Owner(session_id="old").key, "old")
    assert runtime.graph.get_state({"configurable": {"thread_id": old_thread}}).values == {}
    again = CliRunner().invoke(app, ["purge", "--older-than", "12h"])
    assert "conversations=0 messages=0 feedback=0 checkpoint_threads=0" in again.output


def test_purge_refuses_an_age_it_cannot_read(env: None) -> None:
    result = CliRunner().invoke(app, ["purge", "--older-than", "a month"])
    assert result.exit_code == 2 and "--older-than" in result.output
