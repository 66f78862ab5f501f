"""Customers with their KYC state, and seed 000's example customers pinned among them."""

from __future__ import annotations

import random
from datetime import date, timedelta

from bank_router.platform.models import Customer
from bank_router.platform.seed.context import Context, moment_on, money
from bank_router.platform.seed.scale import EXAMPLE_CUSTOMERS, REFERENCE_DATE
from bank_router.platform.seed.vocab import AREAS, DISTRICT_WEIGHTS, DISTRICTS, EMAIL_DOMAINS, OCCUPATIONS


def nid(rng: random.Random) -> str:
    """A national ID number in one of the two card formats."""
    if rng.random() < 0.6:
        # Smart NID card: 10 digits.
        return str(rng.randrange(10**9, 10**10))
    # Older laminated card: 13 digits, district code first.
    return f"{rng.randint(10, 99)}{rng.randint(10, 99)}{rng.randrange(10**9):09d}"


def customers(ctx: Context) -> None:
    """Add the tenant's customers; verified ones get a verification time after they joined."""
    rng = ctx.rng
    examples = {ctx.scale.id_base + c for c in EXAMPLE_CUSTOMERS} if ctx.scale.examples else set()
    for _ in range(ctx.scale.customers):
        gender, first, name = ctx.person()
        born = REFERENCE_DATE - timedelta(days=rng.randint(21 * 365, 65 * 365))
        occupation = rng.choice(tuple(OCCUPATIONS))
        low, high = OCCUPATIONS[occupation]
        district = rng.choices(DISTRICTS, DISTRICT_WEIGHTS)[0]
        created = moment_on(date(2016, 1, 1) + timedelta(days=rng.randint(0, 3770)), rng)
        kyc = rng.choices(("verified", "pending", "rejected"), (85, 10, 5))[0]
        row = ctx.add(
            Customer,
            full_name=name,
            phone=ctx.phone(),
            email=f"{first.lower()}{rng.randint(1, 9999)}@{rng.choice(EMAIL_DOMAINS)}" if rng.random() < 0.6 else None,
            nid=nid(rng),
            date_of_birth=born,
            gender=gender,
            address=f"House {rng.randint(1, 120)}, Road {rng.randint(1, 30)}, {rng.choice(AREAS)}, {district}",
            district=district,
            occupation=occupation,
            monthly_income=money(rng.randrange(low, high, 500)),
            kyc_status=kyc,
            kyc_verified_at=None,
            risk_rating=rng.choices(("low", "medium", "high"), (60, 30, 10))[0],
            created_at=created,
        )
        if row["id"] in examples:
            # Seed 000's example customers: long-standing, verified, low risk.
            row.update(kyc_status="verified", risk_rating="low", created_at=moment_on(date(2019, 3, 1), rng))
            row["monthly_income"] = max(row["monthly_income"], money(55_000))
        if row["kyc_status"] == "verified":
            row["kyc_verified_at"] = row["created_at"] + timedelta(days=rng.randint(1, 10))
