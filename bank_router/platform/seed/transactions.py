"""Account transactions over the last six months, and the daily reconciliation reports that sum them."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from bank_router.platform.models import Customer, ReconciliationReport, Transaction
from bank_router.platform.seed.context import Context, Row, money
from bank_router.platform.seed.scale import REFERENCE, REFERENCE_DATE
from bank_router.platform.seed.vocab import FAILURE_REASONS, TRANSACTION_SHAPES


def transactions(ctx: Context) -> None:
    """Add the tenant's transactions in time order; with examples, the first is seed 000's REF-001."""
    rng = ctx.rng
    customers = ctx.tables[Customer]
    types = tuple(TRANSACTION_SHAPES)
    type_weights = [TRANSACTION_SHAPES[t][3] for t in types]
    window = 180 * 24 * 3600
    # Ids rise with time, so REF-001 is the oldest transaction and "the last 10" are the highest ids.
    instants = sorted(REFERENCE - timedelta(seconds=rng.randint(60, window)) for _ in range(ctx.scale.transactions))
    for index, created in enumerate(instants):
        kind = rng.choices(types, type_weights)[0]
        channels, low, high, _ = TRANSACTION_SHAPES[kind]
        customer = rng.choice(customers)
        amount = low + (high - low) * rng.random() ** 2.5
        suspicious = rng.random() < 0.02
        roll = rng.random()
        status = "failed" if roll < 0.03 else "pending" if roll < 0.04 else "reversed" if roll < 0.045 else "success"
        risk = rng.randint(70, 99) if suspicious else rng.randint(0, 40) if rng.random() < 0.9 else rng.randint(41, 69)
        if suspicious:
            amount = min(high * 3, amount * 4 + high / 2)
        if index == 0 and ctx.scale.examples:
            customer, kind, status, suspicious, risk = customers[122], "deposit", "success", False, 5
            channels, amount = ("branch",), 25_000
        row = ctx.add(
            Transaction,
            reference_id="",
            customer_id=customer["id"],
            amount=money(round(amount, -1) or 10),
            currency="BDT",
            type=kind,
            channel=rng.choice(channels),
            status=status,
            failure_reason=rng.choice(FAILURE_REASONS) if status == "failed" else None,
            risk_score=risk,
            is_suspicious=suspicious,
            created_at=created,
        )
        row["reference_id"] = f"REF-{row['id']:03d}"


def reconciliation(ctx: Context) -> None:
    """Add one reconciliation report per day of the report window, from that day's transactions."""
    rng = ctx.rng
    per_day: dict[date, list[Row]] = defaultdict(list)
    for row in ctx.tables[Transaction]:
        per_day[row["created_at"].date()].append(row)
    for offset in range(ctx.scale.report_days, 0, -1):
        day = REFERENCE_DATE - timedelta(days=offset)
        rows = per_day.get(day, [])
        mismatches = rng.choice((1, 1, 2, 3)) if rng.random() < 0.12 else 0
        ctx.add(
            ReconciliationReport,
            report_date=day,
            total_transactions=len(rows),
            total_amount=sum((r["amount"] for r in rows if r["status"] == "success"), Decimal(0)),
            failed_count=sum(1 for r in rows if r["status"] == "failed"),
            mismatches=mismatches,
            # Yesterday's report is still being worked on at the reference time.
            status="pending" if offset == 1 else "mismatch" if mismatches else "balanced",
        )
