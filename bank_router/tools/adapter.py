"""What the tools read from the bank's platform: the adapter protocol and the requests it takes.

Implementations: `SqlPlatform` (the demo platform database, the default) and `HttpPlatform`
(an existing core-banking REST API, chosen by `CORE_BANKING_URL`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from bank_router.tools.records import (
    AgentRecord,
    BlacklistStatus,
    CollectionCaseRecord,
    CustomerKyc,
    CustomerSummary,
    InstallmentRecord,
    LoanApplicationRecord,
    LoanBalance,
    LoanProductRecord,
    LoanRecord,
    OperatorRecord,
    Page,
    ReconciliationRecord,
    RepaymentRecord,
    ScoreRecord,
    StoreRecord,
    TransactionRecord,
)


class PlatformError(Exception):
    """The platform could not answer (down, timed out, refused us, or answered nonsense); never the caller's fault."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, kw_only=True)
class PageRequest:
    page_number: int = 1
    page_size: int = 10


@dataclass(frozen=True, kw_only=True)
class Filters:
    """Optional filters; each query uses the ones that apply to it, and ignores None."""

    search: str | None = None
    status: str | None = None
    customer_id: int | None = None
    product_id: int | None = None
    loan_id: int | None = None
    store_id: int | None = None
    region: str | None = None
    category: str | None = None
    reference_id: str | None = None
    type: str | None = None
    channel: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    suspicious_only: bool = False
    min_risk_score: int | None = None


@dataclass(frozen=True)
class CreditHistory:
    """What the scorecard needs from the platform about one customer."""

    late_payments: int
    has_default: bool
    outstanding: Decimal
    past_scores: list[int]


@dataclass(frozen=True, kw_only=True)
class NewScore:
    customer_id: int
    score: int
    band: str
    decision: str
    reasons: str
    product_id: int | None
    amount: Decimal | None
    scored_at: datetime
    scored_by: str


class PlatformAdapter(Protocol):
    """Reads (and one write) the tools need; `None` means "not in this tenant"."""

    def customer(self, tenant: str, customer_id: int) -> CustomerKyc | None: ...
    def customers(self, tenant: str, f: Filters, page: PageRequest) -> Page[CustomerSummary]: ...
    def transaction(self, tenant: str, txn_id: int | None, reference_id: str | None) -> TransactionRecord | None: ...
    def transactions(self, tenant: str, f: Filters, page: PageRequest) -> Page[TransactionRecord]: ...
    def loan(self, tenant: str, loan_id: int) -> LoanRecord | None: ...
    def loans(self, tenant: str, f: Filters, page: PageRequest) -> Page[LoanRecord]: ...
    def application(self, tenant: str, application_id: int) -> LoanApplicationRecord | None: ...
    def applications(self, tenant: str, f: Filters, page: PageRequest) -> Page[LoanApplicationRecord]: ...
    def product(self, tenant: str, product_id: int) -> LoanProductRecord | None: ...
    def products(self, tenant: str, f: Filters, page: PageRequest) -> Page[LoanProductRecord]: ...
    def repayments(self, tenant: str, loan_id: int, page: PageRequest) -> Page[RepaymentRecord] | None: ...
    def installments(self, tenant: str, f: Filters, page: PageRequest) -> Page[InstallmentRecord] | None: ...
    def loan_balance(self, tenant: str, loan_id: int, today: date) -> LoanBalance | None: ...
    def collection_cases(self, tenant: str, f: Filters, page: PageRequest) -> Page[CollectionCaseRecord]: ...
    def score_history(self, tenant: str, customer_id: int, page: PageRequest) -> Page[ScoreRecord]: ...
    def blacklist_status(self, tenant: str, customer_id: int) -> BlacklistStatus: ...
    def agent(self, tenant: str, agent_id: int) -> AgentRecord | None: ...
    def agents(self, tenant: str, f: Filters, page: PageRequest) -> Page[AgentRecord]: ...
    def store(self, tenant: str, store_id: int) -> StoreRecord | None: ...
    def stores(self, tenant: str, f: Filters, page: PageRequest) -> Page[StoreRecord]: ...
    def operator(self, tenant: str, operator_id: int) -> OperatorRecord | None: ...
    def operators(self, tenant: str, f: Filters, page: PageRequest) -> Page[OperatorRecord]: ...
    def reconciliation_reports(self, tenant: str, f: Filters, page: PageRequest) -> Page[ReconciliationRecord]: ...
    def credit_history(self, tenant: str, customer_id: int, since: date, today: date) -> CreditHistory: ...
    def record_score(self, tenant: str, score: NewScore) -> int: ...
