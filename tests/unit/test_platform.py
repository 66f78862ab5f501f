"""Demo platform data layer on SQLite: schema from Alembic, seed 000's ids, scale, isolation, determinism."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from bank_router.events.handovers import HandoverBase
from bank_router.events.registry import WebhookBase
from bank_router.platform.db import make_engine, normalize_url, platform_url
from bank_router.platform.models import (
    Agent,
    Base,
    Blacklist,
    CollectionCase,
    Customer,
    Installment,
    Loan,
    LoanProduct,
    LoanScoreHistory,
    Operator,
    ReconciliationReport,
    Repayment,
    Store,
    Transaction,
)
from bank_router.platform.seed import (
    INSERT_ORDER,
    TENANTS,
    Scale,
    _add_months,
    digest,
    ensure_seeded,
    generate,
    table_names,
)
from bank_router.settings import Settings
from bank_router.store.models import StoreBase
from bank_router.tools.custom import CustomToolBase

MIGRATED = [Base.metadata, StoreBase.metadata, WebhookBase.metadata, HandoverBase.metadata, CustomToolBase.metadata]


def check_schema(engine: Engine) -> None:
    """Alembic's head creates every model table, and the live schema has nothing left to migrate."""
    assert table_names(engine) == {name for metadata in MIGRATED for name in metadata.tables}
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), MIGRATED) == []  # type: ignore[arg-type]


def check_examples(session: Session) -> None:
    """Every example id of seed 000 exists in tenant demo, shaped the way its prompts expect."""
    customers = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_((123, 456, 789))))}
    assert set(customers) == {123, 456, 789}
    assert all(c.tenant == "demo" for c in customers.values())
    assert customers[123].kyc_status == "verified" and customers[123].identity_id == 123
    active_blacklist = select(Blacklist.customer_id).where(Blacklist.active, Blacklist.tenant == "demo")
    assert not set(session.scalars(active_blacklist)) & {123, 456, 789}

    loans_123 = session.scalars(select(Loan).where(Loan.customer_id == 123)).all()
    assert loans_123
    assert session.scalar(
        select(func.count()).select_from(Repayment).where(Repayment.loan_id.in_([loan.id for loan in loans_123]))
    )

    for loan_id in (456, 789):
        loan = session.get(Loan, loan_id)
        assert loan is not None and loan.tenant == "demo" and loan.customer_id == loan_id
        assert loan.status == "active" and Decimal(0) < loan.outstanding_principal <= loan.principal
        assert session.scalar(select(func.count()).select_from(Repayment).where(Repayment.loan_id == loan_id))
        assert session.scalar(select(func.count()).select_from(Installment).where(Installment.loan_id == loan_id)) == (
            loan.tenure_months
        )
    assert session.scalar(select(func.count()).select_from(LoanScoreHistory).where(LoanScoreHistory.customer_id == 789))

    ref = session.scalars(select(Transaction).where(Transaction.reference_id == "REF-001")).one()
    assert ref.tenant == "demo" and ref.status == "success"

    product = session.get(LoanProduct, 5)
    assert product is not None and product.tenant == "demo" and product.name == "Prime Personal Loan"
    assert (product.min_amount, product.max_amount) == (Decimal(50_000), Decimal(2_000_000))


def count(session: Session, model: type[Base], tenant: str, *where: object) -> int:
    table = model.__table__
    query = select(func.count()).select_from(table).where(table.c.tenant == tenant, *where)  # type: ignore[arg-type]
    return int(session.scalar(query) or 0)


def check_scale(session: Session) -> None:
    """Tenant demo meets the promised scale, with failed and suspicious transactions that carry their evidence."""
    assert count(session, Customer, "demo") >= 500
    assert count(session, Transaction, "demo") >= 20_000
    assert count(session, Loan, "demo") >= 1_000
    assert count(session, ReconciliationReport, "demo") == 90
    assert (
        count(session, Agent, "demo"),
        count(session, Store, "demo"),
        count(session, Operator, "demo"),
    ) == (30, 12, 20)
    total = count(session, Transaction, "demo")

    failed = session.scalars(
        select(Transaction).where(Transaction.tenant == "demo", Transaction.status == "failed")
    ).all()
    assert 0.02 * total <= len(failed) <= 0.04 * total
    assert all(t.failure_reason for t in failed)
    assert not count(
        session, Transaction, "demo", Transaction.status != "failed", Transaction.failure_reason.is_not(None)
    )

    suspicious = count(session, Transaction, "demo", Transaction.is_suspicious)
    assert 0.01 * total <= suspicious <= 0.03 * total
    assert not count(session, Transaction, "demo", Transaction.is_suspicious, Transaction.risk_score < 70)

    customers = count(session, Customer, "demo")
    assert 0.01 * customers <= count(session, Blacklist, "demo", Blacklist.active) <= 0.03 * customers

    overdue = set(
        session.scalars(select(Loan.id).where(Loan.tenant == "demo", Loan.status.in_(("overdue", "written_off"))))
    )
    assert overdue and overdue <= set(session.scalars(select(CollectionCase.loan_id)))
    assert count(session, Installment, "demo", Installment.status == "overdue")


