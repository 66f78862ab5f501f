"""The organisation: stores, then the agents and operators who work at them."""

from __future__ import annotations

from datetime import date, timedelta

from bank_router.platform.models import Agent, Operator, Store
from bank_router.platform.seed.context import Context, Row, moment_on
from bank_router.platform.seed.vocab import (
    AREAS,
    DISTRICT_DIVISION,
    DISTRICT_WEIGHTS,
    DISTRICTS,
    OPERATOR_ROLES,
    STORE_KINDS,
)


def stores_and_staff(ctx: Context) -> None:
    """Add the tenant's stores, then its agents and operators, each at a store that existed before them."""
    rng = ctx.rng
    for _ in range(ctx.scale.stores):
        district = rng.choices(DISTRICTS, DISTRICT_WEIGHTS)[0]
        area = rng.choice(AREAS)
        ctx.add(
            Store,
            name=f"{area} {rng.choice(STORE_KINDS)}, {district}",
            phone=ctx.phone(),
            address=f"Holding {rng.randint(1, 250)}, {area}, {district}",
            district=district,
            region=DISTRICT_DIVISION[district],
            status=rng.choices(("active", "inactive"), (11, 1))[0],
            created_at=moment_on(date(2015, 1, 1) + timedelta(days=rng.randint(0, 3000)), rng),
        )
    stores = ctx.tables[Store]
    for model, count in ((Agent, ctx.scale.agents), (Operator, ctx.scale.operators)):
        for _ in range(count):
            store = rng.choice(stores)
            _, first, name = ctx.person()
            extra: Row = {}
            if model is Operator:
                extra = {
                    "email": f"{first.lower()}.{ctx.counters[Operator] + 1}@demo-bank.com.bd",
                    "role": rng.choice(OPERATOR_ROLES),
                }
            ctx.add(
                model,
                name=name,
                phone=ctx.phone(),
                store_id=store["id"],
                region=store["region"],
                status=rng.choices(("active", "inactive", "suspended"), (16, 2, 1))[0],
                created_at=max(
                    store["created_at"], moment_on(date(2018, 1, 1) + timedelta(days=rng.randint(0, 2800)), rng)
                ),
                **extra,
            )
