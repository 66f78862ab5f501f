"""Concurrent transfers on real databases (PostgreSQL and SQLite): never an overdraft, never a double spend.

Twenty transfers from one account that can pay for half of them, confirmed at the same moment: exactly the
ones the balance covers go through, and what left the account is what the completed transfers add up to.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from bank_router.knowledge.catalog import Catalog
from bank_router.platform.db import make_engine, session_factory
from bank_router.platform.models import DepositAccount, Transaction, Transfer
from bank_router.platform.seed import ensure_seeded
from bank_router.settings import ROOT
from bank_router.tools import CodeLocked, CodeUsed, InsufficientFunds, SqlBanking, SqlPlatform, ToolDeps, execute
from bank_router.tools.otp import derive_key
from bank_router.turn.context import Caller

pytestmark = pytest.mark.integration
SERVER = "postgresql://postgres@127.0.0.1:5432"
NOW = datetime(2026, 11, 1, 9, 0, 0)
CUSTOMER = Caller(sub="123", tenant="demo", role="customer")
THREADS, AMOUNT, FUNDS = 20, Decimal(10_000), Decimal(100_000)


class Codes:
    """A CodeSender that keeps each challenge's code for the test to type in."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        self._lock = threading.Lock()

    def send(self, tenant: str, customer_id: int, challenge_id: str, code: str) -> None:
        with self._lock:
            self.codes[challenge_id] = code


def _postgres() -> Iterator[Engine]:
    name = f"bank_router_transfer_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    engine = make_engine(f"{SERVER}/{name}")
    try:
        ensure_seeded(engine)
        yield engine
    finally:
        engine.dispose()
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "postgresql":
        yield from _postgres()
        return
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('transfers')}/p.sqlite")
    ensure_seeded(eng)
    yield eng
    eng.dispose()


@pytest.fixture(name="codes")
def codes_fixture() -> Codes:
    return Codes()


@pytest.fixture(name="deps")
def deps_fixture(engine: Engine, codes: Codes) -> ToolDeps:
    sessions = session_factory(engine)
    return ToolDeps(
        platform=SqlPlatform(sessions),
        catalog=Catalog(ROOT / "knowledge"),
        clock=lambda: NOW,
        banking=SqlBanking(sessions),
        codes=codes,
        code_secret=derive_key("concurrency-test"),
    )


def _accounts(engine: Engine) -> tuple[DepositAccount, DepositAccount]:
    with Session(engine) as s:
        rows = s.scalars(select(DepositAccount).where(DepositAccount.customer_id == 123)).all()
    source = next(a for a in rows if a.is_primary)
    target = next(a for a in rows if a.type == "current")
    return source, target


def _fund(engine: Engine, account: DepositAccount, amount: Decimal) -> None:
    with Session(engine) as s, s.begin():
        values = {"available": amount, "balance": amount, "pending": Decimal(0)}
        s.execute(update(DepositAccount).where(DepositAccount.id == account.id).values(**values))


def _reload(engine: Engine, account: DepositAccount) -> DepositAccount:
    with Session(engine) as s:
        found = s.get(DepositAccount, account.id)
    assert found is not None
    return found


