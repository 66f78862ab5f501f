"""One tenant's rows in memory, generated in the fixed order that keeps the rng, and so the data, deterministic."""

from __future__ import annotations

from bank_router.platform.models import Base
from bank_router.platform.seed.banking import banking
from bank_router.platform.seed.context import Context, Row
from bank_router.platform.seed.credit import blacklist
from bank_router.platform.seed.customers import customers
from bank_router.platform.seed.loans import loans, products
from bank_router.platform.seed.scale import Scale
from bank_router.platform.seed.staff import stores_and_staff
from bank_router.platform.seed.transactions import reconciliation, transactions


def generate(tenant: str, scale: Scale) -> dict[type[Base], list[Row]]:
    """One tenant's rows, by model, without touching a database."""
    ctx = Context(tenant, scale)
    # Every step draws from the one rng, so reordering them would change every row after.
    for step in (stores_and_staff, products, customers, loans, blacklist, transactions, reconciliation):
        step(ctx)
    # Customers' own banking last, on an rng of its own: every row above stays as it was before it existed.
    banking(ctx)
    return ctx.tables
