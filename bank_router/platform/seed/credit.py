"""Credit decisions: score history entries and the blacklist."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from bank_router.platform.models import Blacklist, Customer, Loan, LoanScoreHistory
from bank_router.platform.seed.context import Context, Row, money
from bank_router.platform.seed.scale import EXAMPLE_CUSTOMERS, REFERENCE
from bank_router.platform.seed.vocab import BLACKLIST_REASONS, SCORE_STRENGTHS, SCORE_WEAKNESSES


def score_band(score: int) -> tuple[str, str]:
    """The band and decision a score earns."""
    if score >= 80:
        return "A", "approve"
    if score >= 65:
        return "B", "approve"
    if score >= 50:
        return "C", "refer"
    return "D", "decline"


def score_reasons(score: int, income: Decimal, rng: random.Random) -> str:
    """Two reasons that fit the score, then the customer's income."""
    good, bad = SCORE_STRENGTHS, SCORE_WEAKNESSES
    picks = rng.sample(good, 2) if score >= 65 else rng.sample(bad, 2) if score < 50 else [good[2], bad[0]]
    return "; ".join([*picks, f"Monthly income BDT {income:,.0f}"])


def record_score(
    ctx: Context,
    customer: Row,
    score: int,
    application: Row | None,
    at: datetime,
    operators: Sequence[Row],
    product: Row | None = None,
    amount: int | None = None,
) -> None:
    """Add a score history entry, for an application or for a product and amount asked about directly."""
    band, decision = score_band(score)
    ctx.add(
        LoanScoreHistory,
        customer_id=customer["id"],
        score=score,
        band=band,
        decision=decision,
        reasons=score_reasons(score, customer["monthly_income"], ctx.rng),
        product_id=application["product_id"] if application else product["id"] if product else None,
        amount=application["amount"] if application else money(amount) if amount is not None else None,
        scored_at=at,
        scored_by=f"operator:{ctx.rng.choice(operators)['id']}",
    )


def blacklist(ctx: Context) -> None:
    """Blacklist about 2% of customers, defaulters first, never seed 000's example customers."""
    rng = ctx.rng
    base = ctx.scale.id_base
    protected = {base + c for c in EXAMPLE_CUSTOMERS} if ctx.scale.examples else set()
    written_off = {loan["customer_id"] for loan in ctx.tables[Loan] if loan["status"] == "written_off"}
    # Defaulters first, then others, for about 2% of customers.
    candidates = sorted(written_off - protected) + [c["id"] for c in ctx.tables[Customer] if c["id"] not in protected]
    chosen: list[int] = []
    for customer_id in candidates:
        if customer_id not in chosen:
            chosen.append(customer_id)
    count = max(1, round(ctx.scale.customers * 0.02))
    for index, customer_id in enumerate(
        sorted(chosen[: count // 2] + rng.sample(chosen[count // 2 :], count - count // 2))
    ):
        reason = BLACKLIST_REASONS[0] if customer_id in written_off else rng.choice(BLACKLIST_REASONS[1:])
        ctx.add(
            Blacklist,
            customer_id=customer_id,
            reason=reason,
            listed_at=REFERENCE - timedelta(days=rng.randint(5, 700)),
            active=index % 7 != 6,
        )
