"""`SqlPlatform`: the PlatformAdapter over the platform database (the demo platform by default)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, func, select

from bank_router.platform.models import (
    Agent,
    Blacklist,
    Customer,
    Operator,
    ReconciliationReport,
    Store,
    Transaction,
)
from bank_router.tools.adapter import Filters, PageRequest
from bank_router.tools.records import (
    AgentRecord,
    BlacklistEntry,
    BlacklistStatus,
    CustomerKyc,
    CustomerSummary,
    OperatorRecord,
    Page,
    ReconciliationRecord,
    StoreRecord,
    TransactionRecord,
)
from bank_router.tools.sql_common import day_start, id_or_text
from bank_router.tools.sql_loans import SqlLoans


class SqlPlatform(SqlLoans):
    """PlatformAdapter over the platform database."""

    # Customers

    def customer(self, tenant: str, customer_id: int) -> CustomerKyc | None:
        return self._one(CustomerKyc, select(Customer).where(Customer.tenant == tenant, Customer.id == customer_id))

    def customers(self, tenant: str, f: Filters, page: PageRequest) -> Page[CustomerSummary]:
        stmt = select(Customer).where(Customer.tenant == tenant)
        if f.search:
            stmt = stmt.where(id_or_text(f.search, Customer.id, Customer.full_name, Customer.phone, Customer.email))
        if f.status:
            stmt = stmt.where(Customer.kyc_status == f.status)
        return self._page(Page[CustomerSummary], CustomerSummary, stmt, [Customer.id], page)

    def blacklist_status(self, tenant: str, customer_id: int) -> BlacklistStatus:
        stmt = select(Blacklist).where(Blacklist.tenant == tenant, Blacklist.customer_id == customer_id)
        with self._sessions() as s:
            entries = [BlacklistEntry.model_validate(b) for b in s.scalars(stmt.order_by(Blacklist.listed_at.desc()))]
        return BlacklistStatus(customer_id=customer_id, blacklisted=any(e.active for e in entries), entries=entries)

    # Transactions

    def transaction(self, tenant: str, txn_id: int | None, reference_id: str | None) -> TransactionRecord | None:
        stmt = select(Transaction).where(Transaction.tenant == tenant)
        if txn_id is not None:
            stmt = stmt.where(Transaction.id == txn_id)
        if reference_id is not None:
            # References are stored upper-case: an exact match uses the (tenant, reference_id) unique index.
            stmt = stmt.where(Transaction.reference_id == reference_id.upper())
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
            conditions.append(Transaction.created_at >= day_start(f.date_from))
        if f.date_to:
            conditions.append(Transaction.created_at < day_start(f.date_to + timedelta(days=1)))
        if f.suspicious_only:
            conditions.append(Transaction.is_suspicious.is_(True))
        if f.min_risk_score is not None:
            conditions.append(Transaction.risk_score >= f.min_risk_score)
        stmt = stmt.where(*conditions)
        order = [Transaction.created_at.desc(), Transaction.id.desc()]
        return self._page(Page[TransactionRecord], TransactionRecord, stmt, order, page)

    # Staff and stores

    def agent(self, tenant: str, agent_id: int) -> AgentRecord | None:
        return self._one(AgentRecord, select(Agent).where(Agent.tenant == tenant, Agent.id == agent_id))

    def agents(self, tenant: str, f: Filters, page: PageRequest) -> Page[AgentRecord]:
        stmt = select(Agent).where(Agent.tenant == tenant)
        if f.search:
            stmt = stmt.where(id_or_text(f.search, Agent.id, Agent.name, Agent.phone))
        stmt = stmt.where(*self._staff_filters(Agent, f))
        return self._page(Page[AgentRecord], AgentRecord, stmt, [Agent.id], page)

    def operator(self, tenant: str, operator_id: int) -> OperatorRecord | None:
        stmt = select(Operator).where(Operator.tenant == tenant, Operator.id == operator_id)
        return self._one(OperatorRecord, stmt)

    def operators(self, tenant: str, f: Filters, page: PageRequest) -> Page[OperatorRecord]:
        stmt = select(Operator).where(Operator.tenant == tenant)
        if f.search:
            stmt = stmt.where(id_or_text(f.search, Operator.id, Operator.name, Operator.phone, Operator.email))
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
            stmt = stmt.where(id_or_text(f.search, Store.id, Store.name, Store.phone, Store.district))
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
