"""Signed-in customers' banking: deposit accounts, cards, beneficiaries, transfers and one-time code challenges.

`transactions` gains the account a row is on and its statement text; a database seeded before this
revision gets the new rows (and those two columns filled) on its next start (`ensure_seeded`).

Revision ID: 0006_customer_banking
Revises: 0005_webhook_permissions
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_customer_banking"
down_revision: str | Sequence[str] | None = "0005_webhook_permissions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=14, scale=2)
RAILS = "rail IN ('internal', 'NPSB', 'BEFTN', 'RTGS')"


def _owned(table: str) -> list[sa.schema.SchemaItem]:
    """The columns and constraints every table here shares: id, tenant and the owning customer."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f(f"fk_{table}_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _indexes(table: str, *extra: str) -> None:
    op.create_index(op.f(f"ix_{table}_tenant"), table, ["tenant"], unique=False)
    op.create_index(f"ix_{table}_tenant_customer_id", table, ["tenant", "customer_id", *extra], unique=False)


def upgrade() -> None:
    op.create_table(
        "deposit_accounts",
        *_owned("deposit_accounts"),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("account_number", sa.String(length=13), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("product", sa.String(length=120), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance", MONEY, nullable=False),
        sa.Column("available", MONEY, nullable=False),
        sa.Column("pending", MONEY, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'dormant', 'closed', 'frozen')", name=op.f("ck_deposit_accounts_status")
        ),
        sa.CheckConstraint(
            "type IN ('savings', 'current', 'fixed_deposit', 'dps')", name=op.f("ck_deposit_accounts_type")
        ),
        sa.CheckConstraint("available >= 0", name=op.f("ck_deposit_accounts_available_not_negative")),
        sa.UniqueConstraint("tenant", "account_id", name="uq_deposit_accounts_tenant_account_id"),
    )
    _indexes("deposit_accounts")

    op.create_table(
        "cards",
        *_owned("cards"),
        sa.Column("card_id", sa.String(length=16), nullable=False),
        sa.Column("account", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("network", sa.String(length=12), nullable=False),
        sa.Column("product", sa.String(length=120), nullable=False),
        sa.Column("last_four", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("block_reason", sa.String(length=32), nullable=True),
        sa.Column("daily_atm_limit", MONEY, nullable=True),
        sa.Column("daily_pos_limit", MONEY, nullable=True),
        sa.Column("credit_limit", MONEY, nullable=True),
        sa.Column("expires", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('debit', 'credit')", name=op.f("ck_cards_kind")),
        sa.CheckConstraint("network IN ('visa', 'mastercard', 'amex', 'unionpay')", name=op.f("ck_cards_network")),
        sa.CheckConstraint("status IN ('active', 'blocked', 'expired')", name=op.f("ck_cards_status")),
        sa.ForeignKeyConstraint(["account"], ["deposit_accounts.id"], name=op.f("fk_cards_account_deposit_accounts")),
        sa.UniqueConstraint("tenant", "card_id", name="uq_cards_tenant_card_id"),
    )
    _indexes("cards")

    op.create_table(
        "beneficiaries",
        *_owned("beneficiaries"),
        sa.Column("beneficiary_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("relationship", sa.String(length=40), nullable=False),
        sa.Column("bank_name", sa.String(length=80), nullable=False),
        sa.Column("account_number", sa.String(length=20), nullable=False),
        sa.Column("routing", sa.String(length=9), nullable=True),
        sa.Column("rail", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(RAILS, name=op.f("ck_beneficiaries_rail")),
        sa.UniqueConstraint("tenant", "beneficiary_id", name="uq_beneficiaries_tenant_beneficiary_id"),
    )
    _indexes("beneficiaries")

    op.create_table(
        "transfers",
        *_owned("transfers"),
        sa.Column("transfer_id", sa.String(length=20), nullable=False),
        sa.Column("from_account", sa.Integer(), nullable=False),
        sa.Column("to_account", sa.Integer(), nullable=True),
        sa.Column("beneficiary", sa.Integer(), nullable=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("fee", MONEY, nullable=False),
        sa.Column("rail", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=140), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expected_arrival", sa.String(length=120), nullable=False),
        sa.CheckConstraint(RAILS, name=op.f("ck_transfers_rail")),
        sa.CheckConstraint("status IN ('completed', 'pending', 'failed')", name=op.f("ck_transfers_status")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_transfers_amount_positive")),
        sa.ForeignKeyConstraint(
            ["beneficiary"], ["beneficiaries.id"], name=op.f("fk_transfers_beneficiary_beneficiaries")
        ),
        sa.ForeignKeyConstraint(
            ["from_account"], ["deposit_accounts.id"], name=op.f("fk_transfers_from_account_deposit_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["to_account"], ["deposit_accounts.id"], name=op.f("fk_transfers_to_account_deposit_accounts")
        ),
        sa.UniqueConstraint(
            "tenant", "customer_id", "idempotency_key", name="uq_transfers_tenant_customer_idempotency"
        ),
        sa.UniqueConstraint("tenant", "transfer_id", name="uq_transfers_tenant_transfer_id"),
    )
    _indexes("transfers", "created_at")

    op.create_table(
        "code_challenges",
        *_owned("code_challenges"),
        sa.Column("challenge_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'used', 'expired', 'locked')", name=op.f("ck_code_challenges_status")
        ),
        sa.UniqueConstraint("challenge_id", name="uq_code_challenges_challenge_id"),
    )
    _indexes("code_challenges")

    with op.batch_alter_table("transactions") as batch:
        batch.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("description", sa.String(length=120), nullable=True))
        batch.create_foreign_key(
            op.f("fk_transactions_account_id_deposit_accounts"), "deposit_accounts", ["account_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.drop_constraint(op.f("fk_transactions_account_id_deposit_accounts"), type_="foreignkey")
        batch.drop_column("description")
        batch.drop_column("account_id")
    for table in ("code_challenges", "transfers", "beneficiaries", "cards", "deposit_accounts"):
        op.drop_index(f"ix_{table}_tenant_customer_id", table_name=table)
        op.drop_index(op.f(f"ix_{table}_tenant"), table_name=table)
        op.drop_table(table)
