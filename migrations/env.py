"""Alembic environment: platform, conversation, webhook, hand-over and custom tool metadata; the URL from
settings or `-x url=`."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from bank_router.events.handovers import HandoverBase
from bank_router.events.registry import WebhookBase
from bank_router.platform.db import make_engine, normalize_url, platform_url
from bank_router.platform.models import Base
from bank_router.settings import get_settings
from bank_router.store.models import StoreBase
from bank_router.tools.custom import CustomToolBase

config = context.config
# Every table the migrations create, so autogenerate and the schema test see them all.
target_metadata = [
    Base.metadata,
    StoreBase.metadata,
    WebhookBase.metadata,
    HandoverBase.metadata,
    CustomToolBase.metadata,
]

# Programmatic callers (ensure_seeded, tests) configure logging themselves.
if config.config_file_name is not None and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    """`-x url=...` first, then sqlalchemy.url if a caller set it, then the service settings."""
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    return url or platform_url(get_settings())


def run_with(connection: Connection) -> None:
    # Batch mode lets later migrations alter tables on SQLite, which has no ALTER COLUMN.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=normalize_url(database_url()).render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = make_engine(database_url())
    try:
        with engine.connect() as conn:
            run_with(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
