"""`SqlBanking`: a signed-in customer's own accounts, cards, payees and statement on the platform database
(and, from SqlTransfers, their transfers and one-time codes).

Every query names the tenant and the customer id, so another customer's id is simply not found.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.orm import aliased

from bank_router.platform.models import Beneficiary, Card, DepositAccount, Transaction
from bank_router.tools.adapter import PageRequest
from bank_router.tools.banking_records import (
    AccountRecord,
    BeneficiaryRecord,
    CardRecord,
    StatementLine,
    StatementQuery,
    last_four,
)
from bank_router.tools.records import Page
from bank_router.tools.sql_common import day_start
from bank_router.tools.sql_transfers import SqlTransfers

CREDITS = ("deposit", "remittance")


def _account(a: DepositAccount) -> AccountRecord:
    return AccountRecord(
        account_id=a.account_id,
        account_number=last_four(a.account_number),
        type=a.type,
        product=a.product,
        currency=a.currency,
        balance=float(a.balance),
        available=float(a.available),
        pending=float(a.pending),
        status=a.status,
        is_primary=a.is_primary,
        opened_at=a.opened_at.date(),
        last_updated=a.updated_at,
    )


def _card(c: Card, account_id: str | None) -> CardRecord:
    def amount(v: Decimal | None) -> float | None:
        return float(v) if v is not None else None

    return CardRecord(
        card_id=c.card_id,
        number=last_four(c.last_four),
        kind=c.kind,
        network=c.network,
        product=c.product,
        status=c.status,
        block_reason=c.block_reason,
        expires=c.expires,
        daily_atm_limit=amount(c.daily_atm_limit),
        daily_pos_limit=amount(c.daily_pos_limit),
        credit_limit=amount(c.credit_limit),
        account_id=account_id,
    )


class SqlBanking(SqlTransfers):
    """BankingStore over the platform database."""

    def accounts(self, tenant: str, customer_id: int) -> list[AccountRecord]:
        stmt = select(DepositAccount).where(DepositAccount.tenant == tenant, DepositAccount.customer_id == customer_id)
        with self._sessions() as s:
            rows = s.scalars(stmt.order_by(DepositAccount.is_primary.desc(), DepositAccount.id)).all()
            return [_account(a) for a in rows]

    def statement(
        self, tenant: str, customer_id: int, q: StatementQuery, page: PageRequest
    ) -> Page[StatementLine] | None:
        account = aliased(DepositAccount)
        stmt: Select[Transaction, str] = (
            select(Transaction, account.account_id)
            .outerjoin(account, account.id == Transaction.account_id)
            .where(Transaction.tenant == tenant, Transaction.customer_id == customer_id)
        )
        conditions: list[ColumnElement[bool]] = []
        with self._sessions() as s:
            if q.account_id is not None:
                own = self._account_pk(s, tenant, customer_id, q.account_id)
                if own is None:
                    return None
                conditions.append(Transaction.account_id == own)
            if q.date_from:
                conditions.append(Transaction.created_at >= day_start(q.date_from))
            if q.date_to:
                conditions.append(Transaction.created_at < day_start(q.date_to + timedelta(days=1)))
            if q.type:
                conditions.append(Transaction.type == q.type)
            if q.min_amount is not None:
                conditions.append(Transaction.amount >= q.min_amount)
            if q.max_amount is not None:
                conditions.append(Transaction.amount <= q.max_amount)
            if q.search:
                conditions.append(
                    or_(
                        Transaction.description.icontains(q.search, autoescape=True),
                        Transaction.reference_id.icontains(q.search, autoescape=True),
                    )
                )
            stmt = stmt.where(*conditions)
            total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            offset = (page.page_number - 1) * page.page_size
            ordered = stmt.order_by(Transaction.created_at.desc(), Transaction.id.desc())
            rows = s.execute(ordered.limit(page.page_size).offset(offset)).all()
        items = [
            StatementLine(
                reference_id=t.reference_id,
                created_at=t.created_at,
                account_id=public,
                description=t.description,
                amount=float(t.amount),
                currency=t.currency,
                direction="credit" if t.type in CREDITS else "debit",
                type=t.type,
                channel=t.channel,
                status=t.status,
            )
            for t, public in rows
        ]
        return Page[StatementLine](total=total, page_number=page.page_number, page_size=page.page_size, items=items)

    def cards(self, tenant: str, customer_id: int) -> list[CardRecord]:
        stmt = (
            select(Card, DepositAccount.account_id)
            .outerjoin(DepositAccount, DepositAccount.id == Card.account)
            .where(Card.tenant == tenant, Card.customer_id == customer_id)
            .order_by(Card.id)
        )
        with self._sessions() as s:
            return [_card(c, public) for c, public in s.execute(stmt).all()]

    def set_card_status(
        self, tenant: str, customer_id: int, card_id: str, status: str, reason: str | None, now: datetime
    ) -> CardRecord | None:
        with self._sessions() as s, s.begin():
            s.execute(
                update(Card)
                .where(Card.tenant == tenant, Card.customer_id == customer_id, Card.card_id == card_id)
                .values(status=status, block_reason=reason, updated_at=now)
            )
        return next((c for c in self.cards(tenant, customer_id) if c.card_id == card_id), None)

    def beneficiaries(self, tenant: str, customer_id: int) -> list[BeneficiaryRecord]:
        stmt = select(Beneficiary).where(Beneficiary.tenant == tenant, Beneficiary.customer_id == customer_id)
        with self._sessions() as s:
            return [
                BeneficiaryRecord(
                    beneficiary_id=b.beneficiary_id,
                    name=b.name,
                    relationship=b.relationship,
                    bank_name=b.bank_name,
                    account_number=last_four(b.account_number),
                    rail=b.rail,
                    created_at=b.created_at,
                )
                for b in s.scalars(stmt.order_by(Beneficiary.id))
            ]
