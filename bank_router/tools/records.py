"""What tools return: platform rows as plain models, with personal numbers masked by their field types."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def mask_tail(value: str, keep: int = 4) -> str:
    """Everything but the last `keep` characters starred: NIDs, account and card numbers."""
    value = value.strip()
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


def mask_phone(value: str) -> str:
    """Operator prefix and last three digits kept: 017*****678."""
    value = value.strip()
    if len(value) <= 6:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 6) + value[-3:]


MaskedNumber = Annotated[str, AfterValidator(mask_tail)]
MaskedPhone = Annotated[str, AfterValidator(mask_phone)]
Money = Annotated[float, Field(description="Amount in BDT")]


class Record(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T", bound=BaseModel)


class Page(BaseModel, Generic[T]):
    total: int = Field(description="Matching rows in all pages")
    page_number: int
    page_size: int
    items: list[T]


class CustomerSummary(Record):
    identity_id: int = Field(description="Customer id")
    full_name: str
    phone: MaskedPhone
    district: str
    kyc_status: str
    risk_rating: str


class CustomerKyc(CustomerSummary):
    email: str | None
    nid: MaskedNumber = Field(description="National ID, last four digits only")
    date_of_birth: date
    gender: str
    address: str
    occupation: str
    monthly_income: Money
    kyc_verified_at: datetime | None
    created_at: datetime


class TransactionRecord(Record):
    id: int
    reference_id: str
    customer_id: int
    amount: Money
    currency: str
    type: str
    channel: str
    status: str
    failure_reason: str | None
    risk_score: int
    is_suspicious: bool
    created_at: datetime


class LoanRecord(Record):
    id: int
    customer_id: int
    product_id: int
    application_id: int | None
    principal: Money
    interest_rate: float
    tenure_months: int
    installment_amount: Money
    disbursed_at: datetime
    status: str
    outstanding_principal: Money


class LoanApplicationRecord(Record):
    id: int
    customer_id: int
    product_id: int
    amount: Money
    tenure_months: int
    status: str
    created_at: datetime


class LoanProductRecord(Record):
    id: int
    name: str
    category: str
    min_amount: Money
    max_amount: Money
    interest_rate: float
    max_tenure_months: int
    min_monthly_income: Money


class RepaymentRecord(Record):
    id: int
    loan_id: int
    amount: Money
    paid_at: datetime
    method: str


class InstallmentRecord(Record):
    id: int
    loan_id: int
    number: int
    due_date: date
    amount: Money
    status: str
    paid_at: datetime | None


class LoanBalance(BaseModel):
    loan_id: int
    customer_id: int
    status: str
    principal: Money
    outstanding_principal: Money
    total_repaid: Money
    installments_total: int
    installments_paid: int
    installments_overdue: int
    amount_overdue: Money
    next_due_date: date | None
    next_due_amount: Money | None


class CollectionActionRecord(Record):
    action: str
    note: str
    taken_at: datetime


class CollectionCaseRecord(BaseModel):
    id: int
    loan_id: int
    customer_id: int
    opened_at: datetime
    status: str
    days_past_due: int
    amount_overdue: Money
    actions: list[CollectionActionRecord]


class ScoreRecord(Record):
    id: int
    customer_id: int
    score: int
    band: str
    decision: str
    reasons: str
    product_id: int | None
    amount: Money | None
    scored_at: datetime
    scored_by: str


class BlacklistEntry(Record):
    reason: str
    listed_at: datetime
    active: bool


class BlacklistStatus(BaseModel):
    customer_id: int
    blacklisted: bool = Field(description="True when an active blacklist entry exists")
    entries: list[BlacklistEntry]


class StoreRecord(Record):
    id: int
    name: str
    phone: MaskedPhone
    address: str
    district: str
    region: str
    status: str
    created_at: datetime


class StaffRecord(Record):
    identity_id: int = Field(description="Identity id of the agent or operator")
    name: str
    phone: MaskedPhone
    store_id: int | None
    region: str
    status: str
    created_at: datetime


class AgentRecord(StaffRecord):
    pass


class OperatorRecord(StaffRecord):
    email: str
    role: str


class ReconciliationRecord(Record):
    id: int
    report_date: date
    total_transactions: int
    total_amount: Money
    failed_count: int
    mismatches: int
    status: str
