"""Getting the demo data into a database: Alembic migrations, bulk seeding, and content digests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, func, insert, inspect, select, text, update
from sqlalchemy.orm import Session

from bank_router.platform.models import (
    Agent,
    Base,
    Beneficiary,
    Blacklist,
    Card,
    CodeChallenge,
    CollectionAction,
    CollectionCase,
    Customer,
    DepositAccount,
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
    Transfer,
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
    DepositAccount,
    Card,
    Beneficiary,
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
# Written at run time only (transfers, one-time codes): no seeded rows, but their sequences are kept in step too.
RUNTIME_TABLES: tuple[type[Base], ...] = (Transfer, CodeChallenge)
# What migration 0006 added: a database seeded before it gets these on its next start.
BANKING_TABLES: tuple[type[Base], ...] = (DepositAccount, Card, Beneficiary)


def seed(session: Session, tenant: str, scale: Scale | None = None) -> dict[str, int]:
    """Insert one tenant's demo data in bulk (the caller commits); returns rows per table."""
    tables = generate(tenant, scale or TENANTS[tenant])
    counts: dict[str, int] = {}
    for model in INSERT_ORDER:
        rows = tables.get(model, [])
        if rows:
            session.connection().execute(insert(cast(Table, model.__table__)), rows)  # Core: no ORM bookkeeping
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
    for model in (*INSERT_ORDER, *RUNTIME_TABLES):
        table = model.__tablename__
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))")  # noqa: S608 - table names are ours
        )


def backfill_banking(session: Session, tenant: str, scale: Scale | None = None) -> dict[str, int]:
    """Give a tenant seeded before migration 0006 its banking rows, and its transactions their account and
    statement text: regenerated in memory, so the result equals a fresh seed's (the caller commits)."""
    tables = generate(tenant, scale or TENANTS[tenant])
    counts: dict[str, int] = {}
    for model in BANKING_TABLES:
        rows = tables.get(model, [])
        if rows:
            session.connection().execute(insert(cast(Table, model.__table__)), rows)  # Core: no ORM bookkeeping
        counts[model.__tablename__] = len(rows)
    changes = [
        {"id": r["id"], "account_id": r["account_id"], "description": r["description"]} for r in tables[Transaction]
    ]
    if changes:
        session.execute(update(Transaction), changes)
    counts["transactions"] = len(changes)
    return counts


def _needs_banking(session: Session, tenant: str) -> bool:
    has_customers = session.scalar(select(func.count()).select_from(Customer).where(Customer.tenant == tenant))
    has_accounts = session.scalar(
        select(func.count()).select_from(DepositAccount).where(DepositAccount.tenant == tenant)
    )
    return bool(has_customers) and not has_accounts


def ensure_seeded(engine: Engine, tenants: Iterable[str] = ("demo", "other")) -> bool:
    """Migrate to head, then seed every tenant if there are no customers yet (True), or give tenants seeded
    before migration 0006 their banking rows (False: the data existed)."""
    upgrade(engine)
    with Session(engine) as session, session.begin():
        _one_at_a_time(session.connection())
        if session.scalar(select(func.count()).select_from(Customer)):
            behind = [t for t in tenants if t in TENANTS and _needs_banking(session, t)]
            for tenant in behind:
                backfill_banking(session, tenant)
            if behind and engine.dialect.name == "postgresql":
                _sync_sequences(session)
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