def check_isolation(session: Session) -> None:
    """Tenant other has rows of its own in every table, and shares no id or reference with demo."""
    for model in INSERT_ORDER:
        table = model.__table__
        ids = {t: set(session.scalars(select(table.c.id).where(table.c.tenant == t))) for t in ("demo", "other")}
        assert ids["demo"] and ids["other"], model.__tablename__
        assert not ids["demo"] & ids["other"], model.__tablename__
    refs = {
        t: set(session.scalars(select(Transaction.reference_id).where(Transaction.tenant == t)))
        for t in ("demo", "other")
    }
    assert "REF-001" not in refs["other"] and not refs["demo"] & refs["other"]
    for example in (123, 456, 789):
        assert session.get(Customer, example) is not None
        assert not count(session, Customer, "other", Customer.id == example)
    assert not count(session, Loan, "other", Loan.id.in_((456, 789)))
    assert not count(session, LoanProduct, "other", LoanProduct.id == 5)
    # Children point at parents of their own tenant only.
    crossing = (
        select(func.count())
        .select_from(Transaction)
        .join(Customer, Customer.id == Transaction.customer_id)
        .where(Customer.tenant != Transaction.tenant)
    )
    assert session.scalar(crossing) == 0
    crossing_loans = (
        select(func.count())
        .select_from(Loan)
        .join(Customer, Customer.id == Loan.customer_id)
        .where(Customer.tenant != Loan.tenant)
    )
    assert session.scalar(crossing_loans) == 0


def seeded_engine(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    assert ensure_seeded(engine) is True
    return engine


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = seeded_engine(tmp_path_factory.mktemp("platform") / "platform.sqlite")
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def test_alembic_head_creates_every_model_table(engine: Engine) -> None:
    check_schema(engine)


def test_seed_000_examples_exist_in_demo(session: Session) -> None:
    check_examples(session)


def test_demo_meets_the_scale(session: Session) -> None:
    check_scale(session)


def test_tenant_other_is_isolated(session: Session) -> None:
    check_isolation(session)


def test_ensure_seeded_is_idempotent(engine: Engine) -> None:
    before = digest(engine)
    assert ensure_seeded(engine) is False
    assert digest(engine) == before


def test_two_fresh_databases_get_identical_content(engine: Engine, tmp_path: Path) -> None:
    second = seeded_engine(tmp_path / "again.sqlite")
    try:
        assert digest(second) == digest(engine)
    finally:
        second.dispose()


def test_sqlite_runs_in_wal_mode(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_platform_url_defaults_to_the_data_dir(tmp_path: Path) -> None:
    assert platform_url(Settings(data_dir=tmp_path)) == f"sqlite:///{tmp_path}/platform.sqlite"
    assert platform_url(Settings(data_dir=tmp_path, database_url="postgresql://u@h/db")) == "postgresql://u@h/db"
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///x.sqlite").drivername == "sqlite"


def test_make_engine_creates_the_data_dir(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/nested/dir/platform.sqlite")
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    engine.dispose()
    assert (tmp_path / "nested" / "dir" / "platform.sqlite").exists()


def test_demo_and_other_scales_are_distinct() -> None:
    demo, other = TENANTS["demo"], TENANTS["other"]
    assert demo.examples and not other.examples
    assert other.id_base > demo.transactions * 10


@given(st.dates(date(2000, 1, 1), date(2040, 12, 31)), st.integers(-240, 240))
def test_add_months_keeps_schedules_regular(day: date, months: int) -> None:
    shifted = _add_months(day, months)
    assert (shifted.year * 12 + shifted.month) - (day.year * 12 + day.month) == months
    assert shifted.day == min(day.day, 28)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(1, 40), st.integers(0, 300))
def test_generated_loans_are_consistent(seed: int, loans: int, transactions: int) -> None:
    """For any seed and size, schedules, repayments, balances and collection cases agree with each other."""
    scale = Scale(customers=30, transactions=transactions, loans=loans, agents=2, stores=2, operators=2, seed=seed)
    tables = generate("t", scale)
    assert tables == generate("t", scale)
    customers = {c["id"] for c in tables[Customer]}
    cases = {c["loan_id"] for c in tables[CollectionCase]}
    installments: dict[int, list[dict[str, Any]]] = {}
    for row in tables[Installment]:
        installments.setdefault(row["loan_id"], []).append(row)
    repaid: dict[int, Decimal] = {}
    for row in tables[Repayment]:
        repaid[row["loan_id"]] = repaid.get(row["loan_id"], Decimal(0)) + row["amount"]
    assert len(tables[Loan]) == loans
    for loan in tables[Loan]:
        assert loan["customer_id"] in customers
        schedule = installments[loan["id"]]
        assert [i["number"] for i in schedule] == list(range(1, loan["tenure_months"] + 1))
        paid = sum((i["amount"] for i in schedule if i["status"] == "paid"), Decimal(0))
        assert repaid.get(loan["id"], Decimal(0)) == paid
        assert Decimal(0) <= loan["outstanding_principal"] <= loan["principal"]
        has_overdue = any(i["status"] == "overdue" for i in schedule)
        assert has_overdue == (loan["status"] in ("overdue", "written_off")) == (loan["id"] in cases)
        if loan["status"] == "closed":
            assert loan["outstanding_principal"] == 0 and all(i["status"] == "paid" for i in schedule)
    references = [t["reference_id"] for t in tables[Transaction]]
    assert len(set(references)) == len(references) == transactions
    assert all(t["customer_id"] in customers for t in tables[Transaction])
