"""Webhook registrations keep the registering token's permissions: deliveries are filtered by them.

Registrations made before this revision get an empty list, so they receive only the events that need
no permission until they are registered again (bank_router/events/visibility.py).

Revision ID: 0005_webhook_permissions
Revises: 0004_idempotency
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_webhook_permissions"
down_revision: str | Sequence[str] | None = "0004_idempotency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhooks") as batch:
        batch.add_column(sa.Column("permissions", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("webhooks") as batch:
        batch.drop_column("permissions")
