"""SQLAlchemy models of the demo banking platform; every row belongs to one tenant."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names so Alembic migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(14, 2)
Rate = Numeric(5, 2)


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """A CHECK constraint keeping a status-like column to its known values."""
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)


KYC_STATUSES = ("verified", "pending", "rejected")
RISK_RATINGS = ("low", "medium", "high")
TRANSACTION_TYPES = ("deposit", "withdrawal", "transfer", "payment", "remittance")
CHANNELS = ("app", "atm", "branch", "agent", "pos")
TRANSACTION_STATUSES = ("success", "failed", "pending", "reversed")
APPLICATION_STATUSES = ("submitted", "under_review", "approved", "rejected")
LOAN_STATUSES = ("active", "closed", "overdue", "written_off")
INSTALLMENT_STATUSES = ("paid", "due", "overdue")
CASE_STATUSES = ("open", "in_progress", "resolved", "written_off")
SCORE_BANDS = ("A", "B", "C", "D")
SCORE_DECISIONS = ("approve", "refer", "decline")
STAFF_STATUSES = ("active", "inactive", "suspended")
RECONCILIATION_STATUSES = ("balanced", "mismatch", "pending")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TenantMixin:
    """Integer id and the owning tenant; ids are unique across tenants so a leaked id never resolves elsewhere."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(32), index=True)


class Store(TenantMixin, Base):
    __tablename__ = "stores"
    __table_args__ = (_one_of("status", STAFF_STATUSES),)

    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(255))
    district: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Agent(TenantMixin, Base):
    __tablename__ = "agents"
    __table_args__ = (_one_of("status", STAFF_STATUSES),)

    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(16))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), index=True)
    region: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    @property
    def identity_id(self) -> int:
        return self.id


class Operator(TenantMixin, Base):
    __tablename__ = "operators"
    __table_args__ = (_one_of("status", STAFF_STATUSES),)

    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(40))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), index=True)
    region: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    @property
    def identity_id(self) -> int:
        return self.id


class Customer(TenantMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (
        _one_of("kyc_status", KYC_STATUSES),
        _one_of("risk_rating", RISK_RATINGS),
        Index("ix_customers_tenant_created_at", "tenant", "created_at"),
        Index("ix_customers_tenant_full_name", "tenant", "full_name"),
        Index("ix_customers_tenant_phone", "tenant", "phone"),
    )

    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(120))
    nid: Mapped[str] = mapped_column(String(17))
    date_of_birth: Mapped[date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(255))
    district: Mapped[str] = mapped_column(String(40))
    occupation: Mapped[str] = mapped_column(String(60))
    monthly_income: Mapped[Decimal] = mapped_column(Money)
    kyc_status: Mapped[str] = mapped_column(String(16))
    kyc_verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    risk_rating: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    @property
    def identity_id(self) -> int:
        """Seed 000 calls the customer id the identity id."""
        return self.id


class Transaction(TenantMixin, Base):
    __tablename__ = "transactions"
    __table_args__ = (
        UniqueConstraint("tenant", "reference_id", name="uq_transactions_tenant_reference_id"),
        _one_of("type", TRANSACTION_TYPES),
        _one_of("channel", CHANNELS),
        _one_of("status", TRANSACTION_STATUSES),
        CheckConstraint("risk_score BETWEEN 0 AND 100", name="risk_score"),
        Index("ix_transactions_tenant_customer_id", "tenant", "customer_id", "created_at"),
        Index("ix_transactions_tenant_created_at", "tenant", "created_at"),
        Index("ix_transactions_tenant_status", "tenant", "status", "created_at"),
        Index("ix_transactions_tenant_suspicious", "tenant", "is_suspicious", "risk_score"),
    )

    reference_id: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="BDT")
    type: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10))
    failure_reason: Mapped[str | None] = mapped_column(String(120))
    risk_score: Mapped[int] = mapped_column(Integer)
    is_suspicious: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The customer's own account the row is on, and the statement text they see (migration 0006).
    account_id: Mapped[int | None] = mapped_column(ForeignKey("deposit_accounts.id"))
    description: Mapped[str | None] = mapped_column(String(120))


