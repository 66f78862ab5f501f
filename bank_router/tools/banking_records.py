"""What the customer tools return and what they read: records with every number masked, and the store protocol.

Full account and card numbers never leave the store: records carry `****` plus the last four digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from bank_router.tools.adapter import PageRequest
from bank_router.tools.records import Page


def last_four(value: str) -> str:
    """'****' and the last four digits, whatever the number's length: '****1234'."""
    return "****" + value.strip()[-4:]


class AccountRecord(BaseModel):
    account_id: str = Field(description="The account's public id, e.g. ACC0000212")
    account_number: str = Field(description="Masked: **** and the last four digits")
    type: str = Field(description="savings | current | fixed_deposit | dps")
    product: str
    currency: str
    balance: float
    available: float = Field(description="What can be spent or sent now")
    pending: float = Field(description="Held for payments not yet settled")
    status: str = Field(description="active | dormant | closed | frozen")
    is_primary: bool
    opened_at: date
    last_updated: datetime


class Balance(BaseModel):
    account_id: str
    account_number: str = Field(description="Masked: **** and the last four digits")
    type: str
    product: str
    balance: float
    currency: str
    available: float
    pending: float
    status: str
    last_updated: datetime


class AccountList(BaseModel):
    total: int
    items: list[AccountRecord]


class StatementLine(BaseModel):
    reference_id: str
    created_at: datetime
    account_id: str | None = Field(description="The customer's account the line is on")
    description: str | None
    amount: float
    currency: str
    direction: Literal["credit", "debit"] = Field(description="credit: money in; debit: money out")
    type: str
    channel: str
    status: str


class CardRecord(BaseModel):
    card_id: str
    number: str = Field(description="Masked: **** and the last four digits")
    kind: str = Field(description="debit | credit")
    network: str
    product: str
    status: str = Field(description="active | blocked | expired")
    block_reason: str | None
    expires: date
    daily_atm_limit: float | None
    daily_pos_limit: float | None
    credit_limit: float | None
    account_id: str | None = Field(description="The debit card's account; none for a credit card")


class CardList(BaseModel):
    total: int
    items: list[CardRecord]


class CardAction(BaseModel):
    status: Literal["blocked", "active", "confirmation_required"] = Field(
        description="confirmation_required: nothing changed; call again with confirm=true after the customer agrees"
    )
    card: CardRecord
    message: str


class BeneficiaryRecord(BaseModel):
    beneficiary_id: str
    name: str
    relationship: str
    bank_name: str
    account_number: str = Field(description="Masked: **** and the last four digits")
    rail: str = Field(description="How transfers to this payee usually go: internal | NPSB | BEFTN | RTGS")
    created_at: datetime


class BeneficiaryList(BaseModel):
    total: int
    items: list[BeneficiaryRecord]


class TransferOutcome(BaseModel):
    status: Literal["otp_required", "completed"] = Field(
        description="otp_required: nothing moved yet; send the one-time code with challenge_id. completed: done"
    )
    challenge_id: str | None = None
    transfer_id: str | None = None
    from_account: str
    to_account: str
    to: str = Field(description="Who receives it, with a masked account number")
    amount: float
    fee: float = Field(description="Fee with VAT, taken as a separate entry")
    currency: str = "BDT"
    rail: str
    expected_arrival: str
    expires_at: datetime | None = Field(None, description="When the code stops working")
    created_at: datetime | None = None
    replayed: bool = Field(False, description="True: this transfer was already made with the same idempotency_key")


# What the store takes and gives back, beyond the records.


@dataclass(frozen=True, kw_only=True)
class StatementQuery:
    account_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    type: str | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    search: str | None = None


@dataclass(frozen=True, kw_only=True)
class Challenge:
    challenge_id: str
    customer_id: int
    purpose: str
    payload: dict[str, Any]
    code_hash: str
    attempts: int
    max_attempts: int
    status: str
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class TransferOrder:
    """A transfer the code authorised: every figure was checked and priced when the code was sent."""

    customer_id: int
    from_account: str
    to_account: str | None
    beneficiary_id: str | None
    amount: Decimal
    fee: Decimal
    rail: str
    reference: str | None
    idempotency_key: str | None
    expected_arrival: str
    debit_text: str
    credit_text: str | None


@dataclass(frozen=True, kw_only=True)
class TransferDone:
    transfer_id: str
    created_at: datetime
    replayed: bool
    amount: Decimal
    fee: Decimal
    rail: str
    expected_arrival: str


class BankingStore(Protocol):
    """A signed-in customer's own rows; every method filters by tenant and customer id, None = not theirs."""

    def accounts(self, tenant: str, customer_id: int) -> list[AccountRecord]: ...
    def statement(
        self, tenant: str, customer_id: int, q: StatementQuery, page: PageRequest
    ) -> Page[StatementLine] | None: ...
    def cards(self, tenant: str, customer_id: int) -> list[CardRecord]: ...
    def set_card_status(
        self, tenant: str, customer_id: int, card_id: str, status: str, reason: str | None, now: datetime
    ) -> CardRecord | None: ...
    def beneficiaries(self, tenant: str, customer_id: int) -> list[BeneficiaryRecord]: ...
    def sent_since(self, tenant: str, customer_id: int, rail: str, since: datetime) -> Decimal: ...
    def transfer_by_key(self, tenant: str, customer_id: int, key: str) -> TransferDone | None: ...
    def create_challenge(self, tenant: str, challenge: Challenge, now: datetime) -> None: ...
    def challenge(self, tenant: str, customer_id: int, challenge_id: str) -> Challenge | None: ...
    def count_attempt(self, tenant: str, customer_id: int, challenge_id: str, now: datetime) -> Challenge | None: ...
    def close_challenge(self, tenant: str, customer_id: int, challenge_id: str, status: str) -> None: ...
    def execute_transfer(self, tenant: str, challenge_id: str, order: TransferOrder, now: datetime) -> TransferDone: ...
