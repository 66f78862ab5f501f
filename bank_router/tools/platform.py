"""The platform data the tools read, and its SQLAlchemy implementation, every query filtered by tenant inside it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from bank_router.platform.models import (
    Agent,
    Blacklist,
    CollectionAction,
    CollectionCase,
    Customer,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    LoanScoreHistory,
    Operator,
    ReconciliationReport,
    Repayment,
    Store,
    Transaction,
)
from bank_router.tools.records import (
    AgentRecord,
    BlacklistEntry,
    BlacklistStatus,
    CollectionActionRecord,
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

T = TypeVar("T", bound=BaseModel)


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


def _day_start(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time())


def _id_or_text(search: str, id_col: Any, *text_cols: Any) -> ColumnElement[bool]:
    """A search term matches any text column (case-insensitive), or the id when it is a number."""
    clauses = [c.icontains(search, autoescape=True) for c in text_cols]
    if search.isdigit() and len(search) <= 9:
        clauses.append(id_col == int(search))
    return or_(*clauses)


class SqlPlatform:
    """PlatformAdapter over the platform database."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._sessions = session_factory

    def _one(self, record: type[T], stmt: Select[Any]) -> T | None:
        with self._sessions() as s:
            row = s.scalars(stmt).first()
            return record.model_validate(row) if row is not None else None

    def _page(
        self, page_type: type[Page[T]], record: type[T], stmt: Select[Any], order: Sequence[Any], page: PageRequest
    ) -> Page[T]:
        with self._sessions() as s:
            total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
            offset = (page.page_number - 1) * page.page_size
            rows = s.scalars(stmt.order_by(*order).limit(page.page_size).offset(offset)).all()
            items = [record.model_validate(r) for r in rows]
        return page_type(total=total, page_number=page.page_number, page_size=page.page_size, items=items)

    # Customers

    def customer(self, tenant: str, customer_id: int) -> CustomerKyc | None:
        return self._one(CustomerKyc, select(Customer).where(Customer.tenant == tenant, Customer.id == customer_id))

    def customers(self, tenant: str, f: Filters, page: PageRequest) -> Page[CustomerSummary]:
        stmt = select(Customer).where(Customer.tenant == tenant)
        if f.search:
            stmt = stmt.where(_id_or_text(f.search, Customer.id, Customer.full_name, Customer.phone, Customer.email))
        if f.status:
            stmt = stmt.where(Customer.kyc_status == f.status)
        return self._page(Page[CustomerSummary], CustomerSummary, stmt, [Customer.id], page)

    def blacklist_status(self, tenant: str, customer_id: int) -> BlacklistStatus:
        stmt = select(Blacklist).where(Blacklist.tenant == tenant, Blacklist.customer_id == customer_id)
        with self._sessions() as s:
            entries = [BlacklistEntry.model_validate(b) for b in s.scalars(stmt.order_by(Blacklist.listed_at.desc()))]
        return BlacklistStatus(customer_id=customer_id, blacklisted=any(e.active for e in entries), entries=entries)

    def score_history(self, tenant: str, customer_id: int, page: PageRequest) -> Page[ScoreRecord]:
        stmt = select(LoanScoreHistory).where(
            LoanScoreHistory.tenant == tenant, LoanScoreHistory.customer_id == customer_id
        )
        order = [LoanScoreHistory.scored_at.desc(), LoanScoreHistory.id.desc()]
        return self._page(Page[ScoreRecord], ScoreRecord, stmt, order, page)

    # Transactions

    def transaction(self, tenant: str, txn_id: int | None, reference_id: str | None) -> TransactionRecord | None:
        stmt = select(Transaction).where(Transaction.tenant == tenant)
        if txn_id is not None:
            stmt = stmt.where(Transaction.id == txn_id)
        if reference_id is not None:
            stmt = stmt.where(func.upper(Transaction.reference_id) == reference_id.upper())
        return self._one(TransactionRecord, stmt)

    def transactions(self, tenant: str, f: Filters, page: PageRequest) -> Page[TransactionRecord]:
        stmt = select(Transaction).where(Transaction.tenant == tenant)
        conditions: list[ColumnElement[bool]] = []
        if f.reference_id:
            conditions.append(func.upper(Transaction.reference_id) == f.reference_id.upper())
        if f.customer_id is not None:
            conditions.append(Transaction.customer_id == f.customer_id)
        if f.status:
            conditions.append(Transaction.status == f.status)
        if f.type:
            conditions.append(Transaction.type == f.type)
        if f.channel:
            conditions.append(Transaction.channel == f.channel)
        if f.date_from:
            conditions.append(Transaction.created_at >= _day_start(f.date_from))
        if f.date_to:
            conditions.append(Transaction.created_at < _day_start(f.date_to + timedelta(days=1)))
        if f.suspicious_only:
            conditions.append(Transaction.is_suspicious.is_(True))
        if f.min_risk_score is not None:
            conditions.append(Transaction.risk_score >= f.min_risk_score)
        stmt = stmt.where(*conditions)
        order = [Transaction.created_at.desc(), Transaction.id.desc()]
        return self._page(Page[TransactionRecord], TransactionRecord, stmt, order, page)

    # Loans

    def loan(self, tenant: str, loan_id: int) -> LoanRecord | None:
        return self._one(LoanRecord, select(Loan).where(Loan.tenant == tenant, Loan.id == loan_id))

    def loans(self, tenant: str, f: Filters, page: PageRequest) -> Page[LoanRecord]:
        stmt = select(Loan).where(Loan.tenant == tenant)
        if f.status:
            stmt = stmt.where(Loan.status == f.status)
        if f.customer_id is not None:
            stmt = stmt.where(Loan.customer_id == f.customer_id)
        if f.product_id is not None:
            stmt = stmt.where(Loan.product_id == f.product_id)
        return self._page(Page[LoanRecord], LoanRecord, stmt, [Loan.disbursed_at.desc(), Loan.id.desc()], page)

    def application(self, tenant: str, application_id: int) -> LoanApplicationRecord | None:
        stmt = select(LoanApplication).where(LoanApplication.tenant == tenant, LoanApplication.id == application_id)
        return self._one(LoanApplicationRecord, stmt)

    def applications(self, tenant: str, f: Filters, page: PageRequest) -> Page[LoanApplicationRecord]:
        stmt = select(LoanApplication).where(LoanApplication.tenant == tenant)
        if f.status:
            stmt = stmt.where(LoanApplication.status == f.status)
        if f.customer_id is not None:
            stmt = stmt.where(LoanApplication.customer_id == f.customer_id)
        if f.product_id is not None:
            stmt = stmt.where(LoanApplication.product_id == f.product_id)
        order = [LoanApplication.created_at.desc(), LoanApplication.id.desc()]
        return self._page(Page[LoanApplicationRecord], LoanApplicationRecord, stmt, order, page)

    def product(self, tenant: str, product_id: int) -> LoanProductRecord | None:
        stmt = select(LoanProduct).where(LoanProduct.tenant == tenant, LoanProduct.id == product_id)
        return self._one(LoanProductRecord, stmt)

    def products(self, tenant: str, f: Filters, page: PageRequest) -> Page[LoanProductRecord]:
        stmt = select(LoanProduct).where(LoanProduct.tenant == tenant)
        if f.search:
            stmt = stmt.where(_id_or_text(f.search, LoanProduct.id, LoanProduct.name, LoanProduct.category))
        if f.category:
            stmt = stmt.where(LoanProduct.category == f.category)
        return self._page(Page[LoanProductRecord], LoanProductRecord, stmt, [LoanProduct.id], page)

    def _has_loan(self, s: Session, tenant: str, loan_id: int) -> bool:
        return s.scalar(select(Loan.id).where(Loan.tenant == tenant, Loan.id == loan_id)) is not None

    def repayments(self, tenant: str, loan_id: int, page: PageRequest) -> Page[RepaymentRecord] | None:
        with self._sessions() as s:
            if not self._has_loan(s, tenant, loan_id):
                return None
        stmt = select(Repayment).where(Repayment.tenant == tenant, Repayment.loan_id == loan_id)
        order = [Repayment.paid_at.desc(), Repayment.id.desc()]
        return self._page(Page[RepaymentRecord], RepaymentRecord, stmt, order, page)

    def installments(self, tenant: str, f: Filters, page: PageRequest) -> Page[InstallmentRecord] | None:
        if f.loan_id is None:
            return None
        with self._sessions() as s:
            if not self._has_loan(s, tenant, f.loan_id):
                return None
        stmt = select(Installment).where(Installment.tenant == tenant, Installment.loan_id == f.loan_id)
        if f.status:
            stmt = stmt.where(Installment.status == f.status)
        return self._page(Page[InstallmentRecord], InstallmentRecord, stmt, [Installment.number], page)

    def loan_balance(self, tenant: str, loan_id: int, today: date) -> LoanBalance | None:
        with self._sessions() as s:
            loan = s.scalars(select(Loan).where(Loan.tenant == tenant, Loan.id == loan_id)).first()
            if loan is None:
                return None
            repaid = s.scalar(
                select(func.coalesce(func.sum(Repayment.amount), 0)).where(
                    Repayment.tenant == tenant, Repayment.loan_id == loan_id
                )
            )
            plan = list(
                s.scalars(
                    select(Installment)
                    .where(Installment.tenant == tenant, Installment.loan_id == loan_id)
                    .order_by(Installment.number)
                )
            )
        overdue = [i for i in plan if i.status == "overdue" or (i.status == "due" and i.due_date < today)]
        upcoming = next((i for i in plan if i.status == "due" and i.due_date >= today), None)
        return LoanBalance(
            loan_id=loan.id,
            customer_id=loan.customer_id,
            status=loan.status,
            principal=float(loan.principal),
            outstanding_principal=float(loan.outstanding_principal),
            total_repaid=round(float(repaid or 0), 2),
            installments_total=len(plan),
            installments_paid=sum(1 for i in plan if i.status == "paid"),
            installments_overdue=len(overdue),
            amount_overdue=round(float(sum((i.amount for i in overdue), Decimal(0))), 2),
            next_due_date=upcoming.due_date if upcoming else None,
            next_due_amount=float(upcoming.amount) if upcoming else None,
        )

    def collection_cases(self, tenant: str, f: Filters, page: PageRequest) -> Page[CollectionCaseRecord]:
        stmt = (
            select(CollectionCase, Loan.customer_id)
            .join(Loan, Loan.id == CollectionCase.loan_id)
            .where(CollectionCase.tenant == tenant, Loan.tenant == tenant)
        )
        if f.loan_id is not None:
            stmt = stmt.where(CollectionCase.loan_id == f.loan_id)
        if f.customer_id is not None:
            stmt = stmt.where(Loan.customer_id == f.customer_id)
        if f.status:
            stmt = stmt.where(CollectionCase.status == f.status)
        with self._sessions() as s:
            total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            offset = (page.page_number - 1) * page.page_size
            ordered = stmt.order_by(CollectionCase.opened_at.desc(), CollectionCase.id.desc())
            rows = s.execute(ordered.limit(page.page_size).offset(offset)).all()
            ids = [case.id for case, _ in rows]
            actions: dict[int, list[CollectionActionRecord]] = {i: [] for i in ids}
            action_stmt = (
                select(CollectionAction)
                .where(CollectionAction.tenant == tenant, CollectionAction.case_id.in_(ids))
                .order_by(CollectionAction.taken_at)
            )
            for a in s.scalars(action_stmt):
                actions[a.case_id].append(CollectionActionRecord.model_validate(a))
        items = [
            CollectionCaseRecord(
                id=case.id,
                loan_id=case.loan_id,
                customer_id=customer_id,
                opened_at=case.opened_at,
                status=case.status,
                days_past_due=case.days_past_due,
                amount_overdue=float(case.amount_overdue),
                actions=actions[case.id],
            )
            for case, customer_id in rows
        ]
        return Page[CollectionCaseRecord](
            total=total, page_number=page.page_number, page_size=page.page_size, items=items
        )

    # Staff and stores

    def agent(self, tenant: str, agent_id: int) -> AgentRecord | None:
        return self._one(AgentRecord, select(Agent).where(Agent.tenant == tenant, Agent.id == agent_id))

    def agents(self, tenant: str, f: Filters, page: PageRequest) -> Page[AgentRecord]:
        stmt = select(Agent).where(Agent.tenant == tenant)
        if f.search:
            stmt = stmt.where(_id_or_text(f.search, Agent.id, Agent.name, Agent.phone))
        stmt = stmt.where(*self._staff_filters(Agent, f))
        return self._page(Page[AgentRecord], AgentRecord, stmt, [Agent.id], page)

    def operator(self, tenant: str, operator_id: int) -> OperatorRecord | None:
        stmt = select(Operator).where(Operator.tenant == tenant, Operator.id == operator_id)
        return self._one(OperatorRecord, stmt)

    def operators(self, tenant: str, f: Filters, page: PageRequest) -> Page[OperatorRecord]:
        stmt = select(Operator).where(Operator.tenant == tenant)
        if f.search:
            stmt = stmt.where(_id_or_text(f.search, Operator.id, Operator.name, Operator.phone, Operator.email))
        stmt = stmt.where(*self._staff_filters(Operator, f))
        return self._page(Page[OperatorRecord], OperatorRecord, stmt, [Operator.id], page)

    @staticmethod
    def _staff_filters(model: type[Agent] | type[Operator], f: Filters) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if f.status:
            out.append(model.status == f.status)
        if f.store_id is not None:
            out.append(model.store_id == f.store_id)
        if f.region:
            out.append(func.lower(model.region) == f.region.lower())
        return out

    def store(self, tenant: str, store_id: int) -> StoreRecord | None:
        return self._one(StoreRecord, select(Store).where(Store.tenant == tenant, Store.id == store_id))

    def stores(self, tenant: str, f: Filters, page: PageRequest) -> Page[StoreRecord]:
        stmt = select(Store).where(Store.tenant == tenant)
        if f.search:
            stmt = stmt.where(_id_or_text(f.search, Store.id, Store.name, Store.phone, Store.district))
        if f.status:
            stmt = stmt.where(Store.status == f.status)
        if f.region:
            stmt = stmt.where(func.lower(Store.region) == f.region.lower())
        return self._page(Page[StoreRecord], StoreRecord, stmt, [Store.id], page)

    # Insights

    def reconciliation_reports(self, tenant: str, f: Filters, page: PageRequest) -> Page[ReconciliationRecord]:
        stmt = select(ReconciliationReport).where(ReconciliationReport.tenant == tenant)
        if f.status:
            stmt = stmt.where(ReconciliationReport.status == f.status)
        if f.date_from:
            stmt = stmt.where(ReconciliationReport.report_date >= f.date_from)
        if f.date_to:
            stmt = stmt.where(ReconciliationReport.report_date <= f.date_to)
        order = [ReconciliationReport.report_date.desc()]
        return self._page(Page[ReconciliationRecord], ReconciliationRecord, stmt, order, page)

    # Scoring

    def credit_history(self, tenant: str, customer_id: int, since: date, today: date) -> CreditHistory:
        with self._sessions() as s:
            loans = list(s.scalars(select(Loan).where(Loan.tenant == tenant, Loan.customer_id == customer_id)))
            plan = s.scalars(
                select(Installment).where(
                    Installment.tenant == tenant,
                    Installment.loan_id.in_([loan.id for loan in loans]),
                    Installment.due_date >= since,
                    Installment.due_date <= today,
                )
            ).all()
            scores = s.scalars(
                select(LoanScoreHistory.score).where(
                    LoanScoreHistory.tenant == tenant, LoanScoreHistory.customer_id == customer_id
                )
            ).all()
        late = sum(
            1 for i in plan if i.status == "overdue" or (i.paid_at is not None and i.paid_at.date() > i.due_date)
        )
        return CreditHistory(
            late_payments=late,
            has_default=any(loan.status == "written_off" for loan in loans),
            outstanding=sum((loan.outstanding_principal for loan in loans if loan.status != "closed"), Decimal(0)),
            past_scores=list(scores),
        )

    def record_score(self, tenant: str, score: NewScore) -> int:
        row = LoanScoreHistory(
            tenant=tenant,
            customer_id=score.customer_id,
            score=score.score,
            band=score.band,
            decision=score.decision,
            reasons=score.reasons,
            product_id=score.product_id,
            amount=score.amount,
            scored_at=score.scored_at,
            scored_by=score.scored_by,
        )
        with self._sessions() as s, s.begin():
            s.add(row)
            s.flush()
            return row.id
