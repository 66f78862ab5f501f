"""Demo platform data layer on a real PostgreSQL: Alembic upgrade and seed in a throwaway database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from bank_router.platform.db import make_engine
from bank_router.platform.models import LoanScoreHistory
from bank_router.platform.seed import REFERENCE, digest, ensure_seeded
from tests.unit.test_platform import check_examples, check_isolation, check_scale, check_schema, seeded_engine

pytestmark = pytest.mark.integration

SERVER = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    name = f"bank_router_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    engine = make_engine(f"{SERVER}/{name}")
    try:
        assert ensure_seeded(engine) is True
        yield engine
    finally:
        engine.dispose()
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


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


def test_postgres_content_equals_a_fresh_sqlite_seed(engine: Engine, tmp_path: Path) -> None:
    sqlite = seeded_engine(tmp_path / "platform.sqlite")
    try:
        assert digest(sqlite) == digest(engine)
    finally:
        sqlite.dispose()


def test_new_rows_get_ids_past_the_seeded_ones(engine: Engine) -> None:
    """Seeding writes explicit ids; the serial sequences must have been moved past them."""
    with Session(engine) as session:
        new_id = session.scalar(
            insert(LoanScoreHistory)
            .values(
                tenant="demo",
                customer_id=123,
                score=80,
                band="A",
                decision="approve",
                reasons="integration test",
                scored_at=REFERENCE,
                scored_by="test",
            )
            .returning(LoanScoreHistory.id)
        )
        session.rollback()
    assert new_id is not None and new_id > 1_000_000
