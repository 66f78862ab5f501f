"""Deterministic demo data for the platform: same seed, same rows, on SQLite and PostgreSQL alike."""

from bank_router.platform.seed.build import generate
from bank_router.platform.seed.context import add_months as _add_months
from bank_router.platform.seed.database import (
    INSERT_ORDER,
    alembic_config,
    digest,
    ensure_seeded,
    seed,
    table_names,
    upgrade,
)
from bank_router.platform.seed.scale import (
    EXAMPLE_CUSTOMERS,
    EXAMPLE_LOANS,
    EXAMPLE_PRODUCT,
    EXAMPLE_REFERENCE,
    REFERENCE,
    REFERENCE_DATE,
    TENANTS,
    Scale,
)

__all__ = [
    "EXAMPLE_CUSTOMERS",
    "EXAMPLE_LOANS",
    "EXAMPLE_PRODUCT",
    "EXAMPLE_REFERENCE",
    "INSERT_ORDER",
    "REFERENCE",
    "REFERENCE_DATE",
    "TENANTS",
    "Scale",
    "_add_months",
    "alembic_config",
    "digest",
    "ensure_seeded",
    "generate",
    "seed",
    "table_names",
    "upgrade",
]