class LoanProduct(TenantMixin, Base):
    __tablename__ = "loan_products"

    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(40))
    min_amount: Mapped[Decimal] = mapped_column(Money)
    max_amount: Mapped[Decimal] = mapped_column(Money)
    interest_rate: Mapped[Decimal] = mapped_column(Rate)
    max_tenure_months: Mapped[int] = mapped_column(Integer)
    min_monthly_income: Mapped[Decimal] = mapped_column(Money)


class LoanApplication(TenantMixin, Base):
    __tablename__ = "loan_applications"
    __table_args__ = (
        _one_of("status", APPLICATION_STATUSES),
        Index("ix_loan_applications_tenant_customer_id", "tenant", "customer_id"),
        Index("ix_loan_applications_tenant_created_at", "tenant", "created_at"),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("loan_products.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    tenure_months: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Loan(TenantMixin, Base):
    __tablename__ = "loans"
    __table_args__ = (
        _one_of("status", LOAN_STATUSES),
        Index("ix_loans_tenant_customer_id", "tenant", "customer_id"),
        Index("ix_loans_tenant_status", "tenant", "status"),
        Index("ix_loans_tenant_product_id", "tenant", "product_id"),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("loan_products.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("loan_applications.id"))
    principal: Mapped[Decimal] = mapped_column(Money)
    interest_rate: Mapped[Decimal] = mapped_column(Rate)
    tenure_months: Mapped[int] = mapped_column(Integer)
    installment_amount: Mapped[Decimal] = mapped_column(Money)
    disbursed_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16))
    outstanding_principal: Mapped[Decimal] = mapped_column(Money)


class Repayment(TenantMixin, Base):
    __tablename__ = "repayments"
    __table_args__ = (Index("ix_repayments_loan_id_paid_at", "loan_id", "paid_at"),)

    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[datetime] = mapped_column(DateTime)
    method: Mapped[str] = mapped_column(String(20))


class Installment(TenantMixin, Base):
    __tablename__ = "installments"
    __table_args__ = (
        UniqueConstraint("loan_id", "number", name="uq_installments_loan_id_number"),
        _one_of("status", INSTALLMENT_STATUSES),
    )

    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    number: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(10))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)


class CollectionCase(TenantMixin, Base):
    __tablename__ = "collection_cases"
    __table_args__ = (_one_of("status", CASE_STATUSES),)

    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16))
    days_past_due: Mapped[int] = mapped_column(Integer)
    amount_overdue: Mapped[Decimal] = mapped_column(Money)


class CollectionAction(TenantMixin, Base):
    __tablename__ = "collection_actions"

    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text)
    taken_at: Mapped[datetime] = mapped_column(DateTime)


class LoanScoreHistory(TenantMixin, Base):
    __tablename__ = "loan_score_history"
    __table_args__ = (
        _one_of("band", SCORE_BANDS),
        _one_of("decision", SCORE_DECISIONS),
        CheckConstraint("score BETWEEN 0 AND 100", name="score"),
        Index("ix_loan_score_history_tenant_customer_id", "tenant", "customer_id", "scored_at"),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    score: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(1))
    decision: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[str] = mapped_column(Text)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("loan_products.id"))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    scored_at: Mapped[datetime] = mapped_column(DateTime)
    scored_by: Mapped[str] = mapped_column(String(64))


class Blacklist(TenantMixin, Base):
    __tablename__ = "blacklist"
    __table_args__ = (Index("ix_blacklist_tenant_customer_id", "tenant", "customer_id"),)

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    reason: Mapped[str] = mapped_column(String(255))
    listed_at: Mapped[datetime] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ReconciliationReport(TenantMixin, Base):
    __tablename__ = "reconciliation_reports"
    __table_args__ = (
        UniqueConstraint("tenant", "report_date", name="uq_reconciliation_reports_tenant_report_date"),
        _one_of("status", RECONCILIATION_STATUSES),
    )

    report_date: Mapped[date] = mapped_column(Date)
    total_transactions: Mapped[int] = mapped_column(Integer)
    total_amount: Mapped[Decimal] = mapped_column(Money)
    failed_count: Mapped[int] = mapped_column(Integer)
    mismatches: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))


# Signed-in customers' own banking: deposit accounts, cards, saved payees, transfers and one-time codes.

ACCOUNT_TYPES = ("savings", "current", "fixed_deposit", "dps")
ACCOUNT_STATUSES = ("active", "dormant", "closed", "frozen")
CARD_KINDS = ("debit", "credit")
CARD_NETWORKS = ("visa", "mastercard", "amex", "unionpay")
CARD_STATUSES = ("active", "blocked", "expired")
RAILS = ("internal", "NPSB", "BEFTN", "RTGS")
TRANSFER_STATUSES = ("completed", "pending", "failed")
CHALLENGE_STATUSES = ("pending", "used", "expired", "locked")


