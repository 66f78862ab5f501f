"""What each tenant gets: the reference clock, per-tenant scales and seed 000's pinned example ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Everything is dated relative to this clock, never to the wall clock, so two runs are identical.
REFERENCE = datetime(2026, 11, 1, 9, 0, 0)
REFERENCE_DATE = REFERENCE.date()


@dataclass(frozen=True)
class Scale:
    """How much one tenant gets, where its ids start, and whether seed 000's example ids are pinned in it."""

    customers: int
    transactions: int
    loans: int
    agents: int
    stores: int
    operators: int
    report_days: int = 90
    id_base: int = 0
    examples: bool = False
    seed: int = 0


# Other's ids start far above anything demo generates, so an id from one tenant never names a row in the other.
TENANTS: dict[str, Scale] = {
    "demo": Scale(customers=1_000, transactions=20_000, loans=1_000, agents=30, stores=12, operators=20, examples=True),
    "other": Scale(
        customers=60, transactions=1_500, loans=80, agents=5, stores=3, operators=4, id_base=1_000_000, seed=1
    ),
}

EXAMPLE_CUSTOMERS = (123, 456, 789)
EXAMPLE_PRODUCT = 5
EXAMPLE_REFERENCE = "REF-001"
# Loan id -> (customer id, status): seed 000's loans 456 and 789, and two loans of customer 123 (one in collection).
EXAMPLE_LOANS = {123: (123, "active"), 124: (123, "overdue"), 456: (456, "active"), 789: (789, "active")}
