"""Customer tools on a real seeded SQLite database: own rows only, masking, card blocks, and transfers that move
money only after a right one-time code, once, never beyond the available balance."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, func, select, update
from sqlalchemy.orm import Session

from bank_router.knowledge.catalog import Catalog
from bank_router.platform.db import make_engine, session_factory
from bank_router.platform.models import Beneficiary, Card, CodeChallenge, DepositAccount, Transaction, Transfer
from bank_router.platform.seed import INSERT_ORDER, TENANTS, alembic_config, digest, ensure_seeded, generate
from bank_router.platform.seed.database import BANKING_TABLES
from bank_router.settings import ROOT
from bank_router.tools import (
    BANKING_TOOLS,
    TOOLS,
    ActionRefused,
    CodeExpired,
    CodeLocked,
    CodeRejected,
    CodeUsed,
    CustomerOnly,
    InsufficientFunds,
    RecordNotFound,
    SqlBanking,
    SqlPlatform,
    ToolArgumentError,
    ToolDeps,
    ToolForbidden,
    TransferRefused,
    execute,
    find,
    registry,
)
from bank_router.tools.otp import OutboxSender, derive_key
from bank_router.turn.context import Caller

# Sunday 1 November 2026, 15:00 in Dhaka: a working day, after the BEFTN cut-off and the RTGS window.
START = datetime(2026, 11, 1, 9, 0, 0)
ALL_PERMISSIONS = frozenset(
    {"ai_agent", "customer:read", "transaction:read", "loan:read", "loan:score", "staff:read", "insights:read"}
)
OTHER_CUSTOMER = 1_000_001


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module", name="engine")
def engine_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('banking')}/p.sqlite")
    ensure_seeded(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module", name="outbox")
def outbox_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outbox") / "outbox" / "codes.jsonl"


@pytest.fixture(scope="module", name="clock")
def clock_fixture() -> Clock:
    return Clock()


@pytest.fixture(scope="module", name="deps")
def deps_fixture(engine: Engine, outbox: Path, clock: Clock) -> ToolDeps:
    sessions = session_factory(engine)
    return ToolDeps(
        platform=SqlPlatform(sessions),
        catalog=Catalog(ROOT / "knowledge"),
        clock=clock,
        banking=SqlBanking(sessions),
        codes=OutboxSender(outbox),
        code_secret=derive_key("unit-test-secret"),
    )


@pytest.fixture(autouse=True)
def _reset_clock(clock: Clock) -> None:
    clock.now = START


def customer(sub: int | str, tenant: str = "demo", permissions: frozenset[str] = frozenset()) -> Caller:
    return Caller(sub=str(sub), tenant=tenant, permissions=permissions, role="customer")


def run(deps: ToolDeps, name: str, caller: Caller, **args: Any) -> dict[str, Any]:
    out: dict[str, Any] = execute(name, args, caller, deps).to_dict()
    assert out["success"] is True
    return out["result"]  # type: ignore[no-any-return]


def accounts_of(engine: Engine, customer_id: int) -> dict[str, DepositAccount]:
    with Session(engine) as s:
        rows = s.scalars(select(DepositAccount).where(DepositAccount.customer_id == customer_id)).all()
        return {a.account_id: a for a in rows}


def primary(engine: Engine, customer_id: int) -> DepositAccount:
    return next(a for a in accounts_of(engine, customer_id).values() if a.is_primary)


def money_of(engine: Engine, customer_id: int) -> dict[str, tuple[Decimal, Decimal]]:
    return {k: (a.balance, a.available) for k, a in accounts_of(engine, customer_id).items()}


def code_for(outbox: Path, challenge_id: str) -> str:
    lines = [json.loads(x) for x in outbox.read_text().splitlines()]
    return str(next(x["code"] for x in reversed(lines) if x["challenge_id"] == challenge_id))


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def count(engine: Engine, model: Any, *where: Any) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


# Registry and authorization


def test_customer_tools_are_declared_once_with_seed_002_fields() -> None:
    assert set(BANKING_TOOLS) == {
        "check_balance",
        "account_lookup",
        "list_my_transactions",
        "list_my_cards",
        "list_beneficiaries",
        "block_card",
        "unblock_card",
        "transfer_funds",
    }
    assert not set(BANKING_TOOLS) & set(TOOLS) and len(TOOLS) == 27
    for name in ("CheckBalanceTool", "AccountLookupTool", "TransferFundsTool"):
        assert find(name) is not None and find(name) is BANKING_TOOLS[find(name).name]  # type: ignore[union-attr]
    entries = {e["name"]: e for e in registry("customer")}
    assert set(BANKING_TOOLS) <= set(entries)
    assert entries["transfer_funds"]["requires_2fa"] is True and entries["check_balance"]["requires_2fa"] is False
    assert entries["check_balance"]["rate_limit"] == "100/hour" and entries["check_balance"]["examples"]
    assert entries["transfer_funds"]["category"] == "payment" and entries["check_balance"]["category"] == "account"
    assert all(entries[n]["requires_auth"] and entries[n]["audience"] == "customer" for n in BANKING_TOOLS)
    assert not set(BANKING_TOOLS) & {e["name"] for e in registry()}


@pytest.mark.parametrize("name", sorted(BANKING_TOOLS))
def test_staff_and_anonymous_callers_never_run_customer_tools(name: str, deps: ToolDeps) -> None:
    staff = Caller(sub="staff-1", tenant="demo", permissions=ALL_PERMISSIONS)
    for caller in (Caller(), staff, Caller(sub="123", tenant="demo", permissions=ALL_PERMISSIONS)):
        with pytest.raises(CustomerOnly):
            execute(name, {}, caller, deps)
    for broken in (customer("123", tenant=""), customer("abc"), customer("")):
        with pytest.raises(CustomerOnly):
            execute(name, {}, broken, deps)


def test_a_customer_token_never_runs_staff_tools(deps: ToolDeps) -> None:
    loaded = customer(123, permissions=ALL_PERMISSIONS)
    with pytest.raises(ToolForbidden):
        execute("get_customer_kyc", {"identity_id": 123}, loaded, deps)
    with pytest.raises(ToolForbidden):
        execute("get_transactions", {}, loaded, deps)
    assert run(deps, "customer_onboarding_guide", loaded)  # no permission: anyone may read the guide


# Reads


@pytest.mark.parametrize(("sub", "tenant"), [(123, "demo"), (456, "demo"), (789, "demo"), (OTHER_CUSTOMER, "other")])
def test_balance_and_accounts_are_the_customers_own(sub: int, tenant: str, deps: ToolDeps, engine: Engine) -> None:
    own = accounts_of(engine, sub)
    balance = run(deps, "check_balance", customer(sub, tenant))
    assert balance["account_id"] == primary(engine, sub).account_id and balance["type"] == "savings"
    assert re.fullmatch(r"\*{4}\d{4}", balance["account_number"])
    assert {"balance", "available", "pending", "currency", "last_updated", "product"} <= set(balance)
    listed = run(deps, "account_lookup", customer(sub, tenant))
    assert {a["account_id"] for a in listed["items"]} == set(own) and listed["total"] == len(own)
    text = json.dumps(listed)
    assert not any(a.account_number in text for a in own.values())
    one = run(deps, "CheckBalanceTool", customer(sub, tenant), account_id=listed["items"][-1]["account_id"])
    assert one["account_id"] == listed["items"][-1]["account_id"]


def test_demo_examples_hold_what_the_prompts_need(engine: Engine) -> None:
    for sub in (123, 456, 789):
        own = accounts_of(engine, sub)
        assert len(own) >= 2 and sum(a.is_primary for a in own.values()) == 1
        assert count(engine, Card, Card.customer_id == sub, Card.kind == "debit") >= 1
        assert count(engine, Beneficiary, Beneficiary.customer_id == sub) >= 2
    assert count(engine, Card, Card.customer_id == 123, Card.kind == "credit") == 1
    assert count(engine, Beneficiary, Beneficiary.customer_id == 123, Beneficiary.relationship == "brother") == 1
    with Session(engine) as s:
        without = s.scalar(
            select(func.count())
            .select_from(Transaction)
            .where(Transaction.account_id.is_(None) | Transaction.description.is_(None))
        )
    assert without == 0


def test_someone_elses_ids_are_not_found(deps: ToolDeps, engine: Engine) -> None:
    theirs = primary(engine, 456).account_id
    other_tenant = primary(engine, OTHER_CUSTOMER).account_id
    for account in (theirs, other_tenant, "ACC9999999"):
        for name in ("check_balance", "account_lookup", "list_my_transactions"):
            with pytest.raises(RecordNotFound) as err:
                execute(name, {"account_id": account}, customer(123), deps)
            assert "456" not in err.value.message and "other" not in err.value.message
    with Session(engine) as s:
        card = s.scalars(select(Card).where(Card.customer_id == 456)).first()
        payee = s.scalars(select(Beneficiary).where(Beneficiary.customer_id == 456)).first()
    assert card is not None and payee is not None
    for args in ({"card_id": card.card_id, "confirm": True}, {"card_id": card.card_id, "reason": "lost"}):
        with pytest.raises(RecordNotFound):
            execute("unblock_card" if "reason" not in args else "block_card", args, customer(123), deps)
    mine = primary(engine, 123).account_id
    with pytest.raises(RecordNotFound):
        execute(
            "transfer_funds",
            {"from_account": mine, "to_account": payee.beneficiary_id, "amount": 10},
            customer(123),
            deps,
        )
    with pytest.raises(RecordNotFound):
        execute("transfer_funds", {"from_account": theirs, "to_account": mine, "amount": 10}, customer(123), deps)
    # The same customer id in another tenant is nobody there.
    with pytest.raises(RecordNotFound):
        execute("check_balance", {}, customer(123, "other"), deps)


def test_statement_is_own_newest_first_and_finds_the_salary(deps: ToolDeps, engine: Engine) -> None:
    page = run(deps, "list_my_transactions", customer(123), page_size=100)
    with Session(engine) as s:
        mine = set(s.scalars(select(Transaction.reference_id).where(Transaction.customer_id == 123)))
    assert page["total"] == len(mine) and {t["reference_id"] for t in page["items"]} <= mine
    stamps = [t["created_at"] for t in page["items"]]
    assert stamps == sorted(stamps, reverse=True)
    salary = run(deps, "list_my_transactions", customer(123), search="salary")
    assert salary["total"] >= 1 and all(t["description"].startswith("Salary") for t in salary["items"])
    assert all(t["direction"] == "credit" for t in salary["items"])
    account = primary(engine, 123).account_id
    on_primary = run(deps, "list_my_transactions", customer(123), account_id=account, type="deposit", min_amount=1)
    assert all(t["account_id"] == account and t["type"] == "deposit" for t in on_primary["items"])
    with pytest.raises(ToolArgumentError):
        execute("list_my_transactions", {"min_amount": 10, "max_amount": 5}, customer(123), deps)


def test_cards_and_payees_are_masked(deps: ToolDeps, engine: Engine) -> None:
    cards = run(deps, "list_my_cards", customer(123))
    assert {c["kind"] for c in cards["items"]} == {"debit", "credit"}
    assert all(re.fullmatch(r"\*{4}\d{4}", c["number"]) for c in cards["items"])
    debit = next(c for c in cards["items"] if c["kind"] == "debit")
    assert debit["account_id"] in accounts_of(engine, 123)
    payees = run(deps, "list_beneficiaries", customer(123))
    assert "brother" in {p["relationship"] for p in payees["items"]}
    with Session(engine) as s:
        full = list(s.scalars(select(Beneficiary.account_number).where(Beneficiary.customer_id == 123)))
    assert all(re.fullmatch(r"\*{4}\d{4}", p["account_number"]) for p in payees["items"])
    assert not any(number in json.dumps(payees) for number in full)


# Cards


def test_block_and_unblock_need_confirmation(deps: ToolDeps, engine: Engine) -> None:
    card = next(c for c in run(deps, "list_my_cards", customer(456))["items"] if c["status"] == "active")
    asked = run(deps, "block_card", customer(456), card_id=card["card_id"], reason="damaged")
    assert asked["status"] == "confirmation_required" and asked["card"]["status"] == "active"
    done = run(deps, "block_card", customer(456), card_id=card["card_id"], reason="damaged", confirm=True)
    assert done["status"] == "blocked" and done["card"]["status"] == "blocked"
    assert done["card"]["block_reason"] == "damaged"
    asked = run(deps, "unblock_card", customer(456), card_id=card["card_id"])
    assert asked["status"] == "confirmation_required" and asked["card"]["status"] == "blocked"
    done = run(deps, "unblock_card", customer(456), card_id=card["card_id"], confirm=True)
    assert done["status"] == "active" and done["card"]["block_reason"] is None


def test_a_lost_card_stays_blocked(deps: ToolDeps) -> None:
    card = next(c for c in run(deps, "list_my_cards", customer(789))["items"] if c["kind"] == "debit")
    run(deps, "block_card", customer(789), card_id=card["card_id"], reason="lost", confirm=True)
    with pytest.raises(ActionRefused) as err:
        execute("unblock_card", {"card_id": card["card_id"], "confirm": True}, customer(789), deps)
    assert err.value.details["reason"] == "replacement_needed"


# Transfers


def _ask(deps: ToolDeps, caller: Caller, **args: Any) -> dict[str, Any]:
    result = run(deps, "transfer_funds", caller, **args)
    assert result["status"] == "otp_required" and result["challenge_id"] and result["transfer_id"] is None
    return result


def test_a_transfer_moves_nothing_until_the_right_code(deps: ToolDeps, engine: Engine, outbox: Path) -> None:
    own = accounts_of(engine, 123)
    source = primary(engine, 123).account_id
    target = next(k for k, a in own.items() if a.type == "current")
    before = money_of(engine, 123)
    args = {"from_account": source, "to_account": target, "amount": 1500.5}
    asked = _ask(deps, customer(123), **args)
    assert asked["rail"] == "internal" and asked["fee"] == 0 and asked["expected_arrival"]
    assert money_of(engine, 123) == before
    code = code_for(outbox, asked["challenge_id"])
    assert re.fullmatch(r"\d{6}", code) and code not in json.dumps(asked)
    with Session(engine) as s:
        stored = s.scalars(select(CodeChallenge).where(CodeChallenge.challenge_id == asked["challenge_id"])).one()
    assert code not in json.dumps([stored.code_hash, stored.payload]) and len(stored.code_hash) == 64
    done = run(deps, "transfer_funds", customer(123), **args, challenge_id=asked["challenge_id"], code=code)
    assert done["status"] == "completed" and done["transfer_id"].startswith("TRF")
    after = money_of(engine, 123)
    amount = Decimal("1500.50")
    assert after[source] == (before[source][0] - amount, before[source][1] - amount)
    assert after[target] == (before[target][0] + amount, before[target][1] + amount)
    # The statement shows both sides, on the same rows staff see.
    lines = run(deps, "list_my_transactions", customer(123), search=done["transfer_id"])
    assert {t["direction"] for t in lines["items"]} == {"credit", "debit"}
    # A used code never works again.
    with pytest.raises(CodeUsed):
        execute("transfer_funds", {**args, "challenge_id": asked["challenge_id"], "code": code}, customer(123), deps)
    assert money_of(engine, 123) == after


def test_three_wrong_codes_lock_the_challenge(deps: ToolDeps, engine: Engine, outbox: Path) -> None:
    source, payee = primary(engine, 456).account_id, _payee(engine, 456)
    args = {"from_account": source, "to_account": payee, "amount": 700}
    asked = _ask(deps, customer(456), **args)
    assert asked["rail"] in ("NPSB", "internal")
    code, before = code_for(outbox, asked["challenge_id"]), money_of(engine, 456)
    for left in (2, 1, 0):
        with pytest.raises(CodeRejected) as err:
            execute(
                "transfer_funds",
                {**args, "challenge_id": asked["challenge_id"], "code": wrong(code)},
                customer(456),
                deps,
            )
        assert err.value.details["tries_left"] == left
    with pytest.raises(CodeLocked):
        execute("transfer_funds", {**args, "challenge_id": asked["challenge_id"], "code": code}, customer(456), deps)
    assert money_of(engine, 456) == before


def test_an_expired_code_moves_nothing(deps: ToolDeps, engine: Engine, outbox: Path, clock: Clock) -> None:
    source, payee = primary(engine, 456).account_id, _payee(engine, 456)
    args = {"from_account": source, "to_account": payee, "amount": 300}
    asked = _ask(deps, customer(456), **args)
    before = money_of(engine, 456)
    clock.now = START + timedelta(minutes=6)
    with pytest.raises(CodeExpired):
        code = code_for(outbox, asked["challenge_id"])
        execute("transfer_funds", {**args, "challenge_id": asked["challenge_id"], "code": code}, customer(456), deps)
    assert money_of(engine, 456) == before


def test_a_code_is_for_its_own_customer_and_transfer(deps: ToolDeps, engine: Engine, outbox: Path) -> None:
    source = primary(engine, 123).account_id
    args = {"from_account": source, "to_account": _payee(engine, 123), "amount": 100}
    asked = _ask(deps, customer(123), **args)
    code = code_for(outbox, asked["challenge_id"])
    with pytest.raises(RecordNotFound):
        execute("transfer_funds", {**args, "challenge_id": asked["challenge_id"], "code": code}, customer(456), deps)
    with pytest.raises(TransferRefused):
        changed = {**args, "amount": 99_000, "challenge_id": asked["challenge_id"], "code": code}
        execute("transfer_funds", changed, customer(123), deps)


def test_the_same_idempotency_key_moves_money_once(deps: ToolDeps, engine: Engine, outbox: Path) -> None:
    own = accounts_of(engine, 789)
    source = primary(engine, 789).account_id
    target = next(k for k, a in own.items() if a.type == "current")
    args = {"from_account": source, "to_account": target, "amount": 250, "idempotency_key": "order-789-1"}
    first, second = _ask(deps, customer(789), **args), _ask(deps, customer(789), **args)
    before = money_of(engine, 789)
    done = [
        run(
            deps,
            "transfer_funds",
            customer(789),
            **args,
            challenge_id=c["challenge_id"],
            code=code_for(outbox, c["challenge_id"]),
        )
        for c in (first, second)
    ]
    assert done[0]["transfer_id"] == done[1]["transfer_id"] and done[1]["replayed"] is True
    again = run(deps, "transfer_funds", customer(789), **args)
    assert again["status"] == "completed" and again["transfer_id"] == done[0]["transfer_id"]
    assert count(engine, Transfer, Transfer.idempotency_key == "order-789-1") == 1
    assert money_of(engine, 789)[source][1] == before[source][1] - 250


def test_insufficient_funds_move_nothing(deps: ToolDeps, engine: Engine, outbox: Path) -> None:
    source = primary(engine, OTHER_CUSTOMER)
    payee = _payee(engine, OTHER_CUSTOMER)
    caller = customer(OTHER_CUSTOMER, "other")
    with pytest.raises(InsufficientFunds):
        execute(
            "transfer_funds",
            {"from_account": source.account_id, "to_account": payee, "amount": float(source.available) + 1},
            caller,
            deps,
        )
    # Funds that were there when the code was sent but are gone when it is used: still nothing moves.
    args = {"from_account": source.account_id, "to_account": payee, "amount": 50}
    asked = _ask(deps, caller, **args)
    with Session(engine) as s, s.begin():
        s.execute(update(DepositAccount).where(DepositAccount.id == source.id).values(available=Decimal(10)))
    before = money_of(engine, OTHER_CUSTOMER)
    with pytest.raises(InsufficientFunds):
        execute(
            "transfer_funds",
            {**args, "challenge_id": asked["challenge_id"], "code": code_for(outbox, asked["challenge_id"])},
            caller,
            deps,
        )
    assert money_of(engine, OTHER_CUSTOMER) == before


def test_rails_and_fees_come_from_the_knowledge(deps: ToolDeps, engine: Engine) -> None:
    source = primary(engine, 123)
    payee = _payee(engine, 123, other_bank=True)
    small = _ask(deps, customer(123), from_account=source.account_id, to_account=payee, amount=1000)
    # NPSB fee 10 BDT plus 15% VAT (knowledge/support/charges_disputes/transfer_and_add_money_fees.md).
    assert small["rail"] == "NPSB" and small["fee"] == 11.5
    with pytest.raises(TransferRefused) as err:
        execute(
            "transfer_funds",
            {"from_account": source.account_id, "to_account": payee, "amount": 150_000, "rail": "RTGS"},
            customer(123),
            deps,
        )
    assert err.value.details["reason"] in ("rtgs_closed", "new_payee", "daily_limit")
    with pytest.raises(ToolArgumentError):
        execute(
            "transfer_funds",
            {"from_account": source.account_id, "to_account": payee, "amount": -5},
            customer(123),
            deps,
        )


def _payee(engine: Engine, customer_id: int, other_bank: bool = False) -> str:
    with Session(engine) as s:
        stmt = select(Beneficiary).where(Beneficiary.customer_id == customer_id)
        if other_bank:
            stmt = stmt.where(Beneficiary.bank_name != "Prime Bank")
        payee = s.scalars(stmt.order_by(Beneficiary.id)).first()
    assert payee is not None
    return payee.beneficiary_id


def test_a_database_seeded_before_0006_gets_its_banking_on_start(tmp_path: Path) -> None:
    """Seeded at 0005 (no banking tables, transactions without account or text): the next start migrates and
    backfills, and the content equals a fresh seed's."""
    old = make_engine(f"sqlite:///{tmp_path}/old.sqlite")
    fresh = make_engine(f"sqlite:///{tmp_path}/fresh.sqlite")
    try:
        with old.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0005_webhook_permissions")
        schema = MetaData()
        schema.reflect(old)
        with old.begin() as connection:
            for tenant in ("demo", "other"):
                tables = generate(tenant, TENANTS[tenant])
                for model in INSERT_ORDER:
                    if model in BANKING_TABLES or not tables.get(model):
                        continue
                    columns = set(schema.tables[model.__tablename__].c.keys())
                    rows = [{k: v for k, v in r.items() if k in columns} for r in tables[model]]
                    connection.execute(schema.tables[model.__tablename__].insert(), rows)
        assert "deposit_accounts" not in schema.tables
        assert ensure_seeded(old) is False
        assert count(old, DepositAccount) > 0
        assert ensure_seeded(fresh) is True
        assert digest(old) == digest(fresh)
        assert ensure_seeded(old) is False and digest(old) == digest(fresh)
    finally:
        old.dispose()
        fresh.dispose()