class DepositAccount(TenantMixin, Base):
    __tablename__ = "deposit_accounts"
    __table_args__ = (
        UniqueConstraint("tenant", "account_id", name="uq_deposit_accounts_tenant_account_id"),
        _one_of("type", ACCOUNT_TYPES),
        _one_of("status", ACCOUNT_STATUSES),
        # The last line of defence against an overdraft: a conditional debit can never take it below zero.
        CheckConstraint("available >= 0", name="available_not_negative"),
        Index("ix_deposit_accounts_tenant_customer_id", "tenant", "customer_id"),
    )

    account_id: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    account_number: Mapped[str] = mapped_column(String(13))
    type: Mapped[str] = mapped_column(String(16))
    product: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[Decimal] = mapped_column(Money)
    available: Mapped[Decimal] = mapped_column(Money)
    pending: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(10))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Card(TenantMixin, Base):
    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("tenant", "card_id", name="uq_cards_tenant_card_id"),
        _one_of("kind", CARD_KINDS),
        _one_of("network", CARD_NETWORKS),
        _one_of("status", CARD_STATUSES),
        Index("ix_cards_tenant_customer_id", "tenant", "customer_id"),
    )

    card_id: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    # The debit card's account; credit cards have none.
    account: Mapped[int | None] = mapped_column(ForeignKey("deposit_accounts.id"))
    kind: Mapped[str] = mapped_column(String(8))
    network: Mapped[str] = mapped_column(String(12))
    product: Mapped[str] = mapped_column(String(120))
    last_four: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(10))
    block_reason: Mapped[str | None] = mapped_column(String(32))
    daily_atm_limit: Mapped[Decimal | None] = mapped_column(Money)
    daily_pos_limit: Mapped[Decimal | None] = mapped_column(Money)
    credit_limit: Mapped[Decimal | None] = mapped_column(Money)
    expires: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Beneficiary(TenantMixin, Base):
    __tablename__ = "beneficiaries"
    __table_args__ = (
        UniqueConstraint("tenant", "beneficiary_id", name="uq_beneficiaries_tenant_beneficiary_id"),
        _one_of("rail", RAILS),
        Index("ix_beneficiaries_tenant_customer_id", "tenant", "customer_id"),
    )

    beneficiary_id: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    name: Mapped[str] = mapped_column(String(120))
    relationship: Mapped[str] = mapped_column(String(40))
    bank_name: Mapped[str] = mapped_column(String(80))
    account_number: Mapped[str] = mapped_column(String(20))
    routing: Mapped[str | None] = mapped_column(String(9))
    rail: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Transfer(TenantMixin, Base):
    __tablename__ = "transfers"
    __table_args__ = (
        UniqueConstraint("tenant", "transfer_id", name="uq_transfers_tenant_transfer_id"),
        # A retried transfer with the same key is the same transfer: money moves once.
        UniqueConstraint("tenant", "customer_id", "idempotency_key", name="uq_transfers_tenant_customer_idempotency"),
        _one_of("rail", RAILS),
        _one_of("status", TRANSFER_STATUSES),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_transfers_tenant_customer_id", "tenant", "customer_id", "created_at"),
    )

    transfer_id: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    from_account: Mapped[int] = mapped_column(ForeignKey("deposit_accounts.id"))
    to_account: Mapped[int | None] = mapped_column(ForeignKey("deposit_accounts.id"))
    beneficiary: Mapped[int | None] = mapped_column(ForeignKey("beneficiaries.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    fee: Mapped[Decimal] = mapped_column(Money)
    rail: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(140))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expected_arrival: Mapped[str] = mapped_column(String(120))


class CodeChallenge(TenantMixin, Base):
    """A one-time code sent for a pending action; only its HMAC is kept."""

    __tablename__ = "code_challenges"
    __table_args__ = (
        UniqueConstraint("challenge_id", name="uq_code_challenges_challenge_id"),
        _one_of("status", CHALLENGE_STATUSES),
        Index("ix_code_challenges_tenant_customer_id", "tenant", "customer_id"),
    )

    challenge_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    purpose: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(10))
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
