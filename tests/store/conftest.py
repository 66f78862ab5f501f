"""Every store test runs on SQLite (a fresh DATA_DIR) and on the local PostgreSQL (a scratch database)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.runtime import Runtime
from bank_router.settings import Settings
from bank_router.store import ConversationStore
from bank_router.store.backend import Backend, open_backend
from bank_router.store.engine import make_store_engine, migrate
from tests.store.support import echo_graph, empty_postgres, scratch_database, settings_for, stand_in_services

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.integration)]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with scratch_database() as url:
        engine = make_store_engine(url)
        migrate(engine)
        engine.dispose()
        yield url


@pytest.fixture(params=BACKENDS)
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return settings_for(tmp_path, None, session_lock_timeout=20)
    url = request.getfixturevalue("pg_url")
    empty_postgres(url)
    return settings_for(tmp_path, url, session_lock_timeout=20)


@pytest.fixture
def backend(backend_settings: Settings) -> Iterator[Backend]:
    with open_backend(backend_settings) as opened:
        yield opened


@pytest.fixture
def store(backend: Backend) -> ConversationStore:
    return backend.store


@pytest.fixture
def runtime(backend: Backend, backend_settings: Settings) -> Runtime:
    graph = echo_graph(backend.checkpointer)
    return Runtime(backend_settings, stand_in_services(), graph, backend.store, backend.session_locks)
