"""Customers' own banking: accounts, cards and saved payees, and the account and statement text of every
transaction.

Runs after every other step with an rng of its own, so adding it changed no other row.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from bank_router.platform.models import Beneficiary, Card, Customer, DepositAccount, Transaction
from bank_router.platform.seed.banking_vocab import (
    BILLS,
    CREDIT_CARDS,
    CURRENT_PRODUCTS,
    DEBIT_CARDS,
    DPS_PRODUCTS,
    EMPLOYERS,
    EXCHANGE_HOUSES,
    FIXED_PRODUCTS,
    MERCHANTS,
    OTHER_BANKS,
    OWN_BANK,
    RELATIONSHIPS,
    SALARIED,
    SAVINGS_PRODUCTS,
    USD_PRODUCT,
    WALLETS,
)
from bank_router.platform.seed.context import Context, Row, money
from bank_router.platform.seed.scale import EXAMPLE_CUSTOMERS, REFERENCE
from bank_router.platform.seed.vocab import AREAS, FEMALE_NAMES, MALE_NAMES, SURNAMES

# Extra accounts of the example customers: 123 and 789 bank with us for everyday use, 456 saves.
EXAMPLE_EXTRAS = {123: ("current", "dps"), 456: ("fixed_deposit",), 789: ("current", "usd")}
EXAMPLE_PAYEES = {123: ("brother", "mother", "landlord"), 456: ("sister", "friend"), 789: ("wife", "business partner")}


class _Bank:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rng = random.Random(f"bank-router:banking:{ctx.tenant}:{ctx.scale.seed}")  # noqa: S311 - demo data
        self.numbers: set[str] = set()
        self.examples = {ctx.scale.id_base + c: c for c in EXAMPLE_CUSTOMERS} if ctx.scale.examples else {}

    def number(self, digits: int, prefix: str = "") -> str:
        while True:
            value = prefix + "".join(str(self.rng.randrange(10)) for _ in range(digits - len(prefix)))
            if value not in self.numbers:
                self.numbers.add(value)
                return value

    def account(self, customer: Row, kind: str, primary: bool = False) -> Row:
        rng = self.rng
        income = customer["monthly_income"]
        currency, product, acc_type = "BDT", "", kind
        if kind == "savings":
            product = rng.choices([p for p, _ in SAVINGS_PRODUCTS], [w for _, w in SAVINGS_PRODUCTS])[0]
            if "Women" in product and customer["gender"] != "female":
                product = SAVINGS_PRODUCTS[0][0]
            balance = income * Decimal(str(round(rng.uniform(0.3, 6.0), 2)))
        elif kind == "current":
            product, balance = rng.choice(CURRENT_PRODUCTS), income * Decimal(str(round(rng.uniform(0.5, 10.0), 2)))
        elif kind == "fixed_deposit":
            product, balance = rng.choice(FIXED_PRODUCTS), Decimal(rng.randrange(100_000, 2_000_000, 50_000))
        elif kind == "dps":
            product, balance = rng.choice(DPS_PRODUCTS), Decimal(rng.randrange(12, 60) * rng.choice((1000, 2000, 5000)))
        else:  # a US dollar account for money earned abroad
            product, acc_type, currency = USD_PRODUCT, "savings", "USD"
            balance = Decimal(rng.randrange(200, 15_000))
        balance = money(balance)
        pending = money(rng.randrange(0, 5_000, 10)) if kind in ("savings", "current") and rng.random() < 0.2 else 0
        pending = min(money(pending), balance)
        opened = max(customer["created_at"], datetime(2016, 1, 1)) + timedelta(days=rng.randint(0, 400))
        opened = min(opened, REFERENCE - timedelta(days=200))
        status = "active"
        if not primary and customer["id"] not in self.examples:
            status = rng.choices(("active", "dormant", "frozen", "closed"), (92, 5, 1, 2))[0]
        row = self.ctx.add(
            DepositAccount,
            account_id="",
            customer_id=customer["id"],
            account_number=self.number(13, "21"),
            type=acc_type,
            product=product,
            currency=currency,
            balance=balance,
            available=money(balance - pending),
            pending=money(pending),
            status=status,
            is_primary=primary,
            opened_at=opened,
            updated_at=REFERENCE - timedelta(minutes=rng.randint(5, 72 * 60)),
        )
        row["account_id"] = f"ACC{row['id']:07d}"
        return row

    def card(self, customer: Row, account: Row | None, product: str, network: str) -> Row:
        rng, credit = self.rng, account is None
        status, reason = "active", None
        expires = date(REFERENCE.year + rng.randint(0, 4), rng.randint(1, 12), 28)
        if customer["id"] not in self.examples:
            roll = rng.random()
            if roll < 0.04:
                status, reason = "blocked", rng.choice(("lost", "stolen", "suspected_fraud"))
            elif roll < 0.07:
                status = "expired"
        if status == "expired":
            expires = date(REFERENCE.year - 1, rng.randint(1, 12), 28)
        elif expires <= REFERENCE.date():
            expires = date(REFERENCE.year + 1, expires.month, 28)
        row = self.ctx.add(
            Card,
            card_id="",
            customer_id=customer["id"],
            account=account["id"] if account is not None else None,
            kind="credit" if credit else "debit",
            network=network,
            product=product,
            last_four=f"{rng.randrange(10_000):04d}",
            status=status,
            block_reason=reason,
            daily_atm_limit=money(rng.choice((50_000, 100_000)) if not credit else 25_000),
            daily_pos_limit=money(rng.choice((100_000, 200_000, 300_000)) if not credit else 200_000),
            credit_limit=money(rng.choice((100_000, 200_000, 300_000, 500_000))) if credit else None,
            expires=expires,
            updated_at=REFERENCE - timedelta(days=rng.randint(1, 300)),
        )
        row["card_id"] = f"CRD{row['id']:07d}"
        return row

    def payee(self, customer: Row, relationship: str) -> Row:
        rng = self.rng
        female = relationship in ("sister", "mother", "wife")
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        surname = customer["full_name"].split()[-1] if relationship in ("brother", "sister") else rng.choice(SURNAMES)
        own = rng.random() < 0.25
        bank, routing = (OWN_BANK, None) if own else rng.choice(OTHER_BANKS)
        row = self.ctx.add(
            Beneficiary,
            beneficiary_id="",
            customer_id=customer["id"],
            name=f"{first} {surname}",
            relationship=relationship,
            bank_name=bank,
            account_number=self.number(13),
            routing=routing,
            rail="internal" if own else rng.choice(("NPSB", "NPSB", "BEFTN")),
            created_at=REFERENCE - timedelta(days=rng.randint(30, 900)),
        )
        row["beneficiary_id"] = f"BEN{row['id']:07d}"
        return row


def _customer_banking(bank: _Bank, customer: Row) -> list[Row]:
    rng = bank.rng
    example = bank.examples.get(customer["id"])
    primary = bank.account(customer, "savings", primary=True)
    accounts = [primary]
    if example is not None:
        extras: tuple[str, ...] = EXAMPLE_EXTRAS[example]
    else:
        extras = tuple(rng.choices(("current", "dps", "fixed_deposit"), (5, 3, 2), k=rng.choice((0, 0, 1, 1, 2))))
        if customer["occupation"] == "Expatriate worker" and rng.random() < 0.3:
            extras += ("usd",)
    accounts += [bank.account(customer, kind) for kind in dict.fromkeys(extras)]
    if example is not None or rng.random() < 0.85:
        product = rng.choice(tuple(DEBIT_CARDS))
        bank.card(customer, primary, product, DEBIT_CARDS[product])
    if example == 123 or (example is None and rng.random() < 0.15):
        product = rng.choice(tuple(CREDIT_CARDS))
        bank.card(customer, None, product, CREDIT_CARDS[product])
    payees = EXAMPLE_PAYEES[example] if example is not None else rng.sample(RELATIONSHIPS, rng.choice((0, 1, 2, 3)))
    for relationship in payees:
        bank.payee(customer, relationship)
    return accounts


def _describe(rng: random.Random, row: Row) -> str:
    kind, channel, area = row["type"], row["channel"], rng.choice(AREAS)
    if kind == "deposit":
        return {
            "branch": f"Cash deposit — {area} branch",
            "agent": f"Agent banking deposit — {area}",
            "atm": f"CRM cash deposit — {area}",
        }.get(channel, f"Transfer in — {rng.choice(OTHER_BANKS)[0]} (NPSB)")
    if kind == "withdrawal":
        return {"atm": f"ATM withdrawal — {area}", "branch": f"Cash withdrawal — {area} branch"}.get(
            channel, f"Agent banking cash out — {area}"
        )
    if kind == "transfer":
        if channel == "branch":
            return f"Fund transfer — {area} branch"
        return f"Transfer to {rng.choice(MALE_NAMES + FEMALE_NAMES)} ({rng.choice(('NPSB', 'BEFTN'))})"
    if kind == "payment":
        if channel == "pos":
            return f"Card purchase — {rng.choice(MERCHANTS)}"
        return f"{rng.choice(WALLETS)} add money" if rng.random() < 0.4 else f"Bill payment — {rng.choice(BILLS)}"
    return f"Inward remittance — {rng.choice(EXCHANGE_HOUSES)}"


def banking(ctx: Context) -> None:
    """Accounts, cards and payees for every customer; then each transaction's account and statement text,
    with a salaried customer's largest deposit of each month labelled as the salary."""
    bank = _Bank(ctx)
    rng = bank.rng
    usable: dict[int, list[Row]] = {}
    for customer in ctx.tables[Customer]:
        accounts = _customer_banking(bank, customer)
        usable[customer["id"]] = [a for a in accounts if a["type"] in ("savings", "current") and a["currency"] == "BDT"]
    occupation = {c["id"]: c["occupation"] for c in ctx.tables[Customer]}
    employer = {cid: rng.choice(EMPLOYERS) for cid in occupation}
    monthly: dict[tuple[int, int, int], Row] = {}
    for row in ctx.tables[Transaction]:
        accounts = usable[row["customer_id"]]
        account = accounts[0] if len(accounts) == 1 or rng.random() < 0.8 else rng.choice(accounts)
        row["account_id"] = account["id"]
        row["description"] = _describe(rng, row)
        salaried = occupation[row["customer_id"]] in SALARIED or row["customer_id"] in bank.examples
        if salaried and row["type"] == "deposit" and row["status"] == "success":
            month = (row["customer_id"], row["created_at"].year, row["created_at"].month)
            if month not in monthly or row["amount"] > monthly[month]["amount"]:
                monthly[month] = row
    for (cid, _, _), row in monthly.items():
        row["description"] = f"Salary — {employer[cid]}"
        row["account_id"] = usable[cid][0]["id"]
