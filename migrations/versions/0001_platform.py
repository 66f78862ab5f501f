"""Platform tables: customers, transactions, loans and their schedules, staff, stores, reconciliation.

Revision ID: 0001
Revises:
Create Date: 2026-11-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=True),
        sa.Column("nid", sa.String(length=17), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("district", sa.String(length=40), nullable=False),
        sa.Column("occupation", sa.String(length=60), nullable=False),
        sa.Column("monthly_income", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("kyc_status", sa.String(length=16), nullable=False),
        sa.Column("kyc_verified_at", sa.DateTime(), nullable=True),
        sa.Column("risk_rating", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.CheckConstraint("kyc_status IN ('verified', 'pending', 'rejected')", name=op.f("ck_customers_kyc_status")),
        sa.CheckConstraint("risk_rating IN ('low', 'medium', 'high')", name=op.f("ck_customers_risk_rating")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_index(op.f("ix_customers_tenant"), "customers", ["tenant"], unique=False)
    op.create_index("ix_customers_tenant_created_at", "customers", ["tenant", "created_at"], unique=False)
    op.create_index("ix_customers_tenant_full_name", "customers", ["tenant", "full_name"], unique=False)
    op.create_index("ix_customers_tenant_phone", "customers", ["tenant", "phone"], unique=False)

    op.create_table(
        "loan_products",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("min_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("max_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("interest_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("max_tenure_months", sa.Integer(), nullable=False),
        sa.Column("min_monthly_income", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_products")),
    )
    op.create_index(op.f("ix_loan_products_tenant"), "loan_products", ["tenant"], unique=False)

    op.create_table(
        "reconciliation_reports",
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("total_transactions", sa.Integer(), nullable=False),
        sa.Column("total_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("mismatches", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "status IN ('balanced', 'mismatch', 'pending')", name=op.f("ck_reconciliation_reports_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_reports")),
        sa.UniqueConstraint("tenant", "report_date", name="uq_reconciliation_reports_tenant_report_date"),
    )
    op.create_index(op.f("ix_reconciliation_reports_tenant"), "reconciliation_reports", ["tenant"], unique=False)

    op.create_table(
        "stores",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("district", sa.String(length=40), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.CheckConstraint("status IN ('active', 'inactive', 'suspended')", name=op.f("ck_stores_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stores")),
    )
    op.create_index(op.f("ix_stores_tenant"), "stores", ["tenant"], unique=False)

    op.create_table(
        "agents",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.CheckConstraint("status IN ('active', 'inactive', 'suspended')", name=op.f("ck_agents_status")),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_agents_store_id_stores")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
    )
    op.create_index(op.f("ix_agents_store_id"), "agents", ["store_id"], unique=False)
    op.create_index(op.f("ix_agents_tenant"), "agents", ["tenant"], unique=False)

    op.create_table(
        "blacklist",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("listed_at", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_blacklist_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blacklist")),
    )
    op.create_index(op.f("ix_blacklist_tenant"), "blacklist", ["tenant"], unique=False)
    op.create_index("ix_blacklist_tenant_customer_id", "blacklist", ["tenant", "customer_id"], unique=False)

    op.create_table(
        "loan_applications",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tenure_months", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'under_review', 'approved', 'rejected')", name=op.f("ck_loan_applications_status")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_loan_applications_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["loan_products.id"], name=op.f("fk_loan_applications_product_id_loan_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_applications")),
    )
    op.create_index(op.f("ix_loan_applications_tenant"), "loan_applications", ["tenant"], unique=False)
    op.create_index(
        "ix_loan_applications_tenant_created_at", "loan_applications", ["tenant", "created_at"], unique=False
    )
    op.create_index(
        "ix_loan_applications_tenant_customer_id", "loan_applications", ["tenant", "customer_id"], unique=False
    )

    op.create_table(
        "loan_score_history",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=1), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("scored_at", sa.DateTime(), nullable=False),
        sa.Column("scored_by", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.CheckConstraint("band IN ('A', 'B', 'C', 'D')", name=op.f("ck_loan_score_history_band")),
        sa.CheckConstraint("decision IN ('approve', 'refer', 'decline')", name=op.f("ck_loan_score_history_decision")),
        sa.CheckConstraint("score BETWEEN 0 AND 100", name=op.f("ck_loan_score_history_score")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_loan_score_history_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["loan_products.id"], name=op.f("fk_loan_score_history_product_id_loan_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_score_history")),
    )
    op.create_index(op.f("ix_loan_score_history_tenant"), "loan_score_history", ["tenant"], unique=False)
    op.create_index(
        "ix_loan_score_history_tenant_customer_id",
        "loan_score_history",
        ["tenant", "customer_id", "scored_at"],
        unique=False,
    )

    op.create_table(
        "operators",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.CheckConstraint("status IN ('active', 'inactive', 'suspended')", name=op.f("ck_operators_status")),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_operators_store_id_stores")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
    )
    op.create_index(op.f("ix_operators_store_id"), "operators", ["store_id"], unique=False)
    op.create_index(op.f("ix_operators_tenant"), "operators", ["tenant"], unique=False)

    op.create_table(
        "transactions",
        sa.Column("reference_id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("failure_reason", sa.String(length=120), nullable=True),
        sa.Column("risk_score", sa.Integer(), nullable=False),
        sa.Column("is_suspicious", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.CheckConstraint("channel IN ('app', 'atm', 'branch', 'agent', 'pos')", name=op.f("ck_transactions_channel")),
        sa.CheckConstraint(
            "status IN ('success', 'failed', 'pending', 'reversed')", name=op.f("ck_transactions_status")
        ),
        sa.CheckConstraint(
            "type IN ('deposit', 'withdrawal', 'transfer', 'payment', 'remittance')", name=op.f("ck_transactions_type")
        ),
        sa.CheckConstraint("risk_score BETWEEN 0 AND 100", name=op.f("ck_transactions_risk_score")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_transactions_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
        sa.UniqueConstraint("tenant", "reference_id", name="uq_transactions_tenant_reference_id"),
    )
    op.create_index(op.f("ix_transactions_tenant"), "transactions", ["tenant"], unique=False)
    op.create_index("ix_transactions_tenant_created_at", "transactions", ["tenant", "created_at"], unique=False)
    op.create_index(
        "ix_transactions_tenant_customer_id", "transactions", ["tenant", "customer_id", "created_at"], unique=False
    )
    op.create_index("ix_transactions_tenant_status", "transactions", ["tenant", "status", "created_at"], unique=False)
    op.create_index(
        "ix_transactions_tenant_suspicious", "transactions", ["tenant", "is_suspicious", "risk_score"], unique=False
    )

    op.create_table(
        "loans",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("principal", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("interest_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("tenure_months", sa.Integer(), nullable=False),
        sa.Column("installment_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("disbursed_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outstanding_principal", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.CheckConstraint("status IN ('active', 'closed', 'overdue', 'written_off')", name=op.f("ck_loans_status")),
        sa.ForeignKeyConstraint(
            ["application_id"], ["loan_applications.id"], name=op.f("fk_loans_application_id_loan_applications")
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_loans_customer_id_customers")),
        sa.ForeignKeyConstraint(["product_id"], ["loan_products.id"], name=op.f("fk_loans_product_id_loan_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loans")),
    )
    op.create_index(op.f("ix_loans_tenant"), "loans", ["tenant"], unique=False)
    op.create_index("ix_loans_tenant_customer_id", "loans", ["tenant", "customer_id"], unique=False)
    op.create_index("ix_loans_tenant_product_id", "loans", ["tenant", "product_id"], unique=False)
    op.create_index("ix_loans_tenant_status", "loans", ["tenant", "status"], unique=False)

    op.create_table(
        "collection_cases",
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.Column("amount_overdue", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'resolved', 'written_off')", name=op.f("ck_collection_cases_status")
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_collection_cases_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_cases")),
    )
    op.create_index(op.f("ix_collection_cases_loan_id"), "collection_cases", ["loan_id"], unique=False)
    op.create_index(op.f("ix_collection_cases_tenant"), "collection_cases", ["tenant"], unique=False)

    op.create_table(
        "installments",
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.CheckConstraint("status IN ('paid', 'due', 'overdue')", name=op.f("ck_installments_status")),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_installments_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installments")),
        sa.UniqueConstraint("loan_id", "number", name="uq_installments_loan_id_number"),
    )
    op.create_index(op.f("ix_installments_tenant"), "installments", ["tenant"], unique=False)

    op.create_table(
        "repayments",
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_repayments_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repayments")),
    )
    op.create_index("ix_repayments_loan_id_paid_at", "repayments", ["loan_id", "paid_at"], unique=False)
    op.create_index(op.f("ix_repayments_tenant"), "repayments", ["tenant"], unique=False)

    op.create_table(
        "collection_actions",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["collection_cases.id"], name=op.f("fk_collection_actions_case_id_collection_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_actions")),
    )
    op.create_index(op.f("ix_collection_actions_case_id"), "collection_actions", ["case_id"], unique=False)
    op.create_index(op.f("ix_collection_actions_tenant"), "collection_actions", ["tenant"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_collection_actions_tenant"), table_name="collection_actions")
    op.drop_index(op.f("ix_collection_actions_case_id"), table_name="collection_actions")

    op.drop_table("collection_actions")
    op.drop_index(op.f("ix_repayments_tenant"), table_name="repayments")
    op.drop_index("ix_repayments_loan_id_paid_at", table_name="repayments")

    op.drop_table("repayments")
    op.drop_index(op.f("ix_installments_tenant"), table_name="installments")

    op.drop_table("installments")
    op.drop_index(op.f("ix_collection_cases_tenant"), table_name="collection_cases")
    op.drop_index(op.f("ix_collection_cases_loan_id"), table_name="collection_cases")

    op.drop_table("collection_cases")
    op.drop_index("ix_loans_tenant_status", table_name="loans")
    op.drop_index("ix_loans_tenant_product_id", table_name="loans")
    op.drop_index("ix_loans_tenant_customer_id", table_name="loans")
    op.drop_index(op.f("ix_loans_tenant"), table_name="loans")

    op.drop_table("loans")
    op.drop_index("ix_transactions_tenant_suspicious", table_name="transactions")
    op.drop_index("ix_transactions_tenant_status", table_name="transactions")
    op.drop_index("ix_transactions_tenant_customer_id", table_name="transactions")
    op.drop_index("ix_transactions_tenant_created_at", table_name="transactions")
    op.drop_index(op.f("ix_transactions_tenant"), table_name="transactions")

    op.drop_table("transactions")
    op.drop_index(op.f("ix_operators_tenant"), table_name="operators")
    op.drop_index(op.f("ix_operators_store_id"), table_name="operators")

    op.drop_table("operators")
    op.drop_index("ix_loan_score_history_tenant_customer_id", table_name="loan_score_history")
    op.drop_index(op.f("ix_loan_score_history_tenant"), table_name="loan_score_history")

    op.drop_table("loan_score_history")
    op.drop_index("ix_loan_applications_tenant_customer_id", table_name="loan_applications")
    op.drop_index("ix_loan_applications_tenant_created_at", table_name="loan_applications")
    op.drop_index(op.f("ix_loan_applications_tenant"), table_name="loan_applications")

    op.drop_table("loan_applications")
    op.drop_index("ix_blacklist_tenant_customer_id", table_name="blacklist")
    op.drop_index(op.f("ix_blacklist_tenant"), table_name="blacklist")

    op.drop_table("blacklist")
    op.drop_index(op.f("ix_agents_tenant"), table_name="agents")
    op.drop_index(op.f("ix_agents_store_id"), table_name="agents")

    op.drop_table("agents")
    op.drop_index(op.f("ix_stores_tenant"), table_name="stores")

    op.drop_table("stores")
    op.drop_index(op.f("ix_reconciliation_reports_tenant"), table_name="reconciliation_reports")

    op.drop_table("reconciliation_reports")
    op.drop_index(op.f("ix_loan_products_tenant"), table_name="loan_products")

    op.drop_table("loan_products")
    op.drop_index("ix_customers_tenant_phone", table_name="customers")
    op.drop_index("ix_customers_tenant_full_name", table_name="customers")
    op.drop_index("ix_customers_tenant_created_at", table_name="customers")
    op.drop_index(op.f("ix_customers_tenant"), table_name="customers")

    op.drop_table("customers")
