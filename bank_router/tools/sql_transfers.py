"""Moving a customer's money: the atomic transfer, its statement rows, and the one-time code bookkeeping.

Money moves in one database transaction whose debit is a conditional UPDATE (`available >= amount`), so
concurrent transfers can never overdraw an account, on SQLite and PostgreSQL alike; a code is claimed
(pending -> used) in that same transaction, so it moves money once at most.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bank_router.platform.models import Beneficiary, CodeChallenge, DepositAccount, Transaction, Transfer
from bank_router.tools.banking_records import Challenge, TransferDone, TransferOrder
from bank_router.tools.spec import CodeUsed, InsufficientFunds, TransferRefused
from bank_router.tools.sql_common import SqlBase


def challenge_of(c: CodeChallenge) -> Challenge:
    return Challenge(
        challenge_id=c.challenge_id,
        customer_id=c.customer_id,
        purpose=c.purpose,
        payload=dict(c.payload),
        code_hash=c.code_hash,
        attempts=c.attempts,
        max_attempts=c.max_attempts,
        status=c.status,
        expires_at=c.expires_at,
    )


class SqlTransfers(SqlBase):
    """Transfers and code challenges of one customer; every statement names the tenant and the customer."""

    def sent_since(self, tenant: str, customer_id: int, rail: str, since: datetime) -> Decimal:
        stmt = select(func.coalesce(func.sum(Transfer.amount), 0)).where(
            Transfer.tenant == tenant,
            Transfer.customer_id == customer_id,
            Transfer.rail == rail,
            Transfer.status != "failed",
            Transfer.created_at >= since,
        )
        with self._sessions() as s:
            return Decimal(str(s.scalar(stmt) or 0))

    def transfer_by_key(self, tenant: str, customer_id: int, key: str) -> TransferDone | None:
        stmt = select(Transfer).where(
            Transfer.tenant == tenant, Transfer.customer_id == customer_id, Transfer.idempotency_key == key
        )
        with self._sessions() as s:
            t = s.scalars(stmt).first()
            if t is None:
                return None
            return TransferDone(
                transfer_id=t.transfer_id,
                created_at=t.created_at,
                replayed=True,
                amount=t.amount,
                fee=t.fee,
                rail=t.rail,
                expected_arrival=t.expected_arrival,
            )

    # One-time codes

    def create_challenge(self, tenant: str, challenge: Challenge, now: datetime) -> None:
        with self._sessions() as s, s.begin():
            s.add(
                CodeChallenge(
                    tenant=tenant,
                    challenge_id=challenge.challenge_id,
                    customer_id=challenge.customer_id,
                    purpose=challenge.purpose,
                    payload=challenge.payload,
                    code_hash=challenge.code_hash,
                    attempts=0,
                    max_attempts=challenge.max_attempts,
                    status="pending",
                    expires_at=challenge.expires_at,
                    created_at=now,
                )
            )

    def challenge(self, tenant: str, customer_id: int, challenge_id: str) -> Challenge | None:
        with self._sessions() as s:
            row = s.scalars(self._own_challenge(tenant, customer_id, challenge_id)).first()
            return challenge_of(row) if row is not None else None

    def count_attempt(self, tenant: str, customer_id: int, challenge_id: str, now: datetime) -> Challenge | None:
        """Spend one try, atomically and only while the code is still usable; None when it is not."""
        with self._sessions() as s, s.begin():
            done = s.execute(
                self._challenge_update(tenant, customer_id, challenge_id)
                .where(
                    CodeChallenge.status == "pending",
                    CodeChallenge.attempts < CodeChallenge.max_attempts,
                    CodeChallenge.expires_at > now,
                )
                .values(attempts=CodeChallenge.attempts + 1)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = s.scalars(self._own_challenge(tenant, customer_id, challenge_id)).one()
            return challenge_of(row)

    def close_challenge(self, tenant: str, customer_id: int, challenge_id: str, status: str) -> None:
        with self._sessions() as s, s.begin():
            s.execute(
                self._challenge_update(tenant, customer_id, challenge_id)
                .where(CodeChallenge.status == "pending")
                .values(status=status)
            )

    # Moving money

    def execute_transfer(self, tenant: str, challenge_id: str, order: TransferOrder, now: datetime) -> TransferDone:
        """Claim the code, debit, credit, record: all or nothing. A code is claimed once, ever."""
        cid, total = order.customer_id, order.amount + order.fee
        with self._sessions() as s:
            try:
                # The claim comes first: it takes SQLite's write lock before anything is read.
                claimed = s.execute(
                    self._challenge_update(tenant, cid, challenge_id)
                    .where(CodeChallenge.status == "pending", CodeChallenge.expires_at > now)
                    .values(status="used")
                )
                if claimed.rowcount != 1:  # type: ignore[attr-defined]
                    raise CodeUsed()
                source = self._account_pk(s, tenant, cid, order.from_account)
                self._lock_in_order(s, tenant, order, source)
                debited = s.execute(
                    update(DepositAccount)
                    .where(
                        DepositAccount.id == source,
                        DepositAccount.tenant == tenant,
                        DepositAccount.customer_id == cid,
                        DepositAccount.status == "active",
                        DepositAccount.available >= total,
                    )
                    .values(
                        available=DepositAccount.available - total,
                        balance=DepositAccount.balance - total,
                        updated_at=now,
                    )
                )
                if source is None or debited.rowcount != 1:  # type: ignore[attr-defined]
                    # The code is spent either way; nothing else is written.
                    s.commit()
                    raise InsufficientFunds(order.from_account)
                target = self._credit(s, tenant, order, now)
                beneficiary = None
                if order.beneficiary_id is not None:
                    beneficiary = s.scalar(
                        select(Beneficiary.id).where(
                            Beneficiary.tenant == tenant,
                            Beneficiary.customer_id == cid,
                            Beneficiary.beneficiary_id == order.beneficiary_id,
                        )
                    )
                transfer_id = "TRF" + secrets.token_hex(6).upper()
                s.add(
                    Transfer(
                        tenant=tenant,
                        transfer_id=transfer_id,
                        customer_id=cid,
                        from_account=source,
                        to_account=target,
                        beneficiary=beneficiary,
                        amount=order.amount,
                        fee=order.fee,
                        rail=order.rail,
                        status="completed" if order.rail in ("internal", "NPSB", "RTGS") else "pending",
                        idempotency_key=order.idempotency_key,
                        reference=order.reference,
                        created_at=now,
                        expected_arrival=order.expected_arrival,
                    )
                )
                s.flush()
                self._statement_rows(s, tenant, order, transfer_id, source, target, now)
                s.commit()
                return TransferDone(
                    transfer_id=transfer_id,
                    created_at=now,
                    replayed=False,
                    amount=order.amount,
                    fee=order.fee,
                    rail=order.rail,
                    expected_arrival=order.expected_arrival,
                )
            except IntegrityError:
                s.rollback()
                # Another request with the same idempotency key got there first: its transfer is this one.
                if order.idempotency_key:
                    again = self.transfer_by_key(tenant, cid, order.idempotency_key)
                    if again is not None:
                        self.close_challenge(tenant, cid, challenge_id, "used")
                        return again
                raise

    def _credit(self, s: Session, tenant: str, order: TransferOrder, now: datetime) -> int | None:
        if order.to_account is None:
            return None
        target = self._account_pk(s, tenant, order.customer_id, order.to_account)
        credited = s.execute(
            update(DepositAccount)
            .where(DepositAccount.id == target, DepositAccount.status == "active", DepositAccount.currency == "BDT")
            .values(
                available=DepositAccount.available + order.amount,
                balance=DepositAccount.balance + order.amount,
                updated_at=now,
            )
        )
        if target is None or credited.rowcount != 1:  # type: ignore[attr-defined]
            s.rollback()
            raise TransferRefused(f"{order.to_account} cannot receive money now", "destination_inactive")
        return target

    @staticmethod
    def _statement_rows(
        s: Session, tenant: str, order: TransferOrder, ref: str, source: int, target: int | None, now: datetime
    ) -> None:
        def row(suffix: str, account: int, kind: str, amount: Decimal, text: str) -> Transaction:
            return Transaction(
                tenant=tenant,
                reference_id=ref + suffix,
                customer_id=order.customer_id,
                account_id=account,
                amount=amount,
                currency="BDT",
                type=kind,
                channel="app",
                status="success",
                failure_reason=None,
                risk_score=0,
                is_suspicious=False,
                created_at=now,
                description=text,
            )

        s.add(row("", source, "transfer", order.amount, order.debit_text))
        if order.fee > 0:
            s.add(row("-FEE", source, "payment", order.fee, f"Transfer fee incl. VAT ({order.rail}) — {ref}"))
        if target is not None and order.credit_text:
            s.add(row("-IN", target, "deposit", order.amount, order.credit_text))

    def _lock_in_order(self, s: Session, tenant: str, order: TransferOrder, source: int | None) -> None:
        """Between two own accounts, lock both rows lowest id first (PostgreSQL), so A->B and B->A at the same
        time wait for each other instead of deadlocking. SQLite has one writer at a time already."""
        if order.to_account is None or s.get_bind().dialect.name != "postgresql":
            return
        target = self._account_pk(s, tenant, order.customer_id, order.to_account)
        ids = sorted(i for i in (source, target) if i is not None)
        s.execute(
            select(DepositAccount.id).where(DepositAccount.id.in_(ids)).order_by(DepositAccount.id).with_for_update()
        )

    @staticmethod
    def _account_pk(s: Session, tenant: str, customer_id: int, account_id: str) -> int | None:
        stmt = select(DepositAccount.id).where(
            DepositAccount.tenant == tenant,
            DepositAccount.customer_id == customer_id,
            DepositAccount.account_id == account_id,
        )
        return s.scalar(stmt)

    @staticmethod
    def _own_challenge(tenant: str, customer_id: int, challenge_id: str) -> Select[CodeChallenge]:
        return select(CodeChallenge).where(
            CodeChallenge.tenant == tenant,
            CodeChallenge.customer_id == customer_id,
            CodeChallenge.challenge_id == challenge_id,
        )

    @staticmethod
    def _challenge_update(tenant: str, customer_id: int, challenge_id: str) -> Any:
        return update(CodeChallenge).where(
            CodeChallenge.tenant == tenant,
            CodeChallenge.customer_id == customer_id,
            CodeChallenge.challenge_id == challenge_id,
        )
