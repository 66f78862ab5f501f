"""Getting the demo data into a database: Alembic migrations, bulk seeding, and content digests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, func, insert, inspect, select, text
from sqlalchemy.orm import Session

from bank_router.platform.models import (
    Agent,
    Base,
    Blacklist,
    CollectionAction,
    CollectionCase,
    Customer,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    LoanScoreHistory,
    Operator,
    ReconciliationReport,
    Repayment,
    Store,
    Transaction,
)
from bank_router.platform.seed.build import generate
from bank_router.platform.seed.scale import TENANTS, Scale
from bank_router.settings import ROOT

# Parents before children, for foreign keys.
INSERT_ORDER: tuple[type[Base], ...] = (
    Store,
    Agent,
    Operator,
    LoanProduct,
    Customer,
    LoanApplication,
    Loan,
    Installment,
    Repayment,
    CollectionCase,
    CollectionAction,
    LoanScoreHistory,
    Blacklist,
    Transaction,
    ReconciliationReport,
)


def seed(session: Session, tenant: str, scale: Scale | None = None) -> dict[str, int]:
    """Insert one tenant's demo data in bulk (the caller commits); returns rows per table."""
    tables = generate(tenant, scale or TENANTS[tenant])
    counts: dict[str, int] = {}
    for model in INSERT_ORDER:
        rows = tables.get(model, [])
        if rows:
            session.execute(insert(model), rows)
        counts[model.__tablename__] = len(rows)
    return counts


def alembic_config(url: str | None = None) -> Config:
    """The repository's Alembic configuration, optionally aimed at `url`."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(Path(ROOT / "migrations")))
    config.attributes["skip_logging"] = True
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# PostgreSQL advisory lock: workers starting together migrate and seed one at a time.
MIGRATION_LOCK = 0x62616E6B5F6D6967


def _one_at_a_time(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})


def upgrade(engine: Engine) -> None:
    """Bring the platform schema to the newest migration."""
    config = alembic_config()
    with engine.begin() as connection:
        _one_at_a_time(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sync_sequences(session: Session) -> None:
    # Explicit ids bypass PostgreSQL's serial sequences; move them past the seeded rows so later inserts work.
    for model in INSERT_ORDER:
        table = model.__tablename__
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))")  # noqa: S608 - table names are ours
        )


def ensure_seeded(engine: Engine, tenants: Iterable[str] = ("demo", "other")) -> bool:
    """Migrate to head, then seed every tenant if there are no customers yet; True when it seeded."""
    upgrade(engine)
    with Session(engine) as session, session.begin():
        _one_at_a_time(session.connection())
        if session.scalar(select(func.count()).select_from(Customer)):
            return False
        for tenant in tenants:
            seed(session, tenant)
        if engine.dialect.name == "postgresql":
            _sync_sequences(session)
    return True


def digest(engine: Engine) -> str:
    """SHA-256 over every platform row in id order: equal digests mean equal content."""
    hasher = hashlib.sha256()
    with engine.connect() as connection:
        for table in sorted(Base.metadata.sorted_tables, key=lambda t: t.name):
            hasher.update(table.name.encode())
            for row in connection.execute(table.select().order_by(table.c.id)):
                hasher.update(repr(tuple(str(v) for v in row)).encode())
    return hasher.hexdigest()


def table_names(engine: Engine) -> set[str]:
    """Tables present in the database (Alembic's own bookkeeping table excluded)."""
    return set(inspect(engine).get_table_names()) - {"alembic_version"}
