"""The SQL platform's loan queries: loans, applications, products, repayments, collections and scoring."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from bank_router.platform.models import (
    CollectionAction,
    CollectionCase,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    LoanScoreHistory,
    Repayment,
)
from bank_router.tools.adapter import CreditHistory, Filters, NewScore, PageRequest
from bank_router.tools.records import (
    CollectionActionRecord,
    CollectionCaseRecord,
    InstallmentRecord,
    LoanApplicationRecord,
    LoanBalance,
    LoanProductRecord,
    LoanRecord,
    Page,
    RepaymentRecord,
    ScoreRecord,
)
from bank_router.tools.sql_common import SqlBase, id_or_text


class SqlLoans(SqlBase):
    """Loan-side reads (and the one write, a new score) over the platform database."""

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
            stmt = stmt.where(id_or_text(f.search, LoanProduct.id, LoanProduct.name, LoanProduct.category))
        if f.category:
            stmt = stmt.where(LoanProduct.category == f.category)
        return self._page(Page[LoanProductRecord], LoanProductRecord, stmt, [LoanProduct.id], page)

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

    def score_history(self, tenant: str, customer_id: int, page: PageRequest) -> Page[ScoreRecord]:
        stmt = select(LoanScoreHistory).where(
            LoanScoreHistory.tenant == tenant, LoanScoreHistory.customer_id == customer_id
        )
        order = [LoanScoreHistory.scored_at.desc(), LoanScoreHistory.id.desc()]
        return self._page(Page[ScoreRecord], ScoreRecord, stmt, order, page)

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
