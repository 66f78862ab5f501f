"""Migration 0002_conversations creates exactly the store's tables, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bank_router.platform.seed import alembic_config
from bank_router.store.backend import Backend
from bank_router.store.engine import make_store_engine, migrate
from bank_router.store.models import StoreBase

TABLES = {"conversations", "messages", "feedback", "usage_logs", "idempotency_keys"}


def test_the_migrated_schema_matches_the_models(backend: Backend) -> None:
    engine = backend.store.engine
    assert set(inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), StoreBase.metadata)
    # Other migrations' tables (platform, webhooks) are not the store's business.
    assert [d for d in diff if not (isinstance(d, tuple) and d[0] in ("remove_table", "remove_index"))] == []


def test_the_migration_downgrades_cleanly(tmp_path: Path) -> None:
    engine = make_store_engine(f"sqlite:///{tmp_path}/down.sqlite")
    migrate(engine)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    assert not TABLES & set(inspect(engine).get_table_names())
    migrate(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