def _together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call at once (a barrier lines them up); each outcome is the result or the exception."""
    barrier = threading.Barrier(len(calls))

    def one(fn: Callable[[], Any]) -> Any:
        barrier.wait()
        try:
            return fn()
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(one, calls))


def _ask(deps: ToolDeps, args: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = execute("transfer_funds", args, CUSTOMER, deps).to_dict()["result"]
    assert result["status"] == "otp_required"
    return result


def _confirm(deps: ToolDeps, args: dict[str, Any], asked: dict[str, Any], code: str) -> Callable[[], Any]:
    full = {**args, "challenge_id": asked["challenge_id"], "code": code}
    return lambda: execute("transfer_funds", full, CUSTOMER, deps).to_dict()["result"]


def test_concurrent_transfers_never_overdraw(engine: Engine, deps: ToolDeps, codes: Codes) -> None:
    source, target = _accounts(engine)
    _fund(engine, source, FUNDS)
    target_before = _reload(engine, target).available
    args = {"from_account": source.account_id, "to_account": target.account_id, "amount": float(AMOUNT)}
    asked = [_ask(deps, args) for _ in range(THREADS)]
    outcomes = _together([_confirm(deps, args, a, codes.codes[a["challenge_id"]]) for a in asked])
    done = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, InsufficientFunds)]
    assert len(done) + len(refused) == THREADS, [o for o in outcomes if not isinstance(o, dict | InsufficientFunds)]
    assert len(done) == int(FUNDS / AMOUNT) and all(o["status"] == "completed" for o in done)
    after = _reload(engine, source)
    assert after.available == after.balance == FUNDS - AMOUNT * len(done) >= 0
    assert _reload(engine, target).available == target_before + AMOUNT * len(done)
    ids = {o["transfer_id"] for o in done}
    with Session(engine) as s:
        moved = s.scalar(select(func.sum(Transfer.amount)).where(Transfer.transfer_id.in_(ids)))
        lines = s.scalar(select(func.count()).select_from(Transaction).where(Transaction.reference_id.in_(ids)))
    assert moved == AMOUNT * len(done) and lines == len(done)


def test_one_code_typed_in_five_times_at_once_moves_money_once(engine: Engine, deps: ToolDeps, codes: Codes) -> None:
    source, target = _accounts(engine)
    _fund(engine, source, FUNDS)
    args = {"from_account": source.account_id, "to_account": target.account_id, "amount": 1234.0}
    asked = _ask(deps, args)
    outcomes = _together([_confirm(deps, args, asked, codes.codes[asked["challenge_id"]]) for _ in range(5)])
    done = [o for o in outcomes if isinstance(o, dict)]
    assert len(done) == 1, outcomes
    assert all(isinstance(o, CodeUsed | CodeLocked) for o in outcomes if not isinstance(o, dict))
    assert _reload(engine, source).available == FUNDS - Decimal("1234")


def test_one_idempotency_key_on_many_codes_moves_money_once(engine: Engine, deps: ToolDeps, codes: Codes) -> None:
    source, target = _accounts(engine)
    _fund(engine, source, FUNDS)
    key = f"concurrent-{uuid.uuid4().hex[:8]}"
    args = {"from_account": source.account_id, "to_account": target.account_id, "amount": 500.0, "idempotency_key": key}
    asked = [_ask(deps, args) for _ in range(6)]
    outcomes = _together([_confirm(deps, args, a, codes.codes[a["challenge_id"]]) for a in asked])
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    assert len({o["transfer_id"] for o in outcomes}) == 1
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Transfer).where(Transfer.idempotency_key == key)) == 1
    assert _reload(engine, source).available == FUNDS - Decimal(500)


def test_transfers_both_ways_at_once_all_complete(engine: Engine, deps: ToolDeps, codes: Codes) -> None:
    """A->B and B->A together wait for each other (rows locked in one order), and the total stays the same."""
    a, b = _accounts(engine)
    _fund(engine, a, FUNDS)
    _fund(engine, b, FUNDS)
    there = {"from_account": a.account_id, "to_account": b.account_id, "amount": 100.0}
    back = {"from_account": b.account_id, "to_account": a.account_id, "amount": 100.0}
    pairs = [(args, _ask(deps, args)) for _ in range(5) for args in (there, back)]
    outcomes = _together([_confirm(deps, args, asked, codes.codes[asked["challenge_id"]]) for args, asked in pairs])
    assert all(isinstance(o, dict) and o["status"] == "completed" for o in outcomes), outcomes
    assert _reload(engine, a).available == FUNDS and _reload(engine, b).available == FUNDS


def test_rows_written_by_transfers_get_ids_past_the_seeded_ones(engine: Engine) -> None:
    """Seeding writes explicit ids; the statement rows of the transfers above came after all of them."""
    with Session(engine) as s:
        seeded = s.scalar(select(func.max(Transaction.id)).where(Transaction.reference_id.not_like("TRF%")))
        written = s.scalar(select(func.min(Transaction.id)).where(Transaction.reference_id.like("TRF%")))
    assert seeded is not None and written is not None and written > seeded
