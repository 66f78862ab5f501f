"""Transaction tools: filtered history and a single transaction by id or reference."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from bank_router.tools.adapter import Filters
from bank_router.tools.common import Args, DateRangeArgs, found, page_of
from bank_router.tools.records import Page, TransactionRecord
from bank_router.tools.spec import RecordId, ReferenceId, RunContext, Tool

TransactionStatus = Literal["success", "failed", "pending", "reversed"]


class TransactionsArgs(DateRangeArgs):
    reference_id: ReferenceId | None = Field(None, description="Transaction reference, e.g. REF-001.")
    customer_id: RecordId | None = Field(None, description="Only transactions of this customer.")
    status: TransactionStatus | None = Field(None, description="Only transactions with this status.")
    type: Literal["deposit", "withdrawal", "transfer", "payment", "remittance"] | None = Field(
        None, description="Only transactions of this type."
    )
    channel: Literal["app", "atm", "branch", "agent", "pos"] | None = Field(None, description="Only this channel.")


class TransactionByIdArgs(Args):
    transaction_id: RecordId | None = Field(None, description="Numeric transaction id.")
    reference_id: ReferenceId | None = Field(None, description="Transaction reference, e.g. REF-001.")

    @model_validator(mode="after")
    def _one_key(self) -> TransactionByIdArgs:
        if self.transaction_id is None and self.reference_id is None:
            raise ValueError("give transaction_id or reference_id")
        return self


def get_transactions(args: TransactionsArgs, ctx: RunContext) -> Page[TransactionRecord]:
    filters = Filters(
        reference_id=args.reference_id,
        customer_id=args.customer_id,
        status=args.status,
        type=args.type,
        channel=args.channel,
        date_from=args.date_from,
        date_to=args.date_to,
    )
    return ctx.deps.platform.transactions(ctx.tenant, filters, page_of(args))


def get_transaction_by_id(args: TransactionByIdArgs, ctx: RunContext) -> TransactionRecord:
    record = ctx.deps.platform.transaction(ctx.tenant, args.transaction_id, args.reference_id)
    return found(record, "transaction", args.reference_id or args.transaction_id)


TRANSACTION_TOOLS: list[Tool[Any, Any]] = [
    Tool(
        name="get_transactions",
        category="transaction",
        description=(
            "Transaction list, newest first, with optional filters: reference_id, customer_id, status, type, "
            "channel and a date range; paginated."
        ),
        permission="transaction:read",
        args=TransactionsArgs,
        result=Page[TransactionRecord],
        run=get_transactions,
        cache_ttl=30,
    ),
    Tool(
        name="get_transaction_by_id",
        category="transaction",
        description="A single transaction by its numeric id or its reference_id (such as REF-001).",
        permission="transaction:read",
        args=TransactionByIdArgs,
        result=TransactionRecord,
        run=get_transaction_by_id,
        cache_ttl=30,
    ),
]
